"""An applicant of each type walks the whole way: register, start an entry, save a draft,
attach a document, submit (reference, receipt page, receipt message), answer a clarification
and resubmit, follow the status, and withdraw."""
from __future__ import annotations

import re

import pytest

from judging.extensions import db
from judging.models import EntryState
from tests.applicant.helpers import (
    APPLICANTS,
    complete_answers,
    form_data,
    outbox,
    pdf,
    register,
    request_clarification,
    start_entry,
    upload,
)
from tests.factories import make_edition

CODES = {"human_centricity": "HC", "tech_innovacity": "TI", "leadership": "LD"}


@pytest.mark.parametrize("applicant_type", list(APPLICANTS))
def test_an_applicant_of_each_type_goes_all_the_way(app, client, applicant_type):
    edition = make_edition(year=2024)
    who = APPLICANTS[applicant_type]
    user = register(client, applicant_type, time_zone="America/Guayaquil")

    # The new-entry page offers only what this type may enter.
    page = client.get("/applicant/entries/new").get_data(as_text=True)
    offered = set(re.findall(r'name="category" id="category-[a-z_]+" value="([a-z_]+)"', page))
    assert offered == ({"leadership"} if applicant_type == "individual"
                       else {"human_centricity", "tech_innovacity"})

    entry = start_entry(client, who["category"], applicant_name=who["organisation"],
                        applicant_name_local="서울특별시" if applicant_type == "city_government" else "",
                        city_local="서울" if applicant_type == "city_government" else "")
    assert entry.state == EntryState.DRAFT and entry.owner_id == user.id
    assert (entry.applicant_type, entry.city, entry.country, entry.contact_email) == (
        applicant_type, who["city"], who["country"], user.email)
    assert entry.organisation == who["organisation"]

    # The form is the program's form for this category and type.
    form_page = client.get(f"/applicant/entries/{entry.id}").get_data(as_text=True)
    spec = edition.program.spec.form_for(who["category"], applicant_type)
    for section in spec.sections:
        assert section.title in form_page
    for field in spec.fields:
        assert f'name="answer_{field.key}"' in form_page

    # A partial draft is kept as typed.
    answers = complete_answers(entry, title="Smart care for every citizen")
    partial = {k: v for k, v in list(answers.items())[:3]}
    saved = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, partial))
    assert saved.status_code == 302
    assert entry.answers == partial and entry.title == "Smart care for every citizen"
    assert "Smart care for every citizen" in client.get(f"/applicant/entries/{entry.id}").get_data(as_text=True)

    # Attach the evidence.
    added = upload(client, entry, "Evaluation report 2023.pdf", pdf(), answers=answers)
    assert added.status_code == 302
    assert [a.original_name for a in entry.attachments] == ["Evaluation report 2023.pdf"]
    assert entry.answers == answers  # uploading saved the answers too

    # Submit: a reference, a receipt page and a receipt message.
    submitted = client.post(f"/applicant/entries/{entry.id}",
                            data=form_data(entry, answers, action="submit", confirm="y"))
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/applicant/entries/{entry.id}/receipt")
    assert entry.state == EntryState.SUBMITTED
    assert entry.reference == f"SSCP-2024-{CODES[who['category']]}-0001"
    receipt = client.get(f"/applicant/entries/{entry.id}/receipt")
    assert receipt.status_code == 200
    text = receipt.get_data(as_text=True)
    assert entry.reference in text and "Evaluation report 2023.pdf" in text and "KST" in text
    [message] = outbox("entry_submitted", to=user.email)
    assert entry.reference in message.subject and entry.reference in message.body
    assert f"https://prize.example.org/applicant/entries/{entry.id}/status" in message.body
    assert message.entry_id == entry.id

    # A submitted entry can no longer be changed.
    locked = client.post(f"/applicant/entries/{entry.id}", data=form_data(entry, {**answers, "summary": "changed"}))
    assert locked.status_code == 422 and entry.answers["summary"] == answers["summary"]

    # The secretariat asks a question; the applicant sees it, edits and resubmits.
    request_clarification(entry, "Please attach the evaluation report mentioned in your outcomes.")
    status = client.get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
    assert "Please attach the evaluation report mentioned in your outcomes." in status
    assert "Resubmit by" in status
    assert "Returned to you for clarification" in status
    form_page = client.get(f"/applicant/entries/{entry.id}").get_data(as_text=True)
    assert "Please attach the evaluation report" in form_page and "Resubmit entry" in form_page
    clarified = {**answers, "summary": answers["summary"] + " Evaluation report attached."}
    assert upload(client, entry, "independent-evaluation.pdf", pdf("Evaluation"), answers=clarified).status_code == 302
    resubmitted = client.post(f"/applicant/entries/{entry.id}",
                              data=form_data(entry, clarified, action="submit", confirm="y"))
    assert resubmitted.status_code == 302
    assert entry.state == EntryState.SUBMITTED
    assert entry.reference == f"SSCP-2024-{CODES[who['category']]}-0001"  # the same reference
    assert entry.answers["summary"].endswith("Evaluation report attached.")
    assert len(outbox("entry_submitted", to=user.email)) == 2
    history = client.get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
    assert history.index("Submitted with reference") < history.index("Returned to you") < history.index("Resubmitted")

    # Withdraw, with a confirmation step.
    confirm_page = client.get(f"/applicant/entries/{entry.id}/withdraw")
    assert confirm_page.status_code == 200 and "cannot be undone" in confirm_page.get_data(as_text=True)
    unconfirmed = client.post(f"/applicant/entries/{entry.id}/withdraw", data={"reason": "Merged"})
    assert unconfirmed.status_code == 422 and entry.state == EntryState.SUBMITTED
    done = client.post(f"/applicant/entries/{entry.id}/withdraw",
                       data={"confirm": "y", "reason": "We will enter next year."})
    assert done.status_code == 302
    db.session.refresh(entry)
    assert entry.state == EntryState.WITHDRAWN
    assert outbox("entry_withdrawn", to=user.email)
    final = client.get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
    assert "Withdrawn by the applicant" in final and "We will enter next year." in final


