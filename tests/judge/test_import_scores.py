"""flask import-scores: offline scores, every row checked, all or nothing, each bad line named."""
from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import AuditEvent, ReviewState, Role, RoundState, Score
from judging.services import reviews as review_service
from tests.factories import make_user
from tests.judge.helpers import (
    assign,
    audit_events,
    declared,
    judging_edition,
    make_judge,
    opened_review,
    review_entry,
    review_of,
)

HEADER = "reference,judge_email,round,criterion,score,comment"


@pytest.fixture
def offline(app):
    edition, rnd = judging_edition()
    first = review_entry(edition, title="First entry")
    second = review_entry(edition, title="Second entry")
    judge = make_judge(edition, email="offline.judge@example.org")
    assign(rnd, first, judge)
    assign(rnd, second, judge)
    db.session.commit()
    keys = [c.key for c in first.category.criteria]
    return edition, rnd, first, second, judge, keys


def rows_for(entry, judge, keys, scores, overall: str | None = "Overall view.") -> list[str]:
    lines = [f"{entry.reference},{judge.email},1,{k},{v},comment on {k}"
             for k, v in zip(keys, scores)]
    if overall is not None:
        lines.append(f'{entry.reference},{judge.email},1,overall,,"{overall}"')
    return lines


def run(runner, tmp_path, edition, lines, *extra):
    path = tmp_path / "scores.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return runner.invoke(args=["import-scores", str(path), "--edition", str(edition.year), *extra])


def score_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Score))


