"""The command line: each command works, and each error is one clear line with exit != 0."""
from __future__ import annotations

import sqlalchemy as sa

from judging.extensions import db
from judging.models import Edition, EditionState, Entry, EntryState, Program
from judging.program.loader import seoul_program_path
from tests.factories import make_edition, make_entry, make_user, PASSWORD


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error:"), result.output
    return lines[0]


def test_load_program_and_create_edition(runner):
    result = runner.invoke(args=["load-program", str(seoul_program_path())])
    assert result.exit_code == 0, result.output
    assert "4 categories, 21 award slots" in result.output
    again = runner.invoke(args=["load-program", str(seoul_program_path())])
    assert again.exit_code == 0  # idempotent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == 1
    result = runner.invoke(args=["create-edition", "--year", "2024", "--deadline", "2024-07-14T18:00"])
    assert result.exit_code == 0, result.output
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == 2024))
    assert edition.deadline_at.isoformat() == "2024-07-14T09:00:00+00:00"  # 18:00 KST
    assert [r.number for r in edition.rounds] == [1, 2]
    error = one_line_error(runner.invoke(args=["create-edition", "--year", "2024"]))
    assert "already has an edition 2024" in error


def test_load_program_reports_broken_file(runner, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('key = "x"\nname = 3\n')
    error = one_line_error(runner.invoke(args=["load-program", str(broken)]))
    assert "problem(s) in the program file" in error and "broken.toml" in error


def test_missing_argument_is_a_usage_error(runner):
    result = runner.invoke(args=["create-edition"])
    assert result.exit_code == 2 and "Missing option '--year'" in result.output


def test_create_user(runner):
    result = runner.invoke(args=["create-user", "--email", "Chair@Example.org", "--name", "Chair",
                                 "--role", "chair", "--role", "judge", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "chair@example.org (chair, judge)" in result.output
    error = one_line_error(runner.invoke(args=["create-user", "--email", "chair@example.org",
                                               "--name", "X", "--role", "chair", "--password", PASSWORD]))
    assert "already exists" in error
    error = one_line_error(runner.invoke(args=["create-user", "--email", "x@example.org", "--name", "X",
                                               "--role", "judge", "--password", "short"]))
    assert "at least 10 characters" in error


def test_transition_through_the_cli_has_the_web_checks(runner):
    edition = make_edition(EditionState.SCREENING)
    entry = make_entry(edition, force_state=EntryState.SUBMITTED)
    other = make_entry(edition, force_state=EntryState.SUBMITTED)
    staff = make_user("secretariat", email="staff@example.org")
    judge = make_user("judge", email="judge@example.org")
    db.session.commit()
    ok = runner.invoke(args=["transition", "declare_eligible", "--as", staff.email,
                             "--edition", str(edition.year), "--entry", entry.reference])
    assert ok.exit_code == 0, ok.output
    assert "now eligible" in ok.output
    refused = one_line_error(runner.invoke(args=[
        "transition", "declare_ineligible", "--as", judge.email, "--edition", str(edition.year),
        "--entry", other.reference, "--reason", "x"]))
    assert "judge@example.org may not" in refused
    unknown = one_line_error(runner.invoke(args=[
        "transition", "explode", "--as", staff.email, "--edition", str(edition.year)]))
    assert "unknown event" in unknown
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).state == EntryState.ELIGIBLE


def test_edition_is_optional_only_when_one_is_active(runner):
    make_edition(EditionState.OPEN)
    make_edition(EditionState.SETUP)
    make_user("secretariat", email="staff@example.org")
    db.session.commit()
    error = one_line_error(runner.invoke(args=["transition", "open_call", "--as", "staff@example.org"]))
    assert "Several editions are active" in error


def test_workflow_diagram_is_generated_from_the_tables(runner):
    result = runner.invoke(args=["workflow-diagram"])
    assert result.exit_code == 0
    assert "stateDiagram-v2" in result.output
    assert "draft --> submitted: submit (owner)" in result.output
    assert "deliberation --> approved: approve (chair)" in result.output


def test_seed_demo_is_idempotent(runner):
    from judging.models import Certificate, Review, ReviewState

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "secretariat@demo.example.org" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output
    editions = {e.year: e for e in db.session.scalars(sa.select(Edition))}
    (past, past_edition), (current, current_edition) = sorted(editions.items())
    assert past_edition.state == EditionState.ARCHIVED and current == past + 1
    assert current_edition.state == EditionState.JUDGING
    past_states = set(db.session.scalars(sa.select(Entry.state).where(Entry.edition_id == past_edition.id)))
    assert {EntryState.CERTIFIED, EntryState.NOT_SHORTLISTED, EntryState.INELIGIBLE} <= past_states
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) >= 15
    current_states = set(db.session.scalars(sa.select(Entry.state).where(Entry.edition_id == current_edition.id)))
    assert {EntryState.DRAFT, EntryState.IN_REVIEW, EntryState.INELIGIBLE, EntryState.WITHDRAWN} <= current_states
    review_states = set(db.session.scalars(sa.select(Review.state).where(Review.round_id == current_edition.rounds[0].id)))
    assert review_states == {ReviewState.DRAFT, ReviewState.SUBMITTED}
