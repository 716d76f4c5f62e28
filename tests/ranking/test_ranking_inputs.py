"""Input checking: bad reviews and bad options raise ValueError with a clear message."""
from __future__ import annotations

import pytest

from judging.ranking import CriterionSpec, ReviewScores, rank_entries, total_scale, weighted_total

CRITERIA = [CriterionSpec("impact", 2.0, 1, 10), CriterionSpec("design", 1.0, 1, 10)]


def ok(entry="A", judge="J1", impact=5, design=5) -> ReviewScores:
    return ReviewScores(entry, judge, {"impact": impact, "design": design})


def test_weighted_total_is_the_weighted_mean_with_normalised_weights():
    # (2 * 9 + 1 * 3) / 3 = 7
    assert weighted_total({"impact": 9, "design": 3}, CRITERIA) == pytest.approx(7.0)
    equal = [CriterionSpec("a", 0.5, 1, 10), CriterionSpec("b", 0.5, 1, 10)]
    assert weighted_total({"a": 4, "b": 7}, equal) == pytest.approx(5.5)


def test_the_total_scale_is_the_weighted_mean_of_the_scale_ends():
    assert total_scale(CRITERIA) == pytest.approx((1.0, 10.0))
    mixed = [CriterionSpec("a", 1.0, 0, 5), CriterionSpec("b", 1.0, 0, 15)]
    assert total_scale(mixed) == pytest.approx((0.0, 10.0))


def test_weighted_total_checks_its_scores():
    with pytest.raises(ValueError, match="unknown criterion 'budget'"):
        weighted_total({"impact": 9, "design": 3, "budget": 2}, CRITERIA)
    with pytest.raises(ValueError, match="no score for criterion 'design'"):
        weighted_total({"impact": 9}, CRITERIA)
    with pytest.raises(ValueError, match="outside the scale 1..10"):
        weighted_total({"impact": 11, "design": 3}, CRITERIA)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (ReviewScores("A", "J2", {"impact": 5, "design": 5, "budget": 4}), "unknown criterion 'budget'"),
        (ReviewScores("A", "J2", {"impact": 5}), "no score for criterion 'design'"),
        (ok(judge="J2", impact=0), r"score 0 for 'impact' is outside the scale 1\.\.10"),
        (ok(judge="J2", design=10.5), r"score 10\.5 for 'design' is outside the scale"),
        (ok(judge="J2", design=float("nan")), "not a finite number"),
        (ok(judge="J2", design=None), "not a number"),
        (ok(judge="J2", design="high"), "not a number"),
        (ok(), "Entry 'A' has two reviews by judge 'J1'"),
    ],
)
def test_bad_reviews_are_rejected_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        rank_entries([ok(), ok(entry="B"), bad], CRITERIA)


def test_the_message_names_the_review():
    with pytest.raises(ValueError, match="Review of entry 'B' by judge 'J7'"):
        rank_entries([ok(), ok(entry="B", judge="J7", impact=12)], CRITERIA)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "median"}, "Unknown ranking method 'median'"),
        ({"tie_break": ("score", "coin_toss")}, "Unknown tie-break step 'coin_toss'"),
        ({"tie_break": ("raw_mean", "score")}, "must start with 'score'"),
        ({"tie_break": ("score", "raw_mean", "raw_mean")}, "lists a step twice"),
        ({"tie_break": ()}, "at least the 'score' step"),
        ({"tie_break": "score"}, "not a single string"),
        ({"main_criterion": "budget"}, "main_criterion 'budget' is not one of the criteria"),
        ({"ridge": -1.0}, "ridge must be"),
        ({"min_entries_per_judge": 1}, "min_entries_per_judge must be"),
        ({"tie_tolerance": -1e-9}, "tie_tolerance must be"),
    ],
)
def test_bad_options_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        rank_entries([ok()], CRITERIA, **options)


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([], "At least one criterion"),
        ([CriterionSpec("a", 1, 1, 10), CriterionSpec("a", 1, 1, 10)], "listed twice"),
        ([CriterionSpec("a", -1, 1, 10)], "weights must be finite and not negative"),
        ([CriterionSpec("a", 0, 1, 10)], "sum to zero"),
        ([CriterionSpec("a", 1, 5, 5)], "minimum must be below the maximum"),
    ],
)
def test_bad_criteria_are_rejected(criteria, message):
    with pytest.raises(ValueError, match=message):
        rank_entries([ReviewScores("A", "J", {"a": 5})], criteria)


def test_no_reviews_gives_an_empty_ranking_that_says_so():
    result = rank_entries([], CRITERIA)
    assert result.rows == () and result.judges == ()
    assert result.alpha is None and result.components == 0
    assert result.warnings == ("There are no reviews, so there is nothing to rank.",)


def test_results_are_immutable():
    result = rank_entries([ok(), ok(entry="B", impact=7)], CRITERIA)
    with pytest.raises(AttributeError):
        result.rows[0].rank = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.method_used = "raw"  # type: ignore[misc]
