"""Commands for judging_cli (each calls the same services as the web pages)."""
from __future__ import annotations

import click

from judging.cli.common import edition_option, get_edition, get_user, unit_of_work
from judging.models import Role
from judging.services.reviews import IMPORT_COLUMNS, ImportProblems, import_scores


@click.command("import-scores")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@edition_option
@click.option("--submit", is_flag=True,
              help="Submit each review that the file completes (every criterion scored and "
                   "the overall comment given); the others are saved as drafts.")
@click.option("--as", "actor_email", default=None,
              help="Email of the secretariat member importing (recorded in the audit trail).")
def import_scores_command(csv_file, edition_year, submit, actor_email):
    """Import offline scores from CSV_FILE, all or nothing.

    Columns: reference,judge_email,round,criterion,score,comment. One row per criterion score,
    the criterion named by its key in the program; a row with criterion `overall` and no score
    carries the overall comment. Every row is checked first (unknown entry or judge, judge not
    assigned or conflicted, unknown criterion, score not a whole number within the scale,
    round not open, review already submitted); any problem imports nothing and names each
    bad line."""
    edition = get_edition(edition_year)
    actor = None
    if actor_email:
        actor = get_user(actor_email)
        if not actor.has_role(Role.SECRETARIAT):
            raise click.ClickException(f"{actor.email} is not a member of the secretariat.")
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise click.ClickException(
            f"{csv_file} is not UTF-8 text; save it as CSV UTF-8 with the columns "
            + ",".join(IMPORT_COLUMNS) + ".") from None
    with unit_of_work() as session:  # commits once; any refusal rolls everything back
        try:
            result = import_scores(session, text, edition=edition, submit=submit, actor=actor,
                                   source=click.format_filename(csv_file))
        except ImportProblems as problems:
            for line in problems.problems:
                click.echo(line, err=True)
            raise click.ClickException(
                f"nothing was imported ({len(problems.problems)} problem"
                f"{'s' if len(problems.problems) != 1 else ''}).") from None
        summary = (f"Imported {result.rows} row{'s' if result.rows != 1 else ''} into "
                   f"{len(result.reviews)} review{'s' if len(result.reviews) != 1 else ''}: "
                   f"{len(result.submitted)} submitted, {len(result.drafts)} saved as drafts.")
    click.echo(summary)


COMMANDS: list = [import_scores_command]
