"""Issuing certificates: snapshots, serials, idempotent issuing, corrections, revocation,
the public check and the bulk ZIP.

A certificate is rendered (by the pure renderer in :mod:`judging.certificates`) from a
snapshot of the entry, its approved award decision (or its finalist place), the edition and
the program. The snapshot, the SHA-256 of the PDF, the fonts used, the issuer and the time are
stored in a :class:`~judging.models.Certificate` row; the PDF is written to the certificate
folder as ``<serial>-r<revision>.pdf``.

Rules:

* Awards are certified through the workflow engine (``certify``: awarded -> certified);
  finalist certificates (entries shortlisted at the close of a round that ended not awarded)
  do not change the entry's state.
* Issuing is idempotent: while a valid certificate exists whose content equals what would be
  printed now, issuing returns it (same serial, same bytes, same SHA-256, no new row) and
  rewrites its file if the file went missing.
* After a correction (another award decision, a corrected name, title or city...) issuing
  makes a new revision with a new serial and revokes the old certificate, with the date and
  the reason, so an old printed QR code answers "revoked".
* When an award is revoked, :func:`revoke_for_entry` revokes its certificate.
* The PDF is written to a temporary name and renamed; if writing fails nothing is recorded
  and the entry stays awarded (the caller rolls back), so the issue can simply be retried.

Like every service: explicit actor and configuration values, flush, never commit.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.certificates import (
    CertificateData,
    FontSet,
    Signatory,
    discover_fonts,
    missing_glyphs,
    render_certificate,
)
from judging.certificates.text import visual_text
from judging.countries import country_name
from judging.models import (
    AuditEvent,
    AwardDecision,
    Certificate,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Role,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.workflows.engine import apply, check

__all__ = [
    "AWARD",
    "FINALIST",
    "ISSUING_STATES",
    "SERIAL_ALPHABET",
    "Candidate",
    "IssueResult",
    "Verification",
    "candidates",
    "certificate_content",
    "certificate_data",
    "certificate_files",
    "certificate_path",
    "certificates_of_edition",
    "current_certificate",
    "ensure_file",
    "font_warnings",
    "fonts_for",
    "fonts_in_use",
    "issue_all",
    "issue_certificate",
    "new_serial",
    "normalise_serial",
    "revoke_for_entry",
    "valid_certificate_for_owner",
    "verify_certificate",
    "write_zip",
    "zip_chunks",
]

AWARD = "award"
FINALIST = "finalist"
KINDS = (AWARD, FINALIST)

#: Certificates are issued once the committee has approved the results.
ISSUING_STATES = frozenset({EditionState.APPROVED, EditionState.PUBLISHED, EditionState.ARCHIVED})
AWARDED_STATES = frozenset({EntryState.AWARDED, EntryState.CERTIFIED})

#: Serial characters: digits and capitals without 0/O, 1/I/L, easy to read aloud and type.
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SERIAL_GROUPS = (4, 4)

# What the certificate says, as opposed to how it is identified (serial, URL, date, revision).
IDENTITY_KEYS = ("serial", "verify_url", "issued_on", "revision")

# Text fields checked for glyphs, with the words the secretariat sees.
FIELD_LABELS: dict[str, str] = {
    "recipient_name": "name",
    "recipient_name_local": "name in its own script",
    "project_title": "project title",
    "city": "city",
    "country": "country",
    "category_name": "category",
    "award_name": "award",
    "theme": "theme",
    "ceremony_place": "ceremony place",
    "prize_name": "prize name",
    "organiser": "organiser",
    "signatories": "signatories",
}


# ----- fonts -----------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _fonts_cached(extra_dirs: tuple[str, ...]) -> FontSet:
    return discover_fonts(list(extra_dirs))


def fonts_for(extra_dirs: Sequence[str] = ()) -> FontSet:
    """The fonts for the configured extra directories (FONT_DIRS), resolved once per process."""
    return _fonts_cached(tuple(str(d) for d in extra_dirs))


def _fonts_used(contents: Iterable[CertificateData | dict], fonts: FontSet) -> list[str]:
    """The fonts the certificates' text is drawn with, in fallback order (the first font
    always: labels, serial), as FontSet.describe() words them."""
    used = {0}
    for content in contents:
        for text in _texts(content).values():
            for char in visual_text(text):
                font = fonts.font_for(char)
                if font is not None:
                    used.add(fonts.fonts.index(font))
    return [fonts.fonts[n].describe() for n in sorted(used)]


def fonts_in_use(items: Sequence[Candidate], fonts: FontSet) -> list[str]:
    """The fonts the certificates of `items` are (or will be) drawn with."""
    return _fonts_used([c.content for c in items], fonts)


def _texts(data: CertificateData | dict) -> dict[str, str]:
    values = asdict(data) if isinstance(data, CertificateData) else dict(data)
    texts: dict[str, str] = {}
    for key in FIELD_LABELS:
        value = values.get(key)
        if key == "signatories":
            value = " ".join(f"{s['name']} {s['title']}" for s in (value or ()))
        if value:
            texts[key] = str(value)
    return texts


def missing_by_field(content: dict | CertificateData, fonts: FontSet) -> dict[str, str]:
    """Field label -> the characters no embedded font can show (empty when all is well)."""
    out: dict[str, str] = {}
    for key, text in _texts(content).items():
        chars = missing_glyphs(text, fonts)
        if chars:
            out[FIELD_LABELS[key]] = "".join(sorted(chars))
    return out


# ----- serials ---------------------------------------------------------------------------------
def normalise_serial(text: str | None) -> str:
    """What a person typed -> the stored form: capitals, no spaces, plain hyphens."""
    text = (text or "").strip().upper()
    for dash in ("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "_"):
        text = text.replace(dash, "-")
    return "".join(text.split())[:40]


def new_serial(session: Session, prefix: str, year: int) -> str:
    """An unguessable, readable serial such as SSCP-2024-7Q4M-X2KD (40 bits of randomness)."""
    for _ in range(20):
        groups = ["".join(secrets.choice(SERIAL_ALPHABET) for _ in range(n)) for n in SERIAL_GROUPS]
        serial = f"{prefix}-{year}-" + "-".join(groups)
        exists = session.scalar(sa.select(Certificate.id).where(Certificate.serial == serial))
        if exists is None:
            return serial
    raise ServiceError("Could not find an unused certificate number; try again.")  # pragma: no cover


# ----- what a certificate says -------------------------------------------------------------------
def _was_finalist_ids(session: Session, entry_ids: Iterable[int]) -> set[int]:
    ids = list(entry_ids)
    if not ids:
        return set()
    return set(session.scalars(
        sa.select(AuditEvent.subject_id).where(
            AuditEvent.subject_type == "entry", AuditEvent.subject_id.in_(ids),
            sa.or_(AuditEvent.event == "shortlist",
                   AuditEvent.from_state == EntryState.SHORTLISTED.value))))


def was_finalist(session: Session, entry: Entry) -> bool:
    """Shortlisted at the close of a round (recorded in the audit trail)."""
    return entry.id in _was_finalist_ids(session, [entry.id])


def _superseded_ids():
    return sa.select(AwardDecision.supersedes_id).where(AwardDecision.supersedes_id.is_not(None))


def approved_award(session: Session, entry: Entry) -> AwardDecision | None:
    """The entry's award decision in force, if it is approved."""
    return session.scalar(
        sa.select(AwardDecision).where(
            AwardDecision.entry_id == entry.id, AwardDecision.approved_at.is_not(None),
            AwardDecision.id.not_in(_superseded_ids())))


