"""The secretariat's pages: each renders for the secretariat only, with no inline style, and
in a number of queries that does not grow with the number of entries."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from judging.extensions import db
from judging.models import (
    Assignment,
    AuditEvent,
    ConflictDeclaration,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Role,
)
from judging.services.assignment import assign_round
from tests.factories import make_entry, make_user
from tests.secretariat.helpers import (
    judging_edition,
    make_panel,
    make_round_entries,
    secretariat_user,
    sign_in,
)


def add_entries(edition, judges, n):
    """n entries in review (assigned, some reviewed, one declared conflict), n submitted."""
    entries = make_round_entries(edition, n)
    for i in range(n):
        make_entry(edition, force_state=EntryState.SUBMITTED, with_attachment=(i % 2 == 0),
                   country="KE", city="Nairobi")
    assign_round(db.session, edition, 1, actor=secretariat_user(), seed=1)
    rnd = edition.rounds[0]
    for entry in entries[::3]:
        judge = next(a.judge_id for a in db.session.query(Assignment).filter_by(entry_id=entry.id))
        db.session.add(Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge,
                              state=ReviewState.SUBMITTED))
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judges[0].id,
                                       entry_id=entries[-1].id, has_conflict=True,
                                       reason="Declared in a test"))
    db.session.commit()


def pages(edition):
    rnd = edition.rounds[0]
    return [
        f"/secretariat/?edition={edition.year}",
        f"/secretariat/editions/{edition.id}/settings",
        f"/secretariat/screening?edition={edition.year}",
        f"/secretariat/judges?edition={edition.year}",
        f"/secretariat/conflicts?edition={edition.year}",
        f"/secretariat/assignments?edition={edition.year}&round=1",
        f"/secretariat/progress?edition={edition.year}&round=1",
        "/secretariat/outbox",
        f"/secretariat/rounds/{rnd.id}/assignments.csv",
        f"/secretariat/editions/{edition.id}/conflicts.csv",
    ]


def count_queries(client, url) -> int:
    seen = []

    def listener(*args):
        seen.append(1)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (url, response.status_code)
    return len(seen)


def test_pages_do_not_make_a_query_per_entry(app, login_as):
    edition = judging_edition()
    judges = make_panel(edition)
    add_entries(edition, judges, 10)
    client = sign_in(login_as, secretariat_user())
    few = {url: count_queries(client, url) for url in pages(edition)}
    add_entries(edition, judges, 30)
    many = {url: count_queries(client, url) for url in pages(edition)}
    assert many == few


def test_every_page_renders_one_h1_and_no_inline_style(app, login_as):
    edition = judging_edition()
    judges = make_panel(edition)
    add_entries(edition, judges, 4)
    client = sign_in(login_as, secretariat_user())
    entry = db.session.query(Entry).filter_by(state=EntryState.SUBMITTED).first()
    urls = pages(edition)[:8] + [f"/secretariat/entries/{entry.id}",
                                 f"/secretariat/rounds/{edition.rounds[0].id}/entries/"
                                 f"{db.session.query(Entry).filter_by(state=EntryState.IN_REVIEW).first().id}"]
    for url in urls:
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert text.count("<h1") == 1, url
        assert 'style="' not in text and "<script>" not in text, url


@pytest.mark.parametrize("path", ["/secretariat/", "/secretariat/screening", "/secretariat/judges",
                                  "/secretariat/conflicts", "/secretariat/assignments",
                                  "/secretariat/progress", "/secretariat/outbox"])
def test_pages_are_forbidden_to_other_roles(app, login_as, path):
    judging_edition()
    db.session.commit()
    for role in (Role.JUDGE, Role.APPLICANT, Role.CHAIR):
        client = sign_in(login_as, make_user(role))
        assert client.get(path).status_code == 403, (role, path)


def test_assignment_page_assigns_reports_impossible_and_edits_by_hand(app, login_as):
    edition = judging_edition()
    korean, spanish, danish, irish = make_panel(edition, [("KR", "Seoul"), ("ES", "Madrid"),
                                                          ("DK", "Odense"), ("IE", "Dublin")])
    entries = make_round_entries(edition, 3, places=[("KR", "Seoul"), ("BR", "Recife")])
    rnd = edition.rounds[0]
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    response = client.post(f"/secretariat/rounds/{rnd.id}/assign", data={"per_entry": 4, "seed": 0})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nothing was assigned" in text
    assert f"{entries[0].reference}: only 3 judges without conflict, 4 needed (1 same country)" in text
    assert db.session.query(Assignment).count() == 0 and db.session.query(AuditEvent).count() == 0

    response = client.post(f"/secretariat/rounds/{rnd.id}/assign", data={"per_entry": 2, "seed": 3})
    assert response.status_code == 302
    assert db.session.query(Assignment).count() == 6
    page = client.get(f"/secretariat/assignments?edition={edition.year}&round=1").get_data(as_text=True)
    assert page.count("2 / 3") == 3  # two judges each, the round asks for three

    url = f"/secretariat/rounds/{rnd.id}/entries/{entries[0].id}"
    detail = client.get(url).get_data(as_text=True)
    assert "same country (KR)" in detail  # the Korean judge is listed as excluded
    refused = client.post(url + "/add", data={"judge": korean.id})
    assert refused.status_code == 422 and "may not judge" in refused.get_data(as_text=True)
    on_entry = {a.judge_id for a in db.session.query(Assignment).filter_by(entry_id=entries[0].id)}
    free = next(j for j in (spanish, danish, irish) if j.id not in on_entry)
    assert client.post(url + "/add", data={"judge": free.id}).status_code == 302
    assignment = db.session.query(Assignment).filter_by(entry_id=entries[0].id,
                                                        judge_id=free.id).one()
    assert client.post(f"/secretariat/assignments/{assignment.id}/remove",
                       data={"reason": "Balance"}).status_code == 302
    assert db.session.query(Assignment).filter_by(entry_id=entries[0].id).count() == 2
    assert client.post(f"/secretariat/assignments/{assignment.id}/remove").status_code == 404
    assert client.post(f"/secretariat/rounds/{rnd.id}/assign", data={"per_entry": 2},
                       csrf=False).status_code == 400
    download = client.get(f"/secretariat/rounds/{rnd.id}/assignments.csv")
    assert download.get_data(as_text=True).startswith("reference,judge_email\n")
