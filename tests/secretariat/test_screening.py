"""Eligibility screening: the checklist, each decision through the engine with its audit
row and a message to the applicant, refusals that change nothing, and the pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape

from judging.extensions import db
from judging.models import AuditEvent, EditionState, Entry, EntryState, Role, utcnow
from judging.services import ServiceError
from judging.services import screening
from judging.workflows.engine import TransitionError
from tests.factories import make_edition, make_entry, make_user
from tests.secretariat.helpers import audit_rows, count, outbox, secretariat_user, sign_in

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def edition(app):
    return make_edition(EditionState.SCREENING)


def submitted(edition, **kw) -> Entry:
    entry = make_entry(edition, state=None, **kw)
    entry.reference = f"T-{edition.year}-HC-{entry.id:04d}"
    entry.submitted_at = utcnow() - timedelta(days=1)
    entry.state = EntryState.SUBMITTED
    db.session.flush()
    return entry


def test_eligible_is_recorded_in_the_audit_trail_and_the_applicant_is_told(edition):
    entry = submitted(edition)
    actor = secretariat_user()
    screening.decide(db.session, entry, "eligible", actor=actor)
    assert entry.state == EntryState.ELIGIBLE
    [audit] = audit_rows("declare_eligible", subject_id=entry.id)
    assert (audit.actor_id, audit.from_state, audit.to_state) == (actor.id, "submitted", "eligible")
    assert audit.subject_type == "entry" and audit.details["decision"] == "eligible"
    [message] = outbox("screening_eligible")
    assert message.to_email == entry.owner.email and entry.reference in message.subject


def test_ineligible_needs_a_reason_which_is_recorded_and_sent(edition):
    entry = submitted(edition)
    actor = secretariat_user()
    with pytest.raises(ServiceError) as refused:
        screening.decide(db.session, entry, "ineligible", actor=actor, reason="  ")
    assert refused.value.field == "reason"
    assert entry.state == EntryState.SUBMITTED and audit_rows("declare_ineligible") == []
    screening.decide(db.session, entry, "ineligible", actor=actor,
                     reason="The project is a plan; it has not been implemented.")
    [audit] = audit_rows("declare_ineligible", subject_id=entry.id)
    assert audit.reason == "The project is a plan; it has not been implemented."
    [message] = outbox("screening_ineligible")
    assert "has not been implemented" in message.body


def test_clarification_sets_question_and_deadline_and_tells_the_applicant_in_korea_time(edition):
    entry = submitted(edition)
    deadline = datetime(2031, 8, 1, 18, 0, tzinfo=SEOUL)
    screening.decide(db.session, entry, "clarification", actor=secretariat_user(),
                     reason="Please attach the evaluation report.", deadline_at=deadline)
    assert entry.state == EntryState.CLARIFICATION_REQUESTED
    assert entry.clarification_question == "Please attach the evaluation report."
    assert entry.clarification_deadline_at == deadline.astimezone(timezone.utc)
    [audit] = audit_rows("request_clarification", subject_id=entry.id)
    assert audit.reason == "Please attach the evaluation report."
    [message] = outbox("screening_clarification")
    assert "1 August 2031, 18:00 KST" in message.body
    assert "Please attach the evaluation report." in message.body


@pytest.mark.parametrize("deadline, field", [(None, "deadline"), ("past", "deadline")])
def test_clarification_needs_a_future_deadline(edition, deadline, field):
    entry = submitted(edition)
    if deadline == "past":
        deadline = utcnow() - timedelta(hours=1)
    with pytest.raises(ServiceError) as refused:
        screening.decide(db.session, entry, "clarification", actor=secretariat_user(),
                         reason="Question?", deadline_at=deadline)
    assert refused.value.field == field
    assert entry.state == EntryState.SUBMITTED and entry.clarification_question == ""


def test_a_decision_the_engine_refuses_changes_nothing(app):
    edition = make_edition(EditionState.JUDGING)
    entry = make_entry(edition, force_state=EntryState.SUBMITTED)
    with pytest.raises(TransitionError, match="not possible while the edition is judging"):
        screening.decide(db.session, entry, "clarification", actor=secretariat_user(),
                         reason="Question?", deadline_at=utcnow() + timedelta(days=3))
    assert entry.state == EntryState.SUBMITTED and entry.clarification_question == ""
    assert count(AuditEvent) == 0 and outbox() == []


def test_a_judge_may_not_screen(edition):
    entry = submitted(edition)
    with pytest.raises(TransitionError, match="may not"):
        screening.decide(db.session, entry, "eligible", actor=make_user(Role.JUDGE))
    assert entry.state == EntryState.SUBMITTED


def test_checklist_is_computed_from_the_data(edition):
    good = submitted(edition)
    assert [c.ok for c in screening.checklist(good)] == [True, True, True, True]
    bad = submitted(edition, with_attachment=False)
    bad.category = edition.program.category_by_key("leadership")  # a city may not enter it
    bad.answers = {"title": "x"}
    bad.submitted_at = edition.deadline_at + timedelta(minutes=1)
    items = {c.label: c for c in screening.checklist(bad)}
    assert not items["Applicant type fits the category"].ok
    assert not items["Submitted before the deadline"].ok
    assert not items["Form complete"].ok
    incomplete = submitted(edition, with_attachment=False)
    incomplete.answers = {k: v for k, v in incomplete.answers.items() if k != "summary"}
    items = {c.label: c for c in screening.checklist(incomplete)}
    assert not items["Form complete"].ok and "This field is required" in items["Form complete"].detail
    assert not items["Required attachments present"].ok
    assert items["Required attachments present"].detail == "0 attached, 1 required"
    assert items["Applicant type fits the category"].ok


# ----- pages -----------------------------------------------------------------------------------
def test_queue_shows_submitted_and_returned_entries_with_checklist_and_question(edition, login_as):
    waiting = submitted(edition, title="Safe Return Home", with_attachment=False)
    returned = submitted(edition, title="Accessible Beyoğlu")
    screening.decide(db.session, returned, "clarification", actor=secretariat_user(),
                     reason="Which districts are covered?", deadline_at=utcnow() + timedelta(days=9))
    done = submitted(edition, title="Already eligible")
    screening.decide(db.session, done, "eligible", actor=secretariat_user())
    db.session.commit()
    page = login_as(secretariat_user()).get(f"/secretariat/screening?edition={edition.year}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert waiting.reference in text and returned.reference in text and done.reference not in text
    assert "Which districts are covered?" in text
    assert "1 of 4 checks fail" in text and "Required attachments present" in text
    assert "all 4 checks pass" in text  # the returned entry


def test_entry_page_shows_content_attachments_and_decisions(edition, login_as):
    entry = submitted(edition, title="Safe Return Home")
    db.session.commit()
    client = login_as(secretariat_user())
    text = client.get(f"/secretariat/entries/{entry.id}").get_data(as_text=True)
    assert "Safe Return Home" in text and str(escape(entry.answers["summary"])) in text
    attachment = entry.attachments[0]
    assert f"/secretariat/attachments/{attachment.id}" in text
    download = client.get(f"/secretariat/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]


def test_deciding_in_the_browser(edition, login_as):
    entry = submitted(edition)
    db.session.commit()
    client = login_as(secretariat_user())
    response = client.post(f"/secretariat/entries/{entry.id}/screen",
                           data={"decision": "ineligible", "reason": ""})
    assert response.status_code == 422
    assert "Say why the entry is not eligible." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).state == EntryState.SUBMITTED

    response = client.post(f"/secretariat/entries/{entry.id}/screen",
                           data={"decision": "clarification", "reason": "Which year?",
                                 "deadline": "2031-01-05T18:00"})
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.state == EntryState.CLARIFICATION_REQUESTED
    assert entry.clarification_deadline_at == datetime(2031, 1, 5, 9, 0, tzinfo=timezone.utc)


def test_a_refused_clarification_keeps_the_question(edition, login_as):
    entry = submitted(edition)
    db.session.commit()
    response = login_as(secretariat_user()).post(
        f"/secretariat/entries/{entry.id}/screen",
        data={"decision": "clarification", "reason": "Which districts are covered?",
              "deadline": "2001-01-05T18:00"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "must be in the future" in text and "Which districts are covered?" in text


def test_screening_pages_are_for_the_secretariat_only(edition, login_as, client):
    entry = submitted(edition)
    db.session.commit()
    assert client.get("/secretariat/screening").status_code == 302  # to sign-in
    judge = sign_in(login_as, make_user(Role.JUDGE))
    assert judge.get("/secretariat/screening").status_code == 403
    assert judge.get(f"/secretariat/entries/{entry.id}").status_code == 403
    assert judge.post(f"/secretariat/entries/{entry.id}/screen",
                      data={"decision": "eligible"}).status_code == 403
    staff = sign_in(login_as, secretariat_user())
    assert staff.post(f"/secretariat/entries/{entry.id}/screen", data={"decision": "eligible"},
                      csrf=False).status_code == 400
    assert staff.get("/secretariat/entries/999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).state == EntryState.SUBMITTED