def certificate_kind(session: Session, entry: Entry, *, finalists: bool
                     ) -> tuple[str, AwardDecision | None] | None:
    """("award", decision) for an awarded entry with an approved decision, ("finalist", None)
    for a finalist not awarded (when finalists are certified), else None."""
    if entry.state in AWARDED_STATES:
        decision = approved_award(session, entry)
        return (AWARD, decision) if decision is not None else None
    if finalists and entry.state == EntryState.NOT_AWARDED and was_finalist(session, entry):
        return (FINALIST, None)
    return None


def _tier_name(decision: AwardDecision) -> str:
    tier = next((t for t in decision.category.tiers if t.key == decision.tier_key), None)
    return tier.name if tier is not None else decision.tier_key


def certificate_content(entry: Entry, kind: str, decision: AwardDecision | None) -> dict:
    """What the certificate says (JSON-ready), without its serial, URL, date or revision."""
    edition = entry.edition
    spec = edition.program.spec
    if kind == AWARD:
        if decision is None:
            raise ServiceError(f"{entry.label} has no approved award to certify.")
        award_name = _tier_name(decision)
        category_name = decision.category.name
        theme = (decision.theme or "").strip()
        partner = (decision.partner or "").strip()
        if partner:
            theme = f"{theme}, with {partner}" if theme else f"With {partner}"
    else:
        award_name = "Finalist"
        category_name = entry.category.name
        theme = ""
    name = entry.applicant_name.strip()
    local = (entry.applicant_name_local or "").strip()
    city = entry.city.strip()
    city_local = (entry.city_local or "").strip()
    if city_local and city_local != city:
        city = f"{city} ({city_local})"  # Latin first: the line keeps a left-to-right order
    return {
        "prize_name": spec.name,
        "organiser": spec.organiser,
        "edition_label": str(edition.year),
        "category_name": category_name,
        "award_name": award_name,
        "recipient_name": name,
        "recipient_name_local": local if local and local != name else None,
        "project_title": (entry.title or "").strip() or None,
        "city": city,
        "country": country_name(entry.country),
        "ceremony_date": edition.ceremony_date.isoformat() if edition.ceremony_date else None,
        "ceremony_place": (edition.ceremony_place or "").strip() or None,
        "signatories": [{"name": s.name, "title": s.title} for s in spec.signatories],
        "theme": theme or None,
    }


