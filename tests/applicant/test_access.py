"""Only the owner sees an entry: everyone else's request answers 404 on every route, and
every POST needs its CSRF token. Documents are served as downloads only."""
from __future__ import annotations

import pytest

from judging.extensions import db
from judging.models import EntryState, Role
from tests.applicant.helpers import form_data, register, start_entry
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture
def others_entry(app):
    edition = make_edition()
    owner = make_user(Role.APPLICANT, email="owner@example.org")
    entry = make_entry(edition, owner=owner, state=EntryState.SUBMITTED)
    db.session.commit()
    return entry


def routes(entry):
    attachment = entry.attachments[0]
    return [
        ("get", f"/applicant/entries/{entry.id}", None),
        ("post", f"/applicant/entries/{entry.id}", form_data(entry, dict(entry.answers))),
        ("post", f"/applicant/entries/{entry.id}", form_data(entry, dict(entry.answers), action="submit", confirm="y")),
        ("post", f"/applicant/entries/{entry.id}", form_data(entry, {}, action=f"remove:{attachment.id}")),
        ("get", f"/applicant/entries/{entry.id}/status", None),
        ("get", f"/applicant/entries/{entry.id}/receipt", None),
        ("get", f"/applicant/entries/{entry.id}/withdraw", None),
        ("post", f"/applicant/entries/{entry.id}/withdraw", {"confirm": "y"}),
        ("get", f"/applicant/entries/{entry.id}/documents/{attachment.id}", None),
    ]


def test_another_applicants_entry_answers_404_everywhere(app, login_as, others_entry):
    client = login_as(make_user(Role.APPLICANT))
    answers_before = dict(others_entry.answers)
    for method, url, data in routes(others_entry):
        response = getattr(client, method)(url, data=data) if data else getattr(client, method)(url)
        assert response.status_code == 404, (method, url)
    db.session.refresh(others_entry)
    assert others_entry.state == EntryState.SUBMITTED and others_entry.answers == answers_before
    assert len(others_entry.attachments) == 1


def test_an_entry_that_does_not_exist_answers_the_same(app, login_as, others_entry):
    client = login_as(make_user(Role.APPLICANT))
    assert client.get("/applicant/entries/999999/status").status_code == 404
    assert client.get(f"/applicant/entries/{others_entry.id}/status").status_code == 404


@pytest.mark.parametrize("role", [Role.JUDGE, Role.CHAIR, Role.SECRETARIAT])
def test_other_roles_may_not_use_the_portal(app, login_as, others_entry, role):
    client = login_as(make_user(role))
    assert client.get(f"/applicant/entries/{others_entry.id}").status_code == 403
    assert client.get("/applicant/entries/new").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, client, others_entry):
    for method, url, data in routes(others_entry):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_a_document_of_another_entry_is_not_served_through_mine(app, login_as, others_entry):
    me = make_user(Role.APPLICANT)
    mine = make_entry(others_entry.edition, owner=me)
    client = login_as(me)
    foreign = others_entry.attachments[0]
    assert client.get(f"/applicant/entries/{mine.id}/documents/{foreign.id}").status_code == 404
    response = client.post(f"/applicant/entries/{mine.id}", data=form_data(mine, dict(mine.answers), action=f"remove:{foreign.id}"))
    assert response.status_code == 404
    assert len(others_entry.attachments) == 1


@pytest.mark.parametrize("who", ["owner", Role.SECRETARIAT, Role.CHAIR])
def test_documents_are_downloads_for_the_owner_secretariat_and_chair(app, login_as, others_entry, who):
    attachment = others_entry.attachments[0]
    user = others_entry.owner if who == "owner" else make_user(who)
    response = login_as(user).get(f"/applicant/entries/{others_entry.id}/documents/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "brief.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF-")


def test_judges_do_not_get_documents_through_the_portal(app, login_as, others_entry):
    attachment = others_entry.attachments[0]
    client = login_as(make_user(Role.JUDGE))
    assert client.get(f"/applicant/entries/{others_entry.id}/documents/{attachment.id}").status_code == 404


def test_a_missing_file_answers_404(app, login_as, others_entry):
    import os

    attachment = others_entry.attachments[0]
    os.remove(os.path.join(app.config["UPLOAD_DIR"], attachment.stored_name))
    client = login_as(others_entry.owner)
    assert client.get(f"/applicant/entries/{others_entry.id}/documents/{attachment.id}").status_code == 404


@pytest.mark.parametrize("step", ["new", "save", "submit", "withdraw", "account"])
def test_every_post_needs_its_csrf_token(app, client, step):
    make_edition()
    user = register(client)
    entry = start_entry(client, "human_centricity")
    urls = {
        "new": ("/applicant/entries/new", {"category": "human_centricity", "applicant_name": "X"}),
        "save": (f"/applicant/entries/{entry.id}", form_data(entry, {"summary": "changed"})),
        "submit": (f"/applicant/entries/{entry.id}", form_data(entry, {}, action="submit", confirm="y")),
        "withdraw": (f"/applicant/entries/{entry.id}/withdraw", {"confirm": "y"}),
        "account": ("/applicant/account", {"name": "X", "organisation": "Y", "city": "Z", "country": "KR"}),
    }
    url, data = urls[step]
    before = db.session.query(type(entry)).count()
    response = client.post(url, data=data, csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.state == EntryState.DRAFT and entry.answers == {}
    assert db.session.query(type(entry)).count() == before and user.name == "Kim Ji-won"
