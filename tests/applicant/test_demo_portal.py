"""`make demo` shows the portal with demo entries in several states: every page of every demo
applicant renders, and the demo's submissions went through the submit service."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Entry, EntryState, Notification
from judging.services.demo import APPLICANTS, DEMO_PASSWORD, DOMAIN, seed_demo


@pytest.fixture
def demo(app):
    seed_demo(db.session, upload_dir=app.config["UPLOAD_DIR"],
              certificate_dir=app.config["CERTIFICATE_DIR"])
    db.session.commit()


def sign_in(app, login):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": f"{login}@{DOMAIN}", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_demo_entries_have_portal_references_and_receipts(app, demo):
    entries = db.session.scalars(sa.select(Entry).order_by(Entry.id)).all()
    states = {e.state for e in entries}
    assert {EntryState.DRAFT, EntryState.IN_REVIEW, EntryState.INELIGIBLE, EntryState.WITHDRAWN,
            EntryState.CERTIFIED, EntryState.NOT_SHORTLISTED} <= states
    submitted = [e for e in entries if e.reference]
    assert all(e.reference.startswith(f"SSCP-{e.edition.year}-{e.category.code}-") for e in submitted)
    receipts = db.session.scalars(sa.select(Notification).where(Notification.kind == "entry_submitted")).all()
    assert {r.entry_id for r in receipts} == {e.id for e in submitted}


@pytest.mark.parametrize("login", [row[0] for row in APPLICANTS])
def test_every_demo_applicants_pages_render(app, demo, login):
    client = sign_in(app, login)
    home = client.get("/applicant/")
    assert home.status_code == 200
    user_entries = db.session.scalars(
        sa.select(Entry).join(Entry.owner).where(sa.text("users.email = :e")).params(e=f"{login}@{DOMAIN}")).all()
    assert user_entries
    for entry in user_entries:
        assert entry.label in home.get_data(as_text=True)
        for url in (f"/applicant/entries/{entry.id}", f"/applicant/entries/{entry.id}/status"):
            assert client.get(url).status_code == 200, url
        receipt = client.get(f"/applicant/entries/{entry.id}/receipt")
        assert receipt.status_code == (200 if entry.reference else 404)
        if login == "beyoglu" and entry.edition.year == min(e.edition.year for e in user_entries):
            # last year's entry was returned for clarification and resubmitted: its history says so
            assert "evaluation report" in client.get(f"/applicant/entries/{entry.id}/status").get_data(as_text=True)