def _content_of(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k not in IDENTITY_KEYS}


def certificate_data(snapshot: dict) -> CertificateData:
    """A stored snapshot -> the renderer's frozen data."""
    values = dict(snapshot)
    values["signatories"] = tuple(Signatory(s["name"], s["title"]) for s in values["signatories"])
    values["ceremony_date"] = (date.fromisoformat(values["ceremony_date"])
                               if values.get("ceremony_date") else None)
    values["issued_on"] = date.fromisoformat(values["issued_on"])
    return CertificateData(**values)


def _changes(old: dict, new: dict) -> list[str]:
    words = {**FIELD_LABELS, "edition_label": "edition", "ceremony_date": "ceremony date"}
    return [words.get(k, k.replace("_", " ")) for k in new if old.get(k) != new.get(k)]


def verify_url(base_url: str, serial: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{serial}"


def certificate_path(certificate_dir: str | os.PathLike, certificate: Certificate) -> Path:
    return Path(certificate_dir) / certificate.file_name


# ----- reading -----------------------------------------------------------------------------------
def current_certificate(session: Session, entry: Entry, kind: str | None = None) -> Certificate | None:
    """The entry's valid certificate (of `kind`; without a kind the award first), if any."""
    query = sa.select(Certificate).where(Certificate.entry_id == entry.id,
                                         Certificate.revoked_at.is_(None))
    if kind is not None:
        query = query.where(Certificate.kind == kind)
    rows = session.scalars(query.order_by(Certificate.revision.desc())).all()
    rows.sort(key=lambda c: (c.kind != AWARD, -c.revision))
    return rows[0] if rows else None


def certificates_of_edition(session: Session, edition: Edition) -> list[Certificate]:
    """Every certificate issued for the edition (revoked ones too), newest first."""
    return list(session.scalars(
        sa.select(Certificate).join(Entry, Entry.id == Certificate.entry_id)
        .options(joinedload(Certificate.entry), joinedload(Certificate.issued_by))
        .where(Entry.edition_id == edition.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).unique())


def valid_certificate_for_owner(session: Session, entry: Entry, user: User | None) -> Certificate | None:
    """The certificate an applicant may download from their status page: their own entry,
    results published, a valid certificate. None otherwise."""
    if user is None or not entry.is_owned_by(user):
        return None
    if entry.edition.state not in {EditionState.PUBLISHED, EditionState.ARCHIVED}:
        return None
    return current_certificate(session, entry)


@dataclass
class Candidate:
    """An entry that can have a certificate, and where it stands."""

    entry: Entry
    kind: str
    decision: AwardDecision | None
    certificate: Certificate | None  # the valid certificate, if any
    content: dict
    missing: dict[str, str] = field(default_factory=dict)  # field -> characters without a font
    changes: list[str] = field(default_factory=list)  # what differs from the valid certificate

    @property
    def missing_described(self) -> dict[str, str]:
        """Field -> the characters and their code points ("ก U+0E01"), since the
        characters themselves may show as boxes."""
        return {label: ", ".join(f"{ch} U+{ord(ch):04X}" for ch in chars)
                for label, chars in self.missing.items()}

    @property
    def status(self) -> str:
        if self.certificate is None:
            return "to issue"
        return "to re-issue" if self.changes else "issued"

    @property
    def award_words(self) -> str:
        c = self.content
        words = c["award_name"]
        if c["category_name"].casefold() != words.casefold():
            words += f", {c['category_name']}"
        if c.get("theme"):
            words += f" \u2014 {c['theme']}"
        return words


def candidates(session: Session, edition: Edition, *, finalists: bool | None = None,
               fonts: FontSet | None = None) -> list[Candidate]:
    """Entries of the edition that can be certified: awarded entries with an approved decision
    and, when finalists are certified (the edition's setting unless `finalists` says), the
    finalists not awarded. With `fonts`, each candidate lists what no embedded font shows."""
    include_finalists = edition.certify_finalists if finalists is None else finalists
    states = set(AWARDED_STATES) | ({EntryState.NOT_AWARDED} if include_finalists else set())
    entries = session.scalars(
        sa.select(Entry).options(joinedload(Entry.category))
        .where(Entry.edition_id == edition.id, Entry.state.in_(list(states)))
        .order_by(Entry.category_id, Entry.reference, Entry.id)).unique().all()
    if not entries:
        return []
    ids = [e.id for e in entries]
    decisions = {d.entry_id: d for d in session.scalars(
        sa.select(AwardDecision).options(joinedload(AwardDecision.category))
        .where(AwardDecision.entry_id.in_(ids), AwardDecision.approved_at.is_not(None),
               AwardDecision.id.not_in(_superseded_ids()))).unique()}
    finalist_ids = _was_finalist_ids(session, ids) if include_finalists else set()
    valid: dict[tuple[int, str], Certificate] = {}
    for cert in session.scalars(
            sa.select(Certificate).where(Certificate.entry_id.in_(ids),
                                         Certificate.revoked_at.is_(None))
            .order_by(Certificate.revision)):
        valid[(cert.entry_id, cert.kind)] = cert
    out = []
    for entry in entries:
        if entry.state in AWARDED_STATES:
            decision = decisions.get(entry.id)
            if decision is None:
                continue
            kind = AWARD
        elif entry.id in finalist_ids:
            decision, kind = None, FINALIST
        else:
            continue
        content = certificate_content(entry, kind, decision)
        cert = valid.get((entry.id, kind))
        changes = _changes(_content_of(cert.snapshot), content) if cert is not None else []
        missing = missing_by_field(content, fonts) if fonts is not None else {}
        out.append(Candidate(entry, kind, decision, cert, content, missing, changes))
    return out


def font_warnings(items: Sequence[Candidate]) -> list[Candidate]:
    """The candidates whose certificate would need a font that is not embedded."""
    return [c for c in items if c.missing]


# ----- writing files -----------------------------------------------------------------------------
def _write_file(directory: Path, name: str, data: bytes) -> Path:
    """Write to a temporary file in the same folder, then rename: never a half-written PDF."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".issuing-", suffix=".pdf", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        target = directory / name
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _store(certificate_dir: str | os.PathLike, name: str, pdf: bytes, label: str) -> Path:
    try:
        return _write_file(Path(certificate_dir), name, pdf)
    except OSError as error:
        why = error.strerror or str(error)
        raise ServiceError(
            f"The certificate of {label} could not be written to the certificate folder "
            f"({why}). Nothing was issued; fix the folder and issue it again.") from None


def _file_sha(path: Path) -> str | None:
    try:
        digest = sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def ensure_file(certificate: Certificate, certificate_dir: str | os.PathLike,
                fonts: FontSet) -> Path:
    """The certificate's PDF on disk, rebuilt from its snapshot if it went missing (the
    renderer is deterministic). Refused when the rebuilt PDF is not the one issued (the fonts
    have changed since): re-issue it then."""
    path = certificate_path(certificate_dir, certificate)
    if _file_sha(path) == certificate.sha256:
        return path
    pdf = render_certificate(certificate_data(certificate.snapshot), fonts)
    if sha256(pdf).hexdigest() != certificate.sha256:
        raise ServiceError(
            f"The PDF of certificate {certificate.serial} is missing and cannot be rebuilt "
            "byte for byte (the fonts have changed since it was issued). Re-issue it with a "
            "reason to make a new revision.")
    return _store(certificate_dir, certificate.file_name, pdf, certificate.serial)


# ----- issuing ------------------------------------------------------------------------------------
@dataclass
class IssueResult:
    certificate: Certificate
    created: bool  # False: the existing certificate was returned (idempotent)
    replaced: Certificate | None = None  # the revision this one revoked, after a correction
    path: Path | None = None


def _audit(session: Session, certificate: Certificate, entry: Entry, actor: User, event: str,
           now: datetime, reason: str = "", details: dict | None = None) -> None:
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=entry.edition_id,
                           subject_type="certificate", subject_id=certificate.id, event=event,
                           reason=reason, details=details or {}))


def _revoke(session: Session, certificate: Certificate, *, reason: str, actor: User,
            now: datetime) -> None:
    certificate.revoked_at = now
    certificate.revoked_reason = reason
    session.flush()
    _audit(session, certificate, certificate.entry, actor, "revoke_certificate", now, reason,
           {"serial": certificate.serial, "entry_id": certificate.entry_id})


def _local_date(now: datetime, edition: Edition) -> date:
    return now.astimezone(edition.zone).date()


def issue_certificate(session: Session, entry: Entry, *, actor: User,
                      certificate_dir: str | os.PathLike, base_url: str, fonts: FontSet,
                      finalists: bool | None = None, confirm_missing_fonts: bool = False,
                      reason: str = "", force: bool = False,
                      now: datetime | None = None) -> IssueResult:
    """Issue (or return) the certificate of an awarded entry or a finalist.

    Idempotent: the valid certificate is returned when it says what would be printed now.
    After a correction (content changed), or with `force` (and a `reason`), a new revision with
    a new serial is issued and the old one revoked ("Replaced by <serial> after a correction:
    <reason>"). A name, city or title that needs a font that is not embedded is refused unless
    `confirm_missing_fonts`. Awards go through the engine's ``certify`` (awarded -> certified).
    """
    now = now or utcnow()
    edition = entry.edition
    label = entry.label
    if not actor.has_role(Role.SECRETARIAT):
        raise ServiceError("Only the secretariat issues certificates.")
    if edition.state not in ISSUING_STATES:
        raise ServiceError(f"Certificates are issued after the committee's approval "
                           f"(the edition is {edition.state.value}).")
    include_finalists = edition.certify_finalists if finalists is None else finalists
    found = certificate_kind(session, entry, finalists=True)
    if found is None:
        raise ServiceError(f"{label} has neither an approved award nor a finalist place to certify.")
    kind, decision = found
    if kind == FINALIST and not include_finalists:
        raise ServiceError(f"{label} is a finalist, and finalist certificates are not issued for "
                           f"{edition.name} (see the edition's settings).")
    if kind == AWARD and entry.state == EntryState.AWARDED:
        refusal = check(entry, "certify", actor=actor, now=now).refusal
        if refusal is not None:
            raise refusal
    reason = (reason or "").strip()
    if force and not reason:
        raise ServiceError("Give the reason for re-issuing; it is recorded.", field="reason")

    content = certificate_content(entry, kind, decision)
    existing = current_certificate(session, entry, kind)
    changes = _changes(_content_of(existing.snapshot), content) if existing is not None else []
    if existing is not None and not changes and not force:
        path = ensure_file(existing, certificate_dir, fonts)
        if kind == AWARD and entry.state == EntryState.AWARDED:  # awarded again, same award
            apply(entry, "certify", actor=actor, now=now, details={"serial": existing.serial})
        return IssueResult(existing, created=False, path=path)

    missing = missing_by_field(content, fonts)
    if missing and not confirm_missing_fonts:
        what = "; ".join(f"{k}: {v}" for k, v in missing.items())
        raise ServiceError(
            f"The certificate of {label} needs characters that no embedded font has ({what}). "
            "They would depend on the reader's PDF viewer. Install a font for them, or confirm "
            "to issue anyway.", field="confirm_missing_fonts")

    prefix = edition.program.spec.short_code
    serial = new_serial(session, prefix, edition.year)
    revision = (session.scalar(sa.select(sa.func.max(Certificate.revision)).where(
        Certificate.entry_id == entry.id, Certificate.kind == kind)) or 0) + 1
    snapshot = {**content, "serial": serial, "verify_url": verify_url(base_url, serial),
                "issued_on": _local_date(now, edition).isoformat(), "revision": revision}
    data = certificate_data(snapshot)
    pdf = render_certificate(data, fonts)
    digest = sha256(pdf).hexdigest()
    file_name = f"{serial}-r{revision}.pdf"
    path = _store(certificate_dir, file_name, pdf, label)
    try:
        if kind == AWARD and entry.state == EntryState.AWARDED:
            apply(entry, "certify", actor=actor, now=now, details={"serial": serial})
        certificate = Certificate(
            entry_id=entry.id, award_id=decision.id if decision is not None else None, kind=kind,
            serial=serial, revision=revision, sha256=digest, file_name=file_name,
            snapshot=snapshot, fonts=_fonts_used([data], fonts), issued_at=now,
            issued_by_id=actor.id)
        session.add(certificate)
        session.flush()
        if existing is not None:
            why = reason or (", ".join(changes) + " changed" if changes else "re-issued")
            _revoke(session, existing, actor=actor, now=now,
                    reason=f"Replaced by {serial} after a correction: {why}")
        _audit(session, certificate, entry, actor, "issue_certificate", now, reason, {
            "serial": serial, "revision": revision, "kind": kind, "sha256": digest,
            "entry_id": entry.id, "replaces": existing.serial if existing is not None else None})
        session.flush()
    except sa.exc.IntegrityError:
        path.unlink(missing_ok=True)
        raise ServiceError(f"Someone issued the certificate of {label} at the same moment; "
                           "reload the page.") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return IssueResult(certificate, created=True, replaced=existing, path=path)


@dataclass
class IssueAllResult:
    issued: list[IssueResult] = field(default_factory=list)  # new certificates and revisions
    unchanged: list[IssueResult] = field(default_factory=list)  # already issued, returned as is
    skipped: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, why)

    @property
    def all(self) -> list[IssueResult]:
        return self.issued + self.unchanged

    @property
    def messages(self) -> list[str]:
        revised = sum(1 for r in self.issued if r.replaced is not None)
        lines = [f"{len(self.issued)} certificate{'' if len(self.issued) == 1 else 's'} issued"
                 + (f" ({revised} new revision{'' if revised == 1 else 's'} after corrections)"
                    if revised else "")
                 + f", {len(self.unchanged)} already issued and unchanged."]
        lines += [f"Not issued: {entry.label}: {why}" for entry, why in self.skipped]
        return lines


def issue_all(session: Session, edition: Edition, *, actor: User,
              certificate_dir: str | os.PathLike, base_url: str, fonts: FontSet,
              finalists: bool | None = None, confirm_missing_fonts: bool = False,
              now: datetime | None = None, progress=None) -> IssueAllResult:
    """Issue every certificate the edition can have (idempotently), in one transaction.

    Entries that need a font that is not embedded are skipped (and listed) unless confirmed.
    Any other refusal stops everything: the files written so far are removed and the caller
    rolls back, so nothing is half issued. `progress(candidate)` is called after each one."""
    now = now or utcnow()
    if not actor.has_role(Role.SECRETARIAT):
        raise ServiceError("Only the secretariat issues certificates.")
    if edition.state not in ISSUING_STATES:
        raise ServiceError(f"Certificates are issued after the committee's approval "
                           f"(the edition is {edition.state.value}).")
    result = IssueAllResult()
    try:
        for candidate in candidates(session, edition, finalists=finalists, fonts=fonts):
            if candidate.missing and not confirm_missing_fonts and candidate.status != "issued":
                what = "; ".join(f"{k}: {v}" for k, v in candidate.missing.items())
                result.skipped.append((candidate.entry,
                                       f"needs a font that is not embedded ({what}); confirm to issue"))
            else:
                item = issue_certificate(
                    session, candidate.entry, actor=actor, certificate_dir=certificate_dir,
                    base_url=base_url, fonts=fonts, finalists=finalists,
                    confirm_missing_fonts=confirm_missing_fonts, now=now)
                (result.issued if item.created else result.unchanged).append(item)
            if progress is not None:
                progress(candidate)
    except BaseException:
        for item in result.issued:
            if item.path is not None:
                item.path.unlink(missing_ok=True)
        raise
    return result


def revoke_for_entry(session: Session, entry: Entry, reason: str, actor: User, *,
                     kind: str = AWARD, now: datetime | None = None) -> list[Certificate]:
    """Revoke the entry's valid certificates of `kind` (its award was revoked). Returns them."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the reason for revoking the certificate; it is recorded.",
                           field="reason")
    revoked = list(session.scalars(
        sa.select(Certificate).where(Certificate.entry_id == entry.id, Certificate.kind == kind,
                                     Certificate.revoked_at.is_(None))))
    for certificate in revoked:
        _revoke(session, certificate, actor=actor, now=now, reason=f"Award revoked: {reason}")
    session.flush()
    return revoked


# ----- the public check -------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """What the public check shows, and nothing else."""

    serial: str
    valid: bool
    recipient_name: str
    recipient_name_local: str | None
    award_name: str
    category_name: str
    theme: str | None
    prize_name: str
    edition_label: str
    revoked_on: date | None

    @property
    def award_words(self) -> str:
        words = self.award_name
        if self.category_name and self.category_name.casefold() != words.casefold():
            words += f", {self.category_name}"
        if self.theme:
            words += f" \u2014 {self.theme}"
        return words


def verify_certificate(session: Session, serial: str) -> Verification | None:
    """Valid or revoked (with its date, in the edition's time zone), or None: unknown."""
    serial = normalise_serial(serial)
    if not serial:
        return None
    certificate = session.scalar(sa.select(Certificate).where(Certificate.serial == serial))
    if certificate is None:
        return None
    snap = certificate.snapshot
    revoked_on = None
    if certificate.revoked_at is not None:
        revoked_on = _local_date(certificate.revoked_at, certificate.entry.edition)
    return Verification(
        serial=certificate.serial, valid=certificate.revoked_at is None,
        recipient_name=snap["recipient_name"], recipient_name_local=snap.get("recipient_name_local"),
        award_name=snap["award_name"], category_name=snap["category_name"],
        theme=snap.get("theme"), prize_name=snap["prize_name"],
        edition_label=snap["edition_label"], revoked_on=revoked_on)


# ----- bulk ---------------------------------------------------------------------------------------
def certificate_files(session: Session, edition: Edition, certificate_dir: str | os.PathLike,
                      fonts: FontSet) -> list[tuple[str, Path]]:
    """(name in the ZIP, file) for every valid certificate of the edition, files checked."""
    rows = [c for c in certificates_of_edition(session, edition) if c.revoked_at is None]
    rows.sort(key=lambda c: c.serial)
    return [(f"{c.serial}.pdf", ensure_file(c, certificate_dir, fonts)) for c in rows]


class _ChunkSink:
    """A write-only file object that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def zip_chunks(files: Iterable[tuple[str, Path]], chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """A ZIP of `files`, produced piece by piece: at most one chunk of one PDF in memory."""
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for arcname, path in files:
            info = zipfile.ZipInfo(arcname, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as source, zf.open(info, mode="w") as target:
                for block in iter(lambda: source.read(chunk_size), b""):
                    target.write(block)
                    data = sink.take()
                    if data:
                        yield data
            data = sink.take()
            if data:
                yield data
    data = sink.take()
    if data:
        yield data


def write_zip(files: Iterable[tuple[str, Path]], target: IO[bytes]) -> int:
    """Write the ZIP of `files` to an open binary file; returns the number of bytes."""
    size = 0
    for chunk in zip_chunks(files):
        target.write(chunk)
        size += len(chunk)
    return size
