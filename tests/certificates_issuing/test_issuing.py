"""Issuing: through the engine, idempotent, revisions after corrections, revocation, refusals,
and a failed write that changes nothing."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import AuditEvent, Certificate, EditionState, EntryState, Role
from judging.services import ServiceError
from judging.services import certificates as service
from judging.services.certificates import (
    SERIAL_ALPHABET,
    candidates,
    issue_all,
    normalise_serial,
    revoke_for_entry,
    verify_certificate,
)
from judging.services.decisions import correct_decision, current_decisions
from judging.workflows.engine import TransitionError
from tests.factories import make_user

from .helpers import (
    approved_edition,
    awarded_entry,
    certificates_of,
    chair,
    finalist_entry,
    fonts,
    issue,
    secretariat,
)

PUA = "\U0010fffd"  # a private-use character no installed font has


def cert_dir(app) -> Path:
    return Path(app.config["CERTIFICATE_DIR"])


def test_issuing_an_award_certifies_the_entry_and_records_the_certificate(app):
    edition = approved_edition()
    entry = awarded_entry(edition, "hangul", title="Safe Return Home")
    result = issue(entry)
    cert = result.certificate
    assert result.created and result.replaced is None
    assert entry.state == EntryState.CERTIFIED
    assert cert.kind == "award" and cert.revision == 1 and cert.revoked_at is None
    assert cert.issued_by_id == secretariat().id and cert.issued_at is not None
    prefix = f"SSCP-{edition.year}-"
    assert cert.serial.startswith(prefix)
    code = cert.serial.removeprefix(prefix).replace("-", "")
    assert len(code) == 8 and set(code) <= set(SERIAL_ALPHABET)
    assert not set(code) & set("0O1I")
    path = cert_dir(app) / f"{cert.serial}-r1.pdf"
    assert cert.file_name == path.name and path.read_bytes()[:5] == b"%PDF-"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == cert.sha256
    snap = cert.snapshot
    assert snap["recipient_name"] == "Seoul Metropolitan Government"
    assert snap["recipient_name_local"] == "서울특별시"
    assert snap["award_name"] == "Gold" and snap["category_name"] == "Human-CentriCity"
    assert snap["city"] == "Seoul (서울)" and snap["country"] == "South Korea"
    assert snap["project_title"] == "Safe Return Home"
    assert snap["ceremony_date"] == f"{edition.year}-10-10" and snap["ceremony_place"] == "Seoul"
    assert snap["verify_url"] == f"https://prize.example.org/verify/{cert.serial}"
    assert [s["name"] for s in snap["signatories"]] == ["Oh Se-hoon", "Park Jung-sook"]
    assert any("Noto Sans" in f for f in cert.fonts)
    assert any("Nanum" in f and "Hangul" in f for f in cert.fonts)
    events = db.session.scalars(sa.select(AuditEvent.event).where(
        AuditEvent.edition_id == edition.id, AuditEvent.event.in_(["certify", "issue_certificate"]))
    ).all()
    assert sorted(events) == ["certify", "issue_certificate"]


def test_issuing_twice_gives_the_same_certificate(app):
    entry = awarded_entry(approved_edition(), "arabic")
    first = issue(entry)
    pdf = (cert_dir(app) / first.certificate.file_name).read_bytes()
    db.session.commit()
    second = issue(entry)
    assert not second.created
    assert second.certificate.id == first.certificate.id
    assert second.certificate.serial == first.certificate.serial
    assert (cert_dir(app) / second.certificate.file_name).read_bytes() == pdf
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
    assert hashlib.sha256(pdf).hexdigest() == second.certificate.sha256


def test_a_missing_file_is_rebuilt_byte_for_byte(app):
    entry = awarded_entry(approved_edition(), "cyrillic")
    cert = issue(entry).certificate
    path = cert_dir(app) / cert.file_name
    original = path.read_bytes()
    path.unlink()
    again = issue(entry)
    assert not again.created and path.read_bytes() == original
    path.write_bytes(b"%PDF-1.4 damaged")
    issue(entry)
    assert path.read_bytes() == original


def test_a_file_that_cannot_be_rebuilt_identically_asks_for_a_new_revision(app):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    (cert_dir(app) / cert.file_name).unlink()
    cert.sha256 = "0" * 64  # as if the fonts had changed since
    with pytest.raises(ServiceError, match="cannot be rebuilt byte for byte"):
        issue(entry)
    result = issue(entry, force=True, reason="Fonts upgraded; file lost")
    assert result.created and result.certificate.revision == 2
    assert cert.revoked_reason == (f"Replaced by {result.certificate.serial} after a correction: "
                                   "Fonts upgraded; file lost")


def test_a_corrected_name_makes_a_new_revision_and_revokes_the_old_one(app):
    entry = awarded_entry(approved_edition(), "latin")
    old = issue(entry).certificate
    entry.applicant_name = "Beyoğlu Belediyesi"
    db.session.flush()
    (item,) = candidates(db.session, entry.edition)
    assert item.status == "to re-issue" and item.changes == ["name"]
    result = issue(entry)
    new = result.certificate
    assert result.created and result.replaced is old
    assert new.revision == 2 and new.serial != old.serial
    assert new.snapshot["recipient_name"] == "Beyoğlu Belediyesi"
    assert old.revoked_at is not None
    assert old.revoked_reason == f"Replaced by {new.serial} after a correction: name changed"
    assert (cert_dir(app) / old.file_name).exists()  # the old revision's file stays
    assert verify_certificate(db.session, old.serial).valid is False
    assert verify_certificate(db.session, new.serial).valid is True
    # and issuing again is idempotent on the new revision
    assert issue(entry).certificate.id == new.id


def test_a_reason_given_when_re_issuing_is_recorded(app):
    entry = awarded_entry(approved_edition(), "vietnamese")
    old = issue(entry).certificate
    entry.title = "Smart fisheries for Đà Nẵng"
    new = issue(entry, reason="Title misspelt in the entry form").certificate
    assert old.revoked_reason == (f"Replaced by {new.serial} after a correction: "
                                  "Title misspelt in the entry form")


def test_a_correction_of_the_award_revokes_the_certificate_and_the_new_holder_gets_one(app):
    edition = approved_edition()
    first = awarded_entry(edition, "hangul")
    second = awarded_entry(edition, "cyrillic", tier="silver")
    old = issue(first).certificate
    issue(second)
    gold = next(d for d in current_decisions(db.session, edition) if d.entry_id == first.id)
    # the silver holder moves to gold: first the silver slot is emptied, then gold is given
    silver = next(d for d in current_decisions(db.session, edition) if d.entry_id == second.id)
    correct_decision(db.session, silver, entry=None, reason="Moves to gold", actor=chair())
    correct_decision(db.session, gold, entry=second, reason="Evidence was plagiarised",
                     actor=chair())
    assert first.state == EntryState.NOT_AWARDED and second.state == EntryState.AWARDED
    assert old.revoked_at is not None
    assert old.revoked_reason == "Award revoked: Evidence was plagiarised"
    (second_old,) = [c for c in certificates_of(second) if c.revision == 1]
    assert second_old.revoked_reason == "Award revoked: Moves to gold"
    result = issue(second)
    assert result.certificate.revision == 2 and result.certificate.snapshot["award_name"] == "Gold"
    assert second.state == EntryState.CERTIFIED
    # the first holder was a finalist: a certificate of recognition only if finalists are
    with pytest.raises(ServiceError, match="finalist certificates are not issued"):
        issue(first)
    assert issue(first, finalists=True).certificate.kind == "finalist"


def test_revoke_for_entry_needs_a_reason_and_revokes_only_valid_award_certificates(app):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    with pytest.raises(ServiceError, match="reason"):
        revoke_for_entry(db.session, entry, "  ", chair())
    assert cert.revoked_at is None
    assert revoke_for_entry(db.session, entry, "Withdrawn by the committee", chair()) == [cert]
    assert cert.revoked_reason == "Award revoked: Withdrawn by the committee"
    assert revoke_for_entry(db.session, entry, "again", chair()) == []


def test_special_mentions_carry_their_theme_and_partner(app):
    entry = awarded_entry(approved_edition(), "han", category="special_mention",
                          theme="Digital inclusion", partner="UN-Habitat")
    snap = issue(entry).certificate.snapshot
    assert snap["award_name"] == "Special Mention" and snap["category_name"] == "Special Mention"
    assert snap["theme"] == "Digital inclusion, with UN-Habitat"
    assert snap["recipient_name_local"] == "高雄智慧交通"


def test_finalists_get_a_certificate_of_recognition_without_a_state_change(app):
    edition = approved_edition(certify_finalists=True)
    entry = finalist_entry(edition)
    result = issue(entry)
    assert result.certificate.kind == "finalist"
    assert result.certificate.snapshot["award_name"] == "Finalist"
    assert result.certificate.snapshot["category_name"] == "Tech-InnovaCity"
    assert result.certificate.award_id is None
    assert entry.state == EntryState.NOT_AWARDED
    assert issue(entry).certificate.id == result.certificate.id


def test_finalists_are_certified_only_when_chosen(app):
    edition = approved_edition(certify_finalists=False)
    entry = finalist_entry(edition)
    awarded = awarded_entry(edition)
    assert [c.entry for c in candidates(db.session, edition)] == [awarded]
    with pytest.raises(ServiceError, match="finalist certificates are not issued"):
        issue(entry)
    assert {c.entry.id for c in candidates(db.session, edition, finalists=True)} == {
        awarded.id, entry.id}
    assert issue(entry, finalists=True).certificate.kind == "finalist"


def test_an_entry_not_awarded_and_never_shortlisted_gets_nothing(app):
    edition = approved_edition(certify_finalists=True)
    entry = finalist_entry(edition)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.subject_id == entry.id)
                       .execution_options(synchronize_session=False))
    with pytest.raises(ServiceError, match="neither an approved award nor a finalist place"):
        issue(entry)


@pytest.mark.parametrize("state", [EditionState.DELIBERATION, EditionState.JUDGING])
def test_nothing_is_issued_before_the_approval(app, state):
    edition = approved_edition(state)
    entry = awarded_entry(edition)
    with pytest.raises(ServiceError, match="after the committee's approval"):
        issue(entry)
    with pytest.raises(ServiceError, match="after the committee's approval"):
        issue_all(db.session, edition, actor=secretariat(), certificate_dir="unused",
                  base_url="x", fonts=fonts())
    assert entry.state == EntryState.AWARDED and certificates_of(entry) == []


@pytest.mark.parametrize("state", [EditionState.PUBLISHED, EditionState.ARCHIVED])
def test_certificates_are_issued_after_publication_too(app, state):
    entry = awarded_entry(approved_edition(state))
    assert issue(entry).created and entry.state == EntryState.CERTIFIED


def test_only_the_secretariat_issues(app):
    entry = awarded_entry(approved_edition())
    for actor in (chair(), make_user(Role.JUDGE), entry.owner):
        with pytest.raises(ServiceError, match="Only the secretariat"):
            issue(entry, actor=actor)
    assert entry.state == EntryState.AWARDED and certificates_of(entry) == []


def test_an_unapproved_decision_is_not_certified(app):
    entry = awarded_entry(approved_edition())
    decision = current_decisions(db.session, entry.edition)[0]
    db.session.execute(sa.update(type(decision)).where(type(decision).id == decision.id)
                       .values(approved_at=None))
    db.session.expire_all()
    with pytest.raises(ServiceError, match="neither an approved award"):
        issue(entry)


def test_a_forced_revision_needs_a_reason(app):
    entry = awarded_entry(approved_edition())
    cert = issue(entry).certificate
    with pytest.raises(ServiceError, match="reason"):
        issue(entry, force=True, reason=" ")
    assert cert.revoked_at is None


def test_a_name_without_an_embedded_font_needs_an_explicit_confirmation(app):
    entry = awarded_entry(approved_edition())
    entry.applicant_name_local = f"Beyoğlu {PUA}"
    (item,) = candidates(db.session, entry.edition, fonts=fonts())
    assert item.missing == {"name in its own script": PUA}
    with pytest.raises(ServiceError, match="no embedded font") as refused:
        issue(entry)
    assert refused.value.field == "confirm_missing_fonts"
    assert entry.state == EntryState.AWARDED and certificates_of(entry) == []
    assert issue(entry, confirm_missing_fonts=True).created


def test_a_failed_write_leaves_the_entry_awarded_and_a_retry_works(app, monkeypatch):
    entry = awarded_entry(approved_edition())
    db.session.commit()

    def disk_full(directory, name, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "_write_file", disk_full)
    with pytest.raises(ServiceError, match="No space left on device.*Nothing was issued"):
        issue(entry)
    db.session.rollback()
    assert entry.state == EntryState.AWARDED
    assert certificates_of(entry) == []
    assert not cert_dir(app).exists() or list(cert_dir(app).iterdir()) == []

    monkeypatch.undo()
    result = issue(entry)
    db.session.commit()
    assert result.created and entry.state == EntryState.CERTIFIED


def test_an_unusable_certificate_folder_is_refused_and_nothing_is_recorded(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    entry = awarded_entry(approved_edition())
    db.session.commit()
    with pytest.raises(ServiceError, match="could not be written"):
        issue(entry, certificate_dir=blocker / "certificates")
    db.session.rollback()
    assert entry.state == EntryState.AWARDED and certificates_of(entry) == []
    assert issue(entry).created


def test_a_failure_after_the_write_removes_the_file(app, monkeypatch):
    entry = awarded_entry(approved_edition())

    def refuse(*args, **kwargs):
        raise TransitionError("entry", "certify", "awarded", "simulated failure")

    monkeypatch.setattr(service, "apply", refuse)
    with pytest.raises(TransitionError, match="simulated failure"):
        issue(entry)
    assert list(cert_dir(app).glob("*.pdf")) == []
    assert list(cert_dir(app).glob(".issuing-*")) == []


def test_issue_all_is_idempotent_and_skips_unconfirmed_missing_fonts(app):
    edition = approved_edition(certify_finalists=True)
    entries = [awarded_entry(edition, key, tier=tier, slot=slot) for key, tier, slot in (
        ("hangul", "gold", 1), ("cyrillic", "silver", 1), ("latin", "silver", 2),
        ("arabic", "bronze", 1))]
    finalist = finalist_entry(edition)
    odd = awarded_entry(edition, "vietnamese", tier="bronze", slot=2)
    odd.applicant_name_local = PUA
    seen = []
    result = issue_all(db.session, edition, actor=secretariat(),
                       certificate_dir=app.config["CERTIFICATE_DIR"], base_url="https://x.org",
                       fonts=fonts(), progress=seen.append)
    assert len(seen) == 6
    assert len(result.issued) == 5 and result.unchanged == []
    assert [e.label for e, _ in result.skipped] == [odd.label]
    assert "confirm to issue" in result.skipped[0][1]
    assert all(e.state == EntryState.CERTIFIED for e in entries)
    assert odd.state == EntryState.AWARDED and finalist.state == EntryState.NOT_AWARDED
    again = issue_all(db.session, edition, actor=secretariat(),
                      certificate_dir=app.config["CERTIFICATE_DIR"], base_url="https://x.org",
                      fonts=fonts(), confirm_missing_fonts=True)
    assert len(again.unchanged) == 5 and [r.certificate.entry_id for r in again.issued] == [odd.id]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 6


def test_issue_all_is_all_or_nothing(app, monkeypatch):
    edition = approved_edition()
    awarded_entry(edition, "hangul")
    awarded_entry(edition, "cyrillic", tier="silver")
    real = service._write_file
    calls = []

    def second_fails(directory, name, data):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(directory, name, data)

    monkeypatch.setattr(service, "_write_file", second_fails)
    with pytest.raises(ServiceError, match="Input/output error"):
        issue_all(db.session, edition, actor=secretariat(),
                  certificate_dir=app.config["CERTIFICATE_DIR"], base_url="https://x.org",
                  fonts=fonts())
    db.session.rollback()
    assert list(cert_dir(app).glob("*.pdf")) == []  # the first file was removed too
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_serials_are_normalised_when_typed(app):
    entry = awarded_entry(approved_edition())
    serial = issue(entry).certificate.serial
    assert normalise_serial(f"  {serial.lower()} ") == serial
    assert normalise_serial(serial.replace("-", "\u2013")) == serial
    assert verify_certificate(db.session, serial.lower()).serial == serial
    assert verify_certificate(db.session, "SSCP-2024-ZZZZ-ZZZZ") is None
    assert verify_certificate(db.session, "") is None
