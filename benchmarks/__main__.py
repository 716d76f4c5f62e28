"""`make bench`: every benchmark, one table, each figure beside its baseline from the same run.

    .venv/bin/python -m benchmarks            # the full run (a few minutes)
    .venv/bin/python -m benchmarks --quick    # shorter runs, for a quick look
    .venv/bin/python -m benchmarks --only http,queries

1. http: the app under gunicorn (2 workers), 16 concurrent clients, at real scale, against a
   bare Flask hello endpoint under the same set-up (benchmarks/bench_http.py);
2. ranking: the ranking at 1k, 10k and 100k scores and 10,000 entries (bench_ranking.py);
3. certificates: 500 certificates against a bare ReportLab page (bench_certificates.py);
4. queries: SQL queries per page with 240 entries against 10 (bench_queries.py; also a
   test of the suite, tests/test_query_counts.py).

The table is printed (Markdown) and written to benchmarks/results/latest.md. Goals are
measured, not asserted: the exit status is 0 unless a benchmark failed to run.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
HEADERS = ("benchmark", "case", "value", "unit", "baseline", "ratio", "goal / verdict")


def _http(quick: bool) -> list[dict]:
    from benchmarks import bench_http

    return bench_http.run(quick=quick)


def _ranking(quick: bool) -> list[dict]:
    from benchmarks import bench_ranking

    rows = bench_ranking.run(quick=quick)
    for r in rows:
        if "limit" in r:
            r["goal"] = f"< {r['limit']:g} s"
            r["verdict"] = "PASS" if r["under_limit"] else "MISS"
    return rows


def _certificates(quick: bool) -> list[dict]:
    from benchmarks import bench_certificates

    return bench_certificates.run(quick=quick)


def _queries(quick: bool) -> list[dict]:
    from benchmarks import bench_queries

    return bench_queries.run(quick=quick)


BENCHMARKS = {"http": _http, "ranking": _ranking, "certificates": _certificates,
              "queries": _queries}


def number(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude >= 100:
            return f"{value:.0f}"
        if magnitude >= 1:
            return f"{value:.3g}" if magnitude < 10 else f"{value:.1f}"
        return f"{value:.3g}"
    return str(value)


def cells(row: dict) -> list[str]:
    goal = row.get("goal", "")
    verdict = row.get("verdict", "")
    return [row["benchmark"], row["case"], number(row["value"]), row["unit"],
            number(row["baseline"]), number(row["ratio"]),
            f"{goal}: {verdict}" if goal and verdict else (goal or verdict)]


def table(rows: list[dict]) -> str:
    lines = [list(HEADERS)] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    numeric = {2, 4, 5}

    def fmt(line: list[str]) -> str:
        return "| " + " | ".join(
            (cell.rjust(w) if i in numeric else cell.ljust(w))
            for i, (cell, w) in enumerate(zip(line, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in numeric else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(lines[0]), rule, *(fmt(line) for line in lines[1:])])


def baselines(rows: list[dict]) -> str:
    seen: dict[str, str] = {}
    for r in rows:
        if r.get("baseline_name"):
            seen.setdefault(r["benchmark"], r["baseline_name"])
    return "\n".join(f"- {name}: baseline = {what}" for name, what in seen.items())


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def header(quick: bool, seconds: float, load_before: str) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = (f"{os.cpu_count()} CPUs, {platform.machine()}, Python "
               f"{platform.python_version()}, {platform.system()}")
    mode = "quick run (--quick)" if quick else "full run"
    return (f"Benchmarks, {when}; {machine}; {mode}; {seconds:.0f} s; load average "
            f"{load_before} before, {load_average()} after (other work on the machine skews "
            "the wall-clock figures; the server CPU per request much less).\n"
            "ratio = value / baseline, both measured in this run. "
            "Reproduce: `make bench` (or `.venv/bin/python -m benchmarks [--quick]`).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(BENCHMARKS))
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; use {', '.join(BENCHMARKS)}")

    start = time.perf_counter()
    load_before = load_average()
    rows: list[dict] = []
    failed = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            rows.extend(BENCHMARKS[name](args.quick))
        except Exception as exc:  # one benchmark failing still leaves the others' figures
            traceback.print_exc()
            failed.append(name)
            rows.append({"benchmark": name, "case": f"FAILED: {type(exc).__name__}: {exc}"[:200],
                         "value": float("nan"), "unit": "", "baseline": float("nan"),
                         "ratio": float("nan"), "verdict": "ERROR"})
        print(f"  {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    text = "\n\n".join([header(args.quick, time.perf_counter() - start, load_before), table(rows),
                        baselines(rows)]) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"(written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})",
          file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