def test_references_count_per_category_and_edition(app, client):
    make_edition(year=2023)
    make_edition(year=2024)  # the current edition: numbering starts again
    register(client, "city_government")
    numbers = []
    for category in ("human_centricity", "human_centricity", "tech_innovacity", "human_centricity"):
        entry = start_entry(client, category)
        assert entry.edition.year == 2024
        answers = complete_answers(entry)
        upload(client, entry, "brief.pdf", pdf(), answers=answers)
        response = client.post(f"/applicant/entries/{entry.id}",
                               data=form_data(entry, answers, action="submit", confirm="y"))
        assert response.status_code == 302
        numbers.append(entry.reference)
    assert numbers == ["SSCP-2024-HC-0001", "SSCP-2024-HC-0002", "SSCP-2024-TI-0001", "SSCP-2024-HC-0003"]


def test_the_local_names_are_kept_for_certificates(app, client):
    make_edition()
    register(client, "city_government")
    entry = start_entry(client, "human_centricity", applicant_name="Seoul Metropolitan Government",
                        applicant_name_local="서울특별시", city_local="서울")
    assert (entry.applicant_name, entry.applicant_name_local, entry.city_local) == (
        "Seoul Metropolitan Government", "서울특별시", "서울")
    response = client.post(f"/applicant/entries/{entry.id}",
                           data=form_data(entry, {}, applicant_name_local="서울특별시청"))
    assert response.status_code == 302 and entry.applicant_name_local == "서울특별시청"


def test_a_draft_can_be_removed_from_documents(app, client):
    make_edition()
    register(client, "institution")
    entry = start_entry(client, "tech_innovacity")
    upload(client, entry, "old.pdf", pdf())
    [attachment] = entry.attachments
    path = app.config["UPLOAD_DIR"] + "/" + attachment.stored_name
    import os

    assert os.path.exists(path)
    response = client.post(f"/applicant/entries/{entry.id}",
                           data=form_data(entry, {"summary": "kept"}, action=f"remove:{attachment.id}"))
    assert response.status_code == 302
    assert entry.attachments == [] and not os.path.exists(path)
    assert entry.answers == {"summary": "kept"}
