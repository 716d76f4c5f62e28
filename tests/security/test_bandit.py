"""`bandit -r judging` reports no finding of medium or high severity."""
from __future__ import annotations

import json
import subprocess  # nosec B404 - runs bandit, a fixed command
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_nothing_of_medium_or_high_severity():
    command = [sys.executable, "-m", "bandit", "-r", "judging", "-ll", "-q", "-f", "json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)  # nosec B603 - fixed arguments, no shell
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} ({r['issue_severity']}): "
                f"{r['issue_text']}" for r in report["results"]]
    assert not findings, "bandit reports:\n" + "\n".join(findings)
    assert report["errors"] == [], report["errors"]
    assert result.returncode == 0, result.stderr
    # it did read the code (a wrong path would report nothing too)
    assert report["metrics"]["_totals"]["loc"] > 5000
    assert any(name.endswith("judging/views/auth.py") for name in report["metrics"])
