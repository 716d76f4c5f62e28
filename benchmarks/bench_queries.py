"""SQL queries per page: each main page's query count with a small edition and with one at
real scale must be equal (no query per entry, judge or review: no N+1).

The edition comes from benchmarks.scale (entries IN_REVIEW, 16 judges, 3 reviews per entry),
plus a chair, and entries awaiting screening in proportion to the edition's size (so the
screening queue grows with it too). Each page is requested once to warm up and once counted,
with a fresh database session, through the Flask test client; the count is the number of
statements a SQLAlchemy `before_cursor_execute` listener sees during the request. The public
results page is counted last, after the edition is marked published (its awards shown).

The same functions serve tests/test_query_counts.py (which builds the apps from the suite's
migrated template) and the benchmark table (`run`).

Run from the repository root: .venv/bin/python -m benchmarks.bench_queries
"""
from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g

from benchmarks import scale
from judging.extensions import db
from judging.models import (
    Assignment,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Role,
    Round,
    User,
    utcnow,
)
from judging.services.accounts import create_user
from judging.services.demo import demo_answers

SMALL, LARGE = 10, 240
QUEUE_SHARE = 10  # one entry awaiting screening per 10 entries in review (at least one)
CHAIR_EMAIL = "chair@bench.example.org"
CHEAP_HASH = "pbkdf2:sha256:1000"  # building speed only; sign-in checks it like any hash


@dataclass(frozen=True)
class Count:
    """One request: its status, the statements it sent and the size of the page."""

    status: int
    statements: tuple[str, ...]
    size: int

    @property
    def queries(self) -> int:
        return len(self.statements)


@dataclass(frozen=True)
class Page:
    name: str
    user: str | None  # "judge", "secretariat", "chair", "applicant" or None (public)
    path: Callable[[dict], str]


PAGES: tuple[Page, ...] = (
    Page("judge home", "judge", lambda s: "/judge/"),
    Page("scoring form", "judge",
         lambda s: f"/judge/rounds/{s['round_id']}/entries/{s['judge_entry_id']}"),
    Page("secretariat dashboard", "secretariat", lambda s: "/secretariat/"),
    Page("screening queue", "secretariat", lambda s: "/secretariat/screening"),
    Page("assignments", "secretariat", lambda s: "/secretariat/assignments"),
    Page("progress", "secretariat", lambda s: "/secretariat/progress"),
    Page("conflict register", "secretariat", lambda s: "/secretariat/conflicts"),
    Page("ranking overview", "secretariat", lambda s: "/secretariat/ranking/"),
    Page("ranking category", "secretariat",
         lambda s: f"/secretariat/ranking/{s['year']}/rounds/{s['round']}/{s['category']}"),
    Page("committee awards", "chair", lambda s: "/committee/awards"),
    Page("applicant home", "applicant", lambda s: "/applicant/"),
    Page("verify certificate", None, lambda s: f"/verify/{s['serial']}"),
    Page("public results", None, lambda s: "/results"),  # counted last: published first
)


