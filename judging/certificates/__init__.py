"""Certificates: a pure renderer, CertificateData in, A4 landscape PDF bytes out.

No database, no Flask, no network: the services build a :class:`CertificateData` snapshot,
call :func:`render_certificate`, and store the bytes (same data, same bytes).
See :mod:`judging.certificates.fonts` for the font fallback order.
"""
from .data import CertificateData, Signatory
from .fonts import FontFace, FontSet, ResolvedFont, SkippedFont, discover_fonts, missing_glyphs
from .render import default_fonts, render_certificate
from .samples import DEMO_PLACES, DemoPlace, sample_certificate

__all__ = [
    "DEMO_PLACES",
    "CertificateData",
    "DemoPlace",
    "FontFace",
    "FontSet",
    "ResolvedFont",
    "Signatory",
    "SkippedFont",
    "default_fonts",
    "discover_fonts",
    "missing_glyphs",
    "render_certificate",
    "sample_certificate",
]
