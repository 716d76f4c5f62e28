"""Assignment through the database: K judges per entry without conflict, balanced loads,
incremental and deterministic; an impossible assignment is reported and changes nothing;
manual add and remove with the same checks; recusals replaced."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from markupsafe import escape

from judging.extensions import db
from judging.models import (
    Assignment,
    AuditEvent,
    ConflictDeclaration,
    EntryState,
    Notification,
    Review,
    ReviewState,
    Role,
    automatic_conflicts,
)
from judging.services import ServiceError
from judging.services import assignment as service
from judging.services.conflicts import declare
from judging.services.judging_access import may_see_entry
from tests.factories import make_entry, make_user
from tests.secretariat.helpers import (
    audit_rows,
    count,
    judging_edition,
    make_panel,
    make_round_entries,
    outbox,
    secretariat_user,
)


def active_rows(rnd) -> list[Assignment]:
    return list(db.session.scalars(sa.select(Assignment).where(
        Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))))


def test_240_entries_16_judges_from_12_countries_three_judges_each_loads_within_one(app):
    edition = judging_edition()
    judges = make_panel(edition)
    assert len({j.country for j in judges}) == 12
    entries = make_round_entries(edition, 240)
    actor = secretariat_user()

    result = service.assign_round(db.session, edition, 1, actor=actor, seed=2023)
    db.session.commit()

    rows = active_rows(edition.rounds[0])
    assert len(rows) == 720 == len(result.created)
    per_entry = Counter(a.entry_id for a in rows)
    assert set(per_entry.values()) == {3} and len(per_entry) == 240
    assert all(len({a.judge_id for a in rows if a.entry_id == e.id}) == 3 for e in entries[:10])
    rules = edition.program.spec.conflict_rules
    for a in rows:
        assert automatic_conflicts(a.judge, a.entry, rules) == [], (a.judge.country, a.entry.country)
    loads = Counter(a.judge_id for a in rows)
    assert len(loads) == 16 and max(loads.values()) - min(loads.values()) <= 1
    # One audit row per entry, naming the judges; each judge told once.
    assign_audits = audit_rows("assign", edition_id=edition.id)
    assert len(assign_audits) == 240
    assert {tuple(sorted(a.details["judge_ids"])) for a in assign_audits if a.subject_id == entries[0].id} \
        == {tuple(sorted(r.judge_id for r in rows if r.entry_id == entries[0].id))}
    messages = outbox("assignment")
    assert sorted(m.to_email for m in messages) == sorted(j.email for j in judges)
    assert all(f"you have {loads[j.id]} new entries" in m.subject
               for j in judges for m in messages if m.to_email == j.email)


def test_running_again_adds_nothing_and_the_same_seed_gives_the_same_assignment(app):
    edition = judging_edition()
    make_panel(edition)
    make_round_entries(edition, 30)
    actor = secretariat_user()
    service.assign_round(db.session, edition, 1, actor=actor, seed=11)
    first = sorted((a.entry_id, a.judge_id) for a in active_rows(edition.rounds[0]))
    audits, messages = count(AuditEvent), count(Notification)

    again = service.assign_round(db.session, edition, 1, actor=actor, seed=99)
    assert again.created == []
    assert (count(AuditEvent), count(Notification)) == (audits, messages)

    db.session.execute(sa.delete(Assignment))
    service.assign_round(db.session, edition, 1, actor=actor, seed=11)
    assert sorted((a.entry_id, a.judge_id) for a in active_rows(edition.rounds[0])) == first


def test_only_missing_places_are_filled(app):
    edition = judging_edition()
    judges = make_panel(edition)
    entries = make_round_entries(edition, 6, places=[("BR", "São Paulo")])
    actor = secretariat_user()
    service.add_judge(db.session, edition.rounds[0], entries[0], judges[0], actor=actor)
    service.assign_round(db.session, edition, 1, actor=actor, per_entry=2)
    rows = active_rows(edition.rounds[0])
    assert Counter(a.entry_id for a in rows) == {e.id: 2 for e in entries}
    assert judges[0].id in {a.judge_id for a in rows if a.entry_id == entries[0].id}


def test_an_impossible_assignment_names_each_entry_and_why_and_changes_nothing(app):
    edition = judging_edition()
    korean = make_panel(edition, [("KR", "Seoul"), ("KR", "Busan")])
    brazilian = make_panel(edition, [("BR", "Recife")])
    make_panel(edition, [("JP", "Tokyo")])
    fine = make_round_entries(edition, 3, places=[("US", "Boston")])
    hard = make_entry(edition, force_state=EntryState.IN_REVIEW, country="KR", city="Seoul",
                      with_attachment=False)
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=brazilian[0].id,
                                       entry_id=hard.id, has_conflict=True,
                                       reason="I advised this project"))
    db.session.flush()
    before = (count(Assignment), count(AuditEvent), count(Notification))

    with pytest.raises(service.AssignmentImpossible) as refused:
        service.assign_round(db.session, edition, 1, actor=secretariat_user(), per_entry=3)

    assert refused.value.problems == [
        f"{hard.reference}: only 1 judge without conflict, 3 needed "
        "(2 same country, 1 declared)"]
    assert "Nothing was assigned" in str(refused.value)
    assert (count(Assignment), count(AuditEvent), count(Notification)) == before
    assert fine and korean


def test_judges_of_other_categories_are_not_assigned_and_say_so(app):
    edition = judging_edition()
    make_panel(edition, [("US", "Boston"), ("DK", "Odense")], categories=["tech_innovacity"])
    make_panel(edition, [("JP", "Tokyo")])
    entry = make_round_entries(edition, 1, places=[("BR", "Recife")])[0]
    with pytest.raises(service.AssignmentImpossible) as refused:
        service.assign_round(db.session, edition, 1, actor=secretariat_user(), per_entry=2)
    assert refused.value.problems == [
        f"{entry.reference}: only 1 judge without conflict, 2 needed "
        "(2 do not judge this category)"]


def test_a_conflicted_judge_is_never_assigned_and_cannot_open_the_entry(app, login_as):
    edition = judging_edition()
    judges = make_panel(edition, [("KR", "Seoul"), ("US", "Boston"), ("DK", "Odense"),
                                  ("IE", "Dublin")])
    korean_entry = make_entry(edition, force_state=EntryState.IN_REVIEW, country="KR",
                              city="Seoul", with_attachment=False)
    other = make_entry(edition, force_state=EntryState.IN_REVIEW, country="BR", city="Recife",
                       organisation="Institute of the Boston judge", with_attachment=False)
    judges[1].organisation = "Institute of the Boston judge"
    service.assign_round(db.session, edition, 1, actor=secretariat_user(), per_entry=2)
    db.session.commit()
    rnd = edition.rounds[0]
    on_korean = {a.judge_id for a in active_rows(rnd) if a.entry_id == korean_entry.id}
    on_other = {a.judge_id for a in active_rows(rnd) if a.entry_id == other.id}
    assert judges[0].id not in on_korean  # same country
    assert judges[1].id not in on_other  # same organisation
    # The Korean judge cannot open the Korean entry: it is not among their assignments ...
    client = login_as(judges[0])
    assert client.get(f"/judge/rounds/{rnd.id}/entries/{korean_entry.id}").status_code == 404
    assert not may_see_entry(db.session, judges[0], korean_entry, rnd)
    # ... and even an assignment made behind the services' back does not show it.
    db.session.add(Assignment(round_id=rnd.id, entry_id=korean_entry.id, judge_id=judges[0].id))
    db.session.commit()
    assert not may_see_entry(db.session, judges[0], korean_entry, rnd)
    response = client.get(f"/judge/rounds/{rnd.id}/entries/{korean_entry.id}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "conflict of interest" in page and "same country (KR)" in page
    assert str(escape(korean_entry.answers["summary"])) not in page
    assert korean_entry.title not in page


def test_manual_add_has_the_same_checks(app):
    edition = judging_edition()
    korean, american, danish = make_panel(edition, [("KR", "Seoul"), ("US", "Boston"),
                                                    ("DK", "Odense")])
    tech_only = make_panel(edition, [("IE", "Dublin")], categories=["tech_innovacity"])[0]
    outsider = make_user(Role.JUDGE, country="JP", city="Tokyo")
    entry = make_entry(edition, force_state=EntryState.IN_REVIEW, country="KR", city="Seoul",
                       with_attachment=False)
    rnd, actor = edition.rounds[0], secretariat_user()

    refusals = {}
    for judge in (korean, tech_only, outsider):
        with pytest.raises(ServiceError) as refused:
            service.add_judge(db.session, rnd, entry, judge, actor=actor)
        refusals[judge.id] = str(refused.value)
    assert "same country (KR)" in refusals[korean.id]
    assert "do not judge this category" in refusals[tech_only.id]
    assert "not on the panel" in refusals[outsider.id]

    service.add_judge(db.session, rnd, entry, american, actor=actor)
    with pytest.raises(ServiceError, match="already assigned"):
        service.add_judge(db.session, rnd, entry, american, actor=actor)
    assert [a.judge_id for a in active_rows(rnd)] == [american.id]
    [audit] = audit_rows("assign", subject_id=entry.id)
    assert audit.details == {"round": 1, "judge_ids": [american.id], "manual": True}
    assert [m.to_email for m in outbox("assignment")] == [american.email]
    assert danish


def test_removing_a_judge_with_a_submitted_review_is_refused_a_draft_is_discarded(app):
    edition = judging_edition()
    first, second = make_panel(edition, [("US", "Boston"), ("DK", "Odense")])
    entry = make_entry(edition, force_state=EntryState.IN_REVIEW, with_attachment=False)
    rnd, actor = edition.rounds[0], secretariat_user()
    a1 = service.add_judge(db.session, rnd, entry, first, actor=actor)
    a2 = service.add_judge(db.session, rnd, entry, second, actor=actor)
    db.session.add_all([
        Review(round_id=rnd.id, entry_id=entry.id, judge_id=first.id, state=ReviewState.SUBMITTED),
        Review(round_id=rnd.id, entry_id=entry.id, judge_id=second.id, state=ReviewState.DRAFT)])
    db.session.flush()

    with pytest.raises(ServiceError, match="has submitted a review"):
        service.remove_judge(db.session, a1, actor=actor)
    service.remove_judge(db.session, a2, actor=actor, reason="Swapped for balance")
    assert [a.judge_id for a in active_rows(rnd)] == [first.id]
    assert count(Review) == 1
    [audit] = audit_rows("unassign")
    assert audit.details == {"round": 1, "judge_id": second.id, "draft_discarded": True}
    assert audit.reason == "Swapped for balance"


def test_a_recusal_is_replaced_by_the_least_loaded_judge_without_conflict(app):
    edition = judging_edition()
    judges = make_panel(edition, [("US", "Boston"), ("DK", "Odense"), ("IE", "Dublin"),
                                  ("JP", "Tokyo"), ("KR", "Seoul")])
    entries = make_round_entries(edition, 4, places=[("BR", "Recife")])
    rnd = edition.rounds[0]
    service.assign_round(db.session, edition, 1, actor=secretariat_user(), per_entry=3, seed=1)
    entry = entries[0]
    leaving = next(a for a in active_rows(rnd) if a.entry_id == entry.id)
    judge = leaving.judge
    outbox_before = len(outbox("assignment"))

    declare(db.session, judge=judge, entry=entry, has_conflict=True,
            reason="I advised this project", actor=judge)

    now_on = [a for a in active_rows(rnd) if a.entry_id == entry.id]
    assert len(now_on) == 3 and judge.id not in {a.judge_id for a in now_on}
    assert db.session.get(Assignment, leaving.id).recused_at is not None
    replacement = [a for a in audit_rows("assign", subject_id=entry.id) if a.details.get("automatic")]
    assert len(replacement) == 1 and replacement[0].details["replaces"] == judge.id
    assert len(outbox("assignment")) == outbox_before + 1
    assert service.recusals_without_replacement(db.session, edition) == []
    assert judges


def test_a_recusal_without_replacement_needs_attention_until_waived(app, login_as):
    edition = judging_edition()
    judges = make_panel(edition, [("US", "Boston"), ("DK", "Odense"), ("IE", "Dublin")])
    entry = make_round_entries(edition, 1, places=[("BR", "Recife")])[0]
    rnd, actor = edition.rounds[0], secretariat_user()
    service.assign_round(db.session, edition, 1, actor=actor, per_entry=3)
    declaration = declare(db.session, judge=judges[0], entry=entry, has_conflict=True,
                          reason="My former student leads it", actor=judges[0])
    db.session.commit()

    [attention] = service.recusals_without_replacement(db.session, edition)
    assert (attention.entry.id, attention.active, attention.needed) == (entry.id, 2, 3)
    page = login_as(actor).get("/secretariat/").get_data(as_text=True)
    assert "Conflicts needing attention" in page and entry.reference in page
    assert "My former student leads it" in page

    from judging.services.conflicts import waive

    waive(db.session, declaration, reason="Supervision ended ten years ago", actor=actor)
    assert len(active_rows(rnd)) == 3
    assert service.recusals_without_replacement(db.session, edition) == []


def test_closed_round_and_missing_round_are_refused(app):
    from judging.models import RoundState

    edition = judging_edition(round_state=RoundState.CLOSED)
    make_panel(edition)
    make_round_entries(edition, 2)
    with pytest.raises(ServiceError, match="closed"):
        service.assign_round(db.session, edition, 1, actor=secretariat_user())
    with pytest.raises(ServiceError, match="no round 7"):
        service.assign_round(db.session, edition, 7, actor=secretariat_user())


def test_round_two_assigns_the_finalists(app):
    from judging.models import RoundState

    edition = judging_edition(round_state=RoundState.CLOSED)
    make_panel(edition)
    finalists = make_round_entries(edition, 5, state=EntryState.SHORTLISTED)
    make_round_entries(edition, 5, state=EntryState.NOT_SHORTLISTED)
    result = service.assign_round(db.session, edition, 2, actor=secretariat_user())
    assert result.per_entry == 5
    assert {a.entry_id for a in result.created} == {e.id for e in finalists}


def test_export_lists_reference_and_judge_email(app):
    edition = judging_edition()
    make_panel(edition)
    entries = make_round_entries(edition, 3, places=[("BR", "Recife")])
    service.assign_round(db.session, edition, 1, actor=secretariat_user())
    text = service.export_csv(db.session, edition.rounds[0])
    lines = text.splitlines()
    assert lines[0] == "reference,judge_email"
    assert len(lines) == 1 + 9
    assert {line.split(",")[0] for line in lines[1:]} == {e.reference for e in entries}
