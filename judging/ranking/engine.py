"""``rank_entries``: validate the reviews, compute every method side by side,
choose (or fall back to) a method, break ties, and describe the judges."""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from .agreement import alpha_interval_arrays
from .calibration import Components, GroupStats, fit_additive, graph_components, group_stats, raw_means, z_means
from .model import (
    METHODS,
    TIE_BREAK_STEPS,
    CriterionSpec,
    JudgeStats,
    RankedEntry,
    RankingResult,
    ReviewScores,
    check_score_keys,
    check_score_value,
    normalised_weights,
    total_scale,
    unresolved_groups,
    validate_criteria,
)
from .ties import Step, order_by_id, run_cascade

EXTREME_FRACTION = 0.10  # top or bottom 10% of the scale counts as extreme
OFFSET_FLAG_SDS = 2.0  # offsets further than this many SDs from the panel's are flagged
MAX_NAMES = 6  # longest list of names spelled out in one sentence


@dataclass(frozen=True)
class _Arrays:
    entry_ids: list[Hashable]
    judge_ids: list[Hashable]
    e_idx: np.ndarray
    j_idx: np.ndarray
    values: np.ndarray  # reviews x criteria


def _where(review: ReviewScores) -> str:
    return f"Review of entry {review.entry_id!r} by judge {review.judge_id!r}"


def _names(ids: Sequence[Hashable]) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, ... and 7 others'."""
    shown = [str(i) for i in ids[:MAX_NAMES]]
    rest = len(ids) - len(shown)
    if rest > 0:
        return f"{', '.join(shown)} and {rest} other{'s' if rest > 1 else ''}"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _judges_phrase(ids: Sequence[Hashable]) -> str:
    return f"{'Judge' if len(ids) == 1 else 'Judges'} {_names(ids)}"


def _validate_options(
    criteria: Sequence[CriterionSpec],
    method: str,
    tie_break: Sequence[str],
    main_criterion: str | None,
    ridge: float,
    min_entries_per_judge: int,
    tie_tolerance: float,
) -> None:
    if method not in METHODS:
        raise ValueError(f"Unknown ranking method {method!r}; use one of {', '.join(METHODS)}.")
    if isinstance(tie_break, str):
        raise ValueError("tie_break must be a sequence of step names, not a single string.")
    steps = list(tie_break)
    if not steps:
        raise ValueError("tie_break needs at least the 'score' step.")
    for s in steps:
        if s not in TIE_BREAK_STEPS:
            raise ValueError(f"Unknown tie-break step {s!r}; use steps from {', '.join(TIE_BREAK_STEPS)}.")
    if len(set(steps)) != len(steps):
        raise ValueError(f"tie_break lists a step twice: {steps!r}.")
    if steps[0] != "score":
        raise ValueError("tie_break must start with 'score': the other steps only separate entries with equal scores.")
    validate_criteria(criteria)
    if main_criterion is not None and main_criterion not in {c.key for c in criteria}:
        raise ValueError(f"main_criterion {main_criterion!r} is not one of the criteria.")
    if not math.isfinite(float(ridge)) or ridge < 0:
        raise ValueError(f"ridge must be a finite number >= 0, not {ridge!r}.")
    if int(min_entries_per_judge) != min_entries_per_judge or min_entries_per_judge < 2:
        raise ValueError(f"min_entries_per_judge must be an integer >= 2, not {min_entries_per_judge!r}.")
    if not math.isfinite(float(tie_tolerance)) or tie_tolerance < 0:
        raise ValueError(f"tie_tolerance must be a finite number >= 0, not {tie_tolerance!r}.")


