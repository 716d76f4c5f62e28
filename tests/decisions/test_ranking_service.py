"""The ranking service: which reviews count, the edition's method, entry facts, queries."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Assignment, ConflictDeclaration, EntryState, utcnow
from judging.services import ServiceError
from judging.services.ranking import rank_round_category, resolve_category
from tests.decisions.helpers import (
    entry_in_review,
    judging_edition,
    make_judges,
    rank_by_values,
    score,
    score_table,
    secretariat,
)


def hc(edition):
    return edition.program.category_by_key("human_centricity")


def test_rows_carry_entry_facts_and_raw_beside_chosen_scores(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 5)
    entries = [entry_in_review(edition, name=f"City {i}", city="Cuenca", country="EC")
               for i in range(6)]
    rank_by_values(rnd, entries, judges, [4, 9, 6, 7, 5, 8])
    ranking = rank_round_category(db.session, rnd, hc(edition))
    assert [r.applicant_name for r in ranking.rows] == ["City 1", "City 5", "City 3", "City 2",
                                                       "City 4", "City 0"]
    top = ranking.rows[0]
    assert (top.rank, top.reference, top.city, top.country) == (1, entries[1].reference, "Cuenca", "EC")
    assert top.raw_mean == pytest.approx(9.0)
    assert top.n_judges == 3
    assert ranking.method_requested == "calibrated"
    assert ranking.rows[1].tie_break == "score"
    assert {j.name for j in ranking.judges} == {j.name for j in judges}
    assert sum(len(j.totals) for j in ranking.judges) == 18


def test_calibration_corrects_a_harsh_judge_and_raw_is_shown_beside(app):
    """Judge H scores everything 3 points lower. Entry A (seen by H) and entry B (not seen by
    H) have the same quality: the raw mean puts A below B, calibration puts them level."""
    edition = judging_edition()
    rnd = edition.rounds[0]
    j1, j2, j3, h = make_judges(edition, 4)
    a, b, c, d = (entry_in_review(edition) for _ in range(4))
    score_table(rnd, [a, b, c, d], [j1, j2, j3, h], [
        [7, 7, None, 4],
        [7, None, 7, None],
        [5, 5, 5, 2],
        [6, None, 6, 3],
    ])
    ranking = rank_round_category(db.session, rnd, hc(edition))
    row_a, row_b = ranking.row_for(a.id), ranking.row_for(b.id)
    assert row_a.raw_mean < row_b.raw_mean
    assert row_a.calibrated == pytest.approx(row_b.calibrated, abs=1e-6)
    assert ranking.method_used == "calibrated"
    harsh = next(j for j in ranking.judges if j.judge_id == h.id)
    assert harsh.offset < -1.5


def test_conflicted_recused_and_draft_reviews_do_not_count(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 6)
    entry = entry_in_review(edition, country="DK", city="Copenhagen")  # judge 0 is Danish
    other = entry_in_review(edition)
    score(rnd, entry, judges[0], 10)  # automatic conflict: same country
    score(rnd, entry, judges[1], 9)  # declared conflict, in force
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judges[1].id,
                                       entry_id=entry.id, has_conflict=True, reason="I advised it"))
    score(rnd, entry, judges[2], 8)  # recused assignment
    assignment = db.session.scalar(sa.select(Assignment).where(
        Assignment.entry_id == entry.id, Assignment.judge_id == judges[2].id))
    assignment.recused_at = utcnow()
    assignment.recusal_reason = "Former employer"
    score(rnd, entry, judges[3], 2, submitted=False)  # a draft
    score(rnd, entry, judges[4], 5)  # counts
    score(rnd, entry, judges[5], 6)  # declared, then waived: counts
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judges[5].id,
                                       entry_id=entry.id, has_conflict=True, reason="Met once",
                                       waived_at=utcnow(), waived_by_id=secretariat().id,
                                       waiver_reason="Not material"))
    score(rnd, other, judges[4], 7)
    db.session.flush()
    ranking = rank_round_category(db.session, rnd, hc(edition))
    row = ranking.row_for(entry.id)
    assert row.n_judges == 2
    assert row.raw_mean == pytest.approx(5.5)
    reasons = {x.judge_name: x.reason for x in ranking.excluded}
    assert reasons[judges[0].name].startswith("conflict of interest: same country")
    assert reasons[judges[1].name] == "declared conflict of interest: I advised it"
    assert reasons[judges[2].name] == "recused: Former employer"
    assert judges[3].name not in reasons and judges[5].name not in reasons
    assert ranking.n_reviews == 3


def test_withdrawn_entries_are_left_out_with_a_note(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    kept = entry_in_review(edition)
    gone = entry_in_review(edition)
    rank_by_values(rnd, [kept, gone], judges, [5, 9])
    gone.state = EntryState.WITHDRAWN
    db.session.flush()
    ranking = rank_round_category(db.session, rnd, hc(edition))
    assert [r.entry_id for r in ranking.rows] == [kept.id]
    assert any(gone.reference in n and "withdrawn" in n for n in ranking.notes)


def test_method_follows_the_edition_and_falls_back_visibly(app):
    edition = judging_edition()
    edition.ranking_method = "z"
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition) for _ in range(3)]
    rank_by_values(rnd, entries, judges, [5, 6, 7])  # every judge scores 3 entries: too few for z
    ranking = rank_round_category(db.session, rnd, hc(edition))
    assert ranking.method_requested == "z"
    assert ranking.method_used == "raw"
    assert ranking.fell_back
    assert any("z-normalisation needs every judge" in w.lower() for w in ranking.warnings)
    raw = rank_round_category(db.session, rnd, hc(edition), method="raw")
    assert raw.method_used == "raw" and not raw.fell_back


def test_unresolved_ties_name_entries_by_reference(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    a, b = entry_in_review(edition), entry_in_review(edition)
    rank_by_values(rnd, [a, b], judges, [6, 6], per_entry=3)
    ranking = rank_round_category(db.session, rnd, hc(edition))
    assert [r.rank for r in ranking.rows] == [1, 1]
    assert ranking.rows[1].tie_break == "unresolved"
    assert any(a.reference in w and b.reference in w for w in ranking.warnings)
    assert len(ranking.unresolved_groups) == 1


def test_category_by_key_or_code_and_special_mention_is_not_ranked(app):
    edition = judging_edition()
    categories = edition.program.categories
    assert resolve_category(categories, "HC").key == "human_centricity"
    assert resolve_category(categories, "tech_innovacity").code == "TI"
    with pytest.raises(ServiceError, match="Unknown category 'XX'"):
        resolve_category(categories, "XX")
    with pytest.raises(ServiceError, match="not ranked"):
        rank_round_category(db.session, edition.rounds[0], resolve_category(categories, "SM"))


def test_leadership_and_projects_are_ranked_separately(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    project = entry_in_review(edition)
    leader = entry_in_review(edition, category="leadership")
    rank_by_values(rnd, [project, leader], judges, [5, 8])
    assert [r.entry_id for r in rank_round_category(db.session, rnd, hc(edition)).rows] == [project.id]
    lead = edition.program.category_by_key("leadership")
    assert [r.entry_id for r in rank_round_category(db.session, rnd, lead).rows] == [leader.id]


def count_queries(fn) -> int:
    engine = db.engine
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        db.session.expire_all()
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def _scored_edition(n_entries: int):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 8)
    entries = [entry_in_review(edition) for _ in range(n_entries)]
    rank_by_values(rnd, entries, judges, [1 + (i * 7) % 10 for i in range(n_entries)])
    db.session.commit()
    return edition


def test_the_service_runs_the_same_number_of_queries_for_10_and_80_entries(app):
    small = _scored_edition(10)
    n_small = count_queries(lambda: rank_round_category(db.session, small.rounds[0], hc(small)))
    large = _scored_edition(80)
    n_large = count_queries(lambda: rank_round_category(db.session, large.rounds[0], hc(large)))
    assert n_small == n_large
    assert n_small <= 12
