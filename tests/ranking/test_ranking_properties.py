"""Properties of calibration that must hold for any connected design.

Adding c to every score of judge k is absorbed by the offsets: with J judges, the
old solution shifted by q' = q + c/J, o'_k = o_k + c - c/J, o'_other = o - c/J fits
with the same residuals and offsets still summing to zero, so (being unique) it is
the new solution. Every calibrated score moves by the same c/J and the ranking by
calibrated score cannot change.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.ranking import CriterionSpec, ReviewScores, rank_entries

CRITERIA = [CriterionSpec("impact", 2.0, 0, 100), CriterionSpec("design", 1.0, 0, 100)]


@st.composite
def connected_designs(draw):
    """(n_judges, reviews) with scores 20..80 so that shifting by up to 20 stays on the 0..100 scale."""
    n_j = draw(st.integers(2, 4))
    n_e = draw(st.integers(n_j, 7))
    # entry e meets judges e % n_j and (e + 1) % n_j: entries 0..n_j-2 chain all judges
    pairs = {(e, e % n_j) for e in range(n_e)} | {(e, (e + 1) % n_j) for e in range(n_e)}
    extra = draw(st.lists(st.tuples(st.integers(0, n_e - 1), st.integers(0, n_j - 1)), max_size=8))
    pairs |= set(extra)
    score = st.integers(20, 80)
    revs = [
        ReviewScores(f"e{e}", f"j{j}", {"impact": draw(score), "design": draw(score)}) for e, j in sorted(pairs)
    ]
    return n_j, revs


def calibrated(result) -> dict:
    return {r.entry_id: r.calibrated for r in result.rows}


def shifted(revs, judge, c):
    return [
        ReviewScores(r.entry_id, r.judge_id, {k: v + c for k, v in r.scores.items()}) if r.judge_id == judge else r
        for r in revs
    ]


@settings(max_examples=150, deadline=None)
@given(design=connected_designs(), judge=st.integers(0, 3), c=st.integers(-20, 20))
def test_a_constant_added_to_one_judge_is_absorbed_by_its_offset(design, judge, c):
    n_j, revs = design
    who = f"j{judge % n_j}"
    before = rank_entries(revs, CRITERIA)
    after = rank_entries(shifted(revs, who, c), CRITERIA)
    assert before.connected and after.connected

    cal_before, cal_after = calibrated(before), calibrated(after)
    for e in cal_before:
        assert cal_after[e] == pytest.approx(cal_before[e] + c / n_j, abs=1e-9)
    rank_after = {r.entry_id: r.rank for r in after.rows}
    for a in cal_before:
        for b in cal_before:
            if cal_before[a] > cal_before[b] + 1e-7:
                assert rank_after[a] < rank_after[b]
    off_before = {j.judge_id: j.offset for j in before.judges}
    off_after = {j.judge_id: j.offset for j in after.judges}
    for j in off_before:
        expected = off_before[j] + (c if j == who else 0) - c / n_j
        assert off_after[j] == pytest.approx(expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(design=connected_designs(), seed=st.integers(0, 10_000))
def test_calibrated_scores_do_not_depend_on_judge_order_or_names(design, seed):
    _, revs = design
    rng = random.Random(seed)
    judges = sorted({r.judge_id for r in revs})
    renamed = dict(zip(judges, rng.sample([f"k{i}" for i in range(len(judges))], len(judges))))
    permuted = [ReviewScores(r.entry_id, renamed[r.judge_id], r.scores) for r in revs]
    rng.shuffle(permuted)

    original = rank_entries(revs, CRITERIA)
    relabelled = rank_entries(permuted, CRITERIA)
    assert calibrated(relabelled) == pytest.approx(calibrated(original), abs=1e-9)
    off = {j.judge_id: j.offset for j in original.judges}
    off_relabelled = {j.judge_id: j.offset for j in relabelled.judges}
    assert {renamed[j]: o for j, o in off.items()} == pytest.approx(off_relabelled, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(design=connected_designs())
def test_calibrated_residuals_satisfy_the_normal_equations(design):
    # Least squares with sum(o) = 0: the residuals sum to zero over each entry's
    # reviews and over each judge's reviews, and the offsets sum to zero.
    _, revs = design
    result = rank_entries(revs, CRITERIA)
    q = calibrated(result)
    o = {j.judge_id: j.offset for j in result.judges}
    by_entry: dict = {}
    by_judge: dict = {}
    for r in revs:
        total = (2 * r.scores["impact"] + r.scores["design"]) / 3
        res = total - q[r.entry_id] - o[r.judge_id]
        by_entry[r.entry_id] = by_entry.get(r.entry_id, 0.0) + res
        by_judge[r.judge_id] = by_judge.get(r.judge_id, 0.0) + res
    assert np.allclose(list(by_entry.values()), 0, atol=1e-8)
    assert np.allclose(list(by_judge.values()), 0, atol=1e-8)
    assert sum(o.values()) == pytest.approx(0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(design=connected_designs(), seed=st.integers(0, 10_000))
def test_the_ranking_does_not_depend_on_review_order(design, seed):
    _, revs = design
    shuffled = list(revs)
    random.Random(seed).shuffle(shuffled)
    a = rank_entries(revs, CRITERIA)
    b = rank_entries(shuffled, CRITERIA)
    assert [(r.entry_id, r.rank, r.tie_break) for r in a.rows] == [(r.entry_id, r.rank, r.tie_break) for r in b.rows]
