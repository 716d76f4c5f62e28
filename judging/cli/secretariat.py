"""Commands for secretariat (each calls the same services as the web pages)."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from judging.cli.common import edition_option, get_edition, get_user, unit_of_work
from judging.extensions import db
from judging.models import Notification, Role, User, UserRole
from judging.services import ServiceError
from judging.services import assignment as assignment_service
from judging.services import conflicts as conflicts_service
from judging.services import imports as imports_service
from judging.services import progress as progress_service

as_option = click.option(
    "--as", "actor_email", default=None,
    help="Email of the secretariat member acting (optional when there is only one).")


def get_actor(email: str | None) -> User:
    """The secretariat member the command acts for."""
    if email:
        user = get_user(email, "user")
        if not user.has_role(Role.SECRETARIAT):
            raise click.ClickException(f"{user.email} is not a member of the secretariat.")
        return user
    staff = db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SECRETARIAT, User.active.is_(True)).order_by(User.id)).all()
    if not staff:
        raise click.ClickException("No secretariat account exists; create one with "
                                   "create-user --role secretariat.")
    if len(staff) > 1:
        raise click.ClickException("Several secretariat accounts exist; choose one with "
                                   "--as EMAIL.")
    return staff[0]


def base_url() -> str:
    return current_app.config["BASE_URL"]


def reset_link_factory():
    """Password-set links for invited judges (the applicant helper's reset tokens)."""
    from judging.services.registration import make_reset_token

    secret = current_app.secret_key
    adapter = current_app.url_map.bind("localhost")
    root = base_url().rstrip("/")

    def link(user: User) -> str:
        path = adapter.build("auth.reset_password", {"token": make_reset_token(user, secret)})
        return root + path

    return link


def _read(file: str) -> bytes:
    return Path(file).read_bytes()


def _round_number(edition, number: int | None) -> int:
    if number is not None:
        return number
    current = edition.current_round
    if current is None:
        raise click.ClickException("No round is open; choose one with --round N.")
    return current.number


@click.command("screen")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@edition_option
@as_option
@click.option("--clarification-days", type=click.IntRange(1, 365), default=14, show_default=True,
              help="Deadline for clarifications without a deadline column (days, 18:00 local).")
def screen_command(file, edition_year, actor_email, clarification_days):
    """Screening decisions from a CSV file: reference,decision,reason (decision: eligible,
    ineligible or clarification; optional column deadline). Every row is checked first; one bad
    row and nothing changes."""
    edition = get_edition(edition_year)
    actor = get_actor(actor_email)
    with unit_of_work() as session:
        result = imports_service.import_screening(
            session, edition, _read(file), actor=actor, base_url=base_url(),
            clarification_days=clarification_days)
        counts: dict[str, int] = {}
        for _entry, decision in result.decided:
            counts[decision] = counts.get(decision, 0) + 1
        summary = ", ".join(f"{n} {d}" for d, n in sorted(counts.items()))
        click.echo(f"{len(result.decided)} screening decisions recorded ({summary}); "
                   "applicants notified.")


@click.command("import-entries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@edition_option
@as_option
def import_entries_command(file, edition_year, actor_email):
    """Entries received outside the portal, from a CSV file with the columns
    reference,category,applicant_type,applicant_name,organisation,city,country,title,summary,
    contact_email. They become submitted entries, each with an audit note."""
    edition = get_edition(edition_year)
    actor = get_actor(actor_email)
    with unit_of_work() as session:
        result = imports_service.import_entries(session, edition, _read(file), actor=actor,
                                                source=Path(file).name)
        click.echo(f"Imported {len(result.entries)} entries into {edition.name} (submitted, "
                   "awaiting screening).")


@click.command("import-judges")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@edition_option
@as_option
def import_judges_command(file, edition_year, actor_email):
    """Judges from a CSV file with the columns name,email,organisation,city,country (optional:
    expertise, categories). Each is added to the panel and invited."""
    edition = get_edition(edition_year)
    actor = get_actor(actor_email)
    with unit_of_work() as session:
        result = imports_service.import_judges(session, edition, _read(file), actor=actor,
                                               base_url=base_url(),
                                               reset_link=reset_link_factory())
        click.echo(f"Added {len(result.members)} judges to the panel of {edition.name} "
                   f"({result.created_users} new accounts, {result.existing_users} existing); "
                   "invitations are in the outbox.")


@click.command("assign")
@click.option("--round", "round_number", type=int, required=True, help="Round number.")
@click.option("--per-entry", type=click.IntRange(1, 50), default=None,
              help="Judges per entry (default: the round's setting).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed for ties: the same seed gives the same assignment.")
@edition_option
@as_option
def assign_command(round_number, per_entry, seed, edition_year, actor_email):
    """Assign judges to every entry of a round without conflict, loads balanced. Existing
    assignments are kept; when an entry cannot get enough judges nothing is assigned."""
    edition = get_edition(edition_year)
    actor = get_actor(actor_email)
    with unit_of_work() as session:
        result = assignment_service.assign_round(session, edition, round_number, actor=actor,
                                                 per_entry=per_entry, seed=seed,
                                                 base_url=base_url())
        loads = sorted(result.loads.values())
        spread = f"loads {loads[0]}-{loads[-1]}" if loads else "no judges"
        click.echo(f"Round {round_number}: {len(result.created)} new assignments for "
                   f"{result.entries} entries, {result.per_entry} judges each ({spread}); "
                   f"{result.notified} judges notified.")


@click.command("export-assignments")
@click.option("--round", "round_number", type=int, required=True, help="Round number.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: standard output).")
@edition_option
def export_assignments_command(round_number, out, edition_year):
    """The round's assignments as CSV: reference,judge_email."""
    edition = get_edition(edition_year)
    try:
        rnd = assignment_service.get_round(edition, round_number)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    text = assignment_service.export_csv(db.session, rnd)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {text.count(chr(10)) - 1} assignments to {out}.")
    else:
        click.echo(text, nl=False)


@click.command("conflicts")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="CSV file to write the conflict register to.")
@click.option("--source", type=click.Choice(["automatic", "declared"]), default=None,
              help="Only automatic or only declared conflicts.")
@edition_option
def conflicts_command(out, source, edition_year):
    """Write the conflict register (automatic and declared conflicts, with waivers) as CSV."""
    edition = get_edition(edition_year)
    rows = conflicts_service.register(db.session, edition, source=source)
    Path(out).write_text(conflicts_service.register_csv(rows, edition.time_zone),
                         encoding="utf-8")
    declared = sum(1 for r in rows if r.source == "declared")
    click.echo(f"Wrote {len(rows)} conflicts ({len(rows) - declared} automatic, {declared} "
               f"declared) to {out}.")


@click.command("remind")
@click.option("--round", "round_number", type=int, default=None,
              help="Round number (default: the open round).")
@edition_option
@as_option
def remind_command(round_number, edition_year, actor_email):
    """Send a reminder to every judge with open reviews in the round (one message each)."""
    edition = get_edition(edition_year)
    actor = get_actor(actor_email)
    with unit_of_work() as session:
        rnd = assignment_service.get_round(edition, _round_number(edition, round_number))
        owing = progress_service.remind(session, rnd, actor=actor, base_url=base_url())
        total = sum(n for _, n in owing)
        click.echo(f"Reminded {len(owing)} judges of {total} open reviews in {rnd.name}.")


@click.command("outbox")
@click.option("--kind", default=None, help="Only messages of this kind (e.g. assignment).")
@click.option("--unsent", is_flag=True, help="Only messages not sent yet.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@click.option("--body", "show_body", is_flag=True, help="Print each message's text too.")
@click.option("--edition", "edition_year", type=int, default=None,
              help="Only messages about this edition (default: every message).")
def outbox_command(kind, unsent, limit, show_body, edition_year):
    """List the outbox, newest first."""
    query = sa.select(Notification).order_by(Notification.id.desc()).limit(limit)
    if edition_year is not None:
        query = query.where(Notification.edition_id == get_edition(edition_year).id)
    if kind:
        query = query.where(Notification.kind == kind)
    if unsent:
        query = query.where(Notification.sent_at.is_(None))
    messages = db.session.scalars(query).all()
    if not messages:
        click.echo("The outbox is empty." if not (kind or unsent) else "No such message.")
        return
    for m in messages:
        status = f"sent {m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else (
            f"failed x{m.attempts}" if m.attempts else "waiting")
        click.echo(f"{m.created_at:%Y-%m-%d %H:%M} UTC  {status:<18} {m.kind:<20} "
                   f"{m.to_email:<36} {m.subject}")
        if show_body:
            click.echo("    " + m.body.replace("\n", "\n    ").rstrip())


COMMANDS = [screen_command, import_entries_command, import_judges_command, assign_command,
            export_assignments_command, conflicts_command, remind_command, outbox_command]
