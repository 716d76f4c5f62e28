"""Checking an applicant's answers against an entry form (pure functions, no Flask).

Word limits are counted the way a reader would: words are separated by whitespace, except
in Chinese and Japanese, which do not put spaces between words; there every Han ideograph,
Hiragana or Katakana character counts as one word. Korean (Hangul) separates words with
spaces and is counted like Latin script.
"""
from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from judging.program.schema import EntryForm, FormField

__all__ = ["count_words", "validate_answers", "REQUIRED", "UNKNOWN_FIELD"]

REQUIRED = "This field is required."
UNKNOWN_FIELD = "Unknown field."
BAD_URL = "Enter a web address starting with http:// or https://."
BAD_NUMBER = "Enter a number."
BAD_CHOICE = "Choose one of the listed options."
BAD_EMAIL = "Enter a valid email address."

# Characters that each count as a word: Han ideographs (unified, extensions, compatibility),
# the ideographic iteration mark and zero, Hiragana, Katakana (with its phonetic extensions
# and half-width forms).
_CJK_RANGES = (
    "\u3005\u3007",
    "\u3040-\u309f",  # Hiragana
    "\u30a0-\u30ff",  # Katakana
    "\u31f0-\u31ff",  # Katakana phonetic extensions
    "\u3400-\u4dbf",  # CJK extension A
    "\u4e00-\u9fff",  # CJK unified ideographs
    "\uf900-\ufaff",  # CJK compatibility ideographs
    "\uff66-\uff9f",  # half-width Katakana
    "\U00020000-\U0002fa1f",  # CJK extensions B-F and compatibility supplement
    "\U00030000-\U0003134f",  # CJK extension G
)
_CJK_CHAR = re.compile("[" + "".join(_CJK_RANGES) + "]")

_NUMBER_RE = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?\Z")


def count_words(text: str) -> int:
    """Number of words in `text` (see the module docstring for the rule).

    A run of characters counts as a word only if it holds a letter or digit, so stray
    punctuation such as a dash or a full stop on its own does not count.
    """
    total = 0
    for token in text.split():
        for piece in _CJK_CHAR.split(token):
            if any(ch.isalnum() for ch in piece):
                total += 1
        total += len(_CJK_CHAR.findall(token))
    return total


def _valid_url(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _valid_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _field_problem(field: FormField, value: str) -> str | None:
    """The problem with a non-empty answer to `field`, or None."""
    kind = field.kind
    if kind in ("text", "textarea") and field.word_limit is not None:
        words = count_words(value)
        if words > field.word_limit:
            return f"Keep this under {field.word_limit} words (now {words})."
    if kind == "url" and not _valid_url(value):
        return BAD_URL
    if kind == "number" and not _NUMBER_RE.match(value):
        return BAD_NUMBER
    if kind == "select" and value not in field.choices:
        return BAD_CHOICE
    if kind == "email" and not _valid_email(value):
        return BAD_EMAIL
    return None


def validate_answers(form: EntryForm, answers: Mapping[str, str], *, complete: bool) -> dict[str, str]:
    """Problems with `answers` to `form`, as {field key: message}; empty when all is well.

    complete=False (saving a draft) checks only word limits and formats of the answers
    given; complete=True (submitting) also requires every required field. Keys that are
    not fields of the form are reported as "Unknown field.".
    """
    problems: dict[str, str] = {}
    known = set()
    for field in form.fields:
        known.add(field.key)
        raw = answers.get(field.key)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if complete and field.required:
                problems[field.key] = REQUIRED
            continue
        problem = _field_problem(field, value)
        if problem:
            problems[field.key] = problem
    for key in answers:
        if key not in known:
            problems[key] = UNKNOWN_FIELD
    return problems
