"""Who sees what: an entry not assigned answers 404 everywhere; terms come first, then the
conflict declaration, then the entry; a conflicted entry is never shown."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Assignment, PanelMember, Review, Role
from judging.services import judging_access
from tests.factories import make_user
from tests.judge.helpers import (
    assign,
    audit_events,
    declared,
    entry_url,
    form_values,
    text_of,
    judging_edition,
    make_judge,
    review_entry,
)


@pytest.fixture
def world(app):
    """Round 1 open; judge A assigned to `mine` (declared, terms accepted); `other` is
    assigned to judge B only."""
    edition, rnd = judging_edition()
    mine = review_entry(edition, title="Entry assigned to A")
    other = review_entry(edition, title="Entry assigned to B only")
    a = make_judge(edition)
    b = make_judge(edition)
    assign(rnd, mine, a)
    assign(rnd, other, b)
    declared(a, mine)
    db.session.commit()
    return edition, rnd, mine, other, a, b


NOT_ASSIGNED_REQUESTS = [
    ("GET", ""),
    ("GET", "/declare"),
    ("POST", "/declare"),
    ("POST", ""),  # save a draft
    ("POST", "/submit"),  # submit (the same URL with action=submit)
    ("GET", "/attachments"),
]


@pytest.mark.parametrize("method,suffix", NOT_ASSIGNED_REQUESTS)
def test_an_entry_not_assigned_to_the_judge_answers_404(world, login_as, method, suffix):
    edition, rnd, mine, other, a, b = world
    client = login_as(a)
    if suffix == "/attachments":
        response = client.get(entry_url(rnd, other, f"/attachments/{other.attachments[0].id}"))
    elif suffix == "/declare":
        response = client.open(entry_url(rnd, other, "/declare"), method=method,
                               data={"has_conflict": "no"} if method == "POST" else None)
    elif method == "POST":
        action = "submit" if suffix == "/submit" else "save"
        response = client.post(entry_url(rnd, other), data=form_values(
            other, {c.key: 7 for c in other.category.criteria}, overall="x", version=1,
            action=action, confirm=True))
    else:
        response = client.get(entry_url(rnd, other))
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Entry assigned to B only" not in body
    assert other.reference not in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(
        Review.entry_id == other.id, Review.judge_id == a.id)) == 0


def test_an_entry_assigned_in_another_round_answers_404(world, login_as):
    edition, rnd, mine, other, a, b = world
    second = edition.round(2)
    assert login_as(a).get(entry_url(second, mine)).status_code == 404


def test_an_unknown_entry_or_round_answers_404(world, login_as):
    edition, rnd, mine, other, a, b = world
    client = login_as(a)
    assert client.get(f"/judge/rounds/{rnd.id}/entries/999999").status_code == 404
    assert client.get(f"/judge/rounds/999999/entries/{mine.id}").status_code == 404


def test_judge_pages_need_the_judge_role(world, login_as):
    edition, rnd, mine, other, a, b = world
    applicant = make_user(Role.APPLICANT)
    db.session.commit()
    client = login_as(applicant)
    assert client.get("/judge/").status_code == 403
    assert client.get(entry_url(rnd, mine)).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    edition, rnd, mine, other, a, b = world
    response = client.get(entry_url(rnd, mine))
    assert response.status_code == 302
    assert "/auth/login" in response.location


def test_the_entry_is_shown_to_its_assigned_judge(world, login_as):
    edition, rnd, mine, other, a, b = world
    response = login_as(a).get(entry_url(rnd, mine))
    assert response.status_code == 200
    body = text_of(response)
    assert "Entry assigned to A" in body
    assert mine.answers["summary"] in body
    assert "brief.pdf" in body


# ----- terms before any entry ------------------------------------------------------------------
def test_before_accepting_the_terms_no_entry_is_shown(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Secret title before terms")
    judge = make_judge(edition, accepted=False)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)

    home = client.get("/judge/").get_data(as_text=True)
    assert "Read the terms" in home
    assert "Secret title before terms" not in home
    assert entry.reference not in home

    response = client.get(entry_url(rnd, entry))
    assert response.status_code == 302
    assert response.location.startswith(f"/judge/editions/{edition.id}/terms")
    assert client.get(entry_url(rnd, entry, "/declare")).status_code == 302

    page = client.get(response.location)
    assert page.status_code == 200
    assert "Confidentiality" in page.get_data(as_text=True)


def test_the_terms_need_the_box_ticked(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(edition, accepted=False)
    assign(rnd, entry, judge)
    db.session.commit()
    response = login_as(judge).post(f"/judge/editions/{edition.id}/terms", data={})
    assert response.status_code == 422
    assert "Tick the box to accept the terms." in response.get_data(as_text=True)
    db.session.expire_all()
    member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == judge.id))
    assert member.terms_accepted_at is None


def test_accepting_the_terms_records_it_and_returns_to_the_entry(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(edition, accepted=False)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    target = entry_url(rnd, entry)
    response = client.post(f"/judge/editions/{edition.id}/terms?next={target}",
                           data={"accept": "y"})
    assert response.status_code == 302
    assert response.location == target
    db.session.expire_all()
    member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == judge.id))
    assert member.terms_accepted_at is not None
    assert [e.details.get("terms") is not None for e in audit_events("accept_terms")] == [True]
    # Next: the conflict declaration.
    assert client.get(target).location == entry_url(rnd, entry, "/declare")


def test_an_imported_judge_not_on_the_panel_joins_it_by_accepting(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(None)  # assignments imported; not on the panel
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    assert client.get(entry_url(rnd, entry)).status_code == 302
    response = client.post(f"/judge/editions/{edition.id}/terms", data={"accept": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == judge.id))
    assert member is not None and member.edition_id == edition.id
    assert member.terms_accepted_at is not None


def test_a_judge_with_nothing_in_the_edition_has_no_terms_page(app, login_as):
    edition, rnd = judging_edition()
    stranger = make_judge(None)
    db.session.commit()
    client = login_as(stranger)
    assert client.get(f"/judge/editions/{edition.id}/terms").status_code == 404
    assert client.post(f"/judge/editions/{edition.id}/terms",
                       data={"accept": "y"}).status_code == 404


# ----- conflict declaration before the entry ----------------------------------------------------
def test_the_declaration_comes_before_the_entry_content(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Declared entry")
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    response = client.get(entry_url(rnd, entry))
    assert response.status_code == 302
    assert response.location == entry_url(rnd, entry, "/declare")
    page = text_of(client.get(response.location))
    assert "Declared entry" in page  # who the applicant is, to judge the conflict
    assert entry.answers["summary"] not in page  # but not the entry's content
    assert "/attachments/" not in page
    assert client.get(entry_url(rnd, entry, f"/attachments/{entry.attachments[0].id}")
                      ).status_code == 403

    response = client.post(entry_url(rnd, entry, "/declare"), data={"has_conflict": "no"})
    assert response.status_code == 302
    assert response.location == entry_url(rnd, entry)
    assert entry.answers["summary"] in text_of(client.get(entry_url(rnd, entry)))
    assert [e.event for e in audit_events("declare_no_conflict")] == ["declare_no_conflict"]


def test_a_declaration_must_choose_and_a_conflict_needs_a_reason(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    response = client.post(entry_url(rnd, entry, "/declare"), data={})
    assert response.status_code == 422
    assert "Choose one of the two answers." in response.get_data(as_text=True)
    response = client.post(entry_url(rnd, entry, "/declare"),
                           data={"has_conflict": "yes", "reason": "  "})
    assert response.status_code == 422
    assert "Say briefly what the conflict is." in response.get_data(as_text=True)
    assert audit_events("declare_conflict") == []


def test_declaring_a_conflict_recuses_the_judge_and_hides_the_entry(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Entry I advised")
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    response = client.post(entry_url(rnd, entry, "/declare"),
                           data={"has_conflict": "yes", "reason": "I advised this project."})
    assert response.status_code == 302
    assert response.location == "/judge/"
    home = client.get("/judge/").get_data(as_text=True)
    assert "you declared a conflict of interest" in home
    assert "Entry I advised" not in home  # gone from the list; only the note remains
    db.session.expire_all()
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.judge_id == judge.id))
    assert assignment.recused_at is not None
    assert assignment.recusal_reason == "I advised this project."
    assert client.get(entry_url(rnd, entry)).status_code == 404
    assert client.post(entry_url(rnd, entry), data=form_values(entry, version=1)
                       ).status_code == 404


def test_a_conflict_noticed_later_can_still_be_declared(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    declared(judge, entry)
    db.session.commit()
    client = login_as(judge)
    page = client.get(entry_url(rnd, entry, "/declare")).get_data(as_text=True)
    assert "You declared no conflict of interest" in page
    response = client.post(entry_url(rnd, entry, "/declare"),
                           data={"has_conflict": "yes", "reason": "My sister leads it."})
    assert response.status_code == 302
    assert client.get(entry_url(rnd, entry)).status_code == 404


def test_an_automatic_conflict_is_never_shown(app, login_as):
    """Same country: the entry should never have been assigned; if it was, it stays hidden."""
    edition, rnd = judging_edition()
    entry = review_entry(edition, country="DK", city="Aarhus", title="Danish entry")
    judge = make_judge(edition, country="DK", city="Odense")
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)
    for url in (entry_url(rnd, entry), entry_url(rnd, entry, "/declare")):
        response = client.get(url)
        assert response.status_code == 403
        body = text_of(response)
        assert "same country" in body
        assert "Danish entry" not in body
        assert entry.answers["summary"] not in body
    assert client.post(entry_url(rnd, entry, "/declare"), data={"has_conflict": "no"}
                       ).status_code == 403
    assert client.get(entry_url(rnd, entry, f"/attachments/{entry.attachments[0].id}")
                      ).status_code == 403
    home = client.get("/judge/").get_data(as_text=True)
    assert "Not shown: conflict of interest" in home
    assert "Danish entry" not in home
    assert judging_access.may_see_entry(db.session, judge, entry, rnd) is False


def test_the_access_predicate(world):
    edition, rnd, mine, other, a, b = world
    assert judging_access.may_see_entry(db.session, a, mine, rnd) is True
    assert judging_access.may_see_entry(db.session, a, other, rnd) is False
    assert judging_access.may_see_entry(db.session, b, other, rnd) is False  # not declared
    with pytest.raises(judging_access.NotAssigned):
        judging_access.require_view(db.session, a, entry_id=other.id, round_id=rnd.id)
    with pytest.raises(judging_access.DeclarationRequired):
        judging_access.require_view(db.session, b, entry_id=other.id, round_id=rnd.id)


# ----- attachments: download only -------------------------------------------------------------
def test_attachments_download_as_files_in_a_sandbox(world, login_as):
    edition, rnd, mine, other, a, b = world
    attachment = mine.attachments[0]
    response = login_as(a).get(entry_url(rnd, mine, f"/attachments/{attachment.id}"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "brief.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF-")


def test_an_attachment_of_another_entry_answers_404(world, login_as):
    edition, rnd, mine, other, a, b = world
    url = entry_url(rnd, mine, f"/attachments/{other.attachments[0].id}")
    assert login_as(a).get(url).status_code == 404
