"""The tie-break cascade: score, raw mean, count-back, main criterion, then the chair.

Each step only looks at entries still tied on every earlier step, and each row
records which step placed it below the row just above it.
"""
from __future__ import annotations

import pytest

from judging.ranking import CriterionSpec, ReviewScores, rank_entries

ONE = [CriterionSpec("overall", 1.0, 1, 10)]
TWO = [CriterionSpec("impact", 1.0, 1, 10), CriterionSpec("design", 1.0, 1, 10)]


def reviews(table: dict[str, dict[str, float]]) -> list[ReviewScores]:
    return [ReviewScores(e, j, {"overall": v}) for j, row in table.items() for e, v in row.items()]


def order(result) -> list[tuple[str, int, str]]:
    return [(r.entry_id, r.rank, r.tie_break) for r in result.rows]


def test_a_lower_score_is_recorded_as_step_score():
    result = rank_entries(reviews({"J": {"X": 8, "Y": 6}}), ONE, method="raw")
    assert order(result) == [("X", 1, ""), ("Y", 2, "score")]


def test_equal_calibrated_scores_are_separated_by_the_raw_mean():
    # The harsh/lenient table (true qualities A 8, B 7, C 6, D 5; offsets H -2, N 0,
    # L +2) plus entry E of quality 8 scored only by the neutral judge: 8.
    # The data stay noise-free, so calibration returns A 8, E 8, B 7, C 6, D 5.
    # A and E tie at 8; their raw means are A 6 (the harsh judge's 6) and E 8,
    # so E ranks first and A second on "raw_mean".
    table = {"H": {"A": 6, "B": 5}, "N": {"B": 7, "C": 6, "E": 8}, "L": {"C": 8, "D": 7}}
    result = rank_entries(reviews(table), ONE)
    assert result.row("A").calibrated == pytest.approx(8)
    assert result.row("E").calibrated == pytest.approx(8)
    assert order(result) == [("E", 1, ""), ("A", 2, "raw_mean"), ("B", 3, "score"), ("C", 4, "score"), ("D", 5, "score")]


def test_equal_score_and_raw_mean_are_separated_by_count_back():
    # Everyone scores everything, so calibrated = raw mean (see the calibration tests):
    #   J1: A 9, B 7, C 1     J2: A 6, B 7, C 1     J3: A 6, B 7, C 1
    # A and B both average 7. J1 put A first, J2 and J3 put B first: count-back
    # A 1, B 2, so B is first and A second on "count_back".
    table = {"J1": {"A": 9, "B": 7, "C": 1}, "J2": {"A": 6, "B": 7, "C": 1}, "J3": {"A": 6, "B": 7, "C": 1}}
    result = rank_entries(reviews(table), ONE)
    assert order(result) == [("B", 1, ""), ("A", 2, "count_back"), ("C", 3, "score")]
    assert [r.count_back for r in result.rows] == [2, 1, 0]
    assert result.row("A").score == pytest.approx(7) and result.row("B").score == pytest.approx(7)


def test_a_shared_first_place_counts_for_every_entry_sharing_it():
    # J1 scores A 7, B 7, C 3: A and B share J1's first place, and both count it.
    result = rank_entries(reviews({"J1": {"A": 7, "B": 7, "C": 3}}), ONE, method="raw")
    assert {r.entry_id: r.count_back for r in result.rows} == {"A": 1, "B": 1, "C": 0}


# Two criteria of equal weight. Both judges give A impact 8 / design 6 and
# B impact 6 / design 8 (weighted totals 7 and 7), and C 3 / 3.
# Score, raw mean (7 = 7) and count-back (A and B share first place for both
# judges: 2 = 2) are all tied; the main criterion decides.
MAIN = [
    ReviewScores(e, j, {"impact": i, "design": d})
    for j in ("J1", "J2")
    for e, i, d in (("A", 8, 6), ("B", 6, 8), ("C", 3, 3))
]


