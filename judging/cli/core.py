"""Core commands: database, program, editions, users, demo data, transitions, diagram."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app
import sqlalchemy as sa
from flask_migrate import upgrade

from judging.cli.common import (
    edition_option,
    get_edition,
    get_user,
    parse_local_datetime,
    unit_of_work,
)
from judging.extensions import db
from judging.models import Entry, Program, Role
from judging.program.loader import ProgramError, load_program
from judging.services.accounts import create_user
from judging.services.editions import create_edition
from judging.services.lifecycle import fire_edition_event
from judging.services.programs import install_program
from judging.workflows.diagram import mermaid
from judging.workflows.engine import apply


@click.command("init-db")
def init_db():
    """Create or upgrade the database schema (runs the migrations)."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("load-program")
@click.argument("file", type=click.Path(dir_okay=False))
def load_program_command(file: str):
    """Validate a program file (TOML) and install or update it."""
    try:
        spec = load_program(file)
    except ProgramError as exc:
        problems = "; ".join(f"{p.place}: {p.message}" for p in exc.problems)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the program file: {problems}") from None
    with unit_of_work() as session:
        program = install_program(session, spec)
        slots = sum(c.award_slots for c in spec.categories)
        click.echo(f"Loaded {program.name} ({len(spec.categories)} categories, {slots} award slots).")


@click.command("create-edition")
@click.option("--year", type=int, required=True, help="The edition's year, e.g. 2024.")
@click.option("--program", "program_key", default=None, help="Program key (optional when only one is loaded).")
@click.option("--opens", default=None, help="Call opens, e.g. 2024-04-01T09:00 (program time zone).")
@click.option("--deadline", default=None, help="Submission deadline, e.g. 2024-07-14T18:00 (program time zone).")
@click.option("--ceremony", default=None, help="Ceremony date, e.g. 2024-10-10.")
@click.option("--ceremony-place", default="", help="Where the ceremony takes place.")
def create_edition_command(year, program_key, opens, deadline, ceremony, ceremony_place):
    """Create an edition (cycle) of a program, in set-up."""
    programs = db.session.scalars(sa.select(Program)).all()
    if program_key:
        programs = [p for p in programs if p.key == program_key]
    if not programs:
        raise click.ClickException("No such program is loaded; run load-program FILE first.")
    if len(programs) > 1:
        keys = ", ".join(p.key for p in programs)
        raise click.ClickException(f"Several programs are loaded ({keys}); choose one with --program.")
    program = programs[0]
    zone = program.spec.time_zone
    try:
        ceremony_date = date.fromisoformat(ceremony) if ceremony else None
    except ValueError:
        raise click.ClickException(f"--ceremony: '{ceremony}' is not a date like 2024-10-10.") from None
    with unit_of_work() as session:
        edition = create_edition(
            session, program, year,
            opens_at=parse_local_datetime(opens, zone, "--opens"),
            deadline_at=parse_local_datetime(deadline, zone, "--deadline"),
            ceremony_date=ceremony_date, ceremony_place=ceremony_place,
        )
        click.echo(f"Created {edition.name} (in set-up, {len(edition.rounds)} rounds).")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--password", default=None, help="Omit to be asked for it.")
@click.option("--organisation", default="")
@click.option("--city", default="")
@click.option("--country", default="", help="Two-letter ISO code, e.g. KR.")
@click.option("--applicant-type", default=None)
def create_user_command(email, name, roles, password, organisation, city, country, applicant_type):
    """Create a user with one or more roles."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        user = create_user(session, email=email, name=name, roles=list(roles), password=password,
                           organisation=organisation, city=city, country=country,
                           applicant_type=applicant_type)
        click.echo(f"Created {user.email} ({', '.join(sorted(r.value for r in user.role_set))}).")


@click.command("seed-demo")
def seed_demo_command():
    """Load the prize program and a demo edition with demo users in every role."""
    from judging.services.certificates import fonts_for
    from judging.services.demo import DEMO_PASSWORD, seed_demo

    with unit_of_work() as session:
        created, logins = seed_demo(
            session, upload_dir=current_app.config["UPLOAD_DIR"],
            certificate_dir=current_app.config["CERTIFICATE_DIR"],
            base_url=current_app.config["BASE_URL"],
            fonts=fonts_for(current_app.config["FONT_DIRS"]))
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")


@click.command("transition")
@click.argument("event")
@click.option("--as", "actor_email", required=True, help="Email of the user firing the event.")
@click.option("--reason", default=None)
@edition_option
@click.option("--entry", "entry_ref", default=None, help="Entry reference (else the edition).")
@click.option("--round", "round_number", type=int, default=None, help="Round number (else the edition).")
def transition_command(event, actor_email, reason, edition_year, entry_ref, round_number):
    """Fire a workflow EVENT on an edition, a round or an entry, with the web's checks."""
    actor = get_user(actor_email)
    edition = get_edition(edition_year)
    with unit_of_work() as session:
        if entry_ref:
            entry = session.scalar(sa.select(Entry).where(
                Entry.edition_id == edition.id, Entry.reference == entry_ref))
            if entry is None:
                raise click.ClickException(f"No entry {entry_ref} in edition {edition.year}.")
            apply(entry, event, actor=actor, reason=reason)
            click.echo(f"{entry.reference}: {event} done; now {entry.state.value}.")
        elif round_number is not None:
            rnd = edition.round(round_number)
            if rnd is None:
                raise click.ClickException(f"Edition {edition.year} has no round {round_number}.")
            apply(rnd, event, actor=actor, reason=reason)
            click.echo(f"Round {rnd.number}: {event} done; now {rnd.state.value}.")
        else:
            fire_edition_event(session, edition, event, actor=actor, reason=reason)
            click.echo(f"Edition {edition.year}: {event} done; now {edition.state.value}.")


@click.command("send-mail")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many messages.")
def send_mail_command(limit: int):
    """Send the messages waiting in the outbox by SMTP (JUDGING_SMTP_URL); run it from cron."""
    from judging.services.notifications import deliver_pending

    smtp_url = current_app.config["SMTP_URL"]
    if not smtp_url:
        raise click.ClickException("JUDGING_SMTP_URL is not set: messages stay in the outbox.")
    with unit_of_work() as session:
        try:
            sent, failed = deliver_pending(session, smtp_url, current_app.config["MAIL_FROM"], limit=limit)
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"Could not reach the mail server: {exc}") from None
    click.echo(f"Sent {sent} message(s); {failed} failed (kept in the outbox to retry).")
    if failed:
        raise SystemExit(1)


@click.command("workflow-diagram")
def workflow_diagram_command():
    """Print the workflows as Mermaid diagrams, generated from the transition tables."""
    click.echo(mermaid(), nl=False)


COMMANDS = [init_db, load_program_command, create_edition_command, create_user_command,
            seed_demo_command, transition_command, send_mail_command, workflow_diagram_command]
