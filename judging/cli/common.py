"""Helpers shared by CLI commands."""
from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from judging.extensions import db
from judging.models import Edition, User
from judging.services import ServiceError
from judging.services.accounts import find_user
from judging.services.editions import find_edition
from judging.workflows.engine import TransitionError

edition_option = click.option(
    "--edition", "edition_year", type=int, default=None,
    help="Edition year (optional when only one edition is active).",
)


@contextlib.contextmanager
def unit_of_work():
    """Commit once at the end; on any refusal roll back and exit with one clear line."""
    try:
        yield db.session
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    except Exception:
        db.session.rollback()
        raise


def get_edition(year: int | None) -> Edition:
    try:
        return find_edition(db.session, year)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None


def get_user(email: str, what: str = "user") -> User:
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No {what} with the email {email}.")
    return user


def parse_local_datetime(value: str | None, zone: str, option: str) -> datetime | None:
    """'2024-07-14 18:00' in the edition's zone (or with an explicit offset) -> aware UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(
            f"{option}: '{value}' is not a date and time like 2024-07-14T18:00."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(ZoneInfo("UTC"))
