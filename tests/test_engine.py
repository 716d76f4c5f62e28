"""The engine's refusals: each raises a clear error and changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import AuditEvent, EditionState, EntryState, Role, utcnow
from judging.workflows.engine import (
    BulkTransitionError,
    GuardRefused,
    NotPermitted,
    ReasonRequired,
    UnknownEvent,
    apply,
    apply_many,
    available,
)
from tests.factories import make_edition, make_entry, make_user


def audit_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_unknown_event_names_the_known_ones(app):
    entry = make_entry(make_edition())
    with pytest.raises(UnknownEvent) as refused:
        apply(entry, "teleport", actor=entry.owner)
    assert "unknown event" in str(refused.value) and "submit" in str(refused.value)
    assert entry.state == EntryState.DRAFT and audit_rows() == 0


def test_wrong_role_is_refused(app):
    edition = make_edition(EditionState.SCREENING)
    entry = make_entry(edition, force_state=EntryState.SUBMITTED)
    judge = make_user(Role.JUDGE)
    with pytest.raises(NotPermitted) as refused:
        apply(entry, "declare_eligible", actor=judge)
    assert "secretariat" in str(refused.value)
    assert entry.state == EntryState.SUBMITTED and audit_rows() == 0


def test_another_applicant_cannot_submit_my_entry(app):
    entry = make_entry(make_edition())
    stranger = make_user(Role.APPLICANT)
    with pytest.raises(NotPermitted):
        apply(entry, "submit", actor=stranger)
    assert entry.state == EntryState.DRAFT


def test_secretariat_cannot_submit_for_the_applicant(app):
    entry = make_entry(make_edition())
    with pytest.raises(NotPermitted):
        apply(entry, "submit", actor=make_user(Role.SECRETARIAT))


def test_reason_required(app):
    entry = make_entry(make_edition(EditionState.SCREENING), force_state=EntryState.SUBMITTED)
    with pytest.raises(ReasonRequired) as refused:
        apply(entry, "declare_ineligible", actor=make_user(Role.SECRETARIAT), reason="   ")
    assert "required" in str(refused.value)
    assert entry.state == EntryState.SUBMITTED and audit_rows() == 0


def test_submit_one_second_late_is_refused_and_the_draft_stays(app):
    deadline = utcnow() - timedelta(seconds=1)
    edition = make_edition(deadline=deadline)
    entry = make_entry(edition)
    with pytest.raises(GuardRefused) as refused:
        apply(entry, "submit", actor=entry.owner)
    assert "deadline has passed" in str(refused.value)
    assert "KST" in str(refused.value)
    assert entry.state == EntryState.DRAFT and audit_rows() == 0


def test_submit_exactly_at_the_deadline_is_accepted(app):
    now = utcnow()
    edition = make_edition(deadline=now)
    entry = make_entry(edition)
    apply(entry, "submit", actor=entry.owner, now=now)
    assert entry.state == EntryState.SUBMITTED


def test_incomplete_entry_cannot_be_submitted(app):
    entry = make_entry(make_edition(), with_attachment=False)
    with pytest.raises(GuardRefused) as refused:
        apply(entry, "submit", actor=entry.owner)
    assert "Attach at least 1" in str(refused.value)
    entry.answers = {**entry.answers, "summary": ""}
    with pytest.raises(GuardRefused) as refused:
        apply(entry, "submit", actor=entry.owner)
    assert "not complete" in str(refused.value) and "required" in str(refused.value)


def test_edition_cannot_open_without_deadline(app):
    edition = make_edition(EditionState.SETUP)
    edition.deadline_at = None
    with pytest.raises(GuardRefused, match="Set the submission deadline"):
        apply(edition, "open_call", actor=make_user(Role.SECRETARIAT))
    assert edition.state == EditionState.SETUP


def test_call_cannot_close_before_deadline(app):
    edition = make_edition(EditionState.OPEN)
    with pytest.raises(GuardRefused, match="cannot close before its deadline"):
        apply(edition, "close_call", actor=make_user(Role.SECRETARIAT))


def test_judging_cannot_start_with_entries_awaiting_screening(app):
    edition = make_edition(EditionState.SCREENING)
    make_entry(edition, force_state=EntryState.ELIGIBLE)
    make_entry(edition, force_state=EntryState.SUBMITTED)
    with pytest.raises(GuardRefused, match="1 entry is still awaiting"):
        apply(edition, "start_judging", actor=make_user(Role.SECRETARIAT))
    assert edition.state == EditionState.SCREENING


def test_approval_needs_every_slot_decided(app):
    edition = make_edition(EditionState.DELIBERATION)
    with pytest.raises(GuardRefused, match="Award slots without a decision"):
        apply(edition, "approve", actor=make_user(Role.CHAIR))


def test_apply_many_is_all_or_nothing(app):
    edition = make_edition(EditionState.JUDGING)
    good = [make_entry(edition, force_state=EntryState.ELIGIBLE) for _ in range(3)]
    bad = make_entry(edition, force_state=EntryState.SUBMITTED)
    with pytest.raises(BulkTransitionError) as refused:
        apply_many([*good, bad], "start_review", actor=make_user(Role.SECRETARIAT))
    assert "1 of 4" in str(refused.value) and "nothing was changed" in str(refused.value)
    assert all(e.state == EntryState.ELIGIBLE for e in good)
    assert audit_rows() == 0
    apply_many(good, "start_review", actor=make_user(Role.SECRETARIAT))
    assert all(e.state == EntryState.IN_REVIEW for e in good) and audit_rows() == 3


def test_available_lists_buttons_with_reasons(app):
    entry = make_entry(make_edition(), with_attachment=False)
    checks = {c.transition.event: c for c in available(entry, entry.owner)}
    assert set(checks) == {"submit", "withdraw"}
    assert not checks["submit"].allowed and "Attach" in checks["submit"].refusal.why
    assert checks["withdraw"].allowed
    assert available(entry, make_user(Role.APPLICANT)) == []  # not the owner: no buttons


def test_audit_rows_cannot_be_changed(app):
    from judging.models import ImmutableRecordError

    entry = make_entry(make_edition())
    apply(entry, "withdraw", actor=entry.owner, reason="Changed our mind")
    row = db.session.scalars(sa.select(AuditEvent)).one()
    row.reason = "rewritten history"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()


def test_table_rows_must_use_frozensets():
    from judging.workflows.transitions import Transition

    with pytest.raises(TypeError, match="frozenset"):
        Transition("x", (EntryState.DRAFT,), EntryState.SUBMITTED, frozenset({"owner"}), "X")
