"""Fixtures for the certificate renderer: fonts, sample data, PDF inspection helpers."""
from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from judging.certificates import FontSet, discover_fonts, render_certificate, sample_certificate
from judging.certificates.data import CertificateData
from tests.support import in_ci, require_tool

SYSTEM_FONT_PACKAGES = "fonts-nanum and fonts-wqy-zenhei"


def require_system_cjk_fonts(fonts: FontSet) -> None:
    """Skip (fail in CI) unless embedded TrueType fonts for Hangul and Han were found."""
    def serves(script: str) -> bool:
        return any(font.embedded and script in font.scripts for font in fonts.fonts)

    missing = [script for script in ("Hangul", "Han") if not serves(script)]
    if missing:
        message = (
            f"no embedded TrueType font for {', '.join(missing)}: "
            f"{SYSTEM_FONT_PACKAGES} are not installed (.ci/run installs them)"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def fonts() -> FontSet:
    return discover_fonts()


@pytest.fixture(scope="session")
def cjk_fonts(fonts: FontSet) -> FontSet:
    require_system_cjk_fonts(fonts)
    return fonts


@pytest.fixture
def data() -> CertificateData:
    return sample_certificate(0)


@pytest.fixture(scope="session")
def render_cache():
    """Render each (data) once per session: several tests inspect the same PDFs."""
    cache: dict[CertificateData, bytes] = {}

    def render(item: CertificateData, fonts: FontSet) -> bytes:
        if item not in cache:
            cache[item] = render_certificate(item, fonts)
        return cache[item]

    return render


def certificate_for(latin: str, local: str | None, country: str, index: int) -> CertificateData:
    base = sample_certificate(index)
    return replace(
        base,
        recipient_name=latin,
        recipient_name_local=local,
        city=latin,
        country=country,
    )


def extract_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdffonts(pdf_path: Path) -> list[dict[str, str]]:
    """Rows of poppler's pdffonts as dicts: name, kind (type and encoding), emb, sub, uni.

    The type and encoding columns may contain spaces ("CID TrueType"), so a row is read
    from both ends: the name first, then object number, generation, uni, sub, emb last.
    """
    tool = require_tool("pdffonts")
    lines = subprocess.run(
        [tool, str(pdf_path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        tokens = line.split()
        *middle, emb, sub, uni, _obj, _gen = tokens
        rows.append(
            {"name": middle[0], "kind": " ".join(middle[1:]), "emb": emb, "sub": sub, "uni": uni}
        )
    return rows


def render_png(pdf_path: Path, out_prefix: Path, dpi: int = 150) -> Path:
    tool = require_tool("pdftoppm")
    subprocess.run(
        [tool, "-r", str(dpi), "-png", "-singlefile", str(pdf_path), str(out_prefix)],
        check=True,
        capture_output=True,
    )
    return out_prefix.with_suffix(".png")


def decode_qr(png_path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    with Image.open(png_path) as image:
        results = zxingcpp.read_barcodes(image.convert("L"))
    return [r.text for r in results if "QR" in str(r.format)]


def _draw_square(pen) -> None:
    pen.moveTo((50, 0))
    pen.lineTo((50, 700))
    pen.lineTo((550, 700))
    pen.lineTo((550, 0))
    pen.closePath()


def build_test_font(
    path: Path, chars: str, family: str, *, cff: bool = False, fs_type: int = 0
) -> Path:
    """Write a tiny font mapping `chars` to squares: TrueType (glyf) or CFF outlines.

    `fs_type` sets the OS/2 embedding licence bits (2: restricted, embedding forbidden).
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyph_names = [".notdef", "space"] + [f"uni{ord(c):04X}" for c in chars]
    cmap = {0x20: "space"} | {ord(c): f"uni{ord(c):04X}" for c in chars}
    builder = FontBuilder(1000, isTTF=not cff)
    builder.setupGlyphOrder(glyph_names)
    builder.setupCharacterMap(cmap)
    if cff:
        charstrings = {}
        for name in glyph_names:
            pen = T2CharStringPen(600, None)
            if name != "space":
                _draw_square(pen)
            charstrings[name] = pen.getCharString()
        builder.setupCFF(family.replace(" ", ""), {"FullName": family}, charstrings, {})
    else:
        glyphs = {}
        for name in glyph_names:
            pen = TTGlyphPen(None)
            if name != "space":
                _draw_square(pen)
            glyphs[name] = pen.glyph()
        builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (600, 50) for name in glyph_names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable(
        {"familyName": family, "styleName": "Regular", "psName": family.replace(" ", "") + "-Regular"}
    )
    builder.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200, fsType=fs_type)
    builder.setupPost()
    builder.save(str(path))
    return path
