"""The entries service on its own: reference numbers (with the retry on a clash), the
history an applicant sees, and what stays hidden until the results are published."""
from __future__ import annotations

import pytest

from judging.extensions import db
from judging.models import AuditEvent, EditionState, EntryState, Role, utcnow
from judging.services import ServiceError
from judging.services import entries as entries_service
from judging.services.entries import (
    applicant_state_words,
    create_draft,
    entry_history,
    next_reference,
    submit_entry,
)
from judging.workflows.engine import apply
from tests.factories import _secretariat, make_edition, make_entry, make_user


def test_numbers_skip_nothing_and_never_reuse_a_withdrawn_entrys(app):
    edition = make_edition(year=2024)
    owner = make_user(Role.APPLICANT)
    first = make_entry(edition, owner=owner)
    submit_entry(db.session, first, actor=owner)
    apply(first, "withdraw", actor=owner)
    second = make_entry(edition, owner=owner)
    submit_entry(db.session, second, actor=owner)
    assert (first.reference, second.reference) == ("SSCP-2024-HC-0001", "SSCP-2024-HC-0002")
    assert first.submitted_at is not None


def test_a_clash_on_the_reference_is_retried_once(app, monkeypatch):
    edition = make_edition(year=2024)
    owner = make_user(Role.APPLICANT)
    taken = make_entry(edition, owner=owner)
    submit_entry(db.session, taken, actor=owner)
    real = next_reference
    answers = iter(["SSCP-2024-HC-0001"])  # as if another submission took it a moment ago

    def racing(session, ed, category):
        return next(answers, None) or real(session, ed, category)

    monkeypatch.setattr(entries_service, "next_reference", racing)
    entry = make_entry(edition, owner=owner)
    submit_entry(db.session, entry, actor=owner)
    assert entry.reference == "SSCP-2024-HC-0002" and entry.state == EntryState.SUBMITTED


def test_two_clashes_give_up_cleanly(app, monkeypatch):
    edition = make_edition(year=2024)
    owner = make_user(Role.APPLICANT)
    taken = make_entry(edition, owner=owner)
    submit_entry(db.session, taken, actor=owner)
    monkeypatch.setattr(entries_service, "next_reference", lambda *a: "SSCP-2024-HC-0001")
    entry = make_entry(edition, owner=owner)
    with pytest.raises(ServiceError, match="submit again"):
        submit_entry(db.session, entry, actor=owner)
    assert entry.state == EntryState.DRAFT and entry.reference is None
    db.session.commit()  # the rest of the transaction is intact


def test_only_the_owner_submits(app):
    edition = make_edition()
    entry = make_entry(edition)
    with pytest.raises(ServiceError, match="Only the applicant"):
        submit_entry(db.session, entry, actor=make_user(Role.APPLICANT))
    assert entry.state == EntryState.DRAFT


def test_a_draft_snapshots_the_applicant(app):
    edition = make_edition()
    user = make_user(Role.APPLICANT, applicant_type="corporation", organisation="Kaohsiung Smart Mobility Co.",
                     city="Kaohsiung", country="TW")
    entry = create_draft(db.session, actor=user, edition=edition, category_key="tech_innovacity",
                         applicant_name_local="高雄智慧交通", city_local="高雄")
    user.city = "Taipei"
    assert (entry.applicant_name, entry.organisation, entry.city, entry.country, entry.contact_email) == (
        "Kaohsiung Smart Mobility Co.", "Kaohsiung Smart Mobility Co.", "Kaohsiung", "TW", user.email)
    assert (entry.applicant_name_local, entry.city_local) == ("高雄智慧交通", "高雄")


def test_an_individual_is_the_applicant_named(app):
    edition = make_edition()
    user = make_user(Role.APPLICANT, applicant_type="individual", name="Pedro Palacios",
                     organisation="Municipality of Cuenca", city="Cuenca", country="EC")
    entry = create_draft(db.session, actor=user, edition=edition, category_key="leadership")
    assert entry.applicant_name == "Pedro Palacios"


def test_history_shows_state_changes_and_public_reasons_only(app):
    edition = make_edition()
    judge = make_user(Role.JUDGE, name="Judge Secretname")
    owner = make_user(Role.APPLICANT)
    entry = make_entry(edition, owner=owner)
    submit_entry(db.session, entry, actor=owner)
    secretariat = _secretariat()
    apply(entry, "declare_ineligible", actor=secretariat, reason="The project is a plan only.")
    apply(entry, "reinstate", actor=secretariat, reason="Internal: board overruled screening")
    # Rows about judges and scores are in the trail too, and must never show.
    db.session.add(AuditEvent(actor_id=judge.id, edition_id=edition.id, subject_type="entry",
                              subject_id=entry.id, event="declare_conflict",
                              reason="Judge Secretname works for the applicant", occurred_at=utcnow()))
    db.session.add(AuditEvent(actor_id=judge.id, edition_id=edition.id, subject_type="entry",
                              subject_id=entry.id, event="score_saved", reason="8/10", occurred_at=utcnow()))
    items = entry_history(db.session, entry)
    words = [i.words for i in items]
    assert words[0] == "Draft started"
    assert words[1] == f"Submitted with reference {entry.reference}"
    assert "Found not eligible" in words and "Found eligible after review and accepted for evaluation" in words
    text = repr(items)
    assert "The project is a plan only." in text
    for secret in ("Secretname", "8/10", "Internal", "conflict"):
        assert secret not in text


def test_award_decisions_stay_hidden_until_the_results_are_published(app, login_as):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(edition, owner=owner, force_state=EntryState.SHORTLISTED)
    edition.state = EditionState.DELIBERATION
    apply(entry, "award", actor=_secretariat())
    db.session.commit()
    assert applicant_state_words(db.session, entry) == "Finalist"
    assert "Awarded" not in [i.words for i in entry_history(db.session, entry)]
    client = login_as(owner)
    status = client.get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
    assert "Awarded" not in status and "Finalist" in status
    assert "Awarded" not in client.get("/applicant/").get_data(as_text=True)
    edition.state = EditionState.PUBLISHED
    db.session.commit()
    assert applicant_state_words(db.session, entry) == "Awarded"
    assert "Awarded" in [i.words for i in entry_history(db.session, entry)]


def test_the_status_page_shows_the_ineligibility_reason(app, login_as):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(edition, owner=owner)
    submit_entry(db.session, entry, actor=owner)
    apply(entry, "declare_ineligible", actor=_secretariat(), reason="The project has not started yet.")
    db.session.commit()
    html = login_as(owner).get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
    assert "Not eligible" in html and "The project has not started yet." in html
    assert "Withdraw the entry" not in html  # not possible from this state
