"""Every (state, event) pair of every machine: an allowed pair moves and writes exactly one
audit row; a pair not in the table raises and changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    Assignment,
    AuditEvent,
    AwardDecision,
    ConflictDeclaration,
    EditionState,
    EntryState,
    Review,
    ReviewState,
    Role,
    RoundState,
    Score,
    utcnow,
)
from judging.workflows.engine import NotAllowedFromState, apply
from judging.workflows.transitions import EDITION, ENTRY, REVIEW, ROUND, SECRETARIAT, CHAIR, OWNER
from tests.factories import make_edition, make_entry, make_user

# The edition state each entry event needs to pass its guards.
ENTRY_EVENT_EDITION_STATE = {
    "submit": EditionState.OPEN,
    "request_clarification": EditionState.SCREENING,
    "resubmit": EditionState.SCREENING,
    "declare_eligible": EditionState.SCREENING,
    "declare_ineligible": EditionState.SCREENING,
    "reinstate": EditionState.SCREENING,
    "start_review": EditionState.JUDGING,
    "shortlist": EditionState.JUDGING,
    "not_shortlist": EditionState.JUDGING,
    "award": EditionState.DELIBERATION,
    "not_award": EditionState.DELIBERATION,
    "revoke_award": EditionState.DELIBERATION,
    "certify": EditionState.APPROVED,
    "withdraw": EditionState.OPEN,
}


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def actor_for(transition, owner):
    if OWNER in transition.actors:
        return owner
    if CHAIR in transition.actors and SECRETARIAT not in transition.actors:
        return make_user(Role.CHAIR)
    return make_user(Role.SECRETARIAT)


def all_pairs(machine):
    return [(state, event) for state in machine.states for event in machine.events]


def test_table_covers_every_event_test():
    assert set(ENTRY_EVENT_EDITION_STATE) == set(ENTRY.events)


@pytest.mark.parametrize("state,event", all_pairs(ENTRY), ids=lambda v: getattr(v, "value", v))
def test_entry_pair(app, state, event):
    edition = make_edition(ENTRY_EVENT_EDITION_STATE[event])
    entry = make_entry(edition, force_state=state)
    entry.clarification_deadline_at = utcnow() + timedelta(days=3)
    transition = ENTRY.find(event, state)
    owner = entry.owner
    before = audit_count()
    if transition is None:
        actor = make_user(Role.SECRETARIAT, Role.CHAIR)
        with pytest.raises(NotAllowedFromState) as refused:
            apply(entry, event, actor=actor, reason="because")
        assert event in str(refused.value) and state.value in str(refused.value)
        assert entry.state == state
        assert audit_count() == before
        return
    actor = actor_for(transition, owner)
    apply(entry, event, actor=actor, reason="because")
    assert entry.state == transition.target
    assert audit_count() == before + 1
    row = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (row.subject_type, row.subject_id, row.event) == ("entry", entry.id, event)
    assert (row.from_state, row.to_state, row.actor_id) == (state.value, transition.target.value, actor.id)
    assert row.edition_id == edition.id


def _prepare_edition(edition, event):
    """Make the guards of an edition event pass."""
    if event == "close_call":
        edition.deadline_at = utcnow() - timedelta(hours=1)
    elif event == "start_judging":
        make_entry(edition, force_state=EntryState.ELIGIBLE)
    elif event == "start_deliberation":
        for rnd in edition.rounds:
            rnd.state = RoundState.CLOSED
    elif event == "approve":
        secretariat = make_user(Role.SECRETARIAT)
        for category in edition.program.categories:
            for tier in category.tiers:
                for slot in range(1, tier.slots + 1):
                    db.session.add(AwardDecision(
                        edition_id=edition.id, category_id=category.id, tier_key=tier.key,
                        slot=slot, entry_id=None, basis="ranking", decided_by_id=secretariat.id,
                        vacancy_reason="No suitable entry."))
    db.session.flush()


@pytest.mark.parametrize("state,event", all_pairs(EDITION), ids=lambda v: getattr(v, "value", v))
def test_edition_pair(app, state, event):
    edition = make_edition(state)
    transition = EDITION.find(event, state)
    before = audit_count()
    if transition is None:
        with pytest.raises(NotAllowedFromState):
            apply(edition, event, actor=make_user(Role.SECRETARIAT, Role.CHAIR), reason="r")
        assert edition.state == state
        assert audit_count() == before
        return
    _prepare_edition(edition, event)
    before = audit_count()
    actor = actor_for(transition, None)
    apply(edition, event, actor=actor, reason="r")
    assert edition.state == transition.target
    assert audit_count() == before + 1


def _review_setup(edition_state=EditionState.JUDGING, round_state=RoundState.OPEN):
    edition = make_edition(edition_state)
    rnd = edition.rounds[0]
    rnd.state = round_state
    entry = make_entry(edition, force_state=EntryState.IN_REVIEW, country="BR")
    judge = make_user(Role.JUDGE, country="DK", city="Odense")
    db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    db.session.flush()
    return edition, rnd, entry, judge


@pytest.mark.parametrize("state,event", all_pairs(ROUND), ids=lambda v: getattr(v, "value", v))
def test_round_pair(app, state, event):
    edition, rnd, entry, judge = _review_setup(round_state=state)
    if event == "open_round":
        target_round = rnd  # round 1: no earlier round
    else:
        target_round = rnd
        db.session.add(Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                              state=ReviewState.SUBMITTED, overall_comment="ok"))
        db.session.flush()
    transition = ROUND.find(event, state)
    before = audit_count()
    actor = make_user(Role.SECRETARIAT)
    if transition is None:
        with pytest.raises(NotAllowedFromState):
            apply(target_round, event, actor=actor)
        assert target_round.state == state and audit_count() == before
        return
    apply(target_round, event, actor=actor)
    assert target_round.state == transition.target
    assert audit_count() == before + 1


@pytest.mark.parametrize("state,event", all_pairs(REVIEW), ids=lambda v: getattr(v, "value", v))
def test_review_pair(app, state, event):
    edition, rnd, entry, judge = _review_setup()
    review = Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id, state=state,
                    overall_comment="A strong, well evidenced project.")
    db.session.add(review)
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judge.id,
                                       entry_id=entry.id, has_conflict=False))
    db.session.flush()
    for criterion in entry.category.criteria:
        review.scores.append(Score(criterion=criterion, value=7))
    db.session.flush()
    transition = REVIEW.find(event, state)
    before = audit_count()
    if transition is None:
        with pytest.raises(NotAllowedFromState):
            apply(review, event, actor=make_user(Role.SECRETARIAT, Role.JUDGE), reason="r")
        assert review.state == state and audit_count() == before
        return
    actor = judge if OWNER in transition.actors else make_user(Role.SECRETARIAT)
    apply(review, event, actor=actor, reason="Reopened to correct a typo")
    assert review.state == transition.target
    assert audit_count() == before + 1
