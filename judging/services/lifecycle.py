"""Edition-level steps: each fires the edition's event through the engine and carries out
what the step means for rounds and entries, in one transaction (all or nothing)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import Edition, Entry, EntryState, User
from judging.services.decisions import allocate_awards, approve_allocation, publish_results
from judging.workflows.engine import apply, apply_many


def fire_edition_event(session: Session, edition: Edition, event: str, *, actor: User,
                       reason: str | None = None, now: datetime | None = None) -> None:
    """Fire an edition event and its consequences. Raises TransitionError; changes nothing
    then (the caller rolls back the transaction on any error)."""
    handler = EDITION_STEPS.get(event)
    if handler is None:
        apply(edition, event, actor=actor, reason=reason, now=now)
    else:
        handler(session, edition, actor=actor, reason=reason, now=now)


def _start_judging(session: Session, edition: Edition, *, actor: User, reason, now) -> None:
    """Judging starts: round 1 opens and every eligible entry goes to the judges."""
    apply(edition, "start_judging", actor=actor, reason=reason, now=now)
    first = edition.rounds[0]
    apply(first, "open_round", actor=actor, reason=reason, now=now)
    eligible = session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id, Entry.state == EntryState.ELIGIBLE)
    ).all()
    apply_many(eligible, "start_review", actor=actor, reason=reason, now=now,
               details={"round": first.number})


def _start_deliberation(session: Session, edition: Edition, *, actor: User, reason, now) -> None:
    """Deliberation starts (every round closed): the award allocation is proposed from the
    final round's ranking, ready for the chair."""
    apply(edition, "start_deliberation", actor=actor, reason=reason, now=now)
    allocate_awards(session, edition, actor=actor, now=now)


def _approve(session: Session, edition: Edition, *, actor: User, reason, now) -> None:
    """The chair approves: every current decision approved, `award` on the awarded entries and
    `not_award` on the other finalists."""
    approve_allocation(session, edition, actor=actor, reason=reason, now=now)


def _publish(session: Session, edition: Edition, *, actor: User, reason, now) -> None:
    """Publication: the results page becomes public and the applicants are told."""
    publish_results(session, edition, actor=actor, reason=reason, now=now)


# Round-level steps (open and close a round) live in services/decisions.py.
EDITION_STEPS = {
    "start_judging": _start_judging,
    "start_deliberation": _start_deliberation,
    "approve": _approve,
    "publish": _publish,
}
