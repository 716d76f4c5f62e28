"""Font discovery: the documented fallback order, extra directories, CFF files, caching."""
from __future__ import annotations

import os
import shutil
from dataclasses import replace

import pytest
from reportlab.pdfbase import pdfmetrics

from judging.certificates import discover_fonts, missing_glyphs, render_certificate, sample_certificate
from judging.certificates.fonts import _cmap, register_face
from judging.certificates.text import split_runs, visual_text

from .conftest import build_test_font, extract_text, pdffonts

PUA = "\U0010fffd"


def positions(fonts, predicate):
    return [i for i, font in enumerate(fonts.fonts) if predicate(font)]


def test_packaged_noto_fonts_come_first(fonts):
    first, second = fonts.fonts[0], fonts.fonts[1]
    assert first.family == "Noto Sans"
    assert first.source == "fontpkg-noto-sans"
    assert "site-packages" in first.path or "fontpkg_noto_sans" in first.path
    assert {"Latin", "Cyrillic", "Greek"} <= set(first.scripts)
    assert second.family == "Noto Sans Arabic"
    assert second.source == "fontpkg-noto-sans-arabic"
    assert {"Arabic", "Persian"} <= set(second.scripts)


def test_fallback_order_is_as_documented(cjk_fonts):
    fonts = cjk_fonts
    korean = positions(fonts, lambda f: f.family.startswith("Nanum"))
    chinese = positions(fonts, lambda f: "Han" in f.scripts and f.embedded)
    noto_system = positions(fonts, lambda f: f.source == "system, Debian fonts-noto-core")
    cid = positions(fonts, lambda f: not f.embedded)
    assert korean == [2]
    assert chinese == [3]
    assert fonts.fonts[3].family == "WenQuanYi Zen Hei"
    assert fonts.fonts[3].regular.subfont_index == 0
    if noto_system:
        assert min(noto_system) == 4 and max(noto_system) < min(cid)
    assert cid == [len(fonts.fonts) - 2, len(fonts.fonts) - 1]
    assert [fonts.fonts[i].family for i in cid] == ["HYSMyeongJo-Medium", "STSong-Light"]


def test_each_script_is_drawn_with_the_font_for_it(cjk_fonts):
    cases = {
        "Seoul": "Noto Sans",
        "Алматы": "Noto Sans",
        "Đà Nẵng": "Noto Sans",
        "شیراز": "Noto Sans Arabic",
        "서울특별시": "NanumGothic",
        "成都": "WenQuanYi Zen Hei",
        "高雄": "WenQuanYi Zen Hei",
    }
    for text, family in cases.items():
        runs = split_runs(visual_text(text), cjk_fonts)
        assert [run.font.family for run in runs] == [family], text


def test_korean_font_does_not_draw_han_characters(cjk_fonts):
    nanum = cjk_fonts.fonts[2]
    assert nanum.covers("서")
    assert not nanum.covers("成")  # NanumGothic has hanja, but Chinese names get a Chinese font


def test_a_mixed_line_is_split_into_runs(cjk_fonts):
    runs = split_runs(visual_text("Seoul 서울 成都"), cjk_fonts)
    assert [(run.text, run.font.family) for run in runs] == [
        ("Seoul ", "Noto Sans"),
        ("서울 ", "NanumGothic"),
        ("成都", "WenQuanYi Zen Hei"),
    ]


