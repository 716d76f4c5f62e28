"""Benchmark of judging.certificates.render_certificate.

Cases:
- throughput: 500 certificates (50 with quick=True), recipients cycling through the demo
  city names in every script (Hangul, Cyrillic, Han, Arabic, Persian, Latin with diacritics);
- peak memory (ru_maxrss) of a fresh process rendering those certificates;
- the first certificate in a fresh process (font discovery, registration, bold instancing).

The baseline, measured in the same run on the same data, is a bare A4 ReportLab page that
draws the same strings, already split into runs, in the same registered fonts, with no
layout (no measuring, fitting, centring, frame or QR code), saved the same way (invariant,
compressed). Times are medians of a few repetitions of time.perf_counter.

Run from the repository root: .venv/bin/python -m benchmarks.bench_certificates
"""
from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from judging.certificates import (
    DEMO_PLACES,
    CertificateData,
    FontSet,
    default_fonts,
    render_certificate,
    sample_certificate,
)
from judging.certificates.fonts import register_face
from judging.certificates.text import split_runs, visual_text

BASELINE_NAME = "bare ReportLab page, same fonts"
REPO_ROOT = Path(__file__).resolve().parents[1]

Page = list[tuple[str, float, str]]  # (registered face, size, text) for each run


def certificates(count: int) -> list[CertificateData]:
    return [sample_certificate(i) for i in range(count)]


def strings_of(data: CertificateData) -> list[tuple[str, float, bool]]:
    """The strings a certificate shows, with their nominal size and weight."""
    items: list[tuple[str, float, bool]] = [
        (data.prize_name, 26, True),
        (data.organiser, 11, False),
        ("CERTIFICATE OF AWARD", 13, False),
        (f"{data.award_name} \u2014 {data.category_name}", 22, True),
        ("is presented to", 11, False),
        (data.recipient_name, 18, False),
        (f"{data.city}, {data.country}", 12, False),
        (data.verify_url, 7.5, False),
        (f"Certificate no. {data.serial}", 9, True),
    ]
    if data.recipient_name_local:
        items.append((data.recipient_name_local, 34, True))
    if data.project_title:
        items.append((data.project_title, 14.5, False))
    for person in data.signatories:
        items += [(person.name, 10.5, True), (person.title, 8.5, False)]
    return items


def prepare_page(data: CertificateData, fonts: FontSet) -> Page:
    """Runs for the bare page: split and registered outside the timed loop."""
    page: Page = []
    for text, size, bold in strings_of(data):
        for run in split_runs(visual_text(text), fonts, bold):
            page.append((run.face, size, run.text))
    return page


def bare_page(page: Page, first_font: str) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(
        buffer, pagesize=landscape(A4), invariant=1, pageCompression=1, initialFontName=first_font
    )
    y = 560.0
    for face, size, text in page:
        c.setFont(face, size)
        c.drawString(40, y, text)
        y -= 16
    c.showPage()
    c.save()
    return buffer.getvalue()


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _child(mode: str, count: int) -> dict[str, float]:
    """Runs in a fresh process: render `count` pages, report time to first and peak RSS."""
    import resource

    start = time.perf_counter()
    fonts = default_fonts()
    items = certificates(count)
    if mode == "certificates":
        render_certificate(items[0], fonts)
        first = time.perf_counter() - start
        for data in items[1:]:
            render_certificate(data, fonts)
    else:
        primary = register_face(fonts.primary.regular)
        bare_page(prepare_page(items[0], fonts), primary)
        first = time.perf_counter() - start
        for page in [prepare_page(data, fonts) for data in items[1:]]:
            bare_page(page, primary)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"first_seconds": first, "peak_mib": peak_kib / 1024.0}


def measure_in_fresh_process(mode: str, count: int) -> dict[str, float]:
    code = (
        "import json, sys\n"
        "from benchmarks.bench_certificates import _child\n"
        f"print(json.dumps(_child({mode!r}, {count})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def row(case: str, value: float, unit: str, baseline: float) -> dict:
    return {
        "benchmark": "certificates",
        "case": case,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "baseline_name": BASELINE_NAME,
        "ratio": round(value / baseline, 3) if baseline else float("nan"),
    }


def run(quick: bool = False) -> list[dict]:
    count = 50 if quick else 500
    repeats = 3
    fonts = default_fonts()
    items = certificates(count)
    # Warm up: register every face and instance the bold variable fonts before timing
    # (every demo place once: they use all the fonts the timed loop will use).
    pages = [prepare_page(data, fonts) for data in items]
    primary = register_face(fonts.primary.regular)
    for data in certificates(min(count, len(DEMO_PLACES))):
        render_certificate(data, fonts)
    bare_page(pages[0], primary)

    def render_all() -> None:
        for data in items:
            render_certificate(data, fonts)

    def bare_all() -> None:
        for page in pages:
            bare_page(page, primary)

    rendered = median_time(render_all, repeats)
    bare = median_time(bare_all, repeats)

    cert_process = measure_in_fresh_process("certificates", count)
    bare_process = measure_in_fresh_process("bare", count)
    return [
        row(f"{count} certificates", count / rendered, "certificates/s", count / bare),
        row(
            f"peak memory, fresh process, {count} certificates",
            cert_process["peak_mib"],
            "MiB",
            bare_process["peak_mib"],
        ),
        row(
            "first certificate in a fresh process (font discovery and registration)",
            cert_process["first_seconds"],
            "s",
            bare_process["first_seconds"],
        ),
    ]


def print_table(rows: list[dict]) -> None:
    headers = ("case", "value", "unit", "baseline", "ratio")
    table = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(headers)]
    print(f"certificates (baseline: {BASELINE_NAME})")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]))
