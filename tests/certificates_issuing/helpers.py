"""Builders for the certificate issuing tests: approved editions, awarded entries with an
approved AwardDecision, finalists (shortlisted, then not awarded), and PDF inspection helpers
shared with the renderer's tests (tests/certificates/conftest.py)."""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from judging.extensions import db
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
from judging.services.certificates import fonts_for, issue_certificate
from tests.certificates.conftest import (  # noqa: F401 - re-exported for the tests
    decode_qr,
    extract_text,
    pdffonts,
    render_png,
    require_system_cjk_fonts,
)
from tests.factories import make_edition, make_entry, make_user

_n = itertools.count(1)


@dataclass(frozen=True)
class Recipient:
    name: str
    local: str
    city: str
    city_local: str
    country: str
    applicant_type: str = "city_government"


# One recipient per script a certificate must render (names from the domain reference).
RECIPIENTS = {
    "hangul": Recipient("Seoul Metropolitan Government", "서울특별시", "Seoul", "서울", "KR"),
    "cyrillic": Recipient("Almaty City Akimat", "Алматы", "Almaty", "Алматы", "KZ"),
    "latin": Recipient("Beyoğlu Municipality", "", "Beyoğlu", "", "TR"),
    "vietnamese": Recipient("Da Nang People's Committee", "Đà Nẵng", "Da Nang", "Đà Nẵng", "VN"),
    "arabic": Recipient("Abu Dhabi Department of Municipalities", "أبوظبي", "Abu Dhabi", "أبوظبي", "AE"),
    "han": Recipient("Kaohsiung Smart Mobility Co.", "高雄智慧交通", "Kaohsiung", "高雄", "TW",
                     "corporation"),
}
TIER_FOR_TYPE = {"city_government": "gold", "corporation": "corporation",
                 "institution": "institution", "individual": "leadership"}


def secretariat() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "factory-secretariat@example.org"))
    return user or make_user(Role.SECRETARIAT, email="factory-secretariat@example.org",
                             name="Kim Ji-won")


def chair() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "chair@example.org"))
    return user or make_user(Role.CHAIR, email="chair@example.org", name="Amina Odhiambo",
                             country="KE", city="Nairobi")


def approved_edition(state: EditionState = EditionState.APPROVED, *,
                     certify_finalists: bool = False) -> Edition:
    edition = make_edition(state)
    edition.ceremony_date = date(edition.year, 10, 10)
    edition.ceremony_place = "Seoul"
    edition.certify_finalists = certify_finalists
    db.session.flush()
    return edition


def _entry(edition: Edition, recipient: Recipient, *, category: str, state: EntryState,
           owner: User | None, title: str | None) -> Entry:
    owner = owner or make_user(Role.APPLICANT, applicant_type=recipient.applicant_type,
                               country=recipient.country, city=recipient.city)
    entry = make_entry(edition, owner=owner, category=category,
                       applicant_type=recipient.applicant_type, country=recipient.country,
                       city=recipient.city, title=title, force_state=state,
                       with_attachment=False)
    entry.applicant_name = recipient.name
    entry.applicant_name_local = recipient.local
    entry.city_local = recipient.city_local
    db.session.flush()
    return entry


def _shortlisted(entry: Entry) -> None:
    """Record, as closing round 1 does, that the entry was shortlisted."""
    db.session.add(AuditEvent(occurred_at=utcnow() - timedelta(days=30), actor_id=secretariat().id,
                              edition_id=entry.edition_id, subject_type="entry",
                              subject_id=entry.id, event="shortlist", from_state="in_review",
                              to_state="shortlisted", details={"round": 1}))
    db.session.flush()


def awarded_entry(edition: Edition, recipient: Recipient | str = "latin", *,
                  category: str = "human_centricity", tier: str | None = None, slot: int = 1,
                  theme: str = "", partner: str = "", owner: User | None = None,
                  title: str | None = None, shortlisted: bool = True) -> Entry:
    """An AWARDED entry holding an approved decision (a Special Mention with a theme when
    category is "special_mention")."""
    if isinstance(recipient, str):
        recipient = RECIPIENTS[recipient]
    entered = "human_centricity" if category == "special_mention" else category
    entry = _entry(edition, recipient, category=entered, state=EntryState.AWARDED, owner=owner,
                   title=title)
    if shortlisted:
        _shortlisted(entry)
    award_category = edition.program.category_by_key(category)
    tier = tier or ("special_mention" if category == "special_mention"
                    else TIER_FOR_TYPE[recipient.applicant_type])
    now = utcnow()
    db.session.add(AwardDecision(
        edition_id=edition.id, category_id=award_category.id, tier_key=tier, slot=slot,
        entry_id=entry.id, basis="selection" if category == "special_mention" else "ranking",
        theme=theme, partner=partner, decided_by_id=chair().id, decided_at=now,
        approved_at=now, approved_by_id=chair().id))
    db.session.flush()
    return entry


def finalist_entry(edition: Edition, recipient: Recipient | str = "cyrillic", *,
                   category: str = "tech_innovacity", owner: User | None = None) -> Entry:
    """A finalist (shortlisted at the close of round 1) that ended not awarded."""
    if isinstance(recipient, str):
        recipient = RECIPIENTS[recipient]
    entry = _entry(edition, recipient, category=category, state=EntryState.NOT_AWARDED,
                   owner=owner, title=None)
    _shortlisted(entry)
    return entry


def fonts():
    return fonts_for(current_app.config.get("FONT_DIRS") or ())


def issue(entry: Entry, **options):
    """Issue through the service with the app's configuration, as the secretariat."""
    options.setdefault("actor", secretariat())
    options.setdefault("certificate_dir", current_app.config["CERTIFICATE_DIR"])
    options.setdefault("base_url", current_app.config["BASE_URL"])
    options.setdefault("fonts", fonts())
    return issue_certificate(db.session, entry, **options)


def certificates_of(entry: Entry) -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.entry_id == entry.id)
                                   .order_by(Certificate.kind, Certificate.revision)))


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
