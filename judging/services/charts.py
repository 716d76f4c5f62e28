"""Geometry for the small server-side SVG pictures of the ranking pages (no JavaScript).

Pure functions: data in, coordinates (rounded to 0.1 px) out; the templates only draw.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from judging.services.ranking import JudgeRow, RankedRow


def _r(v: float) -> float:
    return round(float(v), 1)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


# ----- judges: score distribution (dot strip) and offset (diverging bar) ------------------------
@dataclass(frozen=True)
class JudgeStrip:
    y: float  # centre line of the row
    name: str
    dots: tuple[tuple[float, float, str], ...]  # x, y, title
    mean_x: float
    offset: float
    bar_x: float
    bar_w: float
    lenient: bool
    flagged: bool


@dataclass(frozen=True)
class JudgeChart:
    width: int
    height: int
    strip_left: float
    strip_right: float
    offset_left: float
    offset_right: float
    zero_x: float
    top: float
    bottom: float
    scale_ticks: tuple[Tick, ...]
    offset_ticks: tuple[Tick, ...]
    strips: tuple[JudgeStrip, ...]


def judge_chart(judges: Sequence[JudgeRow], scale: tuple[float, float]) -> JudgeChart:
    """One row per judge: each weighted total they gave as a dot on the scale, their mean as
    a tick, and their estimated offset (leniency +, harshness -) as a bar from zero."""
    width, row_h, top = 760, 28, 30
    strip_left, strip_right = 190.0, 520.0
    offset_left, offset_right = 560.0, 740.0
    lo, hi = scale
    span = (hi - lo) or 1.0
    max_off = max([abs(j.offset) for j in judges if math.isfinite(j.offset)] + [0.5])
    max_off = math.ceil(max_off * 2) / 2
    zero_x = (offset_left + offset_right) / 2
    half = (offset_right - offset_left) / 2

    def sx(v: float) -> float:
        return strip_left + (v - lo) / span * (strip_right - strip_left)

    strips = []
    for i, j in enumerate(judges):
        y = top + row_h * i + row_h / 2
        seen: Counter = Counter()
        dots = []
        for t in j.totals:
            key = round(t, 2)
            k = seen[key]
            seen[key] += 1
            dy = ((k % 5) - 2) * 3.0  # equal totals fan out vertically
            dots.append((_r(sx(t)), _r(y + dy), f"{t:.2f}"))
        off = j.offset if math.isfinite(j.offset) else 0.0
        w = abs(off) / max_off * half
        strips.append(JudgeStrip(
            y=_r(y), name=j.name, dots=tuple(dots), mean_x=_r(sx(j.mean)), offset=off,
            bar_x=_r(zero_x if off >= 0 else zero_x - w), bar_w=_r(max(w, 0.5)),
            lenient=off >= 0, flagged=j.flagged))
    bottom = top + row_h * len(judges)
    first, last = math.ceil(lo - 1e-6), math.floor(hi + 1e-6)
    step = 1 if last - first <= 10 else 2
    scale_ticks = tuple(Tick(_r(sx(v)), str(v)) for v in range(first, last + 1, step))
    offset_ticks = tuple(Tick(_r(zero_x + v / max_off * half), f"{v:+g}" if v else "0")
                         for v in (-max_off, 0.0, max_off))
    return JudgeChart(width, int(bottom + 34), strip_left, strip_right, offset_left, offset_right,
                      _r(zero_x), top, _r(bottom), scale_ticks, offset_ticks, tuple(strips))


# ----- a category: raw mean against the chosen (or calibrated) score ----------------------------
@dataclass(frozen=True)
class ScatterPoint:
    x: float
    y: float
    title: str
    highlight: bool


@dataclass(frozen=True)
class Scatter:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    diagonal: tuple[float, float, float, float]
    points: tuple[ScatterPoint, ...]
    y_label: str


def raw_vs_score(rows: Sequence[RankedRow], *, y_label: str, use_calibrated: bool,
                 highlight: set[int]) -> Scatter:
    """Each entry at (raw mean, calibrated or chosen score); the diagonal is 'no change'.
    Points above it gained from calibration (their judges were harsh), below it lost."""
    width, height = 420, 360
    left, right, top, bottom = 56.0, 400.0, 16.0, 310.0
    pairs = []
    for r in rows:
        y = r.calibrated if (use_calibrated and r.calibrated is not None) else r.score
        pairs.append((r, r.raw_mean, y))
    values = [v for _, x, y in pairs for v in (x, y)] or [0.0, 1.0]
    lo, hi = math.floor(min(values) * 2) / 2, math.ceil(max(values) * 2) / 2
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    span = hi - lo

    def sx(v: float) -> float:
        return left + (v - lo) / span * (right - left)

    def sy(v: float) -> float:
        return bottom - (v - lo) / span * (bottom - top)

    points = tuple(
        ScatterPoint(_r(sx(x)), _r(sy(y)),
                     f"#{r.rank} {r.reference} {r.applicant_name}: raw {x:.2f}, {y_label} {y:.2f}",
                     r.entry_id in highlight)
        for r, x, y in pairs
    )
    step = 0.5 if span <= 3 else (1 if span <= 8 else 2)
    ticks = []
    v = math.ceil(lo / step) * step
    while v <= hi + 1e-9:
        ticks.append(v)
        v += step
    x_ticks = tuple(Tick(_r(sx(t)), f"{t:g}") for t in ticks)
    y_ticks = tuple(Tick(_r(sy(t)), f"{t:g}") for t in ticks)
    return Scatter(width, height, left, right, top, bottom, x_ticks, y_ticks,
                   (_r(sx(lo)), _r(sy(lo)), _r(sx(hi)), _r(sy(hi))), points, y_label)


# ----- rounds: progress of the reviews -------------------------------------------------------------
@dataclass(frozen=True)
class ProgressBar:
    label: str
    done: int
    total: int
    y: float
    done_w: float
    pct: int


@dataclass(frozen=True)
class Progress:
    width: int
    height: int
    left: float
    bar_w: float
    bars: tuple[ProgressBar, ...]


def progress_chart(items: Sequence[tuple[str, int, int]]) -> Progress:
    """One bar per round: submitted reviews out of the active assignments."""
    width, left, bar_w, row_h = 640, 230.0, 300.0, 34
    bars = []
    for i, (label, done, total) in enumerate(items):
        share = done / total if total else 0.0
        bars.append(ProgressBar(label, done, total, _r(8 + i * row_h), _r(bar_w * share),
                                int(round(share * 100))))
    return Progress(width, int(16 + row_h * len(items)), left, bar_w, tuple(bars))
