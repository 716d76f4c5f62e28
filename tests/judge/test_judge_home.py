"""The judge's home: assignments per round and category, progress, the deadline in the judge's
time and in the edition's (Seoul)."""
from __future__ import annotations

from datetime import datetime, timezone

from judging.extensions import db
from judging.services import reviews as review_service
from tests.judge.helpers import (
    assign,
    declared,
    judging_edition,
    make_judge,
    opened_review,
    plain_text,
    review_entry,
    text_of,
)


def test_progress_per_round_and_category(app, login_as):
    edition, rnd = judging_edition()
    hc = [review_entry(edition, category="human_centricity") for _ in range(3)]
    ti = [review_entry(edition, category="tech_innovacity", applicant_type="corporation")
          for _ in range(2)]
    judge = make_judge(edition)
    for entry in hc + ti:
        assign(rnd, entry, judge)
        declared(judge, entry)
    keys = [c.key for c in hc[0].category.criteria]
    for entry in hc[:2]:
        review_service.submit_review(db.session, opened_review(judge, entry, rnd),
                                     review_service.ReviewInput(
                                         scores={k: 6 for k in keys}, overall_comment="Done."),
                                     actor=judge)
    review_service.save_draft(db.session, opened_review(judge, ti[0], rnd),
                              review_service.ReviewInput(scores={}, overall_comment="Notes"),
                              actor=judge)
    db.session.commit()
    page = plain_text(login_as(judge).get("/judge/"))
    assert "2 of 5 reviews submitted." in page
    assert "Human-CentriCity : 2 of 3 submitted" in page
    assert "Tech-InnovaCity : 0 of 2 submitted" in page
    assert page.count("Submitted") >= 2 and "Draft saved" in page and "Not started" in page
    assert '<progress class="judge-progress mb-2" value="2" max="5"' in \
        login_as(judge).get("/judge/").get_data(as_text=True)


def test_the_deadline_in_the_judges_time_zone_and_in_seoul(app, login_as):
    edition, rnd = judging_edition()
    rnd.review_deadline_at = datetime(2024, 8, 20, 9, 0, tzinfo=timezone.utc)  # 18:00 in Seoul
    entry = review_entry(edition)
    judge = make_judge(edition, time_zone="America/Bogota")
    assign(rnd, entry, judge)
    db.session.commit()
    page = text_of(login_as(judge).get("/judge/"))
    assert "20 August 2024, 18:00 KST (Asia/Seoul)" in page
    assert "20 August 2024, 04:00 -05 your time (America/Bogota)" in page


def test_without_a_time_zone_the_browser_shows_its_own(app, login_as):
    edition, rnd = judging_edition()
    rnd.review_deadline_at = datetime(2024, 8, 20, 9, 0, tzinfo=timezone.utc)
    entry = review_entry(edition)
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    db.session.commit()
    page = login_as(judge).get("/judge/").get_data(as_text=True)
    assert "20 August 2024, 18:00 KST (Asia/Seoul)" in page
    assert '<time class="js-local-time" datetime="2024-08-20T09:00:00+00:00"' in page
    assert "/static/js/scoring.js" in page


def test_a_judge_sees_only_their_own_assignments(app, login_as):
    edition, rnd = judging_edition()
    mine = review_entry(edition, title="Mine to judge")
    theirs = review_entry(edition, title="Someone else's to judge")
    judge, other = make_judge(edition), make_judge(edition)
    assign(rnd, mine, judge)
    assign(rnd, theirs, other)
    db.session.commit()
    page = plain_text(login_as(judge).get("/judge/"))
    assert "Mine to judge" in page
    assert "Someone else's to judge" not in page
    assert "0 of 1 reviews submitted." in page
