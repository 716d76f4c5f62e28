"""Aggregation methods: raw, z and calibrated, side by side, and their fallbacks.

Each table is small enough to check by hand; the arithmetic is in the comments.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from judging.ranking import CriterionSpec, ReviewScores, rank_entries
from judging.ranking import calibration

ONE = [CriterionSpec("overall", 1.0, 1, 10)]


def reviews(table: dict[str, dict[str, float]]) -> list[ReviewScores]:
    """{judge: {entry: score}} on the single criterion "overall"."""
    return [ReviewScores(e, j, {"overall": v}) for j, row in table.items() for e, v in row.items()]


# True qualities A=8, B=7, C=6, D=5. Judge H is harsh (offset -2), L lenient (+2),
# N neutral (0). H scores A and B, N bridges B and C, L scores C and D:
#   H: A 6, B 5      N: B 7, C 6      L: C 8, D 7
# Raw means: A 6, B (5+7)/2 = 6, C (6+8)/2 = 7, D 7, so the raw order puts the two
# weakest entries first only because the lenient judge scored them.
# The graph A-H-B-N-C-L-D is connected, and q = (8, 7, 6, 5), o = (-2, 0, +2) fits
# every score exactly (zero residuals) with offsets summing to zero; the
# constrained least-squares solution is unique, so calibration must return it.
HARSH_LENIENT = {"H": {"A": 6, "B": 5}, "N": {"B": 7, "C": 6}, "L": {"C": 8, "D": 7}}


def test_calibration_recovers_the_true_order_that_raw_means_get_wrong():
    result = rank_entries(reviews(HARSH_LENIENT), ONE)

    assert result.method_requested == result.method_used == "calibrated"
    assert result.connected is True and result.components == 1
    assert [r.entry_id for r in result.rows] == ["A", "B", "C", "D"]
    assert [r.rank for r in result.rows] == [1, 2, 3, 4]
    assert [r.calibrated for r in result.rows] == pytest.approx([8, 7, 6, 5])
    assert [r.score for r in result.rows] == pytest.approx([8, 7, 6, 5])
    assert [r.raw_mean for r in result.rows] == pytest.approx([6, 6, 7, 7])
    assert [r.tie_break for r in result.rows] == ["", "score", "score", "score"]
    offsets = {j.judge_id: j.offset for j in result.judges}
    assert offsets == pytest.approx({"H": -2.0, "N": 0.0, "L": 2.0})
    # every judge scored 2 entries (< 5), so z is not computed and says why
    assert all(r.z_mean is None for r in result.rows)
    assert any("No z-scores are shown" in w and "H: 2" in w for w in result.warnings)


def test_raw_method_on_the_same_table_shows_the_lenient_judges_entries_first():
    # Raw: C 7 and D 7 tie; count-back: H put A first (6 > 5), N put B first (7 > 6),
    # L put C first (8 > 7), so C 1, D 0 and C wins the tie on "count_back".
    # A 6 and B 6 tie on score and raw mean, and have count-back 1 each; no main
    # criterion is named, so they stay tied, share rank 3 and go to the chair.
    result = rank_entries(reviews(HARSH_LENIENT), ONE, method="raw")

    assert result.method_used == "raw"
    assert [r.entry_id for r in result.rows] == ["C", "D", "A", "B"]
    assert [r.rank for r in result.rows] == [1, 2, 3, 3]
    assert [r.tie_break for r in result.rows] == ["", "count_back", "score", "unresolved"]
    assert [r.count_back for r in result.rows] == [1, 0, 1, 1]
    # the calibrated column is still shown, for comparison
    assert [r.calibrated for r in result.rows] == pytest.approx([6, 5, 8, 7])
    assert result.unresolved_groups == (("A", "B"),)


# Complete design with noise: J1 scores E1, E2, E3 = 6, 7, 9; J2 scores 4, 6, 8.
# When every judge scores every entry, the least-squares quality is the row mean
# and the offset is (judge mean - grand mean):
#   quality: E1 (6+4)/2 = 5, E2 6.5, E3 8.5
#   judge means 22/3 and 6, grand mean 40/6 = 20/3, offsets +2/3 and -2/3.
# Residuals are not zero (J1/E1: 6 - 5 - 2/3 = 1/3), so this is a real fit.
# With a ridge prior lambda the quality equations still give the row means and the
# offset equations become sum_e (t - q_e) = (n_e + lambda) o_j, so
#   o_1 = 3 * (22/3 - 20/3) / (3 + lambda) = 2 / (3 + lambda); lambda = 3 gives 1/3.
COMPLETE = {"J1": {"E1": 6, "E2": 7, "E3": 9}, "J2": {"E1": 4, "E2": 6, "E3": 8}}


def test_complete_design_calibration_equals_row_means_and_ridge_shrinks_offsets():
    plain = rank_entries(reviews(COMPLETE), ONE, min_entries_per_judge=2)
    assert {r.entry_id: r.calibrated for r in plain.rows} == pytest.approx({"E1": 5, "E2": 6.5, "E3": 8.5})
    assert {j.judge_id: j.offset for j in plain.judges} == pytest.approx({"J1": 2 / 3, "J2": -2 / 3})

    shrunk = rank_entries(reviews(COMPLETE), ONE, ridge=3.0, min_entries_per_judge=2)
    assert {r.entry_id: r.calibrated for r in shrunk.rows} == pytest.approx({"E1": 5, "E2": 6.5, "E3": 8.5})
    assert {j.judge_id: j.offset for j in shrunk.judges} == pytest.approx({"J1": 1 / 3, "J2": -1 / 3})


def test_a_very_strong_ridge_pins_offsets_at_zero_so_calibrated_tends_to_raw():
    result = rank_entries(reviews(HARSH_LENIENT), ONE, ridge=1e9)
    for r in result.rows:
        assert r.calibrated == pytest.approx(r.raw_mean, abs=1e-6)
    assert all(abs(j.offset) < 1e-6 for j in result.judges)


def _random_design(rng: np.random.Generator, n_e: int, n_j: int, per_entry: int) -> list[ReviewScores]:
    out = []
    for e in range(n_e):
        # entry e always meets judges e % n_j and (e + 1) % n_j, which chains every
        # judge together (connected), plus random extra judges
        judges = {e % n_j, (e + 1) % n_j}
        judges |= set(rng.choice(n_j, size=min(per_entry, n_j), replace=False).tolist())
        for j in judges:
            out.append(ReviewScores(f"e{e}", f"j{j}", {"overall": float(rng.integers(1, 11))}))
    return out


def _oracle(revs: list[ReviewScores], ridge: float) -> tuple[dict, dict]:
    """Dense least squares written independently: offsets o_1..o_{J-1} free and
    o_J = -(o_1 + ... + o_{J-1}) when ridge == 0; with ridge, extra rows
    sqrt(ridge) * o_j = 0 instead."""
    entries = sorted({r.entry_id for r in revs})
    judges = sorted({r.judge_id for r in revs})
    ei = {e: i for i, e in enumerate(entries)}
    ji = {j: i for i, j in enumerate(judges)}
    n_e, n_j = len(entries), len(judges)
    if ridge == 0:
        x = np.zeros((len(revs), n_e + n_j - 1))
        for row, r in enumerate(revs):
            x[row, ei[r.entry_id]] = 1
            j = ji[r.judge_id]
            if j < n_j - 1:
                x[row, n_e + j] = 1
            else:
                x[row, n_e:] = -1
        y = np.array([r.scores["overall"] for r in revs])
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        offsets = np.append(beta[n_e:], -beta[n_e:].sum())
    else:
        x = np.zeros((len(revs) + n_j, n_e + n_j))
        y = np.zeros(len(revs) + n_j)
        for row, r in enumerate(revs):
            x[row, ei[r.entry_id]] = 1
            x[row, n_e + ji[r.judge_id]] = 1
            y[row] = r.scores["overall"]
        for j in range(n_j):
            x[len(revs) + j, n_e + j] = math.sqrt(ridge)
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        offsets = beta[n_e:]
    return dict(zip(entries, beta[:n_e])), dict(zip(judges, offsets))


@pytest.mark.parametrize(
    ("n_e", "n_j", "per_entry", "ridge"),
    [
        (30, 6, 2, 0.0),  # fewer judges than entries: the judge side is solved
        (30, 6, 2, 2.5),
        (5, 12, 4, 0.0),  # more judges than entries: the entry side is solved
        (5, 12, 4, 0.7),
    ],
)
def test_calibrated_matches_an_independent_dense_least_squares(n_e, n_j, per_entry, ridge):
    rng = np.random.default_rng(n_e * 100 + n_j)
    revs = _random_design(rng, n_e, n_j, per_entry)
    quality, offsets = _oracle(revs, ridge)
    result = rank_entries(revs, ONE, ridge=ridge)
    assert result.connected
    assert {r.entry_id: r.calibrated for r in result.rows} == pytest.approx(quality, abs=1e-9)
    assert {j.judge_id: j.offset for j in result.judges} == pytest.approx(offsets, abs=1e-9)
    assert sum(j.offset for j in result.judges) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("ridge", [0.0, 1.0])
def test_the_sparse_solver_path_gives_the_same_answer(monkeypatch, ridge):
    rng = np.random.default_rng(7)
    revs = _random_design(rng, 40, 8, 3)
    dense = rank_entries(revs, ONE, ridge=ridge)
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 1)
    sparse = rank_entries(revs, ONE, ridge=ridge)
    assert [r.calibrated for r in sparse.rows] == pytest.approx([r.calibrated for r in dense.rows], abs=1e-9)
    assert [r.entry_id for r in sparse.rows] == [r.entry_id for r in dense.rows]


# Five entries, three judges, everyone scores everything (weighted totals):
#   A: 2 4 6 8 10   mean 6, deviations -4 -2 0 2 4, SS 40, sample SD sqrt(10)
#   B: 3 4 5 6 7    mean 5, SS 10, sample SD sqrt(2.5)
#   C: 6 6 6 6 6    SD 0 -> contributes z = 0, is flagged and warned about
# A's z-scores are (-4 -2 0 2 4)/sqrt(10) = -1.2649 -0.6325 0 0.6325 1.2649, and
# B's are (-2 -1 0 1 2)/sqrt(2.5): the same numbers. Mean z per entry = 2 z_A / 3.
# Pooled totals: sum 30 + 25 + 30 = 85, mean 17/3; SS around 17/3:
#   A (121 + 25 + 1 + 49 + 169)/9 = 365/9, B (64 + 25 + 4 + 1 + 16)/9 = 110/9,
#   C 5 * (1/9) = 5/9; total 480/9, sample variance (480/9)/14.
# Displayed z score = 17/3 + sqrt((480/9)/14) * mean z.
Z_TABLE = {
    "A": dict(zip("PQRST", [2, 4, 6, 8, 10])),
    "B": dict(zip("PQRST", [3, 4, 5, 6, 7])),
    "C": dict(zip("PQRST", [6, 6, 6, 6, 6])),
}


def test_z_method_guards_a_judge_whose_scores_are_all_equal():
    result = rank_entries(reviews(Z_TABLE), ONE, method="z")

    assert result.method_used == "z"
    pooled_sd = math.sqrt((480 / 9) / 14)
    z_a = [d / math.sqrt(10) for d in (-4, -2, 0, 2, 4)]
    expected = {e: 17 / 3 + pooled_sd * (2 * z / 3) for e, z in zip("PQRST", z_a)}
    assert {r.entry_id: r.z_mean for r in result.rows} == pytest.approx(expected)
    assert [r.entry_id for r in result.rows] == ["T", "S", "R", "Q", "P"]
    assert result.rows[0].score == pytest.approx(expected["T"])  # 7.3127
    assert result.rows[0].raw_mean == pytest.approx((10 + 7 + 6) / 3)

    c = result.judge("C")
    assert c.sd == 0 and c.flagged
    assert any("same weighted total" in n for n in c.notes)
    assert not result.judge("A").flagged and not result.judge("B").flagged
    assert any("Judge C gave every entry the same weighted total" in w and "set to 0" in w for w in result.warnings)


def test_z_falls_back_to_raw_when_a_judge_scored_too_few_entries():
    result = rank_entries(reviews(HARSH_LENIENT), ONE, method="z")
    assert result.method_requested == "z" and result.method_used == "raw"
    assert [r.score for r in result.rows] == [r.raw_mean for r in result.rows]
    assert any("at least 5 entries" in w and "raw method was used" in w for w in result.warnings)
    assert all(j.flagged and "fewer than the 5" in j.notes[0] for j in result.judges)


# Two separate panels: J1 and J2 score A and B; J3 and J4 score C and D.
#   J1: A 8, B 6    J2: A 7, B 5    J3: C 9, D 3    J4: C 4, D 2
# Nothing links the panels, so the graph has 2 components and calibrated scores
# from one panel say nothing about the other.
# With two entries per judge every z-score is +-1/sqrt(2) (the two totals sit one
# half-difference from their mean, and the sample SD is the difference / sqrt(2)),
# so A and C tie on z at +0.7071 and B and D at -0.7071. The raw means separate
# them: A 7.5 > C 6.5 and B 5.5 > D 2.5.
TWO_PANELS = {"J1": {"A": 8, "B": 6}, "J2": {"A": 7, "B": 5}, "J3": {"C": 9, "D": 3}, "J4": {"C": 4, "D": 2}}


def test_disconnected_design_falls_back_to_z_with_a_warning():
    result = rank_entries(reviews(TWO_PANELS), ONE, min_entries_per_judge=2)

    assert result.connected is False and result.components == 2
    assert result.method_requested == "calibrated" and result.method_used == "z"
    assert (
        "The judge-entry graph has 2 separate groups; calibrated scores cannot be compared across them, "
        "so the z method was used."
    ) in result.warnings
    assert all(r.calibrated is None for r in result.rows)
    assert [r.entry_id for r in result.rows] == ["A", "C", "B", "D"]
    assert [r.tie_break for r in result.rows] == ["", "raw_mean", "score", "raw_mean"]
    totals = [8, 6, 7, 5, 9, 3, 4, 2]
    pooled_mean, pooled_sd = np.mean(totals), np.std(totals, ddof=1)
    assert result.rows[0].z_mean == pytest.approx(pooled_mean + pooled_sd / math.sqrt(2))
    assert result.rows[1].z_mean == pytest.approx(result.rows[0].z_mean)
    # offsets are still estimated, but only within each panel: J1's mean is 7, J2's 6,
    # and both scored the same entries, so J1 is +0.5 and J2 -0.5 within their panel
    assert result.judge("J1").offset == pytest.approx(0.5)
    assert result.judge("J2").offset == pytest.approx(-0.5)
    assert any("group of the judge-entry graph" in n for n in result.judge("J3").notes)


def test_disconnected_design_falls_back_to_raw_when_z_is_not_supported_either():
    result = rank_entries(reviews(TWO_PANELS), ONE)  # min_entries_per_judge = 5
    assert result.method_used == "raw"
    assert len(result.warnings) >= 1
    first = result.warnings[0]
    assert first.startswith("The judge-entry graph has 2 separate groups")
    assert "at least 5 entries" in first and first.endswith("so the raw method was used.")
    assert all(r.z_mean is None and r.calibrated is None for r in result.rows)
    assert [r.entry_id for r in result.rows] == ["A", "C", "B", "D"]  # raw 7.5, 6.5, 5.5, 2.5


def test_judge_statistics_flag_an_unusually_lenient_judge():
    # Complete design (every judge scores E1..E5), base totals 3 4 5 6 8, judge j
    # adds d_j: d = -0.2, 0.2, -0.2, 0.2, 0, 0 for J1..J6 and +2 for J7.
    # In a complete design offset_j = judge mean - grand mean = d_j - mean(d), with
    # mean(d) = 2/7. The offsets' sample SD equals that of d:
    #   deviations of d: -0.486 -0.086 -0.486 -0.086 -0.286 -0.286 +1.714,
    #   SS = 3.5886, SD = sqrt(3.5886 / 6) = 0.773; 2 SD = 1.547.
    # Only J7 (offset 2 - 2/7 = 1.714) is beyond 2 SD.
    # J7's totals are 5 6 7 8 10; on the 1-10 scale the extreme bands are <= 1.9 and
    # >= 9.1, so its extreme share is 1/5.
    base = [3, 4, 5, 6, 8]
    d = {"J1": -0.2, "J2": 0.2, "J3": -0.2, "J4": 0.2, "J5": 0.0, "J6": 0.0, "J7": 2.0}
    table = {j: {f"E{i + 1}": b + dj for i, b in enumerate(base)} for j, dj in d.items()}
    result = rank_entries(reviews(table), ONE)

    mean_d = sum(d.values()) / 7
    for j in result.judges:
        assert j.offset == pytest.approx(d[j.judge_id] - mean_d)
        assert j.mean == pytest.approx(5.2 + d[j.judge_id])
        assert j.sd == pytest.approx(np.std(base, ddof=1))
        assert j.n_entries == 5
    j7 = result.judge("J7")
    assert j7.flagged and "unusually lenient" in j7.notes[0]
    assert j7.extreme_share == pytest.approx(0.2)
    assert [j.judge_id for j in result.judges if j.flagged] == ["J7"]
    assert "Judge J7 is flagged for review; see the judge notes." in result.warnings
    # every method agrees here, and alpha is high: the judges only differ by offsets
    assert [r.entry_id for r in result.rows] == ["E5", "E4", "E3", "E2", "E1"]
    assert result.alpha is not None and result.alpha > 0.8


def test_entry_statistics_count_judges_and_spread():
    result = rank_entries(reviews(HARSH_LENIENT), ONE)
    b = result.row("B")  # H gave 5, N gave 7: sample SD = 2 / sqrt(2)
    assert b.n_judges == 2 and b.spread == pytest.approx(math.sqrt(2))
    a = result.row("A")  # one judge: spread 0
    assert a.n_judges == 1 and a.spread == 0.0
