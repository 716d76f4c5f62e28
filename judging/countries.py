"""Countries (ISO 3166-1 alpha-2) with English names, from Babel's CLDR data."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale

# CLDR codes that are not countries a city can be in.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


@lru_cache(maxsize=1)
def countries() -> tuple[tuple[str, str], ...]:
    """(code, English name) pairs sorted by name."""
    territories = Locale("en").territories
    pairs = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(pairs, key=lambda p: p[1]))


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return dict(countries())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _names().get(code.upper(), code.upper())


def is_country(code: str | None) -> bool:
    return bool(code) and code.upper() in _names()
