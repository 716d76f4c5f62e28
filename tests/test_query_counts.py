"""No page makes one query per entry, judge or review: each main page sends as many SQL
statements with 240 entries as with 10 (issue #9, "queries per page").

Both editions come from benchmarks.scale (entries in review, 16 judges, 3 reviews per entry,
every review scored) plus a chair and entries awaiting screening, as in
benchmarks/bench_queries.py, which counts the statements of one request with a SQLAlchemy
`before_cursor_execute` listener.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from benchmarks import bench_queries
from judging.extensions import db
from tests.conftest import PG_URL, empty_pg_database, make_test_app

SMALL, LARGE = bench_queries.SMALL, bench_queries.LARGE


def _page_counts(migrated_database: str, folder, n_entries: int) -> dict[str, bench_queries.Count]:
    app = make_test_app(migrated_database, folder)
    with app.app_context():
        try:
            setup = bench_queries.build_edition(n_entries)
            return bench_queries.page_counts(app, setup)
        finally:
            db.session.remove()
            if PG_URL:  # the shared PostgreSQL test database: leave it empty, as the app fixture does
                empty_pg_database()
            db.engine.dispose()


@pytest.fixture(scope="module")
def counts(migrated_database, tmp_path_factory):
    """page name -> (its count with 10 entries, its count with 240)."""
    small = _page_counts(migrated_database, tmp_path_factory.mktemp("small"), SMALL)
    large = _page_counts(migrated_database, tmp_path_factory.mktemp("large"), LARGE)
    return {name: (small[name], large[name]) for name in small}


def _explain(page: str, small: bench_queries.Count, large: bench_queries.Count) -> str:
    """Which statements the larger edition sent more often: the N+1, named."""
    from collections import Counter

    more = Counter(" ".join(s.split()) for s in large.statements)
    more.subtract(Counter(" ".join(s.split()) for s in small.statements))
    extra = [f"  {n:+d} x {sql[:200]}" for sql, n in more.items() if n]
    return (f"{page}: {small.queries} queries with {SMALL} entries, {large.queries} with {LARGE}\n"
            + "\n".join(extra))


@pytest.mark.parametrize("page", [p.name for p in bench_queries.PAGES])
def test_a_page_makes_as_many_queries_with_240_entries_as_with_10(counts, page):
    small, large = counts[page]
    assert small.status == 200 and large.status == 200, (
        f"{page}: HTTP {small.status} with {SMALL} entries, {large.status} with {LARGE}")
    assert small.queries == large.queries, _explain(page, small, large)


@pytest.mark.parametrize("page", ["judge home", "screening queue", "assignments", "progress",
                                  "ranking category"])
def test_the_lists_are_longer_in_the_larger_edition(counts, page):
    """The counts compare pages that really list more with 240 entries."""
    small, large = counts[page]
    assert large.size > small.size * 2, (page, small.size, large.size)


def test_the_counter_sees_every_statement_and_only_during_the_block(app):
    with bench_queries.counting(db.engine) as statements:
        with db.engine.connect() as conn:
            for _ in range(3):
                conn.execute(sa.text("SELECT 1"))
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert len(statements) == 3


def test_a_query_per_entry_is_caught(app):
    """The measure can fail: reading each entry's owner lazily (one query per entry) sends
    more statements for more entries."""
    from judging.models import Entry

    ids = bench_queries.build_edition(SMALL)["entry_ids"]

    def lazily(entry_ids) -> int:
        bench_queries._fresh()
        with bench_queries.counting(db.engine) as statements:
            for entry in db.session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids))):
                assert entry.owner.email  # the lazy load is the point
        return len(statements)

    assert lazily(ids[:2]) < lazily(ids[:5]) < lazily(ids)


def test_a_production_app_takes_its_start_up_objects_out_of_full_collections(tmp_path,
                                                                            monkeypatch):
    """Full garbage collections would otherwise rescan every module and stall a worker for
    100 ms or more every few dozen requests (the benchmark's p95); tests keep the default."""
    import gc

    from judging import create_app

    calls: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect") or 0)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setenv("JUDGING_SECRET_KEY", "x" * 32)
    url = "sqlite:///" + str(tmp_path / "x.sqlite")
    create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "testing"})
    create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "production", "TESTING": True})
    assert calls == []
    create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "production"})
    assert calls == ["collect", "freeze"]
