"""Krippendorff's alpha for interval data, with missing values.

With the pairable values (those in units that received at least two values),
n of them in all, and m_u values in unit u:

    D_o = 1/n       * sum_u 1/(m_u - 1) * sum_{i != k in u} (v_i - v_k)^2
    D_e = 1/(n(n-1)) *                     sum_{i != k overall} (v_i - v_k)^2
    alpha = 1 - D_o / D_e

(Krippendorff, "Computing Krippendorff's alpha-reliability", 2011; the sums run
over ordered pairs, which is the coincidence-matrix form written out.) Each
double sum has a closed form, sum_{i != k} (v_i - v_k)^2 = 2 (m * sum v^2 - (sum v)^2),
so the whole computation is a few vectorised sums.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np


def alpha_interval_arrays(unit_codes: np.ndarray, values: np.ndarray) -> float | None:
    """Interval alpha from parallel arrays (unit code per value, the value).

    Unit codes are non-negative integers. Units with fewer than two values are
    ignored. Returns ``None`` when alpha is not defined: fewer than two pairable
    values, or no variation at all among them (expected disagreement zero).
    """
    codes = np.asarray(unit_codes, dtype=np.int64)
    vals = np.asarray(values, dtype=float)
    if codes.shape != vals.shape or codes.ndim != 1:
        raise ValueError("unit codes and values must be one-dimensional arrays of the same length")
    if vals.size == 0:
        return None
    if not np.all(np.isfinite(vals)):
        raise ValueError("Krippendorff's alpha needs finite values")
    m = np.bincount(codes)
    keep = m[codes] >= 2
    codes = codes[keep]
    vals = vals[keep]
    n = vals.size
    if n < 2:
        return None
    magnitude = float(np.max(np.abs(vals)))
    if float(np.ptp(vals)) <= 1e-12 * max(magnitude, 1.0):
        return None  # no variation among the pairable values: D_e = 0
    vals = vals - vals.mean()  # centring changes no difference, and limits cancellation
    m = np.bincount(codes)
    s1 = np.bincount(codes, weights=vals)
    s2 = np.bincount(codes, weights=vals * vals)
    used = m >= 2
    within = float(np.sum((m[used] * s2[used] - s1[used] ** 2) / (m[used] - 1)))
    total = float(n * np.sum(vals * vals) - np.sum(vals) ** 2)
    # D_o / D_e = [2 * within / n] / [2 * total / (n (n - 1))] = (n - 1) * within / total
    return 1.0 - (n - 1) * within / total


def krippendorff_alpha_interval(units: Mapping[Hashable, Sequence[float]]) -> float | None:
    """Krippendorff's alpha (interval metric) for ``unit -> values given to it``.

    A unit is what is rated (an entry); its values are the ratings it received,
    in any order, missing ratings simply absent. Units with fewer than two values
    are ignored. Returns ``None`` when alpha is not computable (fewer than two
    pairable values, or every pairable value identical). 1.0 is perfect
    agreement, 0 agreement at chance level, negative values systematic disagreement.
    """
    codes: list[int] = []
    vals: list[float] = []
    for code, values in enumerate(units.values()):
        for v in values:
            codes.append(code)
            vals.append(float(v))
    return alpha_interval_arrays(np.asarray(codes, dtype=np.int64), np.asarray(vals, dtype=float))