def test_bold_faces_are_distinct_embedded_fonts(cjk_fonts, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(render_certificate(sample_certificate(0), cjk_fonts))
    names = {row["name"].split("+", 1)[1] for row in pdffonts(path)}
    assert {"NotoSans-Regular", "NotoSans-Bold", "NanumGothicBold"} <= names


def test_describe_says_where_each_font_comes_from(cjk_fonts):
    rows = cjk_fonts.describe()
    assert rows[0].startswith("Noto Sans 2.")
    assert "(fontpkg-noto-sans): Latin, Cyrillic, Greek" in rows[0]
    assert rows[0].endswith("embedded")
    assert "Noto Sans Arabic" in rows[1] and "Arabic, Persian" in rows[1]
    assert "fonts-nanum" in rows[2] and "Hangul" in rows[2]
    assert "fonts-wqy-zenhei" in rows[3] and "Han" in rows[3]
    assert rows[-1].startswith("STSong-Light") and "NOT embedded" in rows[-1]


def test_extra_directories_come_first_and_cff_fonts_are_skipped(fonts, tmp_path):
    extra = tmp_path / "fonts"
    extra.mkdir()
    build_test_font(extra / "PrivateGlyphs-Regular.ttf", PUA, "Private Glyphs")
    build_test_font(extra / "PostScriptOutlines-Regular.otf", PUA, "PostScript Outlines", cff=True)

    found = discover_fonts([str(extra)])
    assert found.fonts[0].family == "Private Glyphs"
    assert found.fonts[0].source == f"extra directory {extra}"
    assert found.fonts[1].family == "Noto Sans"
    assert all(font.family != "PostScript Outlines" for font in found.fonts)
    skipped = {os.path.basename(s.path): s.reason for s in found.skipped}
    assert "CFF" in skipped["PostScriptOutlines-Regular.otf"]
    assert any("skipped" in row and "CFF" in row for row in found.describe())

    assert missing_glyphs(PUA, fonts) == {PUA}
    assert missing_glyphs(PUA, found) == set()
    data = sample_certificate(3)
    pdf = render_certificate(replace(data, recipient_name=f"Beyoğlu {PUA}"), found)
    path = tmp_path / "extra.pdf"
    path.write_bytes(pdf)
    assert any("PrivateGlyphs" in row["name"] for row in pdffonts(path))
    assert "Beyoğlu" in extract_text(pdf)


def test_a_cff_only_directory_leaves_the_defaults(fonts, tmp_path):
    build_test_font(tmp_path / "Only-Regular.otf", "AB", "Only CFF", cff=True)
    found = discover_fonts([str(tmp_path)], system_dirs=())
    assert found.fonts[0].family == "Noto Sans"
    assert len(found.skipped) == 1


def test_a_font_whose_licence_forbids_embedding_is_skipped(tmp_path):
    build_test_font(tmp_path / "Restricted-Regular.ttf", PUA, "Restricted", fs_type=0x0002)
    found = discover_fonts([str(tmp_path)], system_dirs=())
    assert all(font.family != "Restricted" for font in found.fonts)
    assert [os.path.basename(s.path) for s in found.skipped] == ["Restricted-Regular.ttf"]
    assert "licence" in found.skipped[0].reason
    assert missing_glyphs(PUA, found) == {PUA}


def test_a_file_reportlab_cannot_read_is_skipped(tmp_path):
    (tmp_path / "Broken-Regular.ttf").write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 40)
    found = discover_fonts([str(tmp_path)], system_dirs=())
    assert found.fonts[0].family == "Noto Sans"
    assert [os.path.basename(s.path) for s in found.skipped] == ["Broken-Regular.ttf"]


def test_same_postscript_name_in_two_files_gives_two_fonts(tmp_path):
    """ReportLab keys embedded fonts by PostScript name; two files must not alias."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    build_test_font(a / "Twin-Regular.ttf", "\ue001", "Twin")
    build_test_font(b / "Twin-Regular.ttf", "\ue002", "Twin")
    first = discover_fonts([str(a)], system_dirs=()).fonts[0]
    second = discover_fonts([str(b)], system_dirs=()).fonts[0]
    one = pdfmetrics.getFont(register_face(first.regular))
    two = pdfmetrics.getFont(register_face(second.regular))
    assert one is not two
    assert one.face.name != two.face.name


def test_cmaps_are_cached_per_font_file(fonts, tmp_path):
    path = fonts.primary.path
    assert _cmap(path) is _cmap(path)
    copy = tmp_path / "copy.ttf"
    shutil.copyfile(path, copy)
    assert _cmap(str(copy)) == _cmap(path)


def test_discovery_is_repeatable(fonts):
    assert discover_fonts() == fonts


@pytest.mark.parametrize("script", ["Latin", "Cyrillic", "Greek", "Arabic", "Persian"])
def test_packaged_fonts_alone_cover_the_non_cjk_scripts(script):
    fonts = discover_fonts(system_dirs=())
    assert any(script in font.scripts for font in fonts.fonts)
