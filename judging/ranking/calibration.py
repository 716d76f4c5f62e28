"""Aggregation methods on factorised arrays: raw means, per-judge z-scores and
additive calibration (quality + judge offset).

Every function takes the reviews as parallel arrays built once by the engine:
``e_idx`` (entry code 0..n_e-1), ``j_idx`` (judge code 0..n_j-1) and ``t`` (the
weighted total of each review). Nothing loops over reviews in Python.

Additive calibration
--------------------
The model is ``t(e, j) = q(e) + o(j) + noise``. Least squares minimises
``sum (t - q_e - o_j)^2 + ridge * sum o_j^2``. Its normal equations are

    D_e q + B o            = s_e        (one row per entry)
    B' q + (D_j + ridge) o = s_j        (one row per judge)

with B the entry x judge incidence matrix, D_e / D_j the review counts and
s_e / s_j the sums of totals. Eliminating the larger side (a Schur complement)
leaves a small symmetric system on the smaller side, solved exactly (dense
Cholesky when small, sparse LU otherwise). Without ridge the system is singular
along "add c to every q, subtract c from every o" in each connected component;
one node per component is pinned to zero, which gives an exact solution, and the
offsets are then shifted to sum to zero within each component. With ridge > 0
the system is positive definite, and its solution already has offsets summing to
zero (add up the judge rows and subtract the entry rows: ridge * sum o = 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

DENSE_LIMIT = 2500  # solve systems up to this size with dense Cholesky


@dataclass(frozen=True)
class GroupStats:
    """Per-group count, mean and sample SD (0 for a group of one)."""

    count: np.ndarray
    mean: np.ndarray
    sd: np.ndarray


def group_stats(idx: np.ndarray, values: np.ndarray, n: int) -> GroupStats:
    """Count, mean and sample standard deviation of ``values`` per group code."""
    count = np.bincount(idx, minlength=n).astype(float)
    safe = np.where(count > 0, count, 1.0)
    mean = np.bincount(idx, weights=values, minlength=n) / safe
    dev = values - mean[idx]
    ss = np.bincount(idx, weights=dev * dev, minlength=n)
    sd = np.sqrt(np.where(count > 1, ss / np.where(count > 1, count - 1, 1.0), 0.0))
    return GroupStats(count=count, mean=mean, sd=sd)


def raw_means(e_idx: np.ndarray, t: np.ndarray, n_e: int) -> np.ndarray:
    """Mean weighted total per entry."""
    return np.bincount(e_idx, weights=t, minlength=n_e) / np.bincount(e_idx, minlength=n_e)


@dataclass(frozen=True)
class ZResult:
    display: np.ndarray  # per entry: pooled mean + pooled SD * mean z
    mean_z: np.ndarray  # per entry: mean of the judges' z-scores
    zero_sd: np.ndarray  # per judge: True when all the judge's totals are equal


def z_means(
    e_idx: np.ndarray,
    j_idx: np.ndarray,
    t: np.ndarray,
    n_e: int,
    n_j: int,
    judge: GroupStats,
    sd_eps: float,
) -> ZResult:
    """Per-judge z-scores averaged per entry, rescaled to the scale for display.

    Each judge's totals are standardised with the judge's mean and sample SD. A
    judge whose SD is at most ``sd_eps`` contributes z = 0 to every entry it scored.
    The mean z per entry is shown as ``pooled mean + pooled SD * mean z``, where
    the pooled mean and sample SD are over all weighted totals.
    """
    zero_sd = judge.sd <= sd_eps
    sd = np.where(zero_sd, 1.0, judge.sd)
    z = np.where(zero_sd[j_idx], 0.0, (t - judge.mean[j_idx]) / sd[j_idx])
    mean_z = np.bincount(e_idx, weights=z, minlength=n_e) / np.bincount(e_idx, minlength=n_e)
    pooled_mean = float(t.mean())
    pooled_sd = float(t.std(ddof=1)) if t.size > 1 else 0.0
    return ZResult(display=pooled_mean + pooled_sd * mean_z, mean_z=mean_z, zero_sd=zero_sd)


@dataclass(frozen=True)
class Components:
    count: int
    entry_label: np.ndarray  # component of each entry
    judge_label: np.ndarray  # component of each judge


def graph_components(e_idx: np.ndarray, j_idx: np.ndarray, n_e: int, n_j: int) -> Components:
    """Connected components of the bipartite judge-entry graph."""
    n = n_e + n_j
    adj = sp.coo_matrix((np.ones(e_idx.size), (e_idx, n_e + j_idx)), shape=(n, n)).tocsr()
    count, labels = connected_components(adj, directed=False)
    return Components(count=int(count), entry_label=labels[:n_e], judge_label=labels[n_e:])


@dataclass(frozen=True)
class AdditiveFit:
    quality: np.ndarray  # per entry: the score an average judge would give
    offset: np.ndarray  # per judge: leniency, positive = lenient


def _first_per_label(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    return first


def _solve_symmetric(m: sp.csr_matrix, rhs: np.ndarray, pinned: np.ndarray | None) -> np.ndarray:
    """Solve the symmetric system ``m x = rhs``, with ``x[pinned] = 0`` when given."""
    n = rhs.size
    x = np.zeros(n)
    keep = np.ones(n, dtype=bool)
    if pinned is not None:
        keep[pinned] = False
    k = int(keep.sum())
    if k == 0:
        return x
    sub = m[keep][:, keep] if pinned is not None else m
    b = rhs[keep]
    if k <= DENSE_LIMIT:
        dense = sub.toarray()
        try:
            x[keep] = scipy.linalg.solve(dense, b, assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            x[keep] = np.linalg.lstsq(dense, b, rcond=None)[0]
    else:
        x[keep] = spsolve(sub.tocsc(), b)
    return x


def fit_additive(
    e_idx: np.ndarray,
    j_idx: np.ndarray,
    t: np.ndarray,
    n_e: int,
    n_j: int,
    components: Components,
    ridge: float = 0.0,
) -> AdditiveFit:
    """Least-squares fit of ``t = q(entry) + o(judge)``; see the module docstring.

    Offsets sum to zero within each connected component. Quality values are only
    comparable across entries of the same component.
    """
    ones = np.ones(e_idx.size)
    b = sp.csr_matrix((ones, (e_idx, j_idx)), shape=(n_e, n_j))
    c_e = np.bincount(e_idx, minlength=n_e).astype(float)
    c_j = np.bincount(j_idx, minlength=n_j).astype(float)
    s_e = np.bincount(e_idx, weights=t, minlength=n_e)
    s_j = np.bincount(j_idx, weights=t, minlength=n_j)
    d_j = c_j + ridge
    if n_j <= n_e:
        # eliminate the entries: (D_j + ridge - B' D_e^-1 B) o = s_j - B' D_e^-1 s_e
        inv_e = 1.0 / c_e
        m = (sp.diags(d_j) - b.T @ sp.diags(inv_e) @ b).tocsr()
        rhs = s_j - b.T @ (inv_e * s_e)
        pinned = _first_per_label(components.judge_label) if ridge == 0 else None
        offset = _solve_symmetric(m, rhs, pinned)
        quality = (s_e - b @ offset) * inv_e
    else:
        # eliminate the judges: (D_e - B (D_j + ridge)^-1 B') q = s_e - B (D_j + ridge)^-1 s_j
        inv_j = 1.0 / d_j
        m = (sp.diags(c_e) - b @ sp.diags(inv_j) @ b.T).tocsr()
        rhs = s_e - b @ (inv_j * s_j)
        pinned = _first_per_label(components.entry_label) if ridge == 0 else None
        quality = _solve_symmetric(m, rhs, pinned)
        offset = (s_j - b.T @ quality) * inv_j
    if ridge == 0:
        shift = np.bincount(components.judge_label, weights=offset, minlength=components.count) / np.bincount(
            components.judge_label, minlength=components.count
        )
        offset = offset - shift[components.judge_label]
        quality = quality + shift[components.entry_label]
    return AdditiveFit(quality=np.asarray(quality, dtype=float), offset=np.asarray(offset, dtype=float))