# ----- building ---------------------------------------------------------------------------------
def build_edition(n_entries: int) -> dict:
    """Inside an app context on an empty migrated database: the scale edition, a chair and
    entries awaiting screening; returns what the pages need (users, ids, paths' parts)."""
    info = scale.build(n_entries, password_method=CHEAP_HASH)
    chair = create_user(db.session, email=CHAIR_EMAIL, name="Chair", roles=[Role.CHAIR],
                        country="KR")
    chair.password_hash = _hash(scale.PASSWORD)
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == info["edition_year"]))
    _add_screening_queue(edition, max(1, n_entries // QUEUE_SHARE))
    rnd = db.session.scalar(sa.select(Round).where(Round.edition_id == edition.id,
                                                   Round.number == info["round"]))
    judge_email = info["judges"][0]
    judge_entry_id = db.session.scalar(
        sa.select(Assignment.entry_id).join(User, User.id == Assignment.judge_id)
        .where(Assignment.round_id == rnd.id, User.email == judge_email)
        .order_by(Assignment.entry_id).limit(1))
    judge_review = db.session.scalar(sa.select(Review).join(User, User.id == Review.judge_id).where(
        Review.round_id == rnd.id, Review.entry_id == judge_entry_id, User.email == judge_email))
    judge_review.state = ReviewState.DRAFT  # the scoring form counted as a judge edits it
    judge_review.submitted_at = None
    first_entry = db.session.get(Entry, info["entry_ids"][0])
    db.session.commit()
    return {
        **info,
        "round_id": rnd.id,
        "year": edition.year,
        "category": first_entry.category.key,
        "judge_entry_id": judge_entry_id,
        "users": {
            "judge": judge_email,
            "secretariat": info["secretariat"],
            "chair": CHAIR_EMAIL,
            "applicant": first_entry.owner.email,  # the awarded entry's owner
        },
    }


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method=CHEAP_HASH)


def _add_screening_queue(edition: Edition, count: int) -> None:
    categories = [c for c in edition.program.categories if c.entered]
    spec = edition.program.spec
    now = utcnow()
    for i in range(count):
        category = categories[i % len(categories)]
        kind = "individual" if category.key == "leadership" else "city_government"
        owner = create_user(db.session, email=f"queue{i:03d}@bench.example.org",
                            name=f"Queued applicant {i}", roles=[Role.APPLICANT], country="CL",
                            applicant_type=kind)
        owner.password_hash = _hash(scale.PASSWORD)
        title = f"Queued project {i}"
        db.session.add(Entry(
            edition=edition, category=category, owner=owner, applicant_type=kind,
            applicant_name=f"Town {i}", organisation=f"Agency {i}", city=f"Town {i}",
            country="CL", contact_email=owner.email, title=title,
            answers=demo_answers(spec.form_for(category.key, kind), title, owner.email),
            reference=f"SSCP-{edition.year}-{category.code}-Q{i:03d}",
            submitted_at=now - timedelta(days=35, minutes=i), state=EntryState.SUBMITTED))
    db.session.flush()


# ----- counting ---------------------------------------------------------------------------------
@contextmanager
def counting(engine: sa.Engine):
    """Counts the statements sent to the database while the block runs."""
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def _fresh() -> None:
    """A new database session and no cached user, as at the start of a real request (the
    caller holds one app context for the whole run, which requests would otherwise share)."""
    db.session.remove()
    g.__dict__.clear()  # Flask-Login's user, Flask-WTF's token, ...


def sign_in(app: Flask, email: str, password: str = scale.PASSWORD):
    """A test client signed in through the real sign-in form."""
    client = app.test_client()
    _fresh()
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    _fresh()
    response = client.post("/auth/login", data={"email": email, "password": password,
                                                "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {email} failed: {response.status_code}")
    return client


def count_request(client, path: str) -> Count:
    """The statements of one GET, on a fresh session."""
    _fresh()
    with counting(db.engine) as statements:
        response = client.get(path)
    _fresh()
    return Count(response.status_code, tuple(statements), len(response.get_data()))


def page_counts(app: Flask, setup: dict) -> dict[str, Count]:
    """Inside an app context: page name -> its count. The ranking tables are not cached
    here (PAGE_PART_CACHE_SIZE 0): the warm-up would fill the cache, and the queries of the
    ranking itself are the ones to count."""
    app.config["PAGE_PART_CACHE_SIZE"] = 0
    clients = {None: app.test_client()}
    for role, email in setup["users"].items():
        clients[role] = sign_in(app, email)
    out = {}
    for page in PAGES:
        if page.name == "public results":
            _publish(setup)
        client = clients[page.user]
        path = page.path(setup)
        count_request(client, path)  # warm-up: caches, compiled templates, lazy imports
        out[page.name] = count_request(client, path)
    return out


def _publish(setup: dict) -> None:
    """Mark the edition published (directly: this is data for a page, not a workflow test)."""
    _fresh()
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == setup["year"]))
    edition.state = EditionState.PUBLISHED
    db.session.commit()
    _fresh()


# ----- the benchmark ----------------------------------------------------------------------------
def migrate_quietly() -> None:
    """Build the schema with the migrations (inside an app context), without Alembic's log."""
    import logging

    from flask_migrate import upgrade

    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


def make_app(database_path: Path, work: Path) -> Flask:
    from judging import create_app

    return create_app({
        "TESTING": True, "ENV_NAME": "testing", "SECRET_KEY": "benchmark-secret-key-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}", "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "UPLOAD_DIR": str(work / "uploads"), "CERTIFICATE_DIR": str(work / "certificates"),
    })


def measure(n_entries: int, work: Path) -> dict[str, Count]:
    """Build an edition of n entries in a new SQLite file under `work` and count each page."""
    folder = work / f"n{n_entries}"
    folder.mkdir(parents=True)
    app = make_app(folder / "queries.sqlite", folder)
    with app.app_context():
        migrate_quietly()
        setup = build_edition(n_entries)
        try:
            return page_counts(app, setup)
        finally:
            db.session.remove()
            db.engine.dispose()


def run(quick: bool = False) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="bench-queries-"))
    try:
        small = measure(SMALL, work)
        large = measure(LARGE, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for page in PAGES:
        s_status, s_count = small[page.name].status, small[page.name].queries
        l_status, l_count = large[page.name].status, large[page.name].queries
        ok = s_count == l_count and s_status == l_status == 200
        status = "" if s_status == l_status == 200 else f", HTTP {l_status} and {s_status}"
        rows.append({
            "benchmark": "queries",
            "case": f"{page.name} ({LARGE} vs {SMALL} entries{status})",
            "value": l_count,
            "unit": "queries",
            "baseline": s_count,
            "baseline_name": f"the same page with {SMALL} entries",
            "ratio": l_count / s_count if s_count else float("nan"),
            "goal": "equal",
            "verdict": "PASS" if ok else "MISS",
        })
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['case']:<50} {row['value']:>4} vs {row['baseline']:>4}  {row['verdict']}")
