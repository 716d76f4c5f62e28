"""Two people at once, and failures half-way: the database never ends half-done.

The threaded tests need a server database with row-level concurrency: they run in the
PostgreSQL pass of `make test` (JUDGING_TEST_DATABASE_URL) and are skipped on SQLite,
whose single writer lock serialises the threads anyway.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.extensions import db
from judging.models import AuditEvent, Edition, EditionState, Entry, EntryState, User
from judging.workflows.engine import TransitionError, apply
from tests.conftest import PG_URL
from tests.factories import make_edition, make_entry, make_user

needs_server_db = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (the PostgreSQL pass of make test)")


def _race(engine, entry_id: int, actor_ids: list[int], event: str) -> list[str]:
    """Each thread loads the entry in its own session, waits at the barrier, then fires."""
    barrier = threading.Barrier(len(actor_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(actor_id: int):
        with Session(engine) as session:
            entry = session.get(Entry, entry_id)
            actor = session.get(User, actor_id)
            _ = entry.edition.program.spec, actor.roles  # load before the race
            barrier.wait()
            try:
                apply(entry, event, actor=actor)
                session.commit()
                result = "ok"
            except TransitionError as refused:
                session.rollback()
                result = f"refused: {refused}"
            except sa.exc.OperationalError as locked:  # pragma: no cover - SQLite only
                session.rollback()
                result = f"locked: {locked}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(a,)) for a in actor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@needs_server_db
def test_same_transition_at_once_exactly_one_wins(app):
    edition = make_edition(EditionState.SCREENING)
    entry = make_entry(edition, force_state=EntryState.SUBMITTED)
    staff = [make_user("secretariat"), make_user("secretariat")]
    db.session.commit()
    outcomes = _race(db.engine, entry.id, [u.id for u in staff], "declare_eligible")
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    loser = next(o for o in outcomes if o.startswith("refused"))
    assert "someone else changed it" in loser or "only possible from" in loser
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).state == EntryState.ELIGIBLE
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_id == entry.id,
                                                          AuditEvent.event == "declare_eligible")).all()
    assert len(rows) == 1


@needs_server_db
def test_two_different_entries_at_once_both_succeed(app):
    edition = make_edition(EditionState.SCREENING)
    first = make_entry(edition, force_state=EntryState.SUBMITTED)
    second = make_entry(edition, force_state=EntryState.SUBMITTED)
    staff = make_user("secretariat")
    db.session.commit()
    results = []
    engine, staff_id = db.engine, staff.id
    threads = [threading.Thread(target=lambda e=e: results.extend(_race(engine, e, [staff_id], "declare_eligible")))
               for e in (first.id, second.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == ["ok", "ok"]


def test_failure_half_way_through_a_round_level_operation_changes_nothing(app, runner, monkeypatch):
    """start_judging opens round 1 and sends every eligible entry to the judges; a failure on
    the third entry must leave the edition, the round and all entries as they were."""
    import judging.services.lifecycle as lifecycle
    from judging.workflows import engine

    edition = make_edition(EditionState.SCREENING)
    entries = [make_entry(edition, force_state=EntryState.ELIGIBLE) for _ in range(5)]
    staff = make_user("secretariat", email="staff@example.org")
    db.session.commit()
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    real_apply = engine.apply
    calls = {"n": 0}

    def flaky_apply(obj, event, **kwargs):
        if event == "start_review":
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("disk full")
        return real_apply(obj, event, **kwargs)

    monkeypatch.setattr(engine, "apply", flaky_apply)
    monkeypatch.setattr(lifecycle, "apply", flaky_apply)
    result = runner.invoke(args=["transition", "start_judging", "--as", staff.email,
                                 "--edition", str(edition.year)])
    assert result.exit_code != 0 and calls["n"] == 3
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Edition, edition.id)
    assert fresh.state == EditionState.SCREENING
    assert fresh.rounds[0].state.value == "pending"
    assert {db.session.get(Entry, e.id).state for e in entries} == {EntryState.ELIGIBLE}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_before

    monkeypatch.undo()
    ok = runner.invoke(args=["transition", "start_judging", "--as", staff.email,
                             "--edition", str(edition.year)])
    assert ok.exit_code == 0, ok.output
    db.session.expire_all()
    assert {db.session.get(Entry, e.id).state for e in entries} == {EntryState.IN_REVIEW}
