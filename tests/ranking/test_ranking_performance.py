"""The brief's size: 10,000 entries x 5 judges x 6 criteria must rank in well under 2 s."""
from __future__ import annotations

import time

import numpy as np

from judging.ranking import CriterionSpec, ReviewScores, rank_entries


def test_ten_thousand_entries_rank_with_calibration_in_under_two_seconds():
    rng = np.random.default_rng(1)
    n_e, n_j, per_entry = 10_000, 400, 5  # about 125 entries per judge
    criteria = [CriterionSpec(f"c{i}", 1.0, 1, 10) for i in range(6)]
    judges = rng.random((n_e, n_j)).argpartition(per_entry, axis=1)[:, :per_entry]
    scores = rng.integers(1, 11, size=(n_e * per_entry, 6)).tolist()
    keys = [c.key for c in criteria]
    revs = [
        ReviewScores(f"E{e}", f"J{j}", dict(zip(keys, scores[e * per_entry + k])))
        for e in range(n_e)
        for k, j in enumerate(judges[e].tolist())
    ]
    start = time.perf_counter()
    result = rank_entries(revs, criteria, method="calibrated")
    elapsed = time.perf_counter() - start
    assert result.connected and result.method_used == "calibrated"
    assert len(result.rows) == n_e and len(result.judges) == n_j
    assert elapsed < 2.0, f"ranking took {elapsed:.2f} s"
