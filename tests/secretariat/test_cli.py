"""The secretariat's commands: the same services as the pages, one clear error otherwise."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from judging.extensions import db
from judging.models import Assignment, EditionState, Entry, EntryState, Role
from tests.factories import make_edition, make_user
from tests.secretariat.helpers import (
    judging_edition,
    make_round_entries,
    outbox,
    secretariat_user,
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_entries_then_screen(runner, tmp_path):
    edition = make_edition(EditionState.SCREENING)
    secretariat_user()
    db.session.commit()
    entries = write(tmp_path, "entries.csv",
                    "reference,category,applicant_type,applicant_name,organisation,city,country,"
                    "title,summary,contact_email\n"
                    "P-1,human_centricity,institution,Nairobi Urban Data Institute,NUDI,Nairobi,KE,"
                    "Open data,Mapping informal settlements,info@nudi.example.org\n"
                    "P-2,HC,city_government,Konya,Konya Metropolitan,Konya,TR,Safe crossings,"
                    "Sensors at crossings,info@konya.example.org\n")
    result = runner.invoke(args=["import-entries", entries, "--edition", str(edition.year)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 entries" in result.output
    bad = write(tmp_path, "screen-bad.csv", "reference,decision,reason\nP-1,eligible,\nP-9,eligible,\n"
                                            "P-2,ineligible,\n")
    result = runner.invoke(args=["screen", bad])
    assert result.exit_code == 1
    assert "line 3: unknown entry P-9" in result.output
    assert "line 4: a reason is required for ineligible" in result.output
    assert db.session.scalar(sa.select(Entry.state).where(Entry.reference == "P-1")) == EntryState.SUBMITTED
    good = write(tmp_path, "screen.csv", "reference,decision,reason\nP-1,eligible,\n"
                                         "P-2,clarification,Which crossings?\n")
    result = runner.invoke(args=["screen", good])
    assert result.exit_code == 0, result.output
    assert "2 screening decisions recorded (1 clarification, 1 eligible)" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Entry.state).where(Entry.reference == "P-2")) \
        == EntryState.CLARIFICATION_REQUESTED


def test_import_judges_assign_export_conflicts_remind_outbox(runner, tmp_path):
    edition = judging_edition()
    make_round_entries(edition, 8, places=[("BR", "Recife"), ("KR", "Seoul")])
    secretariat_user()
    db.session.commit()
    judges = write(tmp_path, "judges.csv", "name,email,organisation,city,country\n" + "".join(
        f"Judge {c},judge-{c.lower()}@example.org,Institute {c},City {c},{c}\n"
        for c in ("ES", "DK", "IE", "KR", "US")))
    result = runner.invoke(args=["import-judges", judges])
    assert result.exit_code == 0, result.output
    assert "Added 5 judges" in result.output and "5 new accounts" in result.output

    result = runner.invoke(args=["assign", "--round", "1", "--per-entry", "3", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "24 new assignments for 8 entries, 3 judges each" in result.output
    result = runner.invoke(args=["assign", "--round", "1", "--per-entry", "5"])
    assert result.exit_code == 1
    assert "Nothing was assigned: 4 entries have fewer than 5 judges" in result.output
    assert "only 4 judges without conflict, 5 needed (1 same country)" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 24

    result = runner.invoke(args=["export-assignments", "--round", "1"])
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["reference", "judge_email"] and len(rows) == 25
    out = tmp_path / "assignments.csv"
    result = runner.invoke(args=["export-assignments", "--round", "1", "--out", str(out)])
    assert "Wrote 24 assignments" in result.output and out.read_text().count("\n") == 25

    register = tmp_path / "conflicts.csv"
    result = runner.invoke(args=["conflicts", "--out", str(register)])
    assert result.exit_code == 0 and "(4 automatic, 0 declared)" in result.output
    assert "same country (KR)" in register.read_text()

    result = runner.invoke(args=["remind", "--round", "1"])
    assert result.exit_code == 0, result.output
    assert "Reminded 5 judges of 24 open reviews" in result.output
    result = runner.invoke(args=["outbox", "--kind", "review_reminder"])
    assert result.output.count("review_reminder") == 5
    result = runner.invoke(args=["outbox", "--kind", "judge_invitation", "--body"])
    assert "/auth/reset-password/" in result.output
    result = runner.invoke(args=["outbox", "--edition", str(edition.year), "--unsent"])
    assert result.output.count("waiting") == 5 + 5 + 5  # invitations, assignments, reminders
    result = runner.invoke(args=["outbox", "--edition", "1999"])
    assert result.exit_code == 1 and "There is no edition 1999" in result.output


def test_errors_are_one_clear_line(runner, tmp_path):
    edition = judging_edition()
    db.session.commit()
    result = runner.invoke(args=["assign", "--round", "1"])
    assert result.exit_code == 1 and "No secretariat account exists" in result.output
    secretariat_user()
    make_user(Role.SECRETARIAT, email="second@example.org")
    db.session.commit()
    result = runner.invoke(args=["assign", "--round", "1"])
    assert "choose one with --as EMAIL" in result.output
    result = runner.invoke(args=["assign", "--round", "3", "--as", "secretariat@example.org"])
    assert result.output.strip() == f"Error: {edition.name} has no round 3 (rounds: 1, 2)."
    result = runner.invoke(args=["export-assignments", "--round", "9"])
    assert result.exit_code == 1 and "has no round 9" in result.output
    assert outbox() == []
