"""Text preparation: bidi order, Arabic shaping, normalisation, fitting and wrapping."""
from __future__ import annotations

import unicodedata

from judging.certificates.text import fit_line, has_rtl, layout_line, visual_text, wrap_lines


def test_latin_text_is_unchanged():
    assert visual_text("Reykjavík") == "Reykjavík"


def test_decomposed_input_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "São Paulo Đà Nẵng")
    assert visual_text(decomposed) == "São Paulo Đà Nẵng"


def test_arabic_is_joined_and_put_in_display_order():
    shown = visual_text("أبوظبي")
    # Presentation forms only, joined: initial alef-hamza is isolated/final (ﺃ), beh initial...
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in shown)
    # Display order is right to left: the leftmost glyph is the final form of the last letter
    # (yeh, U+064A -> final form U+FEF2) and the rightmost the first letter (alef with hamza).
    assert shown[0] == "\ufef2"
    assert unicodedata.normalize("NFKC", shown[-1]) == "أ"
    assert unicodedata.normalize("NFKC", shown)[::-1] == "أبوظبي"


def test_persian_letters_get_persian_presentation_forms():
    shown = visual_text("شیراز")
    assert "\u06cc" not in shown  # farsi yeh is shaped...
    assert "\ufbff" in shown  # ...into its medial form
    assert unicodedata.normalize("NFKC", shown)[::-1] == "شیراز"


def test_mixed_latin_and_arabic_line_keeps_latin_left_to_right():
    shown = visual_text("Abu Dhabi أبوظبي")
    assert shown.startswith("Abu Dhabi ")
    assert unicodedata.normalize("NFKC", shown[len("Abu Dhabi "):])[::-1] == "أبوظبي"


def test_rtl_detection():
    assert has_rtl("الخليل") and has_rtl("שלום")
    assert not has_rtl("서울특별시 成都 Алматы")


def test_invisible_characters_are_not_drawn():
    assert visual_text("Seoul\u200b\u200e") == "Seoul"


def test_fit_line_shrinks_a_long_line_to_the_width(fonts):
    text = "Seoul Metropolitan Government " * 4
    natural = layout_line(text, fonts, 32)
    fitted = fit_line(text, fonts, 32, 500)
    assert natural.width > 500
    assert fitted.width <= 500
    assert fitted.size < 32
    assert fitted.text == natural.text


def test_fit_line_keeps_a_short_line_as_it_is(fonts):
    line = fit_line("Cali", fonts, 32, 500)
    assert line.size == 32


def test_letter_spacing_counts_in_the_width(fonts):
    plain = layout_line("CERTIFICATE", fonts, 13)
    spaced = layout_line("CERTIFICATE", fonts, 13, char_space=3)
    assert spaced.width == plain.width + 3 * (len("CERTIFICATE") - 1)


def test_wrap_lines_breaks_at_spaces_within_the_limit(fonts):
    title = "Citizen-led smart mobility and accessible public transport for every neighbourhood"
    lines = wrap_lines(title, fonts, 14, 300, max_lines=2, min_size=10)
    assert 1 < len(lines) <= 2
    assert all(line.width <= 300 for line in lines)
    assert " ".join(line.text for line in lines) == title


def test_wrap_lines_shrinks_what_cannot_fit_in_the_line_budget(fonts):
    title = "word " * 80
    lines = wrap_lines(title, fonts, 14, 300, max_lines=2, min_size=10)
    assert len(lines) == 2
    assert all(line.width <= 300 for line in lines)


def test_wrapped_arabic_lines_are_each_in_display_order(fonts):
    lines = wrap_lines("الخليل أبوظبي شیراز", fonts, 14, 60, max_lines=3, min_size=14)
    assert len(lines) == 3
    assert unicodedata.normalize("NFKC", lines[0].text)[::-1] == "الخليل"
