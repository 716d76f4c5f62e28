"""Commands for decisions (each calls the same services as the web pages): closing and
opening rounds, the award allocation, special mentions, approval, publication, and the
ranking and results exports."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from judging.cli.common import edition_option, get_edition, get_user, unit_of_work
from judging.extensions import db
from judging.models import Edition, Entry, Role, User, UserRole
from judging.ranking import METHODS
from judging.services import ServiceError
from judging.services.decisions import (
    MentionPick,
    allocate_awards,
    close_round,
    open_round,
    select_special_mentions,
)
from judging.services.exports import FORMATS, export_ranking, results_workbook
from judging.services.lifecycle import fire_edition_event
from judging.services.ranking import rank_round_category, resolve_category

as_option = click.option(
    "--as", "actor_email", default=None,
    help="Email of the secretariat member acting (optional when there is only one).")


def _actor(email: str | None, role: Role = Role.SECRETARIAT) -> User:
    """The named user, who must hold `role`; without a name, the only user holding it."""
    if email:
        user = get_user(email)
        if not user.has_role(role):
            raise click.ClickException(f"{user.email} is not a member of the {role.value}.")
        return user
    users = db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role == role, User.active.is_(True))).all()
    if len(users) != 1:
        raise click.ClickException(
            f"Name the {role.value} member acting with --as EMAIL"
            + (f" ({len(users)} users have that role)." if users else " (nobody has that role)."))
    return users[0]


def _round(edition: Edition, number: int):
    rnd = edition.round(number)
    if rnd is None:
        raise click.ClickException(f"Edition {edition.year} has no round {number}.")
    return rnd


@click.command("close-round")
@click.option("--round", "round_number", type=int, required=True, help="Round number, e.g. 1.")
@edition_option
@as_option
def close_round_command(round_number, edition_year, actor_email):
    """Close a round; a shortlisting round shortlists each category's top share as finalists
    (all or nothing) and tells the applicants."""
    edition = get_edition(edition_year)
    actor = _actor(actor_email)
    with unit_of_work() as session:
        result = close_round(session, _round(edition, round_number), actor=actor)
    for line in result.messages:
        click.echo(line)
    for category in result.categories:
        for warning in category.warnings:
            click.echo(f"  warning ({category.category_name}): {warning}")


@click.command("open-round")
@click.option("--round", "round_number", type=int, required=True, help="Round number, e.g. 2.")
@edition_option
@as_option
def open_round_command(round_number, edition_year, actor_email):
    """Open a round once the earlier rounds are closed (then assign its entries)."""
    edition = get_edition(edition_year)
    actor = _actor(actor_email)
    with unit_of_work() as session:
        rnd = _round(edition, round_number)
        open_round(session, rnd, actor=actor)
    click.echo(f"{rnd.name} is open.")


@click.command("allocate-awards")
@edition_option
@as_option
def allocate_awards_command(edition_year, actor_email):
    """Propose (again) the award allocation from the final round's ranking."""
    edition = get_edition(edition_year)
    actor = _actor(actor_email)
    with unit_of_work() as session:
        result = allocate_awards(session, edition, actor=actor)
    for line in result.messages:
        click.echo(line)


@click.command("special-mentions")
@click.option("--pick", "picks", multiple=True, metavar="REFERENCE|THEME[|PARTNER]",
              help="One special mention; repeat for several (none: every slot vacant).")
@edition_option
@click.option("--as", "actor_email", default=None,
              help="Email of the chair or secretariat member choosing.")
def special_mentions_command(picks, edition_year, actor_email):
    """Record the committee's special mentions (each with a theme and a partner)."""
    edition = get_edition(edition_year)
    actor = get_user(actor_email) if actor_email else _actor(None, Role.CHAIR)
    parsed = []
    for n, text in enumerate(picks, start=1):
        parts = [p.strip() for p in text.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise click.ClickException(f"--pick {n}: write REFERENCE|THEME[|PARTNER], not '{text}'.")
        entry = db.session.scalar(sa.select(Entry).where(Entry.edition_id == edition.id,
                                                         Entry.reference == parts[0]))
        if entry is None:
            raise click.ClickException(f"--pick {n}: unknown entry {parts[0]}.")
        parsed.append(MentionPick(entry.id, parts[1], parts[2] if len(parts) > 2 else ""))
    with unit_of_work() as session:
        select_special_mentions(session, edition, parsed, actor=actor)
    click.echo(f"Recorded {len(parsed)} special mention{'' if len(parsed) == 1 else 's'}.")


@click.command("approve")
@click.option("--chair", "chair_email", required=True, help="Email of the committee chair.")
@click.option("--reason", default=None, help="A note recorded with the approval.")
@edition_option
def approve_command(chair_email, reason, edition_year):
    """The chair approves the award allocation (every slot decided); entries are awarded."""
    edition = get_edition(edition_year)
    chair = get_user(chair_email, "chair")
    with unit_of_work() as session:
        fire_edition_event(session, edition, "approve", actor=chair, reason=reason)
    click.echo(f"Edition {edition.year}: the winners are approved.")


@click.command("publish")
@click.option("--as", "actor_email", required=True, help="Email of the secretariat member.")
@edition_option
def publish_command(actor_email, edition_year):
    """Publish the approved results and tell the applicants."""
    edition = get_edition(edition_year)
    actor = get_user(actor_email)
    with unit_of_work() as session:
        fire_edition_event(session, edition, "publish", actor=actor)
    click.echo(f"Edition {edition.year}: results published; applicants are told.")


@click.command("ranking")
@click.option("--round", "round_number", type=int, required=True, help="Round number.")
@click.option("--category", "slug", required=True,
              help="Category key (human_centricity) or code (HC).")
@click.option("--method", type=click.Choice(METHODS), default=None,
              help="Ranking method (default: the edition's).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output; required for xlsx).")
@edition_option
def ranking_command(round_number, slug, method, fmt, out, edition_year):
    """Export a category's ranking with columns rank,reference,applicant_name,city,country,
    raw_mean,score,n_judges,tie_break."""
    edition = get_edition(edition_year)
    try:
        category = resolve_category(edition.program.categories, slug)
        if not category.entered:
            raise ServiceError(f"{category.name} is not entered by applicants, so it is not ranked.")
        ranking = rank_round_category(db.session, _round(edition, round_number), category,
                                      method=method)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    data = export_ranking(ranking, fmt)
    for warning in ranking.warnings:
        click.echo(f"warning: {warning}", err=True)
    if out is None:
        if fmt == "xlsx":
            raise click.ClickException("--out FILE.xlsx is required for the xlsx format.")
        click.echo(data.decode("utf-8"), nl=False)
        return
    out.write_bytes(data)
    click.echo(f"Wrote {len(ranking.rows)} rows ({ranking.method_used}) to {out}.", err=True)


@click.command("results-workbook")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The XLSX file to write.")
@edition_option
def results_workbook_command(out, edition_year):
    """Write the results workbook: entries, reviews, rankings, conflicts and awards."""
    edition = get_edition(edition_year)
    try:
        data = results_workbook(db.session, edition)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    out.write_bytes(data)
    click.echo(f"Wrote the results workbook of {edition.year} to {out}.")


COMMANDS = [close_round_command, open_round_command, allocate_awards_command,
            special_mentions_command, approve_command, publish_command, ranking_command,
            results_workbook_command]
