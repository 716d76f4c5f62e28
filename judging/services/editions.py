"""Editions (cycles) of a program: creation and lookup."""
from __future__ import annotations

from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import Edition, EditionState, Program, Round
from judging.services import ServiceError


def create_edition(
    session: Session,
    program: Program,
    year: int,
    *,
    name: str | None = None,
    opens_at: datetime | None = None,
    deadline_at: datetime | None = None,
    ceremony_date: date | None = None,
    ceremony_place: str = "",
) -> Edition:
    """A new edition in set-up, with the program's rounds and defaults."""
    if not 2000 <= year <= 2200:
        raise ServiceError(f"{year} is not a plausible edition year.", field="year")
    exists = session.scalar(
        sa.select(Edition).where(Edition.program_id == program.id, Edition.year == year)
    )
    if exists is not None:
        raise ServiceError(f"{program.name} already has an edition {year}.", field="year")
    if opens_at and deadline_at and deadline_at <= opens_at:
        raise ServiceError("The deadline must come after the opening.", field="deadline_at")
    spec = program.spec
    edition = Edition(
        program=program,
        year=year,
        name=name or f"{program.name} {year}",
        time_zone=spec.time_zone,
        opens_at=opens_at,
        deadline_at=deadline_at,
        ceremony_date=ceremony_date,
        ceremony_place=ceremony_place,
        ranking_method=spec.ranking_method,
        state=EditionState.SETUP,
    )
    for round_spec in spec.rounds:
        edition.rounds.append(
            Round(
                number=round_spec.number,
                name=round_spec.name,
                judges_per_entry=round_spec.judges_per_entry,
                finalist_share=round_spec.finalist_share,
            )
        )
    session.add(edition)
    session.flush()
    return edition


def editions(session: Session) -> list[Edition]:
    return list(session.scalars(sa.select(Edition).order_by(Edition.year.desc())))


def find_edition(session: Session, year: int | None) -> Edition:
    """The edition of that year; without a year, the only edition that is not archived."""
    if year is not None:
        found = session.scalars(sa.select(Edition).where(Edition.year == year)).all()
        if not found:
            raise ServiceError(f"There is no edition {year}.")
        if len(found) > 1:
            raise ServiceError(f"Several programs have an edition {year}.")
        return found[0]
    active = session.scalars(
        sa.select(Edition).where(Edition.state != EditionState.ARCHIVED).order_by(Edition.year)
    ).all()
    if not active:
        raise ServiceError("There is no active edition; create one with create-edition --year YEAR.")
    if len(active) > 1:
        years = ", ".join(str(e.year) for e in active)
        raise ServiceError(f"Several editions are active ({years}); choose one with --edition YEAR.")
    return active[0]


def current_edition(session: Session) -> Edition | None:
    """The edition pages show by default: the newest one that is not archived, else the newest."""
    newest_active = session.scalar(_current_statement(), {"archived": EditionState.ARCHIVED})
    return newest_active or session.scalar(sa.select(Edition).order_by(Edition.year.desc()))


@cache
def _current_statement() -> sa.Select:
    """current_edition's query, with the program every page of an edition reads (built once)."""
    return (sa.select(Edition).where(Edition.state != sa.bindparam("archived"))
            .order_by(Edition.year.desc()).limit(1)
            .options(sa.orm.joinedload(Edition.program)))
