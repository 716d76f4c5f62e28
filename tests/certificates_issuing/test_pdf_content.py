"""The issued PDFs, checked with independent tools: every recipient name in the extracted
text, every font embedded, the QR code leading to the certificate's check page."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from judging.certificates.text import visual_text
from judging.extensions import db

from .helpers import (
    RECIPIENTS,
    approved_edition,
    awarded_entry,
    decode_qr,
    extract_text,
    finalist_entry,
    fonts,
    issue,
    pdf_pages,
    pdffonts,
    render_png,
    require_system_cjk_fonts,
)

SCRIPTS = list(RECIPIENTS)


@pytest.fixture
def cjk(app):
    require_system_cjk_fonts(fonts())


def issued_pdf(app, key: str) -> tuple[object, bytes, Path]:
    edition = approved_edition(certify_finalists=True)
    recipient = RECIPIENTS[key]
    entry = awarded_entry(edition, recipient, title=f"A project of {recipient.city}")
    cert = issue(entry).certificate
    db.session.commit()
    path = Path(app.config["CERTIFICATE_DIR"]) / cert.file_name
    return cert, path.read_bytes(), path


def contains_name(text: str, name: str) -> bool:
    if not any(unicodedata.bidirectional(c) == "AL" for c in name):
        return name in text
    # Arabic: extractors return presentation forms in logical or display order (see
    # tests/certificates/test_certificate_names.py); compare after NFKC.
    normalised = unicodedata.normalize("NFKC", text)
    return (unicodedata.normalize("NFKC", name) in normalised
            or unicodedata.normalize("NFKC", visual_text(name)) in normalised)


@pytest.mark.parametrize("key", SCRIPTS)
def test_the_text_holds_every_name_the_serial_and_the_award(app, cjk, key):
    cert, pdf, _ = issued_pdf(app, key)
    recipient = RECIPIENTS[key]
    text = extract_text(pdf)
    assert pdf_pages(pdf) == 1
    assert contains_name(text, recipient.name)
    if recipient.local:
        assert contains_name(text, recipient.local), (recipient.local, text)
    if recipient.city_local:
        assert contains_name(text, recipient.city_local)
    assert cert.serial in text
    assert cert.snapshot["award_name"] in text
    assert "Oh Se-hoon" in text and "Park Jung-sook" in text


@pytest.mark.parametrize("key", SCRIPTS)
def test_every_font_is_embedded(app, cjk, key):
    _, _, path = issued_pdf(app, key)
    rows = pdffonts(path)
    assert rows
    for row in rows:
        assert row["emb"] == "yes", row
        assert "Helvetica" not in row["name"], row


@pytest.mark.parametrize("key", ["hangul", "arabic", "han"])
def test_the_qr_code_leads_to_the_check_page(app, cjk, key, tmp_path, client):
    cert, _, path = issued_pdf(app, key)
    png = render_png(path, tmp_path / key, dpi=150)
    (url,) = decode_qr(png)
    assert url == f"https://prize.example.org/verify/{cert.serial}"
    page = client.get(url.removeprefix("https://prize.example.org"))
    assert page.status_code == 200 and "Valid" in page.get_data(as_text=True)


def test_a_finalist_certificate_is_a_certificate_of_recognition(app, cjk):
    edition = approved_edition(certify_finalists=True)
    entry = finalist_entry(edition, "cyrillic")
    cert = issue(entry).certificate
    text = extract_text((Path(app.config["CERTIFICATE_DIR"]) / cert.file_name).read_bytes())
    assert "CERTIFICATE OF RECOGNITION" in text and "CERTIFICATE OF AWARD" not in text
    assert "Finalist — Tech-InnovaCity" in text and "Алматы" in text
