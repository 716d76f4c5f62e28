"""Award allocation by tier, special mentions, the chair's overrides, approval,
immutability and corrections."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    AuditEvent,
    AwardDecision,
    EditionState,
    EntryState,
    ImmutableRecordError,
    Role,
)
from judging.services import ServiceError
from judging.services.decisions import (
    MentionPick,
    allocate_awards,
    allocation_overview,
    approve_allocation,
    correct_decision,
    current_decisions,
    override_slot,
    select_special_mentions,
)
from judging.services.lifecycle import fire_edition_event
from judging.workflows.engine import TransitionError
from tests.decisions.helpers import (
    chair,
    entry_in_review,
    finalists_in_deliberation,
    secretariat,
    states,
)
from tests.factories import make_user

CITY, CORP, INST = "city_government", "corporation", "institution"


def slots_of(edition, category_key="human_centricity"):
    """{(tier, slot): entry or None} of the current decisions of one category."""
    category = edition.program.category_by_key(category_key)
    return {(d.tier_key, d.slot): d.entry for d in current_decisions(db.session, edition)
            if d.category_id == category.id}


def test_tiers_are_filled_in_order_by_type_and_empty_slots_are_recorded_vacant(app):
    edition, (c9, k8, c7, c6) = finalists_in_deliberation(
        [(CITY, 9), (CORP, 8), (CITY, 7), (CITY, 6)])
    result = allocate_awards(db.session, edition, actor=secretariat())
    slots = slots_of(edition)
    assert slots[("gold", 1)] == c9
    assert (slots[("silver", 1)], slots[("silver", 2)]) == (c7, c6)
    assert [slots[("bronze", n)] for n in (1, 2, 3)] == [None, None, None]
    assert slots[("corporation", 1)] == k8
    assert slots[("institution", 1)] is None
    vacant = {(d.tier_key, d.slot): d.vacancy_reason for d in current_decisions(db.session, edition)
              if d.entry_id is None and d.category.key == "human_centricity"}
    assert vacant[("institution", 1)] == "No finalist is of the accepted type (institution)."
    assert vacant[("bronze", 1)] == ("Every finalist of the accepted type (city government) "
                                     "already holds an award.")
    assert any("Human-CentriCity Institution Award #1" in v for v in result.vacancies)
    ranks = {d.entry_id: d.rank for d in current_decisions(db.session, edition) if d.entry_id}
    assert ranks == {c9.id: 1, k8.id: 2, c7.id: 3, c6.id: 4}


def test_an_entry_never_gets_two_awards(app):
    edition, (only_city, corp) = finalists_in_deliberation([(CITY, 9), (CORP, 3)])
    allocate_awards(db.session, edition, actor=secretariat())
    slots = slots_of(edition)
    assert slots[("gold", 1)] == only_city
    assert slots[("silver", 1)] is None and slots[("silver", 2)] is None
    awarded = [d.entry_id for d in current_decisions(db.session, edition) if d.entry_id]
    assert len(awarded) == len(set(awarded)) == 2


def test_categories_without_finalists_are_all_vacant_and_special_mentions_wait(app):
    edition, _ = finalists_in_deliberation([(CITY, 9)])
    allocate_awards(db.session, edition, actor=secretariat())
    overview = {block.category.key: block for block in allocation_overview(db.session, edition)}
    assert all(s.decided and s.entry is None for s in overview["tech_innovacity"].slots)
    assert all(s.decided and s.entry is None for s in overview["leadership"].slots)
    assert overview["special_mention"].undecided == 3


def test_a_tie_cut_by_a_tier_boundary_is_flagged_for_the_chair(app):
    edition, (a, b, c) = finalists_in_deliberation([(CITY, 8), (CITY, 8), (CITY, 5)])
    result = allocate_awards(db.session, edition, actor=secretariat())
    gold = next(d for d in current_decisions(db.session, edition)
                if d.tier_key == "gold" and d.category.key == "human_centricity")
    other = b if gold.entry_id == a.id else a
    assert f"with {other.reference}" in gold.reason and "the chair decides" in gold.reason
    assert len(result.ties) == 1
    silver = [d for d in current_decisions(db.session, edition)
              if d.tier_key == "silver" and d.category.key == "human_centricity"]
    assert {d.entry_id for d in silver} == {other.id, c.id}
    assert all(d.reason == "" for d in silver)  # both silver: the tie no longer matters there


def test_a_proposal_can_be_regenerated_but_not_after_approval(app):
    edition, (c9, c7) = finalists_in_deliberation([(CITY, 9), (CITY, 7)])
    allocate_awards(db.session, edition, actor=secretariat())
    gold = next(d for d in current_decisions(db.session, edition) if d.tier_key == "gold"
                and d.category.key == "human_centricity")
    override_slot(db.session, gold, entry=None, reason="No entry reached the Gold standard",
                  actor=chair())
    assert slots_of(edition)[("gold", 1)] is None
    result = allocate_awards(db.session, edition, actor=secretariat())
    assert "1 override was replaced by the new proposal." in result.messages
    assert slots_of(edition)[("gold", 1)] == c9
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AwardDecision))
    assert total == len(current_decisions(db.session, edition))  # old proposals were deleted
    select_special_mentions(db.session, edition, [], actor=chair())
    fire_edition_event(db.session, edition, "approve", actor=chair())
    with pytest.raises(ServiceError, match="approved; change it only by recording a correction"):
        allocate_awards(db.session, edition, actor=secretariat())


def test_allocation_needs_deliberation(app):
    edition, _ = finalists_in_deliberation([(CITY, 9)])
    edition.state = EditionState.JUDGING
    with pytest.raises(ServiceError, match="while the edition is in deliberation"):
        allocate_awards(db.session, edition, actor=secretariat())


def test_starting_deliberation_proposes_the_allocation(app):
    edition, (c9,) = finalists_in_deliberation([(CITY, 9)])
    edition.state = EditionState.JUDGING
    db.session.flush()
    fire_edition_event(db.session, edition, "start_deliberation", actor=secretariat())
    assert edition.state == EditionState.DELIBERATION
    assert slots_of(edition)[("gold", 1)] == c9


# ----- special mentions --------------------------------------------------------------------------
def test_special_mentions_up_to_three_with_themes_rest_vacant(app):
    edition, (c9, c7) = finalists_in_deliberation([(CITY, 9), (CITY, 7)])
    allocate_awards(db.session, edition, actor=secretariat())
    evaluated = entry_in_review(edition, category="tech_innovacity", applicant_type=INST,
                                state=EntryState.NOT_SHORTLISTED)
    select_special_mentions(db.session, edition, [
        MentionPick(evaluated.id, "Digital inclusion", "GGGI")], actor=secretariat())
    mentions = slots_of(edition, "special_mention")
    assert mentions[("special_mention", 1)] == evaluated
    assert mentions[("special_mention", 2)] is None and mentions[("special_mention", 3)] is None
    row = next(d for d in current_decisions(db.session, edition) if d.entry_id == evaluated.id)
    assert (row.basis, row.theme, row.partner) == ("selection", "Digital inclusion", "GGGI")
    vacant = next(d for d in current_decisions(db.session, edition)
                  if d.tier_key == "special_mention" and d.slot == 3)
    assert vacant.vacancy_reason == "The committee named 1 special mention."


@pytest.mark.parametrize("case", ["awarded", "no_theme", "withdrawn", "too_many", "twice"])
def test_special_mentions_refuse_ineligible_choices(app, case):
    edition, (c9,) = finalists_in_deliberation([(CITY, 9)])
    allocate_awards(db.session, edition, actor=secretariat())
    ok = [entry_in_review(edition, state=EntryState.NOT_SHORTLISTED) for _ in range(4)]
    picks, message = {
        "awarded": ([MentionPick(c9.id, "Care")], "already receives an award"),
        "no_theme": ([MentionPick(ok[0].id, "  ")], "give the theme"),
        "withdrawn": ([MentionPick(entry_in_review(edition, state=EntryState.WITHDRAWN).id, "x")],
                      "is withdrawn"),
        "too_many": ([MentionPick(e.id, "x") for e in ok], "At most 3 special mentions"),
        "twice": ([MentionPick(ok[0].id, "x"), MentionPick(ok[0].id, "y")], "named twice"),
    }[case]
    with pytest.raises(ServiceError, match=message):
        select_special_mentions(db.session, edition, picks, actor=secretariat())
    assert slots_of(edition, "special_mention") == {}


# ----- overrides ---------------------------------------------------------------------------------
def test_the_chair_overrides_a_slot_with_a_reason_and_it_stays_visible(app):
    edition, (c9, c7, c5) = finalists_in_deliberation([(CITY, 9), (CITY, 7), (CITY, 5)])
    allocate_awards(db.session, edition, actor=secretariat())
    bronze = next(d for d in current_decisions(db.session, edition)
                  if d.tier_key == "bronze" and d.slot == 1 and d.category.key == "human_centricity")
    assert bronze.entry_id is None
    silver2 = next(d for d in current_decisions(db.session, edition)
                   if d.tier_key == "silver" and d.slot == 2 and d.category.key == "human_centricity")
    new = override_slot(db.session, silver2, entry=None, reason="Evidence could not be verified",
                        actor=chair())
    assert (new.basis, new.entry_id, new.reason) == ("override", None, "Evidence could not be verified")
    assert new.vacancy_reason == "Evidence could not be verified"
    moved = override_slot(db.session, bronze, entry=c5, reason="Committee consensus", actor=chair())
    assert (moved.basis, moved.entry_id, moved.rank) == ("override", c5.id, 3)
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == "override_award")).all()
    assert [a.reason for a in audit] == ["Evidence could not be verified", "Committee consensus"]


def test_override_refusals(app):
    edition, (c9, corp) = finalists_in_deliberation([(CITY, 9), (CORP, 8)])
    allocate_awards(db.session, edition, actor=secretariat())
    current = {(d.category.key, d.tier_key, d.slot): d for d in current_decisions(db.session, edition)}
    gold = current[("human_centricity", "gold", 1)]
    silver = current[("human_centricity", "silver", 1)]
    with pytest.raises(ServiceError, match="Only the chair may override"):
        override_slot(db.session, gold, entry=None, reason="x", actor=secretariat())
    with pytest.raises(ServiceError, match="Write the reason"):
        override_slot(db.session, gold, entry=None, reason="  ", actor=chair())
    with pytest.raises(ServiceError, match="Gold accepts only a city government; .* is a corporation"):
        override_slot(db.session, gold, entry=corp, reason="x", actor=chair())
    with pytest.raises(ServiceError, match="already holds another decision"):
        override_slot(db.session, silver, entry=c9, reason="x", actor=chair())
    leader = entry_in_review(edition, category="leadership", state=EntryState.SHORTLISTED)
    with pytest.raises(ServiceError, match="did not enter Human-CentriCity"):
        override_slot(db.session, silver, entry=leader, reason="x", actor=chair())


# ----- approval and immutability -----------------------------------------------------------------
def _approved_edition():
    edition, entries = finalists_in_deliberation([(CITY, 9), (CITY, 7), (CORP, 6), (CITY, 5), (CITY, 4),
                                                  (CITY, 3), (CITY, 2), (INST, 2)])
    allocate_awards(db.session, edition, actor=secretariat())
    return edition, entries


def test_approval_waits_for_every_slot_then_awards_in_one_step(app):
    edition, entries = _approved_edition()
    with pytest.raises(TransitionError, match="Award slots without a decision: Special Mention"):
        fire_edition_event(db.session, edition, "approve", actor=chair())
    mention = entry_in_review(edition, category="tech_innovacity", state=EntryState.NOT_SHORTLISTED)
    select_special_mentions(db.session, edition, [MentionPick(mention.id, "Resilience")], actor=chair())
    with pytest.raises(TransitionError, match="may not; it is for chair"):
        fire_edition_event(db.session, edition, "approve", actor=secretariat())
    fire_edition_event(db.session, edition, "approve", actor=chair(), reason="Meeting of 24 September")
    assert edition.state == EditionState.APPROVED
    current = current_decisions(db.session, edition)
    assert all(d.approved_at is not None and d.approved_by_id == chair().id for d in current)
    # Gold, 2 Silver, 3 Bronze (cities), corporation, institution: all 8 finalists are awarded
    assert states(entries) == [EntryState.AWARDED] * 8
    db.session.refresh(mention)
    assert mention.state == EntryState.AWARDED


def test_finalists_without_an_award_are_not_awarded_on_approval(app):
    edition, entries = finalists_in_deliberation([(CITY, v) for v in (9, 8, 7, 6, 5, 4, 3)])
    allocate_awards(db.session, edition, actor=secretariat())
    select_special_mentions(db.session, edition, [], actor=chair())
    approve_allocation(db.session, edition, actor=chair())
    assert states(entries) == [EntryState.AWARDED] * 6 + [EntryState.NOT_AWARDED]


def test_an_approved_decision_cannot_be_edited_or_deleted(app):
    edition, _ = _approved_edition()
    select_special_mentions(db.session, edition, [], actor=chair())
    approve_allocation(db.session, edition, actor=chair())
    db.session.commit()
    decision = current_decisions(db.session, edition)[0]
    decision.reason = "quietly changed"
    with pytest.raises(ImmutableRecordError, match="record a correction instead"):
        db.session.flush()
    db.session.rollback()
    decision = current_decisions(db.session, edition)[0]
    db.session.delete(decision)
    with pytest.raises(ImmutableRecordError, match="cannot be deleted"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ServiceError, match="approved; record a correction instead"):
        override_slot(db.session, current_decisions(db.session, edition)[0], entry=None,
                      reason="x", actor=chair())


def test_approval_refuses_an_entry_holding_two_awards(app):
    edition, (c9,) = finalists_in_deliberation([(CITY, 9)])
    allocate_awards(db.session, edition, actor=secretariat())
    select_special_mentions(db.session, edition, [], actor=chair())
    mention = next(d for d in current_decisions(db.session, edition) if d.tier_key == "special_mention")
    mention.entry_id = c9.id  # bypassing the services
    db.session.flush()
    with pytest.raises(ServiceError, match="holds two awards"):
        approve_allocation(db.session, edition, actor=chair())


# ----- corrections -------------------------------------------------------------------------------
def test_a_correction_supersedes_with_its_reason_and_moves_the_award(app):
    edition, entries = finalists_in_deliberation([(CITY, 9), (CITY, 8), (CORP, 7)])
    allocate_awards(db.session, edition, actor=secretariat())
    spare = entry_in_review(edition, state=EntryState.NOT_SHORTLISTED, applicant_type=CITY)
    select_special_mentions(db.session, edition, [], actor=chair())
    approve_allocation(db.session, edition, actor=chair())
    gold = next(d for d in current_decisions(db.session, edition)
                if d.tier_key == "gold" and d.category.key == "human_centricity")
    old_entry = gold.entry
    new = correct_decision(db.session, gold, entry=spare, reason="Plagiarised evidence found",
                           actor=chair())
    assert (new.basis, new.supersedes_id, new.reason) == ("correction", gold.id, "Plagiarised evidence found")
    assert new.approved_at is not None
    db.session.refresh(gold)
    assert gold.entry_id == old_entry.id and gold.approved_at is not None  # the old one is untouched
    current_ids = {d.id for d in current_decisions(db.session, edition)}
    assert new.id in current_ids and gold.id not in current_ids
    assert states([old_entry, spare]) == [EntryState.NOT_AWARDED, EntryState.AWARDED]
    with pytest.raises(ServiceError, match="already been corrected"):
        correct_decision(db.session, gold, entry=None, reason="again", actor=chair())
    # the corrected decision is immutable too
    new.reason = "edited"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()


@pytest.mark.parametrize("case", ["no_reason", "secretariat", "before_approval", "holder"])
def test_correction_refusals(app, case):
    edition, (c9, c8) = finalists_in_deliberation([(CITY, 9), (CITY, 8)])
    allocate_awards(db.session, edition, actor=secretariat())
    select_special_mentions(db.session, edition, [], actor=chair())
    if case != "before_approval":
        approve_allocation(db.session, edition, actor=chair())
    gold = next(d for d in current_decisions(db.session, edition)
                if d.tier_key == "gold" and d.category.key == "human_centricity")
    actor = secretariat() if case == "secretariat" else chair()
    reason = "" if case == "no_reason" else "A reason"
    message = {"no_reason": "Write the reason for the correction",
               "secretariat": "Only the chair may correct",
               "before_approval": "Corrections are recorded after the approval",
               "holder": "already holds another decision"}[case]
    with pytest.raises(ServiceError, match=message):
        correct_decision(db.session, gold, entry=c8, reason=reason, actor=actor)


def test_a_judge_or_applicant_cannot_allocate(app):
    edition, _ = finalists_in_deliberation([(CITY, 9)])
    for role in (Role.JUDGE, Role.APPLICANT):
        with pytest.raises(ServiceError, match="Only the secretariat or chair"):
            allocate_awards(db.session, edition, actor=make_user(role))
