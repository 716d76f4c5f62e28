"""The certificate PDF: determinism, metadata, wording, layout limits, fallbacks."""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from judging.certificates import (
    CertificateData,
    Signatory,
    discover_fonts,
    missing_glyphs,
    render_certificate,
    sample_certificate,
)
from judging.certificates.render import PAGE_HEIGHT, PAGE_WIDTH

from tests.support import require_tool

from .conftest import extract_text, pdffonts

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_page_is_a4_landscape(cjk_fonts, data):
    page = PdfReader(io.BytesIO(render_certificate(data, cjk_fonts))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width, 1), round(height, 1)) == (841.9, 595.3)
    assert (width, height) == pytest.approx((PAGE_WIDTH, PAGE_HEIGHT))


def test_same_data_gives_the_same_bytes(cjk_fonts, data):
    first = render_certificate(data, cjk_fonts)
    second = render_certificate(replace(data), cjk_fonts)
    assert first == second


def test_same_data_gives_the_same_bytes_in_a_fresh_process(cjk_fonts, data):
    """Idempotent issuing is checked by SHA-256 across worker processes and restarts."""
    here = hashlib.sha256(render_certificate(data, cjk_fonts)).hexdigest()
    script = (
        "import hashlib\n"
        "from judging.certificates import render_certificate, sample_certificate\n"
        "print(hashlib.sha256(render_certificate(sample_certificate(0))).hexdigest())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == here


@pytest.mark.parametrize(
    "change",
    [
        {"serial": "SSCP-2024-7Q4M-X2KE"},
        {"revision": 2},
        {"issued_on": date(2024, 10, 11)},
        {"recipient_name": "Seoul Metropolitan Government"},
    ],
    ids=["serial", "revision", "issued_on", "recipient"],
)
def test_different_data_gives_different_bytes(cjk_fonts, data, change):
    assert render_certificate(data, cjk_fonts) != render_certificate(replace(data, **change), cjk_fonts)


def test_metadata_title_author_subject_and_fixed_dates(cjk_fonts, data):
    reader = PdfReader(io.BytesIO(render_certificate(data, cjk_fonts)))
    meta = reader.metadata
    assert meta.author == data.organiser
    assert meta.subject == data.serial
    assert data.prize_name in meta.title and data.recipient_name in meta.title
    issued = data.issued_on.strftime("D:%Y%m%d000000")
    assert meta["/CreationDate"].startswith(issued)
    assert meta["/ModDate"].startswith(issued)


def test_text_holds_every_field(cjk_fonts):
    data = CertificateData(
        serial="SSCP-2024-7Q4M-X2KD",
        prize_name="Seoul Smart City Prize",
        organiser="WeGO and the Seoul Metropolitan Government",
        edition_label="2024",
        category_name="Human-CentriCity",
        award_name="Gold",
        recipient_name="Seoul Metropolitan Government",
        recipient_name_local="서울특별시",
        project_title="Safe-return service for people walking home at night",
        city="Seoul",
        country="Republic of Korea",
        ceremony_date=date(2024, 10, 10),
        ceremony_place="Seoul",
        signatories=(
            Signatory("Kim Min-jun", "Chair, Judging Committee"),
            Signatory("Amina Okafor", "Secretary General, WeGO"),
            Signatory("Lee Ji-woo", "Chair, Organizing Committee"),
        ),
        verify_url="https://prize.example.org/verify/SSCP-2024-7Q4M-X2KD",
        issued_on=date(2024, 10, 10),
        revision=3,
    )
    text = extract_text(render_certificate(data, cjk_fonts))
    for expected in (
        "Seoul Smart City Prize",
        "WeGO and the Seoul Metropolitan Government",
        "CERTIFICATE OF AWARD",
        "Gold",
        "Human-CentriCity",
        "서울특별시",
        "Seoul Metropolitan Government",
        "Safe-return service for people walking home at night",
        "Seoul, Republic of Korea",
        "10 October 2024",
        "Kim Min-jun",
        "Secretary General, WeGO",
        "Lee Ji-woo",
        "SSCP-2024-7Q4M-X2KD",
        "Revision 3",
        "https://prize.example.org/verify/SSCP-2024-7Q4M-X2KD",
    ):
        assert expected in text, expected


def test_finalist_gets_a_certificate_of_recognition(cjk_fonts, data):
    text = extract_text(render_certificate(replace(data, award_name="Finalist"), cjk_fonts))
    assert "CERTIFICATE OF RECOGNITION" in text
    assert "CERTIFICATE OF AWARD" not in text


def test_special_mention_shows_its_theme(cjk_fonts, data):
    mention = replace(
        data,
        award_name="Special Mention",
        category_name="Special Mention",
        theme="Climate resilience (with GGGI)",
    )
    text = extract_text(render_certificate(mention, cjk_fonts))
    assert "Special Mention" in text
    assert "Climate resilience (with GGGI)" in text


def test_theme_gets_its_own_line_when_a_category_is_named(cjk_fonts, data):
    text = extract_text(render_certificate(replace(data, theme="Inclusive mobility"), cjk_fonts))
    assert "Theme: Inclusive mobility" in text


def test_optional_fields_may_be_absent(cjk_fonts, data):
    bare = replace(
        data,
        recipient_name_local=None,
        project_title=None,
        ceremony_date=None,
        ceremony_place=None,
        signatories=(),
    )
    pdf = render_certificate(bare, cjk_fonts)
    text = extract_text(pdf)
    assert bare.recipient_name in text
    assert "awarded" not in text


def word_boxes(pdf_path: Path) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) of every word, from poppler's pdftotext -bbox."""
    tool = require_tool("pdftotext")
    html = subprocess.run(
        [tool, "-bbox", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in pattern.findall(html)
    ]


@pytest.mark.parametrize("field", ["recipient_name", "project_title", "organiser", "prize_name"])
def test_a_very_long_text_is_kept_inside_the_frame(cjk_fonts, data, tmp_path, field):
    long_text = " ".join(["Metropolitan Municipality of Greater Seberang Perai and Baguio City"] * 3)
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificate(replace(data, **{field: long_text}), cjk_fonts))
    boxes = word_boxes(path)
    assert boxes
    inner = 28  # the inner border line
    for word, x0, y0, x1, y1 in boxes:
        assert inner < x0 < x1 < PAGE_WIDTH - inner, word
        assert inner < y0 < y1 < PAGE_HEIGHT - inner, word
    assert long_text in " ".join(extract_text(path.read_bytes()).split())