def test_scores_are_imported_as_drafts(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    result = run(runner, tmp_path, edition,
                 rows_for(first, judge, keys, [7, 8, 6, 9, 5, 7], overall="Good, with a caveat."))
    assert result.exit_code == 0, result.output
    assert "Imported 7 rows into 1 review: 0 submitted, 1 saved as drafts." in result.output
    review = review_of(judge, first, rnd)
    assert review.state == ReviewState.DRAFT
    assert review_service.scores_by_key(review) == dict(zip(keys, [7, 8, 6, 9, 5, 7]))
    assert review.overall_comment == "Good, with a caveat."
    assert review.scores[0].comment.startswith("comment on ")
    [event] = audit_events("import_scores")
    assert event.details["lines"] == list(range(2, 9))


def test_with_submit_complete_reviews_are_submitted_through_the_engine(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    declared(judge, first)
    declared(judge, second)
    secretariat = make_user(Role.SECRETARIAT, email="sec@example.org")
    db.session.commit()
    lines = rows_for(first, judge, keys, [8] * 6) + rows_for(second, judge, keys[:3], [4, 5, 6])
    result = run(runner, tmp_path, edition, lines, "--submit", "--as", "sec@example.org")
    assert result.exit_code == 0, result.output
    assert "1 submitted, 1 saved as drafts" in result.output
    complete = review_of(judge, first, rnd)
    partial = review_of(judge, second, rnd)
    assert complete.state == ReviewState.SUBMITTED and complete.submitted_at is not None
    assert partial.state == ReviewState.DRAFT
    [submitted] = audit_events("submit_review")
    assert submitted.subject_id == complete.id and submitted.actor_id == judge.id
    assert math.isclose(submitted.details["weighted_total"], 8.0)
    assert {e.actor_id for e in audit_events("import_scores")} == {secretariat.id}


def test_an_import_merges_into_an_existing_draft(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    declared(judge, first)
    review = opened_review(judge, first, rnd)
    review_service.save_draft(db.session, review, review_service.ReviewInput(
        scores={keys[0]: 2}, overall_comment="Typed online."), actor=judge)
    db.session.commit()
    result = run(runner, tmp_path, edition, rows_for(first, judge, keys[1:2], [9], overall=None))
    assert result.exit_code == 0, result.output
    review = review_of(judge, first, rnd)
    assert review_service.scores_by_key(review) == {keys[0]: 2, keys[1]: 9}
    assert review.overall_comment == "Typed online."


def test_every_bad_line_is_named_and_nothing_is_imported(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    stranger = make_judge(edition, email="stranger@example.org")
    conflicted_entry = review_entry(edition, country="DK", city="Odense", title="Danish")
    assign(rnd, conflicted_entry, judge)  # the judge is Danish too: an automatic conflict
    submitted_entry = review_entry(edition, title="Already submitted")
    assign(rnd, submitted_entry, judge)
    declared(judge, submitted_entry)
    review = opened_review(judge, submitted_entry, rnd)
    review_service.submit_review(db.session, review, review_service.ReviewInput(
        scores={k: 5 for k in keys}, overall_comment="Done online."), actor=judge)
    db.session.commit()
    before = score_count()
    e, j = first.reference, judge.email
    lines = [
        f"{e},{j},1,{keys[0]},7,fine",                         # line 2: good
        f"SSCP-2024-HC-0099,{j},1,{keys[0]},7,",               # line 3
        f"{e},nobody@example.org,1,{keys[0]},7,",              # line 4
        f"{e},{stranger.email},1,{keys[0]},7,",                # line 5
        f"{conflicted_entry.reference},{j},1,{keys[0]},7,",    # line 6
        f"{e},{j},1,creativity,7,",                            # line 7
        f"{e},{j},1,{keys[1]},11,",                            # line 8
        f"{e},{j},1,{keys[2]},7.5,",                           # line 9
        f"{e},{j},1,{keys[3]},,",                              # line 10
        f"{e},{j},3,{keys[0]},7,",                             # line 11
        f"{e},{j},2,{keys[0]},7,",                             # line 12
        f"{submitted_entry.reference},{j},1,{keys[0]},7,",     # line 13
        f"{e},{j},1,{keys[0]},8,again",                        # line 14
        f"{e},{j},1,overall,5,",                               # line 15
        f"{second.reference},{j},1,{keys[0]},0,",              # line 16
    ]
    result = run(runner, tmp_path, edition, lines)
    assert result.exit_code != 0
    out = result.output
    expected = [
        "line 3: unknown entry SSCP-2024-HC-0099",
        "line 4: unknown judge nobody@example.org",
        f"line 5: stranger@example.org is not assigned to {e} in round 1",
        f"line 6: {j} has a conflict of interest on {conflicted_entry.reference}: same country (DK)",
        "line 7: unknown criterion 'creativity' for Human-CentriCity",
        f"line 8: score 11 for {keys[1]} is outside the scale 1-10",
        f"line 9: score 7.5 for {keys[2]} is not a whole number from 1 to 10",
        f"line 10: the score for {keys[3]} is missing (a whole number from 1 to 10)",
        f"line 11: {edition.name} has no round 3",
        "line 12: Round 2: final evaluation has not opened yet; scores cannot be imported",
        f"line 13: the review of {submitted_entry.reference} by {j} in round 1 is already submitted",
        f"line 14: {keys[0]} of {e} by {j} in round 1 is already on line 2",
        "line 15: the overall row takes a comment, not a score",
        f"line 16: score 0 for {keys[0]} is outside the scale 1-10",
    ]
    for message in expected:
        assert message in out, out
    assert "line 2:" not in out
    assert "nothing was imported (14 problems)" in out
    # Nothing at all: not even the good line.
    assert score_count() == before
    assert review_of(judge, first, rnd) is None
    assert audit_events("import_scores") == []


def test_a_closed_round_is_refused(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    rnd.state = RoundState.CLOSED
    db.session.commit()
    result = run(runner, tmp_path, edition, rows_for(first, judge, keys[:1], [7], overall=None))
    assert result.exit_code != 0
    assert "line 2: Round 1: online evaluation is closed; scores cannot be imported" in result.output
    assert score_count() == 0


def test_submit_needs_the_judges_declaration(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    result = run(runner, tmp_path, edition, rows_for(first, judge, keys, [6] * 6), "--submit")
    assert result.exit_code != 0
    assert (f"line 2: {judge.email} has not declared on conflicts of interest for "
            f"{first.reference}") in result.output
    assert review_of(judge, first, rnd) is None


def test_the_header_is_checked(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    path = tmp_path / "bad.csv"
    path.write_text("reference,judge,round,criterion,score\nX,y,1,a,1\n", encoding="utf-8")
    result = runner.invoke(args=["import-scores", str(path), "--edition", str(edition.year)])
    assert result.exit_code != 0
    assert "line 1: missing columns judge_email, comment" in result.output


def test_a_quoted_comment_over_several_lines_keeps_the_line_numbers(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    lines = [
        f'{first.reference},{judge.email},1,{keys[0]},7,"first line\nsecond line"',  # lines 2-3
        f"{first.reference},{judge.email},1,{keys[1]},12,",  # line 4
    ]
    result = run(runner, tmp_path, edition, lines)
    assert result.exit_code != 0
    assert f"line 4: score 12 for {keys[1]} is outside the scale 1-10" in result.output


def test_a_byte_order_mark_and_spaced_headers_are_accepted(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    path = tmp_path / "excel.csv"
    header = " Reference , Judge_Email ,round,criterion,score,comment"
    path.write_text("\ufeff" + header + "\n" + f"{first.reference},{judge.email.upper()},1,"
                    f"{keys[0]},7,ok\n", encoding="utf-8")
    result = runner.invoke(args=["import-scores", str(path), "--edition", str(edition.year)])
    assert result.exit_code == 0, result.output
    assert review_service.scores_by_key(review_of(judge, first, rnd)) == {keys[0]: 7}


def test_the_importer_must_be_secretariat(offline, runner, tmp_path):
    edition, rnd, first, second, judge, keys = offline
    result = run(runner, tmp_path, edition, rows_for(first, judge, keys[:1], [7], overall=None),
                 "--as", judge.email)
    assert result.exit_code != 0
    assert "is not a member of the secretariat" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "import_scores")) == 0
