"""Pure ranking of prize entries from judges' criterion scores.

No database, web or file access: numbers in, a :class:`RankingResult` out.
Raw means, per-judge z-scores and additive calibration (entry quality + judge
offset, least squares) are computed side by side; a tie-break cascade records
which step separated each entry; Krippendorff's alpha measures agreement.
See :func:`rank_entries`.
"""
from .agreement import alpha_interval_arrays, krippendorff_alpha_interval
from .engine import rank_entries
from .model import (
    METHODS,
    TIE_BREAK_STEPS,
    UNRESOLVED,
    CriterionSpec,
    JudgeStats,
    RankedEntry,
    RankingResult,
    ReviewScores,
    total_scale,
    weighted_total,
)

__all__ = [
    "METHODS",
    "TIE_BREAK_STEPS",
    "UNRESOLVED",
    "CriterionSpec",
    "JudgeStats",
    "RankedEntry",
    "RankingResult",
    "ReviewScores",
    "alpha_interval_arrays",
    "krippendorff_alpha_interval",
    "rank_entries",
    "total_scale",
    "weighted_total",
]
