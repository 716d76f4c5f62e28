"""Krippendorff's alpha, interval metric, with missing values.

alpha = 1 - D_o / D_e over the pairable values (units with two or more values):
  D_o = 1/n        * sum over units of 1/(m_u - 1) * sum over ordered pairs in u of (a - b)^2
  D_e = 1/(n(n-1)) * sum over all ordered pairs of pairable values of (a - b)^2
"""
from __future__ import annotations

import numpy as np
import pytest

from judging.ranking import CriterionSpec, ReviewScores, krippendorff_alpha_interval, rank_entries


def test_perfect_agreement_is_one():
    assert krippendorff_alpha_interval({"u1": [3, 3, 3], "u2": [5, 5], "u3": [1, 1, 1]}) == pytest.approx(1.0)


def test_small_example_with_missing_values_worked_by_hand():
    # u1 got 1 and 3; u2 got 4, 4 and 5; u3 got a single 2 (not pairable, ignored).
    # Pairable values: 1 3 4 4 5, n = 5.
    # D_o: u1 (m = 2): ordered pairs (1,3),(3,1): 4 + 4 = 8, / (m - 1) = 1 -> 8
    #      u2 (m = 3): unordered (4,4) 0, (4,5) 1, (4,5) 1 -> ordered 4, / 2 -> 2
    #      D_o = (8 + 2) / 5 = 2
    # D_e: unordered pairs of 1 3 4 4 5: (1,3) 4, (1,4) 9, (1,4) 9, (1,5) 16,
    #      (3,4) 1, (3,4) 1, (3,5) 4, (4,4) 0, (4,5) 1, (4,5) 1 -> 46, ordered 92,
    #      D_e = 92 / (5 * 4) = 4.6
    # alpha = 1 - 2 / 4.6 = 13/23 = 0.5652
    alpha = krippendorff_alpha_interval({"u1": [1, 3], "u2": [4, 4, 5], "u3": [2]})
    assert alpha == pytest.approx(13 / 23)


def test_systematic_disagreement_is_negative():
    # u1: 1, 5 and u2: 5, 1. D_o = (2*16/1 + 2*16/1) / 4 = 16.
    # D_e: values 1 1 5 5 -> 4 unordered pairs differ by 4: ordered sum 128, / 12.
    # alpha = 1 - 16 / (128/12) = 1 - 1.5 = -0.5
    assert krippendorff_alpha_interval({"u1": [1, 5], "u2": [5, 1]}) == pytest.approx(-0.5)


def test_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C:
    # 4 observers, 12 units, missing values; the published interval alpha is 0.849.
    # Units as columns of his reliability data matrix (missing values left out):
    units = {
        1: [1, 1, 1], 2: [2, 2, 3, 2], 3: [3, 3, 3, 3], 4: [3, 3, 3, 3], 5: [2, 2, 2, 2], 6: [1, 2, 3, 4],
        7: [4, 4, 4, 4], 8: [1, 1, 2, 1], 9: [2, 2, 2, 2], 10: [5, 5, 5], 11: [1, 1], 12: [3],
    }
    assert krippendorff_alpha_interval(units) == pytest.approx(0.849, abs=5e-4)


def test_alpha_is_none_when_it_is_not_defined():
    assert krippendorff_alpha_interval({}) is None
    assert krippendorff_alpha_interval({"u1": [4], "u2": [7]}) is None  # nothing pairable
    assert krippendorff_alpha_interval({"u1": [4, 4], "u2": [4, 4, 4]}) is None  # no variation: D_e = 0


def test_alpha_ignores_the_order_of_values_and_units():
    units = {"a": [1, 3], "b": [4, 4, 5], "c": [2, 6, 6]}
    shuffled = {"c": [6, 2, 6], "a": [3, 1], "b": [5, 4, 4]}
    assert krippendorff_alpha_interval(units) == pytest.approx(krippendorff_alpha_interval(shuffled))


def test_alpha_is_invariant_to_shifting_and_scaling_all_values():
    rng = np.random.default_rng(3)
    units = {u: rng.normal(size=rng.integers(1, 5)).tolist() for u in range(30)}
    moved = {u: [1000 + 7 * v for v in vals] for u, vals in units.items()}
    assert krippendorff_alpha_interval(moved) == pytest.approx(krippendorff_alpha_interval(units))


def test_ranking_reports_alpha_on_the_weighted_totals():
    criteria = [CriterionSpec("a", 2.0, 1, 10), CriterionSpec("b", 1.0, 1, 10)]
    # weighted totals (2a + b) / 3: J1: X (2*6 + 3)/3 = 5, Y 8; J2: X 6, Y 9 (9, 9); Z by J1 only
    revs = [
        ReviewScores("X", "J1", {"a": 6, "b": 3}),
        ReviewScores("Y", "J1", {"a": 8, "b": 8}),
        ReviewScores("X", "J2", {"a": 6, "b": 6}),
        ReviewScores("Y", "J2", {"a": 9, "b": 9}),
        ReviewScores("Z", "J1", {"a": 1, "b": 1}),
    ]
    result = rank_entries(revs, criteria, min_entries_per_judge=2)
    expected = krippendorff_alpha_interval({"X": [5, 6], "Y": [8, 9], "Z": [1]})
    # by hand: pairable 5 6 8 9; D_o = (2*1 + 2*1)/4 = 1;
    # D_e: pairs (5,6)1 (5,8)9 (5,9)16 (6,8)4 (6,9)9 (8,9)1 = 40, ordered 80, / 12;
    # alpha = 1 - 1 / (80/12) = 0.85
    assert expected == pytest.approx(0.85)
    assert result.alpha == pytest.approx(0.85)
