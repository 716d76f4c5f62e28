"""Every refusal of the applicant portal: clear, next to its cause, and nothing lost."""
from __future__ import annotations

from datetime import timedelta

import pytest

from judging.extensions import db
from judging.models import EditionState, Entry, EntryState, Role, utcnow
from judging.services import ServiceError
from judging.services.entries import create_draft, save_draft, submit_entry
from tests.applicant.helpers import (
    complete_answers,
    form_data,
    outbox,
    pdf,
    register,
    request_clarification,
    start_entry,
    upload,
)
from tests.factories import make_edition, make_entry, make_user


def entry_count() -> int:
    return db.session.query(Entry).count()


# ----- the deadline ----------------------------------------------------------------------
def test_one_second_late_is_refused_and_the_draft_stays(app, client):
    edition = make_edition(year=2024)
    register(client, "city_government")
    entry = start_entry(client, "human_centricity")
    answers = complete_answers(entry)
    upload(client, entry, "brief.pdf", pdf(), answers=answers)
    edition.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = client.post(f"/applicant/entries/{entry.id}",
                       data=form_data(entry, {**answers, "summary": "Last-minute change"},
                                      action="submit", confirm="y"))
    assert late.status_code == 422
    html = late.get_data(as_text=True)
    assert "The submission deadline has passed" in html and "Your draft is kept" in html
    assert "Last-minute change" in html  # what was typed comes back
    db.session.refresh(entry)
    assert entry.state == EntryState.DRAFT and entry.reference is None
    assert entry.answers == answers  # the draft stays as it was
    assert outbox("entry_submitted") == []


def test_saving_a_draft_after_the_deadline_is_refused_with_the_same_message(app, client):
    edition = make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, {"summary": "Before"}))
    edition.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, {"summary": "After"}))
    assert response.status_code == 422
    assert "The submission deadline has passed" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.answers == {"summary": "Before"}
    # The entry page now shows the draft read-only, with the reason.
    page = client.get(f"/applicant/entries/{entry.id}").get_data(as_text=True)
    assert "The submission deadline has passed" in page and "Before" in page and "<textarea" not in page
    refused_upload = upload(client, entry, "late.pdf", pdf(), answers={"summary": "Before"})
    assert refused_upload.status_code == 422 and entry.attachments == []


def test_the_deadline_itself_is_still_on_time_and_a_second_later_is_not(app):
    edition = make_edition()
    deadline = edition.deadline_at
    owner = make_user(Role.APPLICANT)
    on_time = make_entry(edition, owner=owner)
    submit_entry(db.session, on_time, actor=owner, now=deadline)
    assert on_time.state == EntryState.SUBMITTED
    late = make_entry(edition, owner=owner)
    with pytest.raises(ServiceError, match="The submission deadline has passed"):
        submit_entry(db.session, late, actor=owner, now=deadline + timedelta(seconds=1))
    assert late.state == EntryState.DRAFT and late.reference is None


def test_no_new_entry_once_the_call_is_closed(app, client):
    edition = make_edition()
    user = register(client)
    edition.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get("/applicant/entries/new").get_data(as_text=True)
    assert "The submission deadline has passed" in page
    response = client.post("/applicant/entries/new", data={"category": "human_centricity",
                                                          "applicant_name": "Seoul"})
    assert response.status_code == 422 and entry_count() == 0
    with pytest.raises(ServiceError, match="deadline has passed"):
        create_draft(db.session, actor=user, edition=edition, category_key="human_centricity")


