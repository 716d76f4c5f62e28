"""Progress of a round: per judge and per entry, done (review submitted), in progress (a
draft) or not started; overdue once the round's review deadline has passed. Reminders go to
every judge with open reviews, one message each."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.models import (
    Assignment,
    AuditEvent,
    Edition,
    Entry,
    Review,
    ReviewState,
    Round,
    RoundState,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.notifications import notify
from judging.workflows.guards import format_local

DONE, IN_PROGRESS, NOT_STARTED = "done", "in progress", "not started"


@dataclass
class Tally:
    done: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def total(self) -> int:
        return self.done + self.in_progress + self.not_started

    @property
    def open(self) -> int:
        return self.in_progress + self.not_started

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def add(self, status: str) -> None:
        if status == DONE:
            self.done += 1
        elif status == IN_PROGRESS:
            self.in_progress += 1
        else:
            self.not_started += 1


@dataclass
class JudgeProgress:
    judge: User
    tally: Tally = field(default_factory=Tally)
    overdue: bool = False


@dataclass
class EntryProgress:
    entry: Entry
    reviews: list[tuple[User, str]] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    overdue: bool = False


@dataclass
class RoundProgress:
    round: Round
    judges: list[JudgeProgress]
    entries: list[EntryProgress]
    tally: Tally
    deadline_passed: bool

    @property
    def overdue_judges(self) -> int:
        return sum(1 for j in self.judges if j.overdue)


def round_progress(session: Session, rnd: Round, now: datetime | None = None) -> RoundProgress:
    """Two queries: the round's active assignments (judges and entries loaded) and the
    states of its reviews."""
    now = now or utcnow()
    assignments = session.scalars(
        sa.select(Assignment).where(Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))
        .options(joinedload(Assignment.judge), joinedload(Assignment.entry))
        .order_by(Assignment.id)).all()
    states = {(entry_id, judge_id): state for entry_id, judge_id, state in session.execute(
        sa.select(Review.entry_id, Review.judge_id, Review.state)
        .where(Review.round_id == rnd.id))}
    passed = (rnd.review_deadline_at is not None and now > rnd.review_deadline_at
              and rnd.state != RoundState.CLOSED)
    judges: dict[int, JudgeProgress] = {}
    entries: dict[int, EntryProgress] = {}
    total = Tally()
    for a in assignments:
        state = states.get((a.entry_id, a.judge_id))
        status = (DONE if state == ReviewState.SUBMITTED
                  else IN_PROGRESS if state == ReviewState.DRAFT else NOT_STARTED)
        jp = judges.setdefault(a.judge_id, JudgeProgress(a.judge))
        ep = entries.setdefault(a.entry_id, EntryProgress(a.entry))
        jp.tally.add(status)
        ep.tally.add(status)
        ep.reviews.append((a.judge, status))
        total.add(status)
        if passed and status != DONE:
            jp.overdue = ep.overdue = True
    for ep in entries.values():
        ep.reviews.sort(key=lambda r: r[0].name.casefold())
    return RoundProgress(
        round=rnd,
        judges=sorted(judges.values(), key=lambda j: (-j.tally.open, j.judge.name.casefold())),
        entries=sorted(entries.values(), key=lambda e: (e.tally.percent, e.entry.label)),
        tally=total, deadline_passed=passed)


def edition_summary(session: Session, edition: Edition, now: datetime | None = None
                    ) -> list[tuple[Round, Tally, bool]]:
    """(round, tally, deadline passed) for each round with assignments: one query."""
    now = now or utcnow()
    rounds = {r.id: r for r in edition.rounds}
    if not rounds:
        return []
    rows = session.execute(
        sa.select(Assignment.round_id, Review.state, sa.func.count())
        .select_from(Assignment)
        .outerjoin(Review, sa.and_(Review.round_id == Assignment.round_id,
                                   Review.entry_id == Assignment.entry_id,
                                   Review.judge_id == Assignment.judge_id))
        .where(Assignment.round_id.in_(list(rounds)), Assignment.recused_at.is_(None))
        .group_by(Assignment.round_id, Review.state)).all()
    tallies: dict[int, Tally] = {}
    for round_id, state, n in rows:
        tally = tallies.setdefault(round_id, Tally())
        if state == ReviewState.SUBMITTED:
            tally.done += n
        elif state == ReviewState.DRAFT:
            tally.in_progress += n
        else:
            tally.not_started += n
    out = []
    for round_id, tally in sorted(tallies.items(), key=lambda kv: rounds[kv[0]].number):
        rnd = rounds[round_id]
        passed = (rnd.review_deadline_at is not None and now > rnd.review_deadline_at
                  and rnd.state != RoundState.CLOSED)
        out.append((rnd, tally, passed))
    return out


def remind(session: Session, rnd: Round, *, actor: User, base_url: str = "",
           now: datetime | None = None) -> list[tuple[User, int]]:
    """Send one message to every judge with open reviews in the round (listing how many),
    and record it. Returns (judge, open reviews) for each judge reminded."""
    now = now or utcnow()
    if rnd.state != RoundState.OPEN:
        raise ServiceError(f"{rnd.name} is {rnd.state.value}; reminders are sent while a "
                           "round is open.")
    progress = round_progress(session, rnd, now)
    owing = [(jp.judge, jp.tally.open) for jp in progress.judges if jp.tally.open]
    if not owing:
        raise ServiceError(f"Every assigned review of {rnd.name} is submitted; nobody to remind.")
    edition = rnd.edition
    link = f"{base_url.rstrip('/')}/judge/" if base_url else "the judging site"
    if rnd.review_deadline_at is None:
        when = "as soon as you can"
    elif progress.deadline_passed:
        when = (f"now: the deadline was {format_local(rnd.review_deadline_at, edition.time_zone)}")
    else:
        when = f"by {format_local(rnd.review_deadline_at, edition.time_zone)}"
    for judge, n in owing:
        reviews = "review" if n == 1 else "reviews"
        notify(session, to=judge, kind="review_reminder",
               subject=f"{edition.name}: {n} {reviews} to submit",
               body=(f"Dear {judge.name},\n\nYou have {n} {reviews} still to submit in "
                     f"{rnd.name} of {edition.name}. Please submit {when}.\n\n"
                     f"Your entries: {link}\n\nThank you.\n"),
               edition_id=edition.id)
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=edition.id,
                           subject_type="round", subject_id=rnd.id, event="remind",
                           details={"round": rnd.number,
                                    "judges": {str(j.id): n for j, n in owing}}))
    session.flush()
    return owing