def test_text_lines_do_not_overlap(cjk_fonts, tmp_path):
    """No two words collide. pdftotext's boxes span the font's full ascent to descent, more
    than the line spacing, so boxes of adjacent lines may touch: a collision is an overlap
    of more than a quarter of the smaller box's height."""
    data = replace(
        sample_certificate(0),
        project_title="A long project title that needs two lines because it describes " * 2,
        theme="Climate resilience (with GGGI)",
        signatories=tuple(Signatory(f"Signatory Number {i}", "Title of the signatory") for i in range(4)),
    )
    path = tmp_path / "full.pdf"
    path.write_bytes(render_certificate(data, cjk_fonts))
    boxes = word_boxes(path)
    for i, (w1, ax0, ay0, ax1, ay1) in enumerate(boxes):
        for w2, bx0, by0, bx1, by1 in boxes[i + 1 :]:
            overlap_x = min(ax1, bx1) - max(ax0, bx0)
            overlap_y = min(ay1, by1) - max(ay0, by0)
            limit = 0.25 * min(ay1 - ay0, by1 - by0)
            assert overlap_x <= 0.5 or overlap_y <= limit, (w1, w2)


def test_the_initial_font_is_the_embedded_primary_font(cjk_fonts, data, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(render_certificate(data, cjk_fonts))
    assert all("Helvetica" not in row["name"] for row in pdffonts(path))
    assert b"/Helvetica" not in path.read_bytes()


def test_without_system_fonts_hangul_uses_the_unembedded_cid_fallback(tmp_path):
    fonts = discover_fonts(system_dirs=())
    names = [font.family for font in fonts.fonts]
    assert names[-2:] == ["HYSMyeongJo-Medium", "STSong-Light"]
    assert missing_glyphs("서울특별시", fonts) == set("서울특별시")
    assert missing_glyphs("成都", fonts) == set("成都")
    assert missing_glyphs("Алматы", fonts) == set()

    data = replace(sample_certificate(0), recipient_name_local="서울특별시")
    path = tmp_path / "cid.pdf"
    path.write_bytes(render_certificate(data, fonts))
    rows = {row["name"]: row for row in pdffonts(path)}
    assert rows["HYSMyeongJo-Medium"]["emb"] == "no"
    others = [row for name, row in rows.items() if name != "HYSMyeongJo-Medium"]
    assert others and all(row["emb"] == "yes" for row in others)
    assert "서울특별시" in extract_text(path.read_bytes())


@pytest.mark.parametrize("char", ["\U0010fffd", "\u0378"], ids=["private-use-plane-16", "unassigned"])
def test_a_character_no_font_has_is_reported_missing(fonts, char):
    assert missing_glyphs(f"Seoul {char}", fonts) == {char}


def test_invisible_format_characters_are_not_missing(fonts):
    # Persian uses ZWNJ inside words; bidi marks may come from copy-pasted names.
    assert missing_glyphs("می\u200cخواهم \u200fSeoul\u200e", fonts) == set()


def test_data_is_validated():
    base = sample_certificate(0)
    with pytest.raises(ValueError):
        replace(base, serial=" ")
    with pytest.raises(ValueError):
        replace(base, revision=0)
    with pytest.raises(TypeError):
        replace(base, signatories=[Signatory("A", "B")])
