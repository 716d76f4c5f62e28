"""The secretariat's certificate pages, downloads, the applicant's own certificate and the
public check page."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Certificate, EditionState, EntryState, Role
from judging.services.decisions import correct_decision, current_decisions
from tests.factories import make_user

from .helpers import (
    approved_edition,
    awarded_entry,
    certificates_of,
    chair,
    finalist_entry,
    issue,
    secretariat,
)

PUA = "\U0010fffd"


def page_text(response) -> str:
    return response.get_data(as_text=True)


# ----- the secretariat's page -------------------------------------------------------------------
def test_the_page_lists_entries_fonts_and_issued_certificates(app, login_as):
    edition = approved_edition(certify_finalists=True)
    gold = awarded_entry(edition, "hangul")
    awarded_entry(edition, "arabic", tier="silver")
    finalist_entry(edition, "cyrillic")
    issue(gold)
    db.session.commit()
    html = page_text(login_as(secretariat()).get(f"/secretariat/certificates?edition={edition.year}"))
    assert "<h1" in html and html.count("<h1") == 1
    assert "Fonts in use" in html and "Full fallback order" in html
    fonts_used = html.split("Fonts in use", 1)[1].split("Full fallback order", 1)[0]
    assert "Noto Sans Arabic" in fonts_used and "Nanum" in fonts_used  # Arabic and Hangul names
    assert "fonts-wqy-zenhei" not in fonts_used  # no Chinese name in this edition
    assert "NOT embedded" not in fonts_used
    assert "서울특별시" in html and "أبوظبي" in html and "Алматы" in html
    assert "Not issued yet" in html and "recognition" in html
    assert "Issue all certificates (2 to issue)" in html
    cert = certificates_of(gold)[0]
    assert cert.serial in html and "Download all as ZIP (1 PDF)" in html
    assert "would need a font that is not embedded" not in html


def test_names_that_need_a_font_that_is_not_embedded_are_listed_before_issuing(app, login_as):
    edition = approved_edition()
    odd = awarded_entry(edition, "latin")
    odd.applicant_name_local = f"Beyoğlu {PUA}"
    awarded_entry(edition, "hangul", tier="silver")
    db.session.commit()
    client = login_as(secretariat())
    html = page_text(client.get("/secretariat/certificates"))
    assert "1 certificate would need a font that is not embedded" in html
    assert odd.label in html and "name in its own script" in html and "U+10FFFD" in html
    assert 'name="confirm_missing_fonts"' in html
    # issuing all without the confirmation leaves that entry out and says so
    response = client.post(f"/secretariat/certificates/issue-all?edition={edition.year}",
                           follow_redirects=True)
    html = page_text(response)
    assert "1 certificate issued" in html
    assert f"Not issued: {odd.label}: needs a font that is not embedded" in html
    assert odd.state == EntryState.AWARDED
    # one entry, with the explicit confirmation
    refused = client.post("/secretariat/certificates/issue", data={"entry_id": odd.id},
                          follow_redirects=True)
    assert "confirm to issue anyway" in page_text(refused)
    assert certificates_of(odd) == []
    client.post("/secretariat/certificates/issue",
                data={"entry_id": odd.id, "confirm_missing_fonts": "y"})
    db.session.refresh(odd)
    assert odd.state == EntryState.CERTIFIED and len(certificates_of(odd)) == 1


def test_issue_all_then_again_changes_nothing(app, login_as):
    edition = approved_edition()
    entries = [awarded_entry(edition, "hangul"), awarded_entry(edition, "cyrillic", tier="silver")]
    db.session.commit()
    client = login_as(secretariat())
    html = page_text(client.post("/secretariat/certificates/issue-all", follow_redirects=True))
    assert "2 certificates issued, 0 already issued and unchanged." in html
    shas = sorted(c.sha256 for c in db.session.scalars(sa.select(Certificate)))
    html = page_text(client.post("/secretariat/certificates/issue-all", follow_redirects=True))
    assert "0 certificates issued, 2 already issued and unchanged." in html
    assert sorted(c.sha256 for c in db.session.scalars(sa.select(Certificate))) == shas
    for entry in entries:
        db.session.refresh(entry)
        assert entry.state == EntryState.CERTIFIED


def test_a_correction_shows_as_out_of_date_and_re_issuing_revokes_the_old_one(app, login_as):
    entry = awarded_entry(approved_edition(), "latin")
    old = issue(entry).certificate
    entry.applicant_name = "Beyoğlu Belediyesi"
    db.session.commit()
    client = login_as(secretariat())
    html = page_text(client.get("/secretariat/certificates"))
    assert "Out of date: name changed" in html and "Re-issue" in html
    client.post("/secretariat/certificates/issue",
                data={"entry_id": entry.id, "reason": "Name spelt as registered"})
    db.session.refresh(old)
    new = certificates_of(entry)[-1]
    assert new.revision == 2
    assert old.revoked_reason == f"Replaced by {new.serial} after a correction: Name spelt as registered"
    html = page_text(client.get(f"/verify/{old.serial}"))
    assert "Revoked on" in html


def test_a_new_revision_on_request_needs_a_reason(app, login_as):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    db.session.commit()
    client = login_as(secretariat())
    refused = client.post(f"/secretariat/certificates/{cert.id}/reissue", data={"reason": ""},
                          follow_redirects=True)
    assert "Give the reason" in page_text(refused)
    assert len(certificates_of(entry)) == 1
    client.post(f"/secretariat/certificates/{cert.id}/reissue",
                data={"reason": "The printed copy was damaged"})
    db.session.refresh(cert)
    assert cert.revoked_at is not None and len(certificates_of(entry)) == 2


def test_issuing_is_refused_before_the_approval_and_nothing_changes(app, login_as):
    edition = approved_edition(EditionState.DELIBERATION)
    entry = awarded_entry(edition)
    db.session.commit()
    client = login_as(secretariat())
    html = page_text(client.get("/secretariat/certificates"))
    assert "Certificates are issued after the committee's approval" in html
    assert "Issue all certificates" not in html
    html = page_text(client.post("/secretariat/certificates/issue", data={"entry_id": entry.id},
                                 follow_redirects=True))
    assert "after the committee&#39;s approval" in html
    assert certificates_of(entry) == []


def test_posts_need_the_csrf_token(app, login_as):
    entry = awarded_entry(approved_edition())
    db.session.commit()
    client = login_as(secretariat())
    assert client.post("/secretariat/certificates/issue", data={"entry_id": entry.id},
                       csrf=False).status_code == 400
    assert client.post("/secretariat/certificates/issue-all", csrf=False).status_code == 400
    assert certificates_of(entry) == []


@pytest.mark.parametrize("role", [Role.JUDGE, Role.APPLICANT])
def test_other_roles_cannot_see_or_issue(app, login_as, role):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    db.session.commit()
    client = login_as(make_user(role))
    assert client.get("/secretariat/certificates").status_code == 403
    assert client.post("/secretariat/certificates/issue-all").status_code == 403
    assert client.post("/secretariat/certificates/issue", data={"entry_id": entry.id}).status_code == 403
    assert client.get(f"/secretariat/certificates/{cert.id}/download").status_code == 403
    assert client.get("/secretariat/certificates/all.zip").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    approved_edition()
    db.session.commit()
    response = client.get("/secretariat/certificates")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_chair_sees_and_downloads_but_does_not_issue(app, login_as):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    other = awarded_entry(entry.edition, "hangul", tier="silver")
    db.session.commit()
    client = login_as(chair())
    html = page_text(client.get("/secretariat/certificates"))
    assert cert.serial in html and "Issue all certificates" not in html
    assert client.get(f"/secretariat/certificates/{cert.id}/download").status_code == 200
    assert client.post("/secretariat/certificates/issue", data={"entry_id": other.id}).status_code == 403


# ----- downloads ---------------------------------------------------------------------------------
def test_one_certificate_downloads_as_an_attachment(app, login_as):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    db.session.commit()
    response = login_as(secretariat()).get(f"/secretariat/certificates/{cert.id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={cert.serial}.pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (Path(app.config["CERTIFICATE_DIR"]) / cert.file_name).read_bytes()


def test_all_certificates_download_as_a_streamed_zip(app, login_as):
    edition = approved_edition(certify_finalists=True)
    for key, tier in (("hangul", "gold"), ("cyrillic", "silver"), ("arabic", "bronze")):
        issue(awarded_entry(edition, key, tier=tier))
    issue(finalist_entry(edition, "han"))
    revised = awarded_entry(edition, "latin", tier="silver", slot=2)
    old = issue(revised).certificate
    revised.applicant_name = "Beyoğlu Belediyesi"
    new = issue(revised).certificate
    db.session.commit()
    response = login_as(secretariat()).get(f"/secretariat/certificates/all.zip?edition={edition.year}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f"attachment; filename=certificates-{edition.year}.zip"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    chunks = list(response.response)
    assert len(chunks) > 1  # written and sent piece by piece
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    valid = db.session.scalars(sa.select(Certificate).where(Certificate.revoked_at.is_(None))).all()
    assert sorted(archive.namelist()) == sorted(f"{c.serial}.pdf" for c in valid)
    assert len(valid) == 5 and f"{old.serial}.pdf" not in archive.namelist()
    for c in valid:
        assert archive.read(f"{c.serial}.pdf") == (Path(app.config["CERTIFICATE_DIR"]) / c.file_name).read_bytes()
    assert f"{new.serial}.pdf" in archive.namelist()


def test_the_zip_of_an_edition_without_certificates_says_so(app, login_as):
    approved_edition()
    db.session.commit()
    response = login_as(secretariat()).get("/secretariat/certificates/all.zip", follow_redirects=True)
    assert "No certificate of" in page_text(response)


# ----- the applicant's own certificate ---------------------------------------------------------
def test_an_applicant_downloads_only_their_own_certificate_once_published(app, login_as):
    edition = approved_edition(EditionState.APPROVED)
    mine = awarded_entry(edition, "hangul")
    theirs = awarded_entry(edition, "cyrillic", tier="silver")
    cert = issue(mine).certificate
    issue(theirs)
    db.session.commit()
    client = login_as(mine.owner)
    url = f"/applicant/entries/{mine.id}/certificate"
    assert client.get(url).status_code == 404  # results not yet published
    edition.state = EditionState.PUBLISHED
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={cert.serial}.pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert client.get(f"/applicant/entries/{theirs.id}/certificate").status_code == 404
    assert client.get("/applicant/entries/999999/certificate").status_code == 404
    assert login_as(secretariat()).get(url).status_code == 404  # the owner's route only


def test_the_status_page_links_the_certificate(app, login_as):
    edition = approved_edition(EditionState.PUBLISHED)
    entry = awarded_entry(edition, "hangul")
    db.session.commit()
    client = login_as(entry.owner)
    link = f"/applicant/entries/{entry.id}/certificate"
    assert link not in page_text(client.get(f"/applicant/entries/{entry.id}/status"))
    issue(entry)
    db.session.commit()
    assert link in page_text(client.get(f"/applicant/entries/{entry.id}/status"))


def test_a_revoked_award_has_no_certificate_to_download(app, login_as):
    edition = approved_edition(EditionState.PUBLISHED)
    entry = awarded_entry(edition, "hangul", shortlisted=False)
    cert = issue(entry).certificate
    gold = next(d for d in current_decisions(db.session, edition) if d.entry_id == entry.id)
    correct_decision(db.session, gold, entry=None, reason="Evidence was plagiarised", actor=chair())
    db.session.commit()
    assert login_as(entry.owner).get(f"/applicant/entries/{entry.id}/certificate").status_code == 404
    html = page_text(login_as(secretariat()).get(f"/verify/{cert.serial}"))
    assert "Revoked on" in html


# ----- the public check page -------------------------------------------------------------------
def test_a_valid_certificate_shows_only_what_it_certifies(app, client):
    entry = awarded_entry(approved_edition(), "hangul")
    cert = issue(entry).certificate
    db.session.commit()
    response = client.get(f"/verify/{cert.serial}")
    html = page_text(response)
    assert response.status_code == 200
    assert "Valid" in html and "Revoked" not in html
    assert "서울특별시" in html and "Seoul Metropolitan Government" in html
    assert "Gold, Human-CentriCity" in html and f"Seoul Smart City Prize {entry.edition.year}" in html
    for secret in (entry.owner.email, entry.contact_email, entry.reference, entry.title,
                   f"entries/{entry.id}", cert.sha256, "Kim Ji-won"):
        assert secret not in html, secret
    assert not re.search(r"/secretariat|/applicant", html)
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_revoked_certificate_says_since_when(app, client):
    entry = awarded_entry(approved_edition(), "arabic")
    cert = issue(entry).certificate
    entry.applicant_name = "Abu Dhabi City Municipality"
    new = issue(entry).certificate
    db.session.commit()
    local = cert.revoked_at.astimezone(entry.edition.zone).date()
    html = page_text(client.get(f"/verify/{cert.serial}"))
    assert f"Revoked on {local.day} {local.strftime('%B %Y')}" in html
    assert "Abu Dhabi Department of Municipalities" in html
    assert new.serial not in html and "correction" not in html  # the reason stays internal
    assert "Valid" in page_text(client.get(f"/verify/{new.serial}"))


def test_an_unknown_number_gets_a_friendly_404(app, client):
    response = client.get("/verify/SSCP-2024-ABCD-EFGH")
    assert response.status_code == 404
    html = page_text(response)
    assert "No certificate with this number was issued" in html
    assert "SSCP-2024-ABCD-EFGH" in html


def test_the_check_form_finds_a_typed_number(app, client):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    db.session.commit()
    html = page_text(client.get("/verify"))
    assert 'name="serial"' in html and "Check a certificate" in html
    response = client.get("/verify", query_string={"serial": f" {cert.serial.lower()} "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{cert.serial}")
    refused = client.get("/verify", query_string={"serial": ""})
    assert refused.status_code == 422
    assert "Type the number printed on the certificate." in page_text(refused)
