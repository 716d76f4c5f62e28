"""Text for certificates: visual order, font runs, measuring, fitting and drawing lines.

A string becomes a :class:`Line` in three steps:

1. :func:`visual_text`: NFC normalisation; when the string holds right-to-left characters,
   Arabic letters are reshaped into their joined presentation forms (``arabic_reshaper``)
   and the whole string is reordered into display order (``bidi.get_display``), so mixed
   lines such as "Abu Dhabi أبوظبي" come out right. Invisible format characters
   (bidi controls, ZWJ/ZWNJ) are dropped after reshaping, since they have no glyph.
2. :func:`split_runs`: each character is given the first font in the FontSet that covers it;
   spaces, digits and punctuation stay in the current run's font when it covers them, so a
   name is not chopped into needless runs.
3. Widths are measured with ``pdfmetrics.stringWidth`` per run, so a line can be centred or
   shrunk to fit a width (:func:`fit_line`, :func:`wrap_lines`).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import arabic_reshaper
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import FontSet, ResolvedFont, glyph_extent, register_face

try:  # python-bidi >= 0.5 exports get_display at the top level
    from bidi import get_display
except ImportError:  # older python-bidi
    from bidi.algorithm import get_display

__all__ = ["Line", "Run", "fit_line", "layout_line", "split_runs", "visual_text", "wrap_lines"]

_RESHAPER = arabic_reshaper.ArabicReshaper()


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf")


def visual_text(text: str) -> str:
    """The characters to draw, left to right."""
    text = unicodedata.normalize("NFC", text)
    if has_rtl(text):
        text = get_display(_RESHAPER.reshape(text))
    return "".join(c for c in text if not _invisible(c))


@dataclass(frozen=True)
class Run:
    text: str
    face: str  # name registered with ReportLab
    font: ResolvedFont


def _neutral(char: str) -> bool:
    """Spaces, punctuation, symbols and digits: no script of their own."""
    return unicodedata.category(char)[0] in "ZPSN"


def split_runs(visual: str, fonts: FontSet, bold: bool = False) -> tuple[Run, ...]:
    """Split display-order text into runs of one font each.

    A character no font covers is drawn with the primary font (it shows as that font's
    missing-glyph box); :func:`judging.certificates.fonts.missing_glyphs` reports it first.
    """
    runs: list[Run] = []
    current: ResolvedFont | None = None
    buffer: list[str] = []

    def flush() -> None:
        if buffer and current is not None:
            face = register_face(current.face(bold))
            runs.append(Run("".join(buffer), face, current))
        buffer.clear()

    for char in visual:
        if current is not None and _neutral(char) and current.has_glyph(char):
            buffer.append(char)
            continue
        font = fonts.font_for(char) or fonts.primary
        if font is not current:
            flush()
            current = font
        buffer.append(char)
    flush()
    return tuple(runs)


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    size: float
    char_space: float = 0.0

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def width(self) -> float:
        total = sum(stringWidth(run.text, run.face, self.size) for run in self.runs)
        count = len(self.text)
        if count > 1:
            total += self.char_space * (count - 1)
        return total

    @property
    def ink(self) -> tuple[float, float]:
        """(height above the baseline, depth below it) of the drawn outlines, in points.

        Bold faces are measured on their regular outlines plus a small allowance.
        """
        top = depth = 0.0
        for run in self.runs:
            for char in run.text:
                up, down = glyph_extent(run.font, char)
                top, depth = max(top, up), max(depth, down)
        return top * self.size * 1.03, depth * self.size * 1.03

    def draw(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw with the left end of the baseline at (x, y)."""
        for run in self.runs:
            canvas.setFont(run.face, self.size)
            canvas.drawString(x, y, run.text, charSpace=self.char_space)
            x += stringWidth(run.text, run.face, self.size) + self.char_space * len(run.text)

    def draw_centred(self, canvas: Canvas, cx: float, y: float) -> None:
        self.draw(canvas, cx - self.width / 2.0, y)

    def draw_right(self, canvas: Canvas, right: float, y: float) -> None:
        self.draw(canvas, right - self.width, y)


def layout_line(
    text: str, fonts: FontSet, size: float, *, bold: bool = False, char_space: float = 0.0
) -> Line:
    return Line(split_runs(visual_text(text), fonts, bold), size, char_space)


def _shrunk(line: Line, max_width: float) -> Line:
    width = line.width
    if width <= max_width or width <= 0:
        return line
    size = line.size * max_width / width
    char_space = line.char_space * max_width / width
    # Round down to a hundredth of a point: stable output, and never wider than allowed.
    size = int(size * 100) / 100.0
    return Line(line.runs, size, char_space)


def fit_line(
    text: str,
    fonts: FontSet,
    size: float,
    max_width: float,
    *,
    bold: bool = False,
    char_space: float = 0.0,
) -> Line:
    """One line at `size`, shrunk to `max_width` when it is too wide."""
    return _shrunk(layout_line(text, fonts, size, bold=bold, char_space=char_space), max_width)


def _greedy(words: list[str], fonts: FontSet, size: float, max_width: float, bold: bool) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and layout_line(candidate, fonts, size, bold=bold).width > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def wrap_lines(
    text: str,
    fonts: FontSet,
    size: float,
    max_width: float,
    *,
    max_lines: int = 2,
    min_size: float | None = None,
    bold: bool = False,
) -> list[Line]:
    """Wrap at spaces into at most `max_lines` lines, reducing the size down to `min_size`.

    Lines are broken in logical order and each line is then put into display order, which
    is what the Unicode bidi algorithm prescribes for right-to-left text.
    """
    words = unicodedata.normalize("NFC", text).split()
    if not words:
        return []
    floor = size * 0.7 if min_size is None else min_size
    current = size
    while True:
        chunks = _greedy(words, fonts, current, max_width, bold)
        lines = [layout_line(chunk, fonts, current, bold=bold) for chunk in chunks]
        if len(lines) <= max_lines and all(line.width <= max_width for line in lines):
            return lines
        if current <= floor:
            break
        current = max(floor, round(current * 0.92, 2))
    if len(chunks) > max_lines:
        chunks = chunks[: max_lines - 1] + [" ".join(chunks[max_lines - 1 :])]
    return [_shrunk(layout_line(chunk, fonts, current, bold=bold), max_width) for chunk in chunks]
