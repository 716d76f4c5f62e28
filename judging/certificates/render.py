"""Render a certificate: CertificateData in, A4 landscape PDF bytes out.

The renderer is pure: no database, no Flask, no network. The output is deterministic
(ReportLab's invariant mode plus a creation date derived from ``issued_on``), so the same
data always gives the same bytes and issuing can be checked for idempotence by SHA-256.
"""
from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from .data import CertificateData, Signatory
from .fonts import FontSet, discover_fonts, register_face
from .text import Line, fit_line, has_rtl, wrap_lines

__all__ = ["default_fonts", "render_certificate"]

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 60.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CENTRE_X = PAGE_WIDTH / 2.0

NAVY = Color(0.106, 0.165, 0.29)
GOLD = Color(0.64, 0.49, 0.2)
GREY = Color(0.36, 0.38, 0.42)
INK = Color(0.12, 0.12, 0.14)
PAPER = Color(0.995, 0.988, 0.97)

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

QR_SIZE = 80.0
FOOTER_Y = 44.0

_default_lock = threading.Lock()
_default_fonts: FontSet | None = None


def default_fonts() -> FontSet:
    """The fonts discovered with no extra directory, resolved once per process."""
    global _default_fonts
    with _default_lock:
        if _default_fonts is None:
            _default_fonts = discover_fonts()
        return _default_fonts


