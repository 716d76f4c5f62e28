"""Progress per judge and per entry, overdue once the deadline has passed, and reminders."""
from __future__ import annotations

from datetime import timedelta

import pytest

from judging.extensions import db
from judging.models import Review, ReviewState, RoundState, utcnow
from judging.services import ServiceError
from judging.services.assignment import add_judge
from judging.services.progress import remind, round_progress
from tests.secretariat.helpers import (
    audit_rows,
    judging_edition,
    make_panel,
    make_round_entries,
    outbox,
    secretariat_user,
    sign_in,
)


@pytest.fixture
def round_with_work(app):
    edition = judging_edition()
    ana, ben, cho = make_panel(edition, [("ES", "Madrid"), ("DK", "Odense"), ("IE", "Dublin")])
    e1, e2 = make_round_entries(edition, 2, places=[("BR", "Recife")])
    rnd = edition.rounds[0]
    actor = secretariat_user()
    for entry in (e1, e2):
        for judge in (ana, ben):
            add_judge(db.session, rnd, entry, judge, actor=actor)
    add_judge(db.session, rnd, e1, cho, actor=actor)
    db.session.add_all([
        Review(round_id=rnd.id, entry_id=e1.id, judge_id=ana.id, state=ReviewState.SUBMITTED),
        Review(round_id=rnd.id, entry_id=e2.id, judge_id=ana.id, state=ReviewState.SUBMITTED),
        Review(round_id=rnd.id, entry_id=e1.id, judge_id=ben.id, state=ReviewState.DRAFT)])
    db.session.commit()
    return locals()


def test_progress_per_judge_and_per_entry(round_with_work):
    w = round_with_work
    report = round_progress(db.session, w["rnd"])
    judges = {j.judge.id: (j.tally.done, j.tally.in_progress, j.tally.not_started)
              for j in report.judges}
    assert judges == {w["ana"].id: (2, 0, 0), w["ben"].id: (0, 1, 1), w["cho"].id: (0, 0, 1)}
    entries = {e.entry.id: dict((j.id, s) for j, s in e.reviews) for e in report.entries}
    assert entries[w["e1"].id] == {w["ana"].id: "done", w["ben"].id: "in progress",
                                   w["cho"].id: "not started"}
    assert (report.tally.done, report.tally.total, report.tally.percent) == (2, 5, 40)
    assert not report.deadline_passed and report.overdue_judges == 0


def test_overdue_once_the_review_deadline_has_passed(round_with_work):
    w = round_with_work
    w["rnd"].review_deadline_at = utcnow() - timedelta(hours=1)
    report = round_progress(db.session, w["rnd"])
    overdue = {j.judge.id for j in report.judges if j.overdue}
    assert report.deadline_passed and overdue == {w["ben"].id, w["cho"].id}


def test_remind_sends_one_message_per_judge_with_open_reviews_and_records_it(round_with_work):
    w = round_with_work
    owing = remind(db.session, w["rnd"], actor=secretariat_user(), base_url="https://x.example")
    assert {(j.id, n) for j, n in owing} == {(w["ben"].id, 2), (w["cho"].id, 1)}
    messages = outbox("review_reminder")
    assert sorted(m.to_email for m in messages) == sorted([w["ben"].email, w["cho"].email])
    ben = next(m for m in messages if m.to_email == w["ben"].email)
    assert "2 reviews to submit" in ben.subject and "https://x.example/judge/" in ben.body
    [audit] = audit_rows("remind")
    assert audit.details["judges"] == {str(w["ben"].id): 2, str(w["cho"].id): 1}


def test_remind_is_refused_when_the_round_is_not_open_or_nobody_owes(round_with_work):
    w = round_with_work
    w["rnd"].state = RoundState.CLOSED
    with pytest.raises(ServiceError, match="while a round is open"):
        remind(db.session, w["rnd"], actor=secretariat_user())
    w["rnd"].state = RoundState.OPEN
    for review in db.session.query(Review):
        review.state = ReviewState.SUBMITTED
    for judge, entry in ((w["ben"], w["e2"]), (w["cho"], w["e1"])):
        db.session.add(Review(round_id=w["rnd"].id, entry_id=entry.id, judge_id=judge.id,
                              state=ReviewState.SUBMITTED))
    db.session.flush()
    with pytest.raises(ServiceError, match="nobody to remind"):
        remind(db.session, w["rnd"], actor=secretariat_user())
    assert outbox("review_reminder") == []


def test_progress_page_and_remind_button(round_with_work, login_as):
    w = round_with_work
    w["rnd"].review_deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    page = client.get(f"/secretariat/progress?edition={w['edition'].year}&round=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<progress" in text and "the deadline has passed" in text and "overdue" in text
    assert 'style="' not in text
    response = client.post(f"/secretariat/rounds/{w['rnd'].id}/remind")
    assert response.status_code == 302
    assert len(outbox("review_reminder")) == 2
    assert client.post(f"/secretariat/rounds/{w['rnd'].id}/remind", csrf=False).status_code == 400
    dashboard = client.get(f"/secretariat/?edition={w['edition'].year}").get_data(as_text=True)
    assert "2 of 5 reviews submitted" in dashboard
