"""Command line: `flask --app judging COMMAND`. Commands call the same services as the web.

Every module below adds its commands to the app; every error is one clear line and a
non-zero exit (click.ClickException)."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from judging.cli import certificates, core, decisions, judging_cli, secretariat

    for module in (core, secretariat, judging_cli, decisions, certificates):
        for command in module.COMMANDS:
            app.cli.add_command(command)