# ----- categories ------------------------------------------------------------------------
@pytest.mark.parametrize(("applicant_type", "category"), [
    ("individual", "human_centricity"),
    ("individual", "tech_innovacity"),
    ("city_government", "leadership"),
    ("corporation", "leadership"),
    ("institution", "special_mention"),  # chosen by the committee, never entered
    ("city_government", "no_such_category"),
])
def test_a_category_the_type_may_not_enter_is_refused_even_if_forged(app, client, applicant_type, category):
    make_edition()
    register(client, applicant_type)
    response = client.post("/applicant/entries/new", data={"category": category, "applicant_name": "X"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "may not enter" in html or "Choose a category from the list" in html
    assert 'id="category-error"' in html
    assert entry_count() == 0


def test_individuals_are_offered_leadership_only(app, client):
    make_edition()
    register(client, "individual")
    html = client.get("/applicant/entries/new").get_data(as_text=True)
    assert 'value="leadership"' in html
    assert 'value="human_centricity"' not in html and 'value="tech_innovacity"' not in html
    assert 'value="special_mention"' not in html
    assert "There is a problem" not in html  # nothing is wrong before the form is sent


# ----- attachments -----------------------------------------------------------------------
def test_an_oversize_file_is_refused_and_the_answers_are_kept(app, client):
    make_edition()
    app.config["ATTACHMENT_MAX_FILE_BYTES"] = 50_000
    register(client)
    entry = start_entry(client, "human_centricity")
    big = pdf() + b"%" + b"x" * 60_000 + b"\n%%EOF\n"
    response = upload(client, entry, "annual-report.pdf", big, answers={"summary": "Typed before the upload"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "annual-report.pdf is" in html and "each file may be at most 49 KB" in html
    assert 'id="file-error"' in html and "Your answers were saved" in html
    assert entry.attachments == [] and entry.answers == {"summary": "Typed before the upload"}


def test_the_total_per_entry_is_limited(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    one = pdf()
    app.config["ATTACHMENT_MAX_ENTRY_BYTES"] = len(one) * 2 + 10
    assert upload(client, entry, "a.pdf", one).status_code == 302
    assert upload(client, entry, "b.pdf", one).status_code == 302
    third = upload(client, entry, "c.pdf", one)
    assert third.status_code == 422 and "the limit is" in third.get_data(as_text=True)
    assert [a.original_name for a in entry.attachments] == ["a.pdf", "b.pdf"]


@pytest.mark.parametrize(("name", "data"), [
    ("report.pdf", b"MZ\x90\x00 this is a Windows program, not a PDF" * 10),
    ("report.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.jpg", b"GIF89a not a jpeg"),
    ("report.pdf", b"%PDF-1.7 a header with nothing behind it"),
])
def test_a_disguised_file_is_refused_by_its_content(app, client, name, data):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    response = upload(client, entry, name, data)
    assert response.status_code == 422
    assert "is not a PDF, PNG or JPEG file (checked by its content, not its name)" in response.get_data(as_text=True)
    assert entry.attachments == []


def test_an_upload_without_a_file_says_so(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    response = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, action="upload"))
    assert response.status_code == 422 and "Choose a file to upload." in response.get_data(as_text=True)


def test_a_request_over_the_servers_limit_gets_a_clear_page(app, client):
    make_edition()
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    register(client)
    entry = start_entry(client, "human_centricity")
    response = upload(client, entry, "huge.pdf", b"%PDF-" + b"x" * 30_000)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is too large" in html and f"/applicant/entries/{entry.id}" in html
    assert entry.attachments == []


# ----- answers ---------------------------------------------------------------------------
def test_a_word_limit_exceeded_is_refused_next_to_the_field_and_nothing_is_lost(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    too_long = " ".join(["word"] * 151)
    answers = {"title": "My project", "summary": too_long, "problem": "A real problem"}
    response = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, answers))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Keep this under 150 words (now 151)." in html
    assert 'id="answer_summary-error"' in html
    assert 'aria-describedby="answer_summary-help answer_summary-count answer_summary-error"' in html
    assert 'href="#answer_summary"' in html  # the summary at the top links to the field
    assert too_long in html and "A real problem" in html and 'value="My project"' in html
    assert "151 of 150 words: 1 too many" in html
    db.session.refresh(entry)
    assert entry.answers == {}  # nothing saved until it is corrected


def test_bad_formats_are_refused_in_a_draft_too(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    answers = {"website": "www.example.org", "start_year": "twenty", "stage": "Imaginary"}
    response = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, answers))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a web address starting with http:// or https://." in html
    assert "Enter a number." in html and "Choose one of the listed options." in html


def test_submitting_an_incomplete_entry_names_each_missing_answer_and_keeps_the_draft(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    upload(client, entry, "brief.pdf", pdf())
    answers = {"title": "Half done", "summary": "Only the summary so far."}
    response = client.post(f"/applicant/entries/{entry.id}",
                           data=form_data(entry, answers, action="submit", confirm="y"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="answer_problem-error"' in html and "This field is required." in html
    assert "Your answers were saved as a draft" in html
    db.session.refresh(entry)
    assert entry.state == EntryState.DRAFT and entry.answers == answers


def test_submitting_without_the_required_document_is_refused(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    answers = complete_answers(entry)
    response = client.post(f"/applicant/entries/{entry.id}",
                           data=form_data(entry, answers, action="submit", confirm="y"))
    assert response.status_code == 422
    assert "Attach at least 1 supporting document" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.state == EntryState.DRAFT and entry.answers == answers


def test_submitting_needs_the_confirmation(app, client):
    make_edition()
    register(client)
    entry = start_entry(client, "human_centricity")
    answers = complete_answers(entry)
    upload(client, entry, "brief.pdf", pdf(), answers=answers)
    response = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, answers, action="submit"))
    assert response.status_code == 422 and "Tick the box to confirm" in response.get_data(as_text=True)
    assert entry.state == EntryState.DRAFT


def test_a_forged_field_is_ignored(app):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(edition, owner=owner)
    before = dict(entry.answers)
    save_draft(db.session, entry, actor=owner, answers={**before, "title": "New title"})
    assert "judge_score" not in entry.answers and entry.title == "New title"
    with pytest.raises(ServiceError):
        save_draft(db.session, entry, actor=owner, answers={**before, "judge_score": "10"})


# ----- clarification and withdrawal ------------------------------------------------------
def test_resubmitting_after_the_clarification_deadline_is_refused(app, client):
    edition = make_edition()
    user = register(client)
    entry = make_entry(edition, owner=user, state=EntryState.SUBMITTED)
    request_clarification(entry, "Which districts?", days=1)
    entry.clarification_deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(f"/applicant/entries/{entry.id}",
                           data=form_data(entry, dict(entry.answers), action="submit", confirm="y"))
    assert response.status_code == 422
    assert "The clarification deadline has passed" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.state == EntryState.CLARIFICATION_REQUESTED


def test_withdrawal_is_refused_after_the_final_decision(app, client):
    edition = make_edition()
    user = register(client)
    entry = make_entry(edition, owner=user, force_state=EntryState.SHORTLISTED)
    edition.state = EditionState.APPROVED
    db.session.commit()
    page = client.get(f"/applicant/entries/{entry.id}/withdraw")
    assert "can no longer be withdrawn" in page.get_data(as_text=True)
    response = client.post(f"/applicant/entries/{entry.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 422
    db.session.refresh(entry)
    assert entry.state == EntryState.SHORTLISTED