def _build_arrays(reviews: Sequence[ReviewScores], criteria: Sequence[CriterionSpec]) -> _Arrays:
    """Factorise ids and collect the scores, validating every review once."""
    keys = tuple(c.key for c in criteria)
    keyset = frozenset(keys)
    getter = itemgetter(*keys)
    e_map: dict[Hashable, int] = {}
    j_map: dict[Hashable, int] = {}
    e_codes: list[int] = []
    j_codes: list[int] = []
    flat: list[object] = []  # scores, review after review: no per-review container to keep alive
    add = flat.append if len(keys) == 1 else flat.extend
    for r in reviews:
        s = r.scores
        if s.keys() != keyset:
            check_score_keys(s, keys, _where(r))
        add(getter(s))
        e_codes.append(e_map.setdefault(r.entry_id, len(e_map)))
        j_codes.append(j_map.setdefault(r.judge_id, len(j_map)))

    def first_bad(mask: np.ndarray) -> None:
        i, k = (int(x) for x in np.argwhere(mask)[0])
        check_score_value(reviews[i].scores[keys[k]], criteria[k], _where(reviews[i]))

    try:
        values = np.array(flat, dtype=float).reshape(len(e_codes), len(keys))
    except (TypeError, ValueError):
        for r in reviews:
            for c in criteria:
                check_score_value(r.scores[c.key], c, _where(r))
        raise
    lo = np.array([c.scale_min for c in criteria], dtype=float)
    hi = np.array([c.scale_max for c in criteria], dtype=float)
    bad = ~np.isfinite(values) | (values < lo) | (values > hi)
    if bad.any():
        first_bad(bad)
    e_idx = np.asarray(e_codes, dtype=np.int64)
    j_idx = np.asarray(j_codes, dtype=np.int64)
    pair = e_idx * len(j_map) + j_idx
    order = np.argsort(pair, kind="stable")
    dup = np.flatnonzero(pair[order][1:] == pair[order][:-1])
    if dup.size:
        r = reviews[int(order[dup[0] + 1])]
        raise ValueError(
            f"Entry {r.entry_id!r} has two reviews by judge {r.judge_id!r}; each judge scores an entry once."
        )
    return _Arrays(list(e_map), list(j_map), e_idx, j_idx, values)


def _empty_result(method: str) -> RankingResult:
    return RankingResult(
        rows=(),
        judges=(),
        method_requested=method,
        method_used=method,
        alpha=None,
        connected=False,
        components=0,
        warnings=("There are no reviews, so there is nothing to rank.",),
    )


