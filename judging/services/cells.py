"""Cells of exported spreadsheets (CSV, XLSX): text that a spreadsheet would take for a
formula (an applicant's name "=HYPERLINK(...)") gets a leading apostrophe."""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
