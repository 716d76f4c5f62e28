"""One certificate per real city name of the domain reference, checked with independent tools."""
from __future__ import annotations

import subprocess
import unicodedata

import pytest

from judging.certificates import DEMO_PLACES, missing_glyphs
from judging.certificates.text import visual_text
from tests.support import require_tool

from .conftest import certificate_for, decode_qr, extract_text, pdffonts, render_png

PLACES = [pytest.param(p, id=p.name) for p in DEMO_PLACES]


def is_arabic_script(text: str) -> bool:
    return any(unicodedata.bidirectional(c) == "AL" for c in text)


def render_place(place, fonts, render_cache, tmp_path):
    index = DEMO_PLACES.index(place)
    data = certificate_for(place.name, place.local, place.country, index)
    pdf = render_cache(data, fonts)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return data, pdf, path


@pytest.mark.parametrize("place", PLACES)
def test_extracted_text_contains_the_names(place, cjk_fonts, render_cache, tmp_path):
    data, pdf, _ = render_place(place, cjk_fonts, render_cache, tmp_path)
    text = extract_text(pdf)
    assert place.name in text
    assert data.serial in text
    if place.local is None:
        return
    if not is_arabic_script(place.local):
        assert place.local in text
        return
    # Arabic is drawn as reshaped presentation forms (U+FB50-U+FEFF) in display order, i.e.
    # right to left. Text extractors disagree on what to give back: some return the glyphs'
    # left-to-right order (the logical string reversed), some undo the bidi reordering. NFKC
    # maps every presentation form back to its base letter (and lam-alef ligatures back to
    # two letters), so after NFKC the name must appear in logical order or in display order.
    normalised = unicodedata.normalize("NFKC", text)
    logical = unicodedata.normalize("NFKC", place.local)
    display = unicodedata.normalize("NFKC", visual_text(place.local))
    assert logical in normalised or display in normalised, (logical, normalised)


@pytest.mark.parametrize("place", PLACES)
def test_every_font_is_embedded_and_helvetica_is_never_referenced(
    place, cjk_fonts, render_cache, tmp_path
):
    _, _, path = render_place(place, cjk_fonts, render_cache, tmp_path)
    rows = pdffonts(path)
    assert rows, "the PDF uses no font at all"
    for row in rows:
        assert row["emb"] == "yes", row
        assert row["uni"] == "yes", row  # a ToUnicode map, so the text can be extracted
        assert "Helvetica" not in row["name"], row
        assert "TrueType" in row["kind"], row


@pytest.mark.parametrize("place", PLACES)
def test_qpdf_finds_no_error(place, cjk_fonts, render_cache, tmp_path):
    qpdf = require_tool("qpdf")
    _, _, path = render_place(place, cjk_fonts, render_cache, tmp_path)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize("place", PLACES)
def test_qr_code_decodes_to_the_verify_url(place, cjk_fonts, render_cache, tmp_path):
    data, _, path = render_place(place, cjk_fonts, render_cache, tmp_path)
    png = render_png(path, tmp_path / "page", dpi=150)
    assert decode_qr(png) == [data.verify_url]


@pytest.mark.parametrize("place", PLACES)
def test_no_glyph_is_missing_with_the_system_fonts(place, cjk_fonts):
    assert missing_glyphs(place.name, cjk_fonts) == set()
    if place.local:
        assert missing_glyphs(place.local, cjk_fonts) == set()
