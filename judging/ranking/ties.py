"""The tie-break cascade: order entries by a sequence of keys, recording which
step separated each entry from the one just above it.

Each step only orders the entries still tied on every previous step. Two values
are tied when they lie within the step's tolerance of the best value of their
group (grouping from the top, so a group never spans more than the tolerance).
Entries still tied after the last step share a rank; they are listed by entry id,
never shuffled, and marked "unresolved" so the chair can decide.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from .model import UNRESOLVED


@dataclass(frozen=True)
class Step:
    """One cascade step: its name, one value per entry (higher is better) or
    ``None`` when the step carries no information, and its tie tolerance."""

    name: str
    values: np.ndarray | None
    tolerance: float


@dataclass(frozen=True)
class CascadeResult:
    order: tuple[int, ...]  # entry positions, best first
    ranks: tuple[int, ...]  # 1-based rank per position in ``order``
    tie_break: tuple[str, ...]  # per position in ``order``
    reached: frozenset[str]  # steps that had a tie to examine


def order_by_id(positions: Sequence[int], ids: Sequence[Hashable]) -> list[int]:
    """Positions sorted by their ids; ids of mixed types sort by type name, then text."""
    try:
        return sorted(positions, key=lambda p: ids[p])  # type: ignore[arg-type, return-value]
    except TypeError:
        return sorted(positions, key=lambda p: (type(ids[p]).__name__, repr(ids[p])))


def _split(indices: np.ndarray, values: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """Split ``indices`` into groups of tied values, best group first."""
    v = values[indices]
    order = np.argsort(-v, kind="stable")
    idx = indices[order]
    v = v[order]
    # A gap wider than the tolerance between neighbours always starts a new group;
    # only runs without such a gap need the anchor walk.
    cuts = np.flatnonzero(v[:-1] - v[1:] > tolerance) + 1
    bounds = np.concatenate(([0], cuts, [v.size]))
    groups: list[np.ndarray] = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if b - a == 1:
            groups.append(idx[a:b])
            continue
        run = v[a:b].tolist()
        start = 0
        anchor = run[0]
        for i in range(1, len(run)):
            if run[i] < anchor - tolerance:
                groups.append(idx[a + start : a + i])
                start = i
                anchor = run[i]
        groups.append(idx[a + start : b])
    return groups


def run_cascade(steps: Sequence[Step], ids: Sequence[Hashable]) -> CascadeResult:
    """Order all entries (positions 0..len(ids)-1) by the cascade of ``steps``."""
    n = len(ids)
    out_pos: list[int] = []
    out_label: list[str] = []
    reached: set[str] = set()

    def resolve(indices: np.ndarray, level: int, first_label: str) -> None:
        if indices.size == 1:
            out_pos.append(int(indices[0]))
            out_label.append(first_label)
            return
        if level == len(steps):
            ordered = order_by_id(indices.tolist(), ids)
            out_pos.extend(ordered)
            out_label.append(first_label)
            out_label.extend([UNRESOLVED] * (len(ordered) - 1))
            return
        step = steps[level]
        reached.add(step.name)
        if step.values is None:
            groups = [indices]
        else:
            groups = _split(indices, step.values, step.tolerance)
        for k, group in enumerate(groups):
            resolve(group, level + 1, first_label if k == 0 else step.name)

    if n:
        resolve(np.arange(n), 0, "")
    ranks: list[int] = []
    for i, label in enumerate(out_label):
        ranks.append(ranks[-1] if label == UNRESOLVED else i + 1)
    return CascadeResult(
        order=tuple(out_pos), ranks=tuple(ranks), tie_break=tuple(out_label), reached=frozenset(reached)
    )