def format_date(value: date) -> str:
    """"10 October 2024": English month names, independent of the process locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class _Block:
    lines: tuple[Line, ...]
    colour: Color
    gap_before: float
    leading: float  # as a multiple of the font size


def _block(lines: list[Line] | Line, colour: Color, gap_before: float, leading: float = 1.3) -> _Block:
    if isinstance(lines, Line):
        lines = [lines]
    return _Block(tuple(lines), colour, gap_before, leading)


def _award_line(data: CertificateData) -> str:
    award = data.award_name.strip()
    category = data.category_name.strip()
    if category and category.casefold() != award.casefold():
        return f"{award} \u2014 {category}"
    if data.theme:
        return f"{award} \u2014 {data.theme.strip()}"
    return award


def _theme_line(data: CertificateData) -> str | None:
    if not data.theme:
        return None
    category = data.category_name.strip()
    if not category or category.casefold() == data.award_name.strip().casefold():
        return None  # the theme is already on the award line
    return f"Theme: {data.theme.strip()}"


def _edition_line(data: CertificateData) -> str:
    parts = [f"{data.prize_name} {data.edition_label}".strip()]
    if data.ceremony_date and data.ceremony_place:
        parts.append(f"awarded in {data.ceremony_place} on {format_date(data.ceremony_date)}")
    elif data.ceremony_date:
        parts.append(f"awarded on {format_date(data.ceremony_date)}")
    elif data.ceremony_place:
        parts.append(f"awarded in {data.ceremony_place}")
    return " \u00b7 ".join(parts)


def _draw_frame(c: Canvas) -> None:
    c.setFillColor(PAPER)
    c.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    c.setStrokeColor(NAVY)
    c.setLineWidth(2.4)
    c.rect(20, 20, PAGE_WIDTH - 40, PAGE_HEIGHT - 40, stroke=1, fill=0)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.7)
    c.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56, stroke=1, fill=0)
    c.setFillColor(GOLD)
    for x, y in ((28, 28), (PAGE_WIDTH - 28, 28), (28, PAGE_HEIGHT - 28), (PAGE_WIDTH - 28, PAGE_HEIGHT - 28)):
        path = c.beginPath()
        path.moveTo(x, y - 5)
        path.lineTo(x + 5, y)
        path.lineTo(x, y + 5)
        path.lineTo(x - 5, y)
        path.close()
        c.drawPath(path, stroke=0, fill=1)


def _rule(c: Canvas, y: float, half_width: float) -> None:
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(CENTRE_X - half_width, y, CENTRE_X - 6, y)
    c.line(CENTRE_X + 6, y, CENTRE_X + half_width, y)
    c.setFillColor(GOLD)
    path = c.beginPath()
    path.moveTo(CENTRE_X, y - 3)
    path.lineTo(CENTRE_X + 3, y)
    path.lineTo(CENTRE_X, y + 3)
    path.lineTo(CENTRE_X - 3, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


def _baselines(blocks: list[_Block]) -> list[tuple[Line, Color, float]]:
    """Each line with its colour and its baseline, measured downwards from the first one.

    Baselines are `leading` apart (plus a block's gap), and never closer than the lines'
    real outlines allow: Arabic descends far below Latin, and a name in 32 pt must not touch
    the line under it.
    """
    placed: list[tuple[Line, Color, float]] = []
    previous: tuple[Line, float] | None = None
    y = 0.0
    for block in blocks:
        for number, line in enumerate(block.lines):
            if previous is not None:
                above, above_leading = previous
                nominal = (above.size * above_leading + line.size * block.leading) / 2.0
                if number == 0:
                    nominal += block.gap_before
                clearance = 0.3 * min(above.size, line.size) + 0.08 * max(above.size, line.size)
                y += max(nominal, above.ink[1] + line.ink[0] + clearance)
            placed.append((line, block.colour, y))
            previous = (line, block.leading)
    return placed


def _draw_blocks(c: Canvas, blocks: list[_Block], top: float, bottom: float) -> None:
    """Centre the blocks' ink vertically between `top` and `bottom`, each line horizontally."""
    placed = _baselines(blocks)
    if not placed:
        return
    first, last = placed[0], placed[-1]
    ink_top = max(first[0].ink[0], 0.72 * first[0].size)
    ink_bottom = last[2] + max(last[0].ink[1], 0.2 * last[0].size)
    height = ink_top + ink_bottom
    first_baseline = top - max(0.0, (top - bottom - height) / 2.0) - ink_top
    for line, colour, offset in placed:
        c.setFillColor(colour)
        line.draw_centred(c, CENTRE_X, first_baseline - offset)


def _draw_signatories(c: Canvas, fonts: FontSet, signatories: tuple[Signatory, ...]) -> None:
    if not signatories:
        return
    left, right = 170.0, PAGE_WIDTH - 170.0
    slot = (right - left) / len(signatories)
    line_width = min(170.0, slot - 20.0)
    y_line = 150.0
    for index, person in enumerate(signatories):
        cx = left + slot * (index + 0.5)
        c.setStrokeColor(GREY)
        c.setLineWidth(0.6)
        c.line(cx - line_width / 2, y_line, cx + line_width / 2, y_line)
        c.setFillColor(INK)
        fit_line(person.name, fonts, 10.5, slot - 8, bold=True).draw_centred(c, cx, y_line - 14)
        c.setFillColor(GREY)
        fit_line(person.title, fonts, 8.5, slot - 8).draw_centred(c, cx, y_line - 26)


def _draw_qr(c: Canvas, url: str, x: float, y: float, size: float, border: int = 4) -> None:
    """A vector QR code of `url`: all dark modules in one filled path (no seams).

    The matrix comes from ReportLab's QrCodeWidget encoder; the modules are drawn directly
    rather than through the widget's drawing shapes, which is several times faster.
    """
    widget = QrCodeWidget(url, barLevel="M", barBorder=border, barWidth=size, barHeight=size)
    qr = widget.qr
    qr.make()
    count = qr.getModuleCount()
    module = size / (count + 2 * border)
    c.setFillColor(Color(1, 1, 1))
    c.rect(x, y, size, size, stroke=0, fill=1)
    path = c.beginPath()
    for row_index, row in enumerate(qr.modules):
        top = y + size - (row_index + border + 1) * module
        column = 0
        for dark, group in itertools.groupby(bool(cell) for cell in row):
            length = sum(1 for _ in group)
            if dark:
                path.rect(x + (column + border) * module, top, length * module, module)
            column += length
    c.setFillColor(Color(0, 0, 0))
    c.drawPath(path, stroke=0, fill=1)


def _draw_footer(c: Canvas, fonts: FontSet, data: CertificateData) -> None:
    qr_x = 40.0
    _draw_qr(c, data.verify_url, qr_x, FOOTER_Y - 8, QR_SIZE)
    text_x = qr_x + QR_SIZE + 2
    c.setFillColor(INK)
    fit_line("Verify this certificate:", fonts, 8, 200, bold=True).draw(c, text_x, FOOTER_Y + 30)
    c.setFillColor(GREY)
    fit_line(data.verify_url, fonts, 7.5, 230).draw(c, text_x, FOOTER_Y + 19)

    right = PAGE_WIDTH - MARGIN + 12
    c.setFillColor(INK)
    fit_line(f"Certificate no. {data.serial}", fonts, 9, 250, bold=True).draw_right(c, right, FOOTER_Y + 30)
    c.setFillColor(GREY)
    fit_line(
        f"Revision {data.revision} \u00b7 issued {format_date(data.issued_on)}", fonts, 7.5, 250
    ).draw_right(c, right, FOOTER_Y + 19)


def render_certificate(data: CertificateData, fonts: FontSet | None = None) -> bytes:
    """Render `data` as a one-page A4 landscape PDF and return its bytes."""
    fonts = fonts if fonts is not None else default_fonts()
    primary = register_face(fonts.primary.regular)

    buffer = io.BytesIO()
    c = Canvas(
        buffer,
        pagesize=landscape(A4),
        invariant=1,
        pageCompression=1,
        initialFontName=primary,  # never let ReportLab reference (unembedded) Helvetica
        initialFontSize=12,
        lang="en",
    )
    c.setTitle(f"{data.prize_name} {data.edition_label} \u2014 {data.award_name}: {data.recipient_name}")
    c.setAuthor(data.organiser)
    c.setSubject(data.serial)
    c.setCreator("judging")
    c.setKeywords(f"certificate, {data.serial}, revision {data.revision}")
    stamp = data.issued_on.strftime("D:%Y%m%d000000+00'00'")
    c.setDateFormatter(lambda *_ignored: stamp)

    _draw_frame(c)

    # Header: prize, organiser, rule, certificate kind.
    c.setFillColor(NAVY)
    fit_line(data.prize_name, fonts, 26, CONTENT_WIDTH, bold=True).draw_centred(c, CENTRE_X, 515)
    c.setFillColor(GREY)
    fit_line(data.organiser, fonts, 11, CONTENT_WIDTH).draw_centred(c, CENTRE_X, 494)
    _rule(c, 478, 150)
    kind = "CERTIFICATE OF RECOGNITION" if data.is_recognition else "CERTIFICATE OF AWARD"
    c.setFillColor(GOLD)
    fit_line(kind, fonts, 13, CONTENT_WIDTH, char_space=3.2).draw_centred(c, CENTRE_X, 454)

    # Body, centred vertically between the header and the signatures.
    blocks: list[_Block] = [
        _block(fit_line(_award_line(data), fonts, 22, CONTENT_WIDTH, bold=True), NAVY, 0),
    ]
    theme = _theme_line(data)
    if theme:
        blocks.append(_block(fit_line(theme, fonts, 12.5, CONTENT_WIDTH), INK, 0))
    blocks.append(_block(fit_line("is presented to", fonts, 11, CONTENT_WIDTH), GREY, 10))
    local = (data.recipient_name_local or "").strip()
    if local and local != data.recipient_name.strip():
        # Arabic script looks small beside Latin at the same size: give it more room.
        local_size = 39.0 if has_rtl(local) else 34.0
        blocks.append(_block(fit_line(local, fonts, local_size, CONTENT_WIDTH, bold=True), INK, 2, 1.25))
        blocks.append(_block(fit_line(data.recipient_name, fonts, 18, CONTENT_WIDTH), INK, 0))
    else:
        blocks.append(
            _block(fit_line(data.recipient_name, fonts, 34, CONTENT_WIDTH, bold=True), INK, 2, 1.25)
        )
    if data.project_title and data.project_title.strip():
        title = f"\u201c{data.project_title.strip()}\u201d"
        blocks.append(
            _block(wrap_lines(title, fonts, 14.5, CONTENT_WIDTH - 60, max_lines=2, min_size=10), INK, 8, 1.3)
        )
    place = ", ".join(p.strip() for p in (data.city, data.country) if p and p.strip())
    if place:
        blocks.append(_block(fit_line(place, fonts, 12, CONTENT_WIDTH), GREY, 2))
    blocks.append(_block(fit_line(_edition_line(data), fonts, 10.5, CONTENT_WIDTH), GREY, 10))
    _draw_blocks(c, blocks, top=436, bottom=172)

    _draw_signatories(c, fonts, data.signatories)
    _draw_footer(c, fonts, data)

    c.showPage()
    c.save()
    return buffer.getvalue()
