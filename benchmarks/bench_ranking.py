"""Benchmark of judging.ranking.rank_entries (method "calibrated").

Cases: 1k, 10k and 100k criterion scores (6 criteria, 5 judges per entry, about
100 entries per judge), the growth exponent between sizes (log-log slope of time
against size: 1 means linear), and the brief's 10,000 entries x 5 judges x 6
criteria (50,000 reviews, 400 judges). The baseline, measured in the same run on
the same data, is the bare numpy computation of raw per-entry means (weighted
totals, then a bincount mean) from ready-made arrays. Times are medians of a few
repetitions of time.perf_counter.

Run from the repository root: .venv/bin/python -m benchmarks.bench_ranking
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from judging.ranking import CriterionSpec, ReviewScores, rank_entries

N_CRITERIA = 6
JUDGES_PER_ENTRY = 5
ENTRIES_PER_JUDGE = 100
LIMIT_SECONDS = 2.0
BASELINE_NAME = "numpy group mean of raw totals"


@dataclass(frozen=True)
class Dataset:
    reviews: list[ReviewScores]
    criteria: list[CriterionSpec]
    values: np.ndarray  # reviews x criteria
    entry_codes: np.ndarray
    n_entries: int
    n_judges: int

    @property
    def n_scores(self) -> int:
        return int(self.values.size)


def make_dataset(n_entries: int, n_judges: int, seed: int = 0) -> Dataset:
    """Entries of random quality, judges of random leniency, each entry scored by
    JUDGES_PER_ENTRY judges drawn at random (a connected design at these sizes)."""
    rng = np.random.default_rng(seed)
    criteria = [CriterionSpec(f"c{i}", 1.0, 1, 10) for i in range(N_CRITERIA)]
    keys = [c.key for c in criteria]
    assign = rng.random((n_entries, n_judges)).argpartition(JUDGES_PER_ENTRY - 1, axis=1)[:, :JUDGES_PER_ENTRY]
    entry_codes = np.repeat(np.arange(n_entries), JUDGES_PER_ENTRY)
    judge_codes = assign.reshape(-1)
    quality = rng.normal(6.0, 1.2, n_entries)
    leniency = rng.normal(0.0, 0.7, n_judges)
    noise = rng.normal(0.0, 1.0, (entry_codes.size, N_CRITERIA))
    values = np.clip(np.rint(quality[entry_codes, None] + leniency[judge_codes, None] + noise), 1, 10)
    rows = values.tolist()
    reviews = [
        ReviewScores(f"E{e}", f"J{j}", dict(zip(keys, row)))
        for e, j, row in zip(entry_codes.tolist(), judge_codes.tolist(), rows)
    ]
    return Dataset(reviews, criteria, values, entry_codes, n_entries, n_judges)


def baseline(data: Dataset) -> np.ndarray:
    """Raw per-entry means of the weighted totals, nothing else."""
    totals = data.values @ np.full(N_CRITERIA, 1.0 / N_CRITERIA)
    return np.bincount(data.entry_codes, weights=totals) / np.bincount(data.entry_codes)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(data: Dataset, repeats: int) -> tuple[float, float]:
    result = rank_entries(data.reviews, data.criteria, method="calibrated")  # warm-up and sanity check
    if result.method_used != "calibrated" or len(result.rows) != data.n_entries:
        raise RuntimeError(f"unexpected benchmark outcome: {result.method_used}, {result.warnings}")
    value = median_time(lambda: rank_entries(data.reviews, data.criteria, method="calibrated"), repeats)
    base = median_time(lambda: baseline(data), max(repeats, 20))
    return value, base


def _row(case: str, value: float, unit: str, base: float, **extra: object) -> dict:
    return {
        "benchmark": "ranking",
        "case": case,
        "value": value,
        "unit": unit,
        "baseline": base,
        "baseline_name": BASELINE_NAME,
        "ratio": value / base if base else float("nan"),
        **extra,
    }


def run(quick: bool = False) -> list[dict]:
    repeats = 3 if quick else 7
    rows: list[dict] = []
    sizes: list[tuple[int, float, float]] = []
    for target in (1_000, 10_000, 100_000):
        n_entries = max(target // (N_CRITERIA * JUDGES_PER_ENTRY), JUDGES_PER_ENTRY)
        n_judges = max(JUDGES_PER_ENTRY, round(n_entries * JUDGES_PER_ENTRY / ENTRIES_PER_JUDGE))
        data = make_dataset(n_entries, n_judges, seed=target)
        value, base = measure(data, repeats)
        sizes.append((data.n_scores, value, base))
        label = f"{target // 1000}k scores ({n_entries} entries x {JUDGES_PER_ENTRY} judges x {N_CRITERIA} criteria, {n_judges} judges)"
        rows.append(_row(label, value, "s", base, n_scores=data.n_scores))
    for (n0, t0, b0), (n1, t1, b1) in zip(sizes, sizes[1:]):
        slope = math.log(t1 / t0) / math.log(n1 / n0)
        base_slope = math.log(b1 / b0) / math.log(n1 / n0)
        rows.append(_row(f"growth exponent {n0} -> {n1} scores", slope, "log-log slope", base_slope))

    data = make_dataset(10_000, 400, seed=10)
    value, base = measure(data, repeats)
    rows.append(
        _row(
            "10k entries x 5 judges x 6 criteria (400 judges)",
            value,
            "s",
            base,
            n_scores=data.n_scores,
            limit=LIMIT_SECONDS,
            under_limit=value < LIMIT_SECONDS,
        )
    )
    return rows


def _format(rows: list[dict]) -> str:
    header = ("case", "value", "unit", "baseline", "ratio", "note")
    lines = []
    for r in rows:
        note = ""
        if "under_limit" in r:
            note = f"{'under' if r['under_limit'] else 'OVER'} {r['limit']:g} s"
        lines.append((r["case"], f"{r['value']:.4g}", r["unit"], f"{r['baseline']:.4g}", f"{r['ratio']:.3g}", note))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out.extend("  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in lines)
    return "\n".join(out) + f"\nbaseline: {BASELINE_NAME}"


if __name__ == "__main__":
    print(_format(run()))