def rank_entries(
    reviews: Sequence[ReviewScores],
    criteria: Sequence[CriterionSpec],
    *,
    method: str = "calibrated",
    tie_break: Sequence[str] = TIE_BREAK_STEPS,
    main_criterion: str | None = None,
    ridge: float = 0.0,
    min_entries_per_judge: int = 5,
    tie_tolerance: float = 1e-9,
) -> RankingResult:
    """Rank entries from judges' criterion scores.

    ``method`` is "raw" (mean weighted total), "z" (per-judge z-scores, averaged,
    shown on the scale) or "calibrated" (least-squares quality + judge offset).
    Raw, z and calibrated values are computed for every row whenever they are
    computable; ``score`` is the value of the method used. "calibrated" falls back
    to "z" (or to "raw") when the judge-entry graph is not connected; "z" falls
    back to "raw" when a judge scored fewer than ``min_entries_per_judge`` entries.
    Every fallback is explained in ``warnings``. Ties are broken by the
    ``tie_break`` cascade and never at random. Raises ``ValueError`` on bad input.
    """
    _validate_options(criteria, method, tie_break, main_criterion, ridge, min_entries_per_judge, tie_tolerance)
    steps = tuple(tie_break)
    ridge = float(ridge)
    tol = float(tie_tolerance)
    arrays = _build_arrays(reviews, criteria)
    if arrays.values.shape[0] == 0:
        return _empty_result(method)

    e_idx, j_idx = arrays.e_idx, arrays.j_idx
    n_e, n_j = len(arrays.entry_ids), len(arrays.judge_ids)
    weights = np.asarray(normalised_weights(criteria))
    totals = arrays.values @ weights
    scale_lo, scale_hi = total_scale(criteria)
    sd_eps = 1e-9 * (scale_hi - scale_lo)
    warnings: list[str] = []

    # per entry and per judge descriptive statistics
    entry = group_stats(e_idx, totals, n_e)
    judge = group_stats(j_idx, totals, n_j)
    raw = raw_means(e_idx, totals, n_e)
    judge_max = np.full(n_j, -np.inf)
    np.maximum.at(judge_max, j_idx, totals)
    count_back = np.bincount(e_idx[totals >= judge_max[j_idx] - tol], minlength=n_e)
    main_mean: np.ndarray | None = None
    if main_criterion is not None:
        k = [c.key for c in criteria].index(main_criterion)
        main_mean = np.bincount(e_idx, weights=arrays.values[:, k], minlength=n_e) / entry.count

    # connectivity, then the three methods
    comps: Components = graph_components(e_idx, j_idx, n_e, n_j)
    connected = comps.count == 1
    fit = fit_additive(e_idx, j_idx, totals, n_e, n_j, comps, ridge)
    calibrated = fit.quality if connected else None

    too_few = judge.count < min_entries_per_judge
    too_few_ids = order_by_id(np.flatnonzero(too_few).tolist(), arrays.judge_ids)
    z_ok = not too_few.any()
    zres = z_means(e_idx, j_idx, totals, n_e, n_j, judge, sd_eps) if z_ok else None
    zero_sd = judge.sd <= sd_eps

    too_few_reason = ""
    if too_few_ids:
        counts = ", ".join(
            f"{arrays.judge_ids[p]}: {int(judge.count[p])}" for p in too_few_ids[:MAX_NAMES]
        )
        too_few_reason = (
            f"z-normalisation needs every judge to score at least {min_entries_per_judge} entries, "
            f"but {len(too_few_ids)} {'judge' if len(too_few_ids) == 1 else 'judges'} scored fewer ({counts}"
            f"{', ...' if len(too_few_ids) > MAX_NAMES else ''})"
        )

    method_used = method
    groups_phrase = f"The judge-entry graph has {comps.count} separate groups"
    if method == "calibrated" and not connected:
        if z_ok:
            method_used = "z"
            warnings.append(
                f"{groups_phrase}; calibrated scores cannot be compared across them, so the z method was used."
            )
        else:
            method_used = "raw"
            warnings.append(
                f"{groups_phrase}; calibrated scores cannot be compared across them, and {too_few_reason}, "
                "so the raw method was used."
            )
    elif not connected:
        warnings.append(f"{groups_phrase}; calibrated scores cannot be compared across them, so none are shown.")
    if not z_ok:
        if method == "z":
            method_used = "raw"
            warnings.append(f"{too_few_reason[0].upper()}{too_few_reason[1:]}, so the raw method was used.")
        elif not (method == "calibrated" and method_used == "raw"):  # that fallback already said why
            warnings.append(f"No z-scores are shown: {too_few_reason}.")
    if zres is not None and zero_sd.any():
        ids = order_by_id(np.flatnonzero(zero_sd).tolist(), arrays.judge_ids)
        names = [arrays.judge_ids[p] for p in ids]
        gave = "gave" if len(names) == 1 else "each gave"
        warnings.append(
            f"{_judges_phrase(names)} {gave} every entry the same weighted total, so their z-scores were set to 0 "
            "and they do not move the z ranking."
        )

    # the fallbacks above only keep a method whose values exist
    if method_used == "calibrated" and calibrated is not None:
        score = calibrated
    elif method_used == "z" and zres is not None:
        score = zres.display
    else:
        score = raw

    # tie-break cascade
    available = {
        "score": score,
        "raw_mean": raw,
        "count_back": count_back.astype(float),
        "main_criterion": main_mean,
    }
    cascade = run_cascade(
        [Step(s, available[s], 0.0 if s == "count_back" else tol) for s in steps], arrays.entry_ids
    )
    if "main_criterion" in cascade.reached and main_mean is None:
        warnings.append(
            "A tie reached the main-criterion step, but no main criterion was named, "
            "so that step could not separate the tied entries."
        )
    rows: list[RankedEntry] = []
    for pos, rank, label in zip(cascade.order, cascade.ranks, cascade.tie_break):
        rows.append(
            RankedEntry(
                entry_id=arrays.entry_ids[pos],
                rank=rank,
                score=float(score[pos]),
                raw_mean=float(raw[pos]),
                z_mean=float(zres.display[pos]) if zres is not None else None,
                calibrated=float(calibrated[pos]) if calibrated is not None else None,
                n_judges=int(entry.count[pos]),
                spread=float(entry.sd[pos]),
                count_back=int(count_back[pos]),
                main_criterion_mean=float(main_mean[pos]) if main_mean is not None else None,
                tie_break=label,
            )
        )
    for group in unresolved_groups(rows):
        warnings.append(
            f"Entries {_names([r.entry_id for r in group])} are still tied after every tie-break step; "
            f"they share rank {group[0].rank} and need the chair's decision."
        )

    judges = _judge_stats(arrays, judge, fit.offset, totals, too_few, zero_sd, comps, (scale_lo, scale_hi),
                          min_entries_per_judge)
    flagged = [j.judge_id for j in judges if j.flagged]
    if flagged:
        warnings.append(f"{_judges_phrase(flagged)} {'is' if len(flagged) == 1 else 'are'} flagged for review; "
                        "see the judge notes.")

    return RankingResult(
        rows=tuple(rows),
        judges=judges,
        method_requested=method,
        method_used=method_used,
        alpha=alpha_interval_arrays(e_idx, totals),
        connected=connected,
        components=comps.count,
        warnings=tuple(warnings),
    )


