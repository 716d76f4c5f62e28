"""Commands for certificates (each calls the same services as the web pages)."""
from __future__ import annotations

import shutil
from pathlib import Path

import click
from flask import current_app

from judging.cli.common import edition_option, get_edition, get_user, unit_of_work
from judging.extensions import db
from judging.models import Role
from judging.services.certificates import (
    candidates,
    certificate_files,
    fonts_for,
    issue_all,
    verify_certificate,
    write_zip,
)


@click.command("issue-certificates")
@edition_option
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, writable=True, path_type=Path),
              help="Folder to copy the PDFs into, one per certificate, named by its number.")
@click.option("--zip", "make_zip", is_flag=True,
              help="Also write certificates-YEAR.zip (one PDF per number) into the folder.")
@click.option("--finalists/--no-finalists", default=None,
              help="Certify the finalists not awarded too (default: the edition's setting).")
@click.option("--as", "actor_email", required=True, help="Email of the secretariat member issuing.")
@click.option("--confirm-missing-fonts", is_flag=True,
              help="Issue even certificates with characters that no embedded font has.")
def issue_certificates_command(edition_year, out_dir, make_zip, finalists, actor_email,
                               confirm_missing_fonts):
    """Issue every certificate of an edition (idempotently: what is issued and unchanged is
    kept), then copy the valid PDFs into --out (and a ZIP with --zip)."""
    edition = get_edition(edition_year)
    actor = get_user(actor_email)
    if not actor.has_role(Role.SECRETARIAT):
        raise click.ClickException(f"{actor.email} is not a member of the secretariat.")
    config = current_app.config
    fonts = fonts_for(config.get("FONT_DIRS") or ())
    todo = candidates(db.session, edition, finalists=finalists, fonts=fonts)
    with unit_of_work() as session:
        with click.progressbar(length=len(todo), label="Issuing certificates",
                               show_pos=True) as bar:
            result = issue_all(session, edition, actor=actor,
                               certificate_dir=config["CERTIFICATE_DIR"],
                               base_url=config["BASE_URL"], fonts=fonts, finalists=finalists,
                               confirm_missing_fonts=confirm_missing_fonts,
                               progress=lambda _candidate: bar.update(1))
    for line in result.messages:
        click.echo(line)

    with unit_of_work() as session:
        files = certificate_files(session, edition, config["CERTIFICATE_DIR"], fonts)
    out_dir.mkdir(parents=True, exist_ok=True)
    with click.progressbar(files, label="Copying PDFs", show_pos=True) as bar:
        for name, path in bar:
            shutil.copyfile(path, out_dir / name)
    click.echo(f"{len(files)} PDF{'' if len(files) == 1 else 's'} in {out_dir}")
    if make_zip:
        target = out_dir / f"certificates-{edition.year}.zip"
        with target.open("wb") as handle:
            size = write_zip(files, handle)
        click.echo(f"ZIP: {target} ({size // 1024} KiB)")


@click.command("verify-certificate")
@click.argument("serial")
def verify_certificate_command(serial):
    """What the public check page says about a certificate number."""
    result = verify_certificate(db.session, serial)
    if result is None:
        raise click.ClickException(f"Unknown: no certificate with the number {serial} was issued.")
    name = result.recipient_name
    if result.recipient_name_local:
        name = f"{result.recipient_name_local} {name}"
    status = "Valid" if result.valid else f"Revoked on {result.revoked_on.isoformat()}"
    click.echo(f"{result.serial}: {status}")
    click.echo(f"  Recipient: {name}")
    click.echo(f"  Award: {result.award_words}")
    click.echo(f"  Edition: {result.prize_name} {result.edition_label}")


COMMANDS: list = [issue_certificates_command, verify_certificate_command]
