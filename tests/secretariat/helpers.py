"""Factories for the secretariat's tests (on top of tests/factories.py)."""
from __future__ import annotations

import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    AuditEvent,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Notification,
    Role,
    RoundState,
    User,
)
from tests.factories import add_to_panel, make_edition, make_entry, make_user

# 16 judges from 12 countries (as in 2023).
JUDGE_PLACES = [
    ("KR", "Daejeon"), ("ES", "Madrid"), ("DK", "Odense"), ("IE", "Dublin"), ("PH", "Manila"),
    ("NZ", "Wellington"), ("US", "Los Angeles"), ("TR", "Konya"), ("BD", "Dhaka"),
    ("UG", "Kampala"), ("EC", "Cuenca"), ("CO", "Cali"), ("KR", "Seoul"), ("ES", "Barcelona"),
    ("US", "Boston"), ("PH", "Makati"),
]
# Countries and cities of entries: some shared with judges (conflicts), some not.
ENTRY_PLACES = [
    ("KR", "Seoul"), ("KZ", "Almaty"), ("TR", "Beyoğlu"), ("BR", "São Paulo"), ("VN", "Đà Nẵng"),
    ("AE", "Abu Dhabi"), ("TW", "Kaohsiung"), ("KE", "Nairobi"), ("EC", "Cuenca"), ("CO", "Cali"),
    ("PH", "Manila"), ("US", "Los Angeles"), ("ES", "Madrid"), ("DK", "Odense"), ("IE", "Dublin"),
    ("NZ", "Wellington"), ("BD", "Dhaka"), ("UG", "Kampala"), ("CN", "Chengdu"), ("PS", "Hebron"),
]


def secretariat_user() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "secretariat@example.org"))
    return user or make_user(Role.SECRETARIAT, email="secretariat@example.org",
                             name="Kim Ji-won", country="KR", city="Seoul")


def judging_edition(*, round_state: RoundState = RoundState.OPEN) -> Edition:
    """An edition in judging with round 1 open (state set directly)."""
    edition = make_edition(EditionState.JUDGING)
    edition.rounds[0].state = round_state
    db.session.flush()
    return edition


def make_panel(edition: Edition, places=JUDGE_PLACES, *, accepted: bool = True,
               categories=None) -> list[User]:
    judges = []
    for n, (country, city) in enumerate(places, start=1):
        judge = make_user(Role.JUDGE, name=f"Judge {n:02d} ({city})", country=country, city=city,
                          organisation=f"Institute {n}")
        add_to_panel(edition, judge, categories=categories, accepted=accepted)
        judges.append(judge)
    return judges


def make_round_entries(edition: Edition, n: int, *, state=EntryState.IN_REVIEW,
                       places=ENTRY_PLACES, category: str = "human_centricity") -> list[Entry]:
    return [make_entry(edition, force_state=state, country=places[i % len(places)][0],
                       city=places[i % len(places)][1], category=category,
                       with_attachment=False) for i in range(n)]


def audit_rows(event: str, **where) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.event == event)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def outbox(kind: str | None = None, to: str | None = None) -> list[Notification]:
    query = sa.select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if to:
        query = query.where(Notification.to_email == to)
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def sign_in(login_as, user):
    """A client signed in as `user`. The tests' app context is shared by every request, and
    Flask-Login caches the current user in it: forget the previous one first."""
    from flask import g

    g.pop("_login_user", None)
    return login_as(user)


def anonymous(client):
    from flask import g

    g.pop("_login_user", None)
    return client
