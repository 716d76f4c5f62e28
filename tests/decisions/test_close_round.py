"""Closing a round: the top share of each category is shortlisted, all or nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import AuditEvent, EditionState, EntryState, Notification, RoundState
from judging.services import ServiceError
from judging.services.decisions import close_round, finalist_quota, open_round, recorded_snapshot
from judging.workflows.engine import TransitionError
from tests.decisions.helpers import (
    entry_in_review,
    judging_edition,
    make_judges,
    rank_by_values,
    score,
    secretariat,
    states,
)

S, N = EntryState.SHORTLISTED, EntryState.NOT_SHORTLISTED


@pytest.mark.parametrize(("share", "n", "quota"), [
    (0.2, 10, 2), (0.2, 11, 3), (0.2, 15, 3), (0.2, 3, 1), (0.2, 1, 1), (0.2, 0, 0), (1.0, 4, 4),
    (0.25, 8, 2),
])
def test_finalist_quota_is_the_ceiling_of_the_share_and_at_least_one(share, n, quota):
    assert finalist_quota(share, n) == quota


def test_closing_round_one_shortlists_the_top_fifth_per_category(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 5)
    projects = [entry_in_review(edition) for _ in range(10)]
    leaders = [entry_in_review(edition, category="leadership") for _ in range(3)]
    rank_by_values(rnd, projects, judges, [5, 9, 3, 8, 2, 7, 4, 6, 1, 10])
    rank_by_values(rnd, leaders, judges, [4, 8, 6])
    result = close_round(db.session, rnd, actor=secretariat())
    assert rnd.state == RoundState.CLOSED
    assert states(projects) == [N, S, N, N, N, N, N, N, N, S]
    assert states(leaders) == [N, S, N]
    summaries = {c.category_name: c for c in result.categories}
    assert summaries["Human-CentriCity"].quota == 2
    assert summaries["Human-CentriCity"].shortlisted == [projects[9].reference, projects[1].reference]
    assert summaries["Leadership"].quota == 1
    assert "Tech-InnovaCity" not in summaries


def test_applicants_are_told_and_the_ranking_used_is_recorded(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(5)]
    rank_by_values(rnd, entries, judges, [3, 4, 9, 5, 6])
    close_round(db.session, rnd, actor=secretariat())
    messages = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    kinds = {m.entry_id: m.kind for m in messages}
    assert kinds[entries[2].id] == "entry_shortlisted"
    assert sum(1 for k in kinds.values() if k == "entry_not_shortlisted") == 4
    assert {m.to_email for m in messages} == {e.owner.email for e in entries}
    snapshot = recorded_snapshot(db.session, rnd)
    rows = snapshot["categories"]["human_centricity"]["rows"]
    assert rows[0] == {**rows[0], "reference": entries[2].reference, "rank": 1,
                       "decision": "shortlisted", "n_judges": 3}
    assert [r["decision"] for r in rows].count("not_shortlisted") == 4
    assert snapshot["categories"]["human_centricity"]["method_used"] == "calibrated"


def test_entries_tied_at_the_cut_off_are_all_shortlisted_and_reported(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(10)]
    # every entry scored by all three judges: two entries tied on every step at rank 2
    for entry, value in zip(entries, [9, 8, 8, 5, 5, 4, 3, 3, 2, 1], strict=True):
        for judge in judges:
            score(rnd, entry, judge, value)
    result = close_round(db.session, rnd, actor=secretariat())
    summary = result.categories[0]
    assert summary.quota == 2
    assert set(summary.shortlisted) == {entries[0].reference, entries[1].reference, entries[2].reference}
    assert set(summary.tied_at_cutoff) == {entries[1].reference, entries[2].reference}
    assert "Tied at the cut-off" in summary.summary
    assert states(entries)[:3] == [S, S, S]
    assert states(entries)[3:] == [N] * 7


def test_a_round_with_missing_reviews_cannot_close(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(3)]
    rank_by_values(rnd, entries, judges, [3, 4, 5])
    score(rnd, entries[0], make_judges(edition, 1)[0], 5, submitted=False)
    with pytest.raises(TransitionError, match="1 of 10 assigned reviews is not submitted"):
        close_round(db.session, rnd, actor=secretariat())
    assert rnd.state == RoundState.OPEN


def test_any_failure_after_the_round_closed_changes_nothing(app, runner):
    """The shortlisting fails (the edition is no longer judging): the command reports it and
    the round, the entries and the outbox are as before."""
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(5)]
    rank_by_values(rnd, entries, judges, [3, 4, 5, 6, 7])
    edition.state = EditionState.DELIBERATION
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    result = runner.invoke(args=["close-round", "--round", "1", "--edition", str(edition.year),
                                 "--as", secretariat().email])
    assert result.exit_code == 1
    assert "Cannot shortlist" in result.output and "nothing was changed" in result.output
    db.session.expire_all()
    assert rnd.state == RoundState.OPEN
    assert states(entries) == [EntryState.IN_REVIEW] * 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_an_entry_without_a_review_that_counts_blocks_the_close(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(3)]
    rank_by_values(rnd, entries[:2], judges, [3, 4])
    conflicted = make_judges(edition, 1)[0]
    entries[2].country = conflicted.country  # its only judge is now conflicted (same country)
    score(rnd, entries[2], conflicted, 9)
    with pytest.raises(ServiceError, match=f"no review that counts.*{entries[2].reference}"):
        close_round(db.session, rnd, actor=secretariat())


def test_closing_the_last_round_only_closes_it(app):
    edition = judging_edition(round_open=False)
    first, last = edition.rounds
    first.state = RoundState.CLOSED
    judges = make_judges(edition, 3)
    finalists = [entry_in_review(edition, state=EntryState.SHORTLISTED) for _ in range(3)]
    open_round(db.session, last, actor=secretariat())
    assert last.state == RoundState.OPEN
    rank_by_values(last, finalists, judges, [6, 7, 8])
    result = close_round(db.session, last, actor=secretariat())
    assert last.state == RoundState.CLOSED
    assert states(finalists) == [S, S, S]
    assert result.messages[0].endswith("is closed.")
    assert recorded_snapshot(db.session, last)["categories"]["human_centricity"]["quota"] == 0


def test_round_two_opens_only_after_round_one_closed(app):
    edition = judging_edition()
    with pytest.raises(TransitionError, match="Round 1: online evaluation is not closed yet"):
        open_round(db.session, edition.rounds[1], actor=secretariat())
