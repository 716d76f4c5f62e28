"""Builders for the decision tests: judges, editions in judging, and reviews made directly
(Assignment + Review(SUBMITTED) + Score rows), so each test states the scores it needs."""
from __future__ import annotations

import itertools

import sqlalchemy as sa

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
    RoundState,
    Score,
    User,
    utcnow,
)
from tests.factories import add_to_panel, make_edition, make_entry, make_user

_n = itertools.count(1)
# Judges come from countries no test entry uses, so no automatic conflict arises by accident.
JUDGE_PLACES = [("DK", "Odense"), ("IE", "Dublin"), ("NZ", "Wellington"), ("NO", "Oslo"),
                ("CH", "Geneva"), ("UG", "Kampala"), ("CO", "Cali"), ("BD", "Dhaka")]


def secretariat() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "factory-secretariat@example.org"))
    return user or make_user(Role.SECRETARIAT, email="factory-secretariat@example.org",
                             name="Kim Ji-won")


def chair() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == "chair@example.org"))
    return user or make_user(Role.CHAIR, email="chair@example.org", name="Amina Odhiambo",
                             country="KE", city="Nairobi")


def make_judges(edition: Edition, n: int) -> list[User]:
    judges = []
    for i in range(n):
        country, city = JUDGE_PLACES[i % len(JUDGE_PLACES)]
        k = next(_n)
        judge = make_user(Role.JUDGE, email=f"judge{k}@example.org", name=f"Judge {k:03d}",
                          country=country, city=city, organisation=f"Judging body {k}")
        add_to_panel(edition, judge)
        judges.append(judge)
    return judges


def judging_edition(*, round_open: bool = True) -> Edition:
    """An edition in judging with round 1 open (round 2 pending)."""
    edition = make_edition(EditionState.JUDGING)
    if round_open:
        edition.rounds[0].state = RoundState.OPEN
    db.session.flush()
    return edition


def entry_in_review(edition: Edition, *, category: str = "human_centricity",
                    applicant_type: str | None = None, country: str = "BR",
                    city: str = "São Paulo", name: str | None = None,
                    state: EntryState = EntryState.IN_REVIEW) -> Entry:
    entry = make_entry(edition, category=category, applicant_type=applicant_type,
                       country=country, city=city, force_state=state, with_attachment=False)
    if name:
        entry.applicant_name = name
    db.session.flush()
    return entry


def score(rnd: Round, entry: Entry, judge: User, value: int | dict[str, int], *,
          submitted: bool = True, mention_theme: str | None = None) -> Review:
    """An assignment and a review of `entry` by `judge` in `rnd`, every criterion scored
    `value` (or per criterion key from a dict)."""
    assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(assignment)
    db.session.flush()
    review = Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                    state=ReviewState.SUBMITTED if submitted else ReviewState.DRAFT,
                    overall_comment="Considered view.", submitted_at=utcnow() if submitted else None,
                    special_mention_recommended=mention_theme is not None,
                    special_mention_theme=mention_theme or "")
    db.session.add(review)
    db.session.flush()
    for criterion in entry.category.criteria:
        v = value[criterion.key] if isinstance(value, dict) else value
        db.session.add(Score(review_id=review.id, criterion_id=criterion.id,
                             scale_min=criterion.scale_min, scale_max=criterion.scale_max, value=v))
    db.session.flush()
    return review


def score_table(rnd: Round, entries: list[Entry], judges: list[User], table: list[list[int | None]]
                ) -> None:
    """table[i][j]: judge j's score for entry i (None: not assigned)."""
    for entry, row in zip(entries, table, strict=True):
        for judge, value in zip(judges, row, strict=True):
            if value is not None:
                score(rnd, entry, judge, value)


def rank_by_values(rnd: Round, entries: list[Entry], judges: list[User], values: list[int],
                   per_entry: int = 3) -> None:
    """Each entry scored `values[i]` by `per_entry` judges taken in rotation (a connected
    design: raw, z and calibrated agree when every judge gives the entry's value)."""
    for i, (entry, value) in enumerate(zip(entries, values, strict=True)):
        for k in range(per_entry):
            score(rnd, entry, judges[(i + k) % len(judges)], value)


def states(entries: list[Entry]) -> list[EntryState]:
    for e in entries:
        db.session.refresh(e)
    return [e.state for e in entries]


def to_deliberation(edition: Edition) -> None:
    """Close every round and set the edition to deliberation (directly, for allocation tests)."""
    for rnd in edition.rounds:
        rnd.state = RoundState.CLOSED
    edition.state = EditionState.DELIBERATION
    db.session.flush()


def finalists_in_deliberation(rows: list[tuple[str, int]], *, category: str = "human_centricity",
                              edition: Edition | None = None, judges: list[User] | None = None
                              ) -> tuple[Edition, list[Entry]]:
    """An edition in deliberation whose final round scored finalists (applicant type, value)
    of `category`: every judge gives entry i the value rows[i][1]."""
    edition = edition or judging_edition(round_open=False)
    first, last = edition.rounds
    first.state = RoundState.CLOSED
    last.state = RoundState.OPEN
    judges = judges or make_judges(edition, 3)
    entries = []
    for i, (kind, value) in enumerate(rows):
        entry = entry_in_review(edition, category=category, applicant_type=kind,
                                state=EntryState.SHORTLISTED, name=f"{kind} {i}")
        for judge in judges:
            score(last, entry, judge, value)
        entries.append(entry)
    to_deliberation(edition)
    return edition, entries
