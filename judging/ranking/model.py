"""Value objects of the ranking module and the weighted total of one review.

Everything here is plain data: frozen dataclasses and small pure functions. The
numerical work lives in ``calibration``, ``agreement`` and ``ties``; the
orchestration in ``engine``.
"""
from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

METHODS: tuple[str, ...] = ("raw", "z", "calibrated")
TIE_BREAK_STEPS: tuple[str, ...] = ("score", "raw_mean", "count_back", "main_criterion")
UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class CriterionSpec:
    """One scoring criterion: its key, relative weight and integer scale."""

    key: str
    weight: float
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class ReviewScores:
    """The criterion scores one judge gave one entry (criterion key -> score)."""

    entry_id: Hashable
    judge_id: Hashable
    scores: Mapping[str, float]


@dataclass(frozen=True)
class RankedEntry:
    """One row of the ranking, with every method's value side by side.

    ``tie_break`` names the step that placed this entry below the row just above
    it: "" for the first row, "score" when its score is simply lower, then
    "raw_mean", "count_back" or "main_criterion"; "unresolved" when the cascade
    could not separate it (the row shares its rank and needs the chair).
    """

    entry_id: Hashable
    rank: int
    score: float
    raw_mean: float
    z_mean: float | None
    calibrated: float | None
    n_judges: int
    spread: float
    count_back: int
    main_criterion_mean: float | None
    tie_break: str


@dataclass(frozen=True)
class JudgeStats:
    """How one judge scored: volume, level, spread, leniency and extremes."""

    judge_id: Hashable
    n_entries: int
    mean: float
    sd: float
    offset: float
    extreme_share: float
    flagged: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RankingResult:
    """The outcome of :func:`judging.ranking.rank_entries`."""

    rows: tuple[RankedEntry, ...]
    judges: tuple[JudgeStats, ...]
    method_requested: str
    method_used: str
    alpha: float | None
    connected: bool
    components: int
    warnings: tuple[str, ...]

    @property
    def unresolved_groups(self) -> tuple[tuple[Hashable, ...], ...]:
        """Groups of entry ids still tied after the whole cascade (for the chair)."""
        return tuple(tuple(r.entry_id for r in group) for group in unresolved_groups(self.rows))

    def row(self, entry_id: Hashable) -> RankedEntry:
        """The row of one entry; ``KeyError`` when the entry was not ranked."""
        for r in self.rows:
            if r.entry_id == entry_id:
                return r
        raise KeyError(entry_id)

    def judge(self, judge_id: Hashable) -> JudgeStats:
        """The statistics of one judge; ``KeyError`` when the judge scored nothing."""
        for j in self.judges:
            if j.judge_id == judge_id:
                return j
        raise KeyError(judge_id)


def unresolved_groups(rows: Sequence[RankedEntry]) -> list[Sequence[RankedEntry]]:
    """Runs of rows (best first) that the tie-break cascade could not separate."""
    groups: list[Sequence[RankedEntry]] = []
    i = 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and rows[j].tie_break == UNRESOLVED:
            j += 1
        if j - i > 1:
            groups.append(rows[i:j])
        i = j
    return groups


def validate_criteria(criteria: Sequence[CriterionSpec]) -> None:
    """Raise ``ValueError`` unless the criteria are usable for weighting."""
    if len(criteria) == 0:
        raise ValueError("At least one criterion is needed to rank entries.")
    seen: set[str] = set()
    for c in criteria:
        if c.key in seen:
            raise ValueError(f"Criterion {c.key!r} is listed twice.")
        seen.add(c.key)
        w = float(c.weight)
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"Criterion {c.key!r} has weight {c.weight!r}; weights must be finite and not negative.")
        if not c.scale_min < c.scale_max:
            raise ValueError(
                f"Criterion {c.key!r} has scale {c.scale_min}..{c.scale_max}; the minimum must be below the maximum."
            )
    if sum(float(c.weight) for c in criteria) <= 0:
        raise ValueError("The criteria weights sum to zero; at least one criterion needs a positive weight.")


@lru_cache(maxsize=64)
def _checked(criteria: tuple[CriterionSpec, ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Validate a criteria set once (a ranking totals every review with the same set)."""
    validate_criteria(criteria)
    return tuple(c.key for c in criteria), normalised_weights(criteria)


def normalised_weights(criteria: Sequence[CriterionSpec]) -> tuple[float, ...]:
    """The weights divided by their sum."""
    total = sum(float(c.weight) for c in criteria)
    return tuple(float(c.weight) / total for c in criteria)


def total_scale(criteria: Sequence[CriterionSpec]) -> tuple[float, float]:
    """The range a weighted total can take: the weighted means of the scale ends.

    When every criterion shares one scale (the usual case) this is that scale.
    """
    validate_criteria(criteria)
    w = normalised_weights(criteria)
    lo = sum(wi * c.scale_min for wi, c in zip(w, criteria))
    hi = sum(wi * c.scale_max for wi, c in zip(w, criteria))
    return lo, hi


def check_score_keys(scores: Mapping[str, float], keys: Sequence[str], where: str) -> None:
    """Raise ``ValueError`` naming the unknown or missing criteria in ``scores``."""
    known = set(keys)
    unknown = sorted(str(k) for k in scores.keys() if k not in known)
    if unknown:
        raise ValueError(f"{where}: unknown criterion {', '.join(repr(k) for k in unknown)} in the scores.")
    missing = [k for k in keys if k not in scores]
    if missing:
        raise ValueError(f"{where}: no score for criterion {', '.join(repr(k) for k in missing)}.")


def check_score_value(value: object, criterion: CriterionSpec, where: str) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` if it is not a score on the scale."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{where}: score for {criterion.key!r} is {value!r}, not a number.") from None
    if not math.isfinite(v):
        raise ValueError(f"{where}: score for {criterion.key!r} is {value!r}, not a finite number.")
    if v < criterion.scale_min or v > criterion.scale_max:
        raise ValueError(
            f"{where}: score {value!r} for {criterion.key!r} is outside the scale "
            f"{criterion.scale_min}..{criterion.scale_max}."
        )
    return v


def weighted_total(scores: Mapping[str, float], criteria: Sequence[CriterionSpec]) -> float:
    """Weighted mean of one review's criterion scores, on the criteria's scale.

    Weights are normalised to sum to one, so equal weights give the plain mean.
    Raises ``ValueError`` for an unknown or missing criterion or an out-of-scale score.
    """
    criteria = tuple(criteria)
    keys, w = _checked(criteria)
    check_score_keys(scores, keys, "weighted_total")
    return math.fsum(wi * check_score_value(scores[c.key], c, "weighted_total") for wi, c in zip(w, criteria))
