"""Word counting in several scripts, and checking answers to an entry form."""
from __future__ import annotations

import pytest

from judging.program.answers import count_words, validate_answers
from judging.program.loader import load_program, seoul_program_path
from judging.program.schema import EntryForm, FormField, FormSection


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("Smart city for everyone", 4),
        ("  leading   and trailing\nspace\tand tabs ", 6),
        ("São Paulo, Reykjavík and Đà Nẵng.", 6),
        ("e.g. 2024 well-being", 3),
        ("A - B — C", 3),  # dashes alone are not words
        ("서울특별시 스마트 도시 프로젝트", 4),  # Hangul is space-separated, like Latin
        ("AI기반 돌봄 서비스", 3),
        ("成都", 2),  # each Han ideograph is a word
        ("智慧城市，以人为本。", 8),  # punctuation does not count
        ("高雄市的智慧交通", 8),
        ("スマートシティ", 7),  # each Katakana character
        ("ひらがな", 4),
        ("東京Tower is 大きい。", 7),  # 東 京 Tower is 大 き い
        ("Seoul 서울 成都 Almaty Алматы", 6),
        ("Chengdu/成都 project", 4),  # Chengdu/ 成 都 project
        ("Abu Dhabi أبوظبي", 3),
    ],
)
def test_count_words(text, words):
    assert count_words(text) == words


FORM = EntryForm(
    key="test_form",
    title="Test form",
    categories=("c",),
    applicant_types=("t",),
    sections=(
        FormSection(key="main", title="Main", fields=(
            FormField("title", "Title", kind="text", word_limit=5),
            FormField("summary", "Summary", word_limit=10),
            FormField("website", "Website", kind="url", required=False),
            FormField("budget", "Budget", kind="number"),
        )),
        FormSection(key="more", title="More", fields=(
            FormField("stage", "Stage", kind="select", choices=("Pilot", "Scaled")),
            FormField("email", "Email", kind="email"),
            FormField("notes", "Notes", required=False),
        )),
    ),
)

GOOD = {
    "title": "Seoul Safe Return Home",
    "summary": "Sensors and volunteers walk people home at night.",
    "website": "https://example.org/safe-return",
    "budget": "1,250,000",
    "stage": "Pilot",
    "email": "office@example.org",
    "notes": "",
}


def test_good_answers_pass():
    assert validate_answers(FORM, GOOD, complete=True) == {}
    assert validate_answers(FORM, GOOD, complete=False) == {}


def test_draft_does_not_require_fields_but_submission_does():
    answers = {"title": "Only a title"}
    assert validate_answers(FORM, answers, complete=False) == {}
    assert validate_answers(FORM, answers, complete=True) == {
        "summary": "This field is required.",
        "budget": "This field is required.",
        "stage": "This field is required.",
        "email": "This field is required.",
    }


def test_blank_answer_counts_as_missing():
    answers = {**GOOD, "summary": "   \n  ", "email": None}
    assert validate_answers(FORM, answers, complete=True) == {
        "summary": "This field is required.", "email": "This field is required."}
    assert validate_answers(FORM, answers, complete=False) == {}


@pytest.mark.parametrize("complete", [False, True])
def test_limits_and_formats_are_checked_in_drafts_too(complete):
    answers = {
        **GOOD,
        "title": "one two three four five six",
        "summary": "智慧城市以人为本的城市服务项目",  # 15 ideographs, 15 words
        "website": "www.example.org",
        "budget": "about a million",
        "stage": "Finished",
        "email": "office@",
    }
    assert validate_answers(FORM, answers, complete=complete) == {
        "title": "Keep this under 5 words (now 6).",
        "summary": "Keep this under 10 words (now 15).",
        "website": "Enter a web address starting with http:// or https://.",
        "budget": "Enter a number.",
        "stage": "Choose one of the listed options.",
        "email": "Enter a valid email address.",
    }


def test_word_limit_is_inclusive():
    assert validate_answers(FORM, {"title": "one two three four five"}, complete=False) == {}


@pytest.mark.parametrize("url", ["http://example.org", "https://example.org/a?b=c", "HTTPS://Example.org"])
def test_accepted_web_addresses(url):
    assert validate_answers(FORM, {"website": url}, complete=False) == {}


@pytest.mark.parametrize("url", ["ftp://example.org", "https://", "https://exa mple.org", "example.org",
                                 "javascript:alert(1)"])
def test_rejected_web_addresses(url):
    assert validate_answers(FORM, {"website": url}, complete=False) == {
        "website": "Enter a web address starting with http:// or https://."}


@pytest.mark.parametrize("number", ["0", "42", "-3", "1250000", "1,250,000", "3.75", " 12 "])
def test_accepted_numbers(number):
    assert validate_answers(FORM, {"budget": number}, complete=False) == {}


@pytest.mark.parametrize("number", ["1,25,000", "12e3", "nan", "1.", "$100", "10 000"])
def test_rejected_numbers(number):
    assert validate_answers(FORM, {"budget": number}, complete=False) == {"budget": "Enter a number."}


def test_unknown_keys_are_reported():
    answers = {**GOOD, "titel": "typo", "csrf_token": "x"}
    assert validate_answers(FORM, answers, complete=False) == {
        "titel": "Unknown field.", "csrf_token": "Unknown field."}


def test_seoul_form_answers():
    program = load_program(seoul_program_path())
    form = program.form_for("tech_innovacity", "corporation")
    long_text = " ".join(["word"] * 512)
    answers = {"title": "Digital twin for Đà Nẵng", "summary": "요약 " * 10, "technology": long_text,
               "start_year": "2021", "stage": "Pilot"}
    problems = validate_answers(form, answers, complete=False)
    assert problems == {"technology": "Keep this under 500 words (now 512)."}
    submitted = validate_answers(form, answers, complete=True)
    assert submitted["technology"] == "Keep this under 500 words (now 512)."
    assert submitted["problem"] == "This field is required."
    assert "website" not in submitted and "partners" not in submitted  # optional
