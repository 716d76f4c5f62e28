"""flask --app judging issue-certificates / verify-certificate."""
from __future__ import annotations

import hashlib
import zipfile

import sqlalchemy as sa

from judging.extensions import db
from judging.models import Certificate, EditionState, EntryState

from judging.services.certificates import revoke_for_entry

from .helpers import approved_edition, awarded_entry, chair, finalist_entry, secretariat

PUA = "\U0010fffd"


def issued_certificates():
    return db.session.scalars(sa.select(Certificate).order_by(Certificate.serial)).all()


def test_issue_certificates_writes_one_pdf_per_serial_and_a_zip(app, runner, tmp_path):
    edition = approved_edition(certify_finalists=False)
    entries = [awarded_entry(edition, "hangul"), awarded_entry(edition, "arabic", tier="silver"),
               awarded_entry(edition, "cyrillic", tier="bronze")]
    finalist = finalist_entry(edition, "han")
    db.session.commit()
    out = tmp_path / "out"
    result = runner.invoke(args=["issue-certificates", "--edition", str(edition.year),
                                 "--out", str(out), "--zip", "--as", secretariat().email])
    assert result.exit_code == 0, result.output
    assert "Issuing certificates" in result.output
    assert "3 certificates issued, 0 already issued and unchanged." in result.output
    certs = issued_certificates()
    assert len(certs) == 3 and all(c.kind == "award" for c in certs)
    for entry in entries:
        db.session.refresh(entry)
        assert entry.state == EntryState.CERTIFIED
    assert finalist.state == EntryState.NOT_AWARDED
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert pdfs == sorted(f"{c.serial}.pdf" for c in certs)
    for c in certs:
        assert hashlib.sha256((out / f"{c.serial}.pdf").read_bytes()).hexdigest() == c.sha256
    archive = zipfile.ZipFile(out / f"certificates-{edition.year}.zip")
    assert sorted(archive.namelist()) == pdfs
    assert all(hashlib.sha256(archive.read(f"{c.serial}.pdf")).hexdigest() == c.sha256 for c in certs)

    again = runner.invoke(args=["issue-certificates", "--edition", str(edition.year),
                                "--out", str(out), "--finalists", "--as", secretariat().email])
    assert again.exit_code == 0, again.output
    assert "1 certificate issued, 3 already issued and unchanged." in again.output
    assert [c.kind for c in issued_certificates()].count("finalist") == 1
    assert len(list(out.glob("*.pdf"))) == 4


def test_unconfirmed_missing_fonts_are_reported_and_left_out(app, runner, tmp_path):
    edition = approved_edition()
    entry = awarded_entry(edition)
    entry.applicant_name_local = PUA
    db.session.commit()
    args = ["issue-certificates", "--edition", str(edition.year), "--out", str(tmp_path),
            "--as", secretariat().email]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert f"Not issued: {entry.label}: needs a font that is not embedded" in result.output
    assert issued_certificates() == []
    result = runner.invoke(args=args + ["--confirm-missing-fonts"])
    assert "1 certificate issued" in result.output and len(issued_certificates()) == 1


def test_issue_certificates_refusals_are_one_line(app, runner, tmp_path):
    edition = approved_edition(EditionState.DELIBERATION)
    awarded_entry(edition)
    db.session.commit()
    result = runner.invoke(args=["issue-certificates", "--edition", str(edition.year),
                                 "--out", str(tmp_path), "--as", secretariat().email])
    assert result.exit_code == 1
    assert "Error: Certificates are issued after the committee's approval" in result.output
    judge = runner.invoke(args=["issue-certificates", "--edition", str(edition.year),
                                "--out", str(tmp_path), "--as", "nobody@example.org"])
    assert judge.exit_code == 1 and "No user with the email nobody@example.org" in judge.output
    assert issued_certificates() == []


def test_a_failed_write_in_the_cli_issues_nothing(app, runner, tmp_path):
    edition = approved_edition()
    entry = awarded_entry(edition)
    db.session.commit()
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    app.config["CERTIFICATE_DIR"] = str(blocker / "certificates")
    result = runner.invoke(args=["issue-certificates", "--edition", str(edition.year),
                                 "--out", str(tmp_path / "out"), "--as", secretariat().email])
    assert result.exit_code == 1 and "could not be written" in result.output
    db.session.refresh(entry)
    assert entry.state == EntryState.AWARDED and issued_certificates() == []


def test_verify_certificate_prints_the_status(app, runner, tmp_path):
    edition = approved_edition()
    entry = awarded_entry(edition, "hangul")
    db.session.commit()
    runner.invoke(args=["issue-certificates", "--edition", str(edition.year), "--out",
                        str(tmp_path), "--as", secretariat().email])
    (cert,) = issued_certificates()
    result = runner.invoke(args=["verify-certificate", cert.serial.lower()])
    assert result.exit_code == 0
    assert f"{cert.serial}: Valid" in result.output
    assert "서울특별시 Seoul Metropolitan Government" in result.output
    assert "Gold, Human-CentriCity" in result.output
    unknown = runner.invoke(args=["verify-certificate", "SSCP-2024-AAAA-AAAA"])
    assert unknown.exit_code == 1 and "Unknown" in unknown.output
    revoke_for_entry(db.session, entry, "Evidence was plagiarised", chair())
    db.session.commit()
    revoked = runner.invoke(args=["verify-certificate", cert.serial])
    day = cert.revoked_at.astimezone(edition.zone).date().isoformat()
    assert revoked.exit_code == 0 and f"{cert.serial}: Revoked on {day}" in revoked.output