def _judge_stats(
    arrays: _Arrays,
    judge: GroupStats,
    offset: np.ndarray,
    totals: np.ndarray,
    too_few: np.ndarray,
    zero_sd: np.ndarray,
    comps: Components,
    scale: tuple[float, float],
    min_entries: int,
) -> tuple[JudgeStats, ...]:
    n_j = len(arrays.judge_ids)
    lo, hi = scale
    band = EXTREME_FRACTION * (hi - lo)
    extreme = (totals <= lo + band) | (totals >= hi - band)
    extreme_share = np.bincount(arrays.j_idx, weights=extreme.astype(float), minlength=n_j) / judge.count
    outlier = np.zeros(n_j, dtype=bool)
    off_mean = float(offset.mean())
    off_sd = float(offset.std(ddof=1)) if n_j >= 3 else 0.0
    if off_sd > 0:
        outlier = np.abs(offset - off_mean) > OFFSET_FLAG_SDS * off_sd
    comp_size = np.bincount(comps.judge_label, minlength=comps.count)
    out: list[JudgeStats] = []
    for p in order_by_id(list(range(n_j)), arrays.judge_ids):
        notes: list[str] = []
        n = int(judge.count[p])
        if too_few[p]:
            notes.append(
                f"Scored {n} {'entry' if n == 1 else 'entries'}, fewer than the {min_entries} "
                "needed for z-normalisation."
            )
        if zero_sd[p] and n > 1:
            notes.append(
                f"Gave all {n} entries the same weighted total ({judge.mean[p]:.2f}), so the scores do not "
                "separate the entries."
            )
        if outlier[p]:
            kind = "lenient" if offset[p] > off_mean else "harsh"
            notes.append(
                f"Offset {offset[p]:+.2f} is more than {OFFSET_FLAG_SDS:g} SD ({off_sd:.2f}) from the panel's "
                f"mean offset: unusually {kind}."
            )
        if comps.count > 1:
            size = int(comp_size[comps.judge_label[p]])
            notes.append(
                f"Offset measured against the {size} {'judge' if size == 1 else 'judges'} in this judge's "
                "group of the judge-entry graph only."
            )
        out.append(
            JudgeStats(
                judge_id=arrays.judge_ids[p],
                n_entries=n,
                mean=float(judge.mean[p]),
                sd=float(judge.sd[p]),
                offset=float(offset[p]),
                extreme_share=float(extreme_share[p]),
                flagged=bool(too_few[p] or zero_sd[p] or outlier[p]),
                notes=tuple(notes),
            )
        )
    return tuple(out)
