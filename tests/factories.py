"""Factories: build what a test needs with real services, never hard-coded ids.

`make_entry(..., state=...)` brings an entry to a state through the workflow engine where
the edition allows it; `force_state=` sets it directly, for tests of later stages that do
not care how the entry got there.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    Edition,
    EditionState,
    Entry,
    EntryState,
    PanelMember,
    Program,
    Role,
    User,
    utcnow,
)
from judging.program.loader import load_program, seoul_program_path
from judging.services.accounts import create_user
from judging.services.demo import demo_answers, demo_pdf
from judging.services.editions import create_edition
from judging.services.programs import install_program

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def seoul_program() -> Program:
    program = db.session.scalar(sa.select(Program).where(Program.key == "seoul-smart-city-prize"))
    return program or install_program(db.session, load_program(seoul_program_path()))


def make_user(*roles: Role | str, email: str | None = None, name: str | None = None,
              country: str = "KR", city: str = "Seoul", organisation: str = "",
              applicant_type: str | None = None, **extra) -> User:
    n = next(_seq)
    roles = roles or (Role.APPLICANT,)
    if applicant_type is None and Role.APPLICANT in [Role(r) for r in roles]:
        applicant_type = "city_government"
    return create_user(
        db.session, email=email or f"user{n}@example.org", name=name or f"User {n}",
        roles=list(roles), password=PASSWORD, country=country, city=city,
        organisation=organisation or f"Organisation {n}", applicant_type=applicant_type, **extra)


def make_edition(state: EditionState = EditionState.OPEN, *, year: int | None = None,
                 program: Program | None = None, deadline: datetime | None = None) -> Edition:
    program = program or seoul_program()
    if year is None:
        existing = db.session.scalar(sa.select(sa.func.max(Edition.year)))
        year = (existing or 2023) + 1
    now = utcnow()
    edition = create_edition(
        db.session, program, year,
        opens_at=now - timedelta(days=30),
        deadline_at=deadline or now + timedelta(days=30),
    )
    edition.state = state
    db.session.flush()
    return edition


def make_entry(edition: Edition, *, owner: User | None = None, category: str = "human_centricity",
               applicant_type: str | None = None, state: EntryState | None = None,
               force_state: EntryState | None = None, country: str = "BR",
               city: str = "São Paulo", organisation: str | None = None,
               title: str | None = None, with_attachment: bool = True, upload_dir=None) -> Entry:
    """A complete entry (answers valid, one PDF attachment) owned by `owner`."""
    from flask import current_app

    from judging.services.attachments import Limits, add_attachment
    from judging.workflows.engine import apply

    n = next(_seq)
    applicant_type = applicant_type or (owner.applicant_type if owner and owner.applicant_type
                                        else ("individual" if category == "leadership" else "city_government"))
    owner = owner or make_user(Role.APPLICANT, applicant_type=applicant_type, country=country, city=city)
    spec = edition.program.spec
    title = title or f"Smart project {n}"
    entry = Entry(
        edition=edition, category=edition.program.category_by_key(category), owner=owner,
        applicant_type=applicant_type, applicant_name=f"Applicant {n}",
        organisation=organisation or f"Applicant organisation {n}", city=city, country=country,
        contact_email=owner.email, title=title,
        answers=demo_answers(spec.form_for(category, applicant_type), title, owner.email),
    )
    db.session.add(entry)
    db.session.flush()
    if with_attachment:
        add_attachment(db.session, entry, filename="brief.pdf", data=demo_pdf(title), actor=owner,
                       upload_dir=upload_dir or current_app.config["UPLOAD_DIR"],
                       limits=Limits(10 * 1024 * 1024, 30 * 1024 * 1024))
    if force_state is not None:
        entry.state = force_state
        if force_state != EntryState.DRAFT and entry.reference is None:
            entry.reference = f"T-{edition.year}-{entry.category.code}-{entry.id:04d}"
            entry.submitted_at = utcnow()
        db.session.flush()
        return entry
    if state in (None, EntryState.DRAFT):
        return entry
    secretariat = _secretariat()
    path = {
        EntryState.SUBMITTED: ["submit"],
        EntryState.ELIGIBLE: ["submit", "declare_eligible"],
        EntryState.INELIGIBLE: ["submit", "declare_ineligible"],
        EntryState.CLARIFICATION_REQUESTED: ["submit", "request_clarification"],
        EntryState.WITHDRAWN: ["withdraw"],
    }[state]
    for event in path:
        if event == "submit":
            entry.reference = f"T-{edition.year}-{entry.category.code}-{entry.id:04d}"
            entry.submitted_at = utcnow()
        actor = owner if event in ("submit", "withdraw") else secretariat
        apply(entry, event, actor=actor, reason="factory" if event in (
            "declare_ineligible", "request_clarification", "withdraw") else None)
    return entry


def _secretariat() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "factory-secretariat@example.org"))
    return user or make_user(Role.SECRETARIAT, email="factory-secretariat@example.org")


def add_to_panel(edition: Edition, judge: User, categories: list[str] | None = None,
                 accepted: bool = True) -> PanelMember:
    member = PanelMember(edition=edition, user=judge, categories=categories or [],
                         terms_accepted_at=utcnow() if accepted else None)
    db.session.add(member)
    db.session.flush()
    return member


UTC = timezone.utc