def test_the_main_criterion_separates_what_count_back_cannot():
    result = rank_entries(MAIN, TWO, main_criterion="impact")
    assert order(result) == [("A", 1, ""), ("B", 2, "main_criterion"), ("C", 3, "score")]
    assert [r.main_criterion_mean for r in result.rows] == [8, 6, 3]
    assert [r.count_back for r in result.rows] == [2, 2, 0]

    by_design = rank_entries(MAIN, TWO, main_criterion="design")
    assert order(by_design) == [("B", 1, ""), ("A", 2, "main_criterion"), ("C", 3, "score")]


def test_without_a_named_main_criterion_the_tie_goes_to_the_chair():
    result = rank_entries(MAIN, TWO)
    assert order(result) == [("A", 1, ""), ("B", 1, "unresolved"), ("C", 3, "score")]
    assert all(r.main_criterion_mean is None for r in result.rows)
    assert any("no main criterion was named" in w for w in result.warnings)


def test_entries_tied_after_the_whole_cascade_share_a_rank_listed_by_entry_id():
    # W 9; X and Y identical 6 and 6 from the same judges (every step ties);
    # Z 2. Competition ranking: 1, 2, 2, 4. Y is submitted first but X is
    # listed first: unresolved ties are shown in entry-id order, never shuffled.
    table = {"J1": {"Y": 6, "W": 9, "X": 6, "Z": 2}, "J2": {"Y": 6, "W": 9, "X": 6, "Z": 2}}
    result = rank_entries(reviews(table), ONE, main_criterion="overall")
    assert order(result) == [("W", 1, ""), ("X", 2, "score"), ("Y", 2, "unresolved"), ("Z", 4, "score")]
    assert result.unresolved_groups == (("X", "Y"),)
    assert (
        "Entries X and Y are still tied after every tie-break step; they share rank 2 and need the chair's decision."
        in result.warnings
    )


def test_unresolved_ties_are_deterministic_whatever_the_input_order():
    table = {"J1": {"Y": 6, "W": 9, "X": 6}, "J2": {"X": 6, "W": 9, "Y": 6}}
    forward = rank_entries(reviews(table), ONE)
    backward = rank_entries(list(reversed(reviews(table))), ONE)
    assert order(forward) == order(backward)


def test_the_cascade_uses_only_the_steps_given_and_in_that_order():
    # Count-back table: A and B tie on score (7) and raw mean (7); count-back gives B.
    table = {"J1": {"A": 9, "B": 7, "C": 1}, "J2": {"A": 6, "B": 7, "C": 1}, "J3": {"A": 6, "B": 7, "C": 1}}
    only_score = rank_entries(reviews(table), ONE, tie_break=("score",))
    assert order(only_score) == [("A", 1, ""), ("B", 1, "unresolved"), ("C", 3, "score")]
    skip_raw = rank_entries(reviews(table), ONE, tie_break=("score", "count_back"))
    assert order(skip_raw) == [("B", 1, ""), ("A", 2, "count_back"), ("C", 3, "score")]


def test_scores_closer_than_the_tolerance_are_tied():
    table = {"J1": {"A": 7.0, "B": 7.0 + 1e-12}}
    tied = rank_entries(reviews(table), ONE, method="raw")
    assert order(tied) == [("A", 1, ""), ("B", 1, "unresolved")]
    strict = rank_entries(reviews(table), ONE, method="raw", tie_tolerance=0.0)
    assert order(strict) == [("B", 1, ""), ("A", 2, "score")]


def test_ties_group_from_the_top_so_a_tie_never_spans_more_than_the_tolerance():
    # Totals 7.0, 7.6, 8.2 with tolerance 0.7: 8.2 and 7.6 are within 0.7 of each
    # other (tied), but 7.0 is 1.2 below the group's best, so it is not chained in.
    table = {"J1": {"A": 8.2}, "J2": {"B": 7.6}, "J3": {"C": 7.0}}
    result = rank_entries(reviews(table), ONE, method="raw", tie_tolerance=0.7, tie_break=("score",))
    assert order(result) == [("A", 1, ""), ("B", 1, "unresolved"), ("C", 3, "score")]


def test_entry_ids_of_mixed_types_still_order_deterministically():
    table = {"J1": {1: 5, "one": 5}}
    result = rank_entries(reviews(table), ONE, method="raw")
    assert [r.entry_id for r in result.rows] == [1, "one"]  # "int" sorts before "str"
    assert [r.rank for r in result.rows] == [1, 1]
