"""The ranking and committee pages: who may see them, the buttons, the forms, the queries."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import EditionState, EntryState, Role, RoundState
from judging.services.decisions import allocate_awards, current_decisions
from tests.decisions.helpers import (
    chair,
    entry_in_review,
    finalists_in_deliberation,
    judging_edition,
    make_judges,
    rank_by_values,
    score,
    secretariat,
    states,
)
from tests.factories import make_user


@pytest.fixture
def round_one(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 5)
    entries = [entry_in_review(edition, name=f"Applicant city {i}") for i in range(6)]
    rank_by_values(rnd, entries, judges, [4, 9, 6, 7, 5, 8])
    db.session.commit()
    return edition, entries, judges


def pages(year):
    base = f"/secretariat/ranking/{year}"
    return ["/secretariat/ranking/", f"{base}/rounds/1/human_centricity",
            f"{base}/rounds/1/HC/export.csv", f"{base}/rounds/1/HC/export.xlsx",
            f"{base}/workbook.xlsx", f"{base}/awards"]


@pytest.mark.parametrize("role", [Role.JUDGE, Role.APPLICANT])
def test_judges_and_applicants_never_see_rankings(round_one, login_as, role):
    edition, _, judges = round_one
    user = judges[0] if role == Role.JUDGE else make_user(Role.APPLICANT)
    db.session.commit()
    client = login_as(user)
    for url in pages(edition.year):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/secretariat/ranking/{edition.year}/rounds/1/close",
                       data={"confirm": "y"}).status_code == 403
    assert client.get("/committee/awards").status_code == 403
    assert edition.rounds[0].state == RoundState.OPEN


def test_signed_out_visitors_are_sent_to_sign_in(round_one, client):
    edition, _, _ = round_one
    for url in pages(edition.year):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_the_chair_reads_rankings_but_has_no_buttons(round_one, login_as):
    edition, _, _ = round_one
    client = login_as(chair())
    for url in pages(edition.year):
        assert client.get(url).status_code == 200, url
    index = client.get("/secretariat/ranking/").get_data(as_text=True)
    assert "Close Round 1" not in index
    assert client.post(f"/secretariat/ranking/{edition.year}/rounds/1/close",
                       data={"confirm": "y"}).status_code == 403
    assert client.get("/committee/").status_code == 200


def test_the_ranking_page_shows_raw_and_chosen_scores_side_by_side(round_one, login_as):
    edition, entries, judges = round_one
    client = login_as(secretariat())
    page = client.get(f"/secretariat/ranking/{edition.year}/rounds/1/human_centricity")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Raw mean" in html and "Score (calibrated)" in html and "Placed by" in html
    assert html.index(entries[1].reference) < html.index(entries[5].reference) < html.index(entries[0].reference)
    assert "Krippendorff" in html
    assert html.count("<svg") == 2 and html.count("<title") >= 2 + 6 + 5
    assert judges[0].name in html
    assert "style=" not in html and "<script>" not in html
    compare = client.get(f"/secretariat/ranking/{edition.year}/rounds/1/HC?method=raw")
    assert "Score (raw)" in compare.get_data(as_text=True)
    assert client.get(f"/secretariat/ranking/{edition.year}/rounds/1/HC?method=best").status_code == 404
    assert client.get(f"/secretariat/ranking/{edition.year}/rounds/1/SM").status_code == 404
    assert client.get(f"/secretariat/ranking/{edition.year}/rounds/9/HC").status_code == 404
    assert client.get("/secretariat/ranking/1999/rounds/1/HC").status_code == 404


def test_downloads_from_the_page(round_one, login_as):
    edition, entries, _ = round_one
    client = login_as(secretariat())
    response = client.get(f"/secretariat/ranking/{edition.year}/rounds/1/HC/export.csv")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "rank,reference,applicant_name,city,country,raw_mean,score,n_judges,tie_break"
    assert lines[1].startswith(f"1,{entries[1].reference},")
    response = client.get(f"/secretariat/ranking/{edition.year}/rounds/1/HC/export.json")
    assert response.get_json()["rows"][0]["reference"] == entries[1].reference
    assert client.get(f"/secretariat/ranking/{edition.year}/rounds/1/HC/export.pdf").status_code == 404
    workbook = client.get(f"/secretariat/ranking/{edition.year}/workbook.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


def test_closing_the_round_from_the_page(round_one, login_as):
    edition, entries, _ = round_one
    client = login_as(secretariat())
    url = f"/secretariat/ranking/{edition.year}/rounds/1/close"
    assert client.post(url, data={"confirm": "y"}, csrf=False).status_code == 400
    response = client.post(url, data={}, follow_redirects=True)
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    db.session.expire_all()
    assert edition.rounds[0].state == RoundState.OPEN
    response = client.post(url, data={"confirm": "y"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 shortlisted (quota 2)" in html
    db.session.expire_all()
    assert edition.rounds[0].state == RoundState.CLOSED
    assert states(entries).count(EntryState.SHORTLISTED) == 2
    again = client.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert "only possible from open" in again.get_data(as_text=True)
    response = client.post(f"/secretariat/ranking/{edition.year}/rounds/2/open", data={},
                           follow_redirects=True)
    assert "is open" in response.get_data(as_text=True)
    db.session.expire_all()
    assert edition.rounds[1].state == RoundState.OPEN


def test_a_refused_close_changes_nothing_and_says_why(round_one, login_as):
    edition, entries, judges = round_one
    extra = entry_in_review(edition)
    score(edition.rounds[0], extra, judges[0], 5, submitted=False)
    db.session.commit()
    client = login_as(secretariat())
    html = client.post(f"/secretariat/ranking/{edition.year}/rounds/1/close", data={"confirm": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 of 19 assigned reviews is not submitted yet" in html
    db.session.expire_all()
    assert edition.rounds[0].state == RoundState.OPEN
    assert states(entries) == [EntryState.IN_REVIEW] * 6


# ----- committee ---------------------------------------------------------------------------------
@pytest.fixture
def proposal(app):
    edition, entries = finalists_in_deliberation([("city_government", 9), ("city_government", 7),
                                                  ("corporation", 6)])
    allocate_awards(db.session, edition, actor=secretariat())
    db.session.commit()
    return edition, entries


def _decision(edition, tier):
    return next(d for d in current_decisions(db.session, edition)
                if d.tier_key == tier and d.slot == 1 and d.category.key == "human_centricity")


def test_secretariat_and_judges_cannot_use_the_chairs_pages(proposal, login_as):
    edition, _ = proposal
    gold = _decision(edition, "gold")
    for user in (secretariat(), make_judges(edition, 1)[0]):
        db.session.commit()
        client = login_as(user)
        assert client.get("/committee/awards").status_code == 403
        assert client.post(f"/committee/decisions/{gold.id}/change",
                           data={"entry": "", "reason": "x"}).status_code == 403


def test_the_chair_overrides_a_slot_and_a_missing_reason_keeps_the_values(proposal, login_as):
    edition, (c9, c7, corp) = proposal
    gold = _decision(edition, "gold")
    client = login_as(chair())
    page = client.get("/committee/awards")
    assert page.status_code == 200 and "Override" in page.get_data(as_text=True)
    url = f"/committee/decisions/{gold.id}/change"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{corp.id}"' not in form  # a corporation cannot take Gold
    response = client.post(url, data={"entry": "", "reason": ""})
    assert response.status_code == 422
    assert "Write the reason; it is recorded." in response.get_data(as_text=True)
    assert client.post(url, data={"entry": "", "reason": "x"}, csrf=False).status_code == 400
    response = client.post(url, data={"entry": "", "reason": "No entry met the Gold standard"})
    assert response.status_code == 302
    awards = client.get("/committee/awards").get_data(as_text=True)
    assert "No entry met the Gold standard" in awards and "override" in awards
    db.session.expire_all()
    gold = _decision(edition, "gold")
    assert (gold.basis, gold.entry_id) == ("override", None)
    assert client.get("/committee/decisions/999999/change").status_code == 404


def test_special_mentions_from_the_committee_page(proposal, login_as):
    edition, (c9, _c7, _corp) = proposal
    other = entry_in_review(edition, category="tech_innovacity", state=EntryState.NOT_SHORTLISTED)
    judge = make_judges(edition, 1)[0]
    score(edition.rounds[0], other, judge, 6, mention_theme="Care for older citizens")
    db.session.commit()
    client = login_as(chair())
    page = client.get("/committee/awards").get_data(as_text=True)
    assert "Care for older citizens" in page and judge.name in page
    assert f'<option value="{other.id}"' in page  # eligible for a mention
    assert f'<option value="{c9.id}"' not in page  # proposed for Gold: not eligible
    data = {"mentions-0-entry": str(other.id), "mentions-0-theme": "", "mentions-0-partner": "",
            "mentions-1-entry": "", "mentions-2-entry": ""}
    response = client.post(f"/committee/{edition.year}/mentions", data=data)
    assert response.status_code == 422
    assert "Give the theme of this mention." in response.get_data(as_text=True)
    data["mentions-0-theme"] = "Digital inclusion"
    response = client.post(f"/committee/{edition.year}/mentions", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    chosen = [d for d in current_decisions(db.session, edition) if d.tier_key == "special_mention"]
    assert sorted((d.slot, d.entry_id) for d in chosen) == [(1, other.id), (2, None), (3, None)]


def test_approval_from_the_committee_page(proposal, login_as):
    edition, entries = proposal
    client = login_as(chair())
    client.post(f"/committee/{edition.year}/mentions", data={"mentions-0-entry": ""})
    url = f"/committee/editions/{edition.id}/event"
    response = client.post(url, data={"event": "approve", "next": "awards"}, follow_redirects=True)
    assert "Tick the confirmation box" in response.get_data(as_text=True)
    response = client.post(url, data={"event": "approve", "confirm": "yes", "next": "awards"})
    assert response.status_code == 302 and "/committee/awards" in response.location
    db.session.expire_all()
    assert edition.state == EditionState.APPROVED
    assert states(entries) == [EntryState.AWARDED] * 3
    gold = _decision(edition, "gold")
    page = client.get(f"/committee/decisions/{gold.id}/change").get_data(as_text=True)
    assert "Record the correction" in page


# ----- queries -----------------------------------------------------------------------------------
def _queries(client, url) -> int:
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return len(seen)


def test_the_ranking_pages_run_as_many_queries_for_10_as_for_60_entries(app, login_as):
    counts = []
    client = login_as(secretariat())
    for n in (10, 60):
        edition = judging_edition()
        judges = make_judges(edition, 6)
        entries = [entry_in_review(edition) for _ in range(n)]
        rank_by_values(edition.rounds[0], entries, judges, [1 + (i * 7) % 10 for i in range(n)])
        db.session.commit()
        urls = [f"/secretariat/ranking/{edition.year}/rounds/1/human_centricity",
                f"/secretariat/ranking/?edition={edition.year}"]
        row = []
        for url in urls:
            db.session.expire_all()
            client.get(url)  # warm-up
            db.session.expire_all()
            row.append(_queries(client, url))
        counts.append(row)
    assert counts[0] == counts[1]
