"""Edition set-up: dates, rounds (judges per entry, finalist share, review deadline),
ranking method and finalist certificates.

Editable freely in set-up. Once the call is open a change needs a reason and is recorded
(AuditEvent "edit_settings" with old and new values). Once judging has started, the judges
per entry and finalist share of a round that has already opened can no longer change.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from judging.models import AuditEvent, Edition, EditionState, RoundState, User, utcnow
from judging.services import ServiceError

RANKING_METHODS = {
    "raw": "Raw mean of weighted scores",
    "z": "Per-judge z-scores",
    "calibrated": "Calibrated (judge offsets removed)",
}
JUDGING_STARTED = frozenset({EditionState.JUDGING, EditionState.DELIBERATION,
                             EditionState.APPROVED, EditionState.PUBLISHED})
MAX_JUDGES_PER_ENTRY = 50


@dataclass(frozen=True)
class RoundSettings:
    number: int
    judges_per_entry: int
    finalist_share: float | None
    review_deadline_at: datetime | None


@dataclass(frozen=True)
class EditionSettings:
    opens_at: datetime | None
    deadline_at: datetime | None
    ceremony_date: date | None
    ceremony_place: str
    ranking_method: str
    certify_finalists: bool
    rounds: tuple[RoundSettings, ...] = field(default_factory=tuple)

    def with_round(self, number: int, **changes) -> EditionSettings:
        return replace(self, rounds=tuple(replace(r, **changes) if r.number == number else r
                                          for r in self.rounds))


def current_settings(edition: Edition) -> EditionSettings:
    return EditionSettings(
        opens_at=edition.opens_at, deadline_at=edition.deadline_at,
        ceremony_date=edition.ceremony_date, ceremony_place=edition.ceremony_place or "",
        ranking_method=edition.ranking_method, certify_finalists=edition.certify_finalists,
        rounds=tuple(RoundSettings(r.number, r.judges_per_entry, r.finalist_share,
                                   r.review_deadline_at) for r in edition.rounds))


def reason_required(edition: Edition) -> bool:
    return edition.state != EditionState.SETUP


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _validate(edition: Edition, new: EditionSettings) -> None:
    if new.ranking_method not in RANKING_METHODS:
        raise ServiceError(f"Choose a ranking method: {', '.join(RANKING_METHODS)}.",
                           field="ranking_method")
    for name, value in (("opens_at", new.opens_at), ("deadline_at", new.deadline_at)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime")
    if new.opens_at and new.deadline_at and new.deadline_at <= new.opens_at:
        raise ServiceError("The submission deadline must come after the opening.",
                           field="deadline_at")
    if len(new.ceremony_place) > 200:
        raise ServiceError("Keep the ceremony place under 200 characters.",
                           field="ceremony_place")
    numbers = [r.number for r in edition.rounds]
    if sorted(r.number for r in new.rounds) != numbers:
        raise ServiceError("The settings must cover every round of the edition.")
    last = max(numbers) if numbers else None
    for r in new.rounds:
        prefix = f"rounds.{r.number}."
        if not 1 <= r.judges_per_entry <= MAX_JUDGES_PER_ENTRY:
            raise ServiceError(f"Round {r.number}: judges per entry must be between 1 and "
                               f"{MAX_JUDGES_PER_ENTRY}.", field=prefix + "judges_per_entry")
        if r.number != last:
            if r.finalist_share is None or not 0 < r.finalist_share <= 1:
                raise ServiceError(f"Round {r.number}: the finalist share must be more than 0% "
                                   "and at most 100%.", field=prefix + "finalist_share")
        elif r.finalist_share is not None:
            raise ServiceError(f"Round {r.number} is the last round: it shortlists no one, so "
                               "leave its finalist share empty.", field=prefix + "finalist_share")
        if r.review_deadline_at is not None and r.review_deadline_at.tzinfo is None:
            raise ValueError("review_deadline_at must be an aware datetime")


def changes_between(old: EditionSettings, new: EditionSettings) -> dict[str, dict]:
    """{setting: {"old": ..., "new": ...}} for every setting that differs (JSON values)."""
    changes: dict[str, dict] = {}
    for name in ("opens_at", "deadline_at", "ceremony_date", "ceremony_place",
                 "ranking_method", "certify_finalists"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes[name] = {"old": _plain(before), "new": _plain(after)}
    old_rounds = {r.number: r for r in old.rounds}
    for r in new.rounds:
        was = old_rounds[r.number]
        for name in ("judges_per_entry", "finalist_share", "review_deadline_at"):
            before, after = getattr(was, name), getattr(r, name)
            if before != after:
                changes[f"rounds.{r.number}.{name}"] = {"old": _plain(before),
                                                        "new": _plain(after)}
    return changes


def update_settings(session: Session, edition: Edition, new: EditionSettings, *, actor: User,
                    reason: str = "", now: datetime | None = None) -> dict[str, dict]:
    """Apply new settings; returns the changes (empty: nothing changed, nothing recorded).
    Raises ServiceError (with the field concerned) and changes nothing on refusal."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if edition.state == EditionState.ARCHIVED:
        raise ServiceError(f"{edition.name} is archived; its settings can no longer change.")
    _validate(edition, new)
    changes = changes_between(current_settings(edition), new)
    if not changes:
        return {}
    if reason_required(edition) and not reason:
        raise ServiceError(f"The call of {edition.name} is {edition.state.value}: say why the "
                           "settings change (it is recorded).", field="reason")
    if edition.state in JUDGING_STARTED:
        for r in edition.rounds:
            if r.state == RoundState.PENDING:
                continue
            for name in ("judges_per_entry", "finalist_share"):
                key = f"rounds.{r.number}.{name}"
                if key in changes:
                    raise ServiceError(
                        f"{r.name} has already {'opened' if r.state == RoundState.OPEN else 'closed'}"
                        f": its {name.replace('_', ' ')} can no longer change.", field=key)
    edition.opens_at = new.opens_at
    edition.deadline_at = new.deadline_at
    edition.ceremony_date = new.ceremony_date
    edition.ceremony_place = new.ceremony_place.strip()
    edition.ranking_method = new.ranking_method
    edition.certify_finalists = new.certify_finalists
    by_number = {r.number: r for r in new.rounds}
    for rnd in edition.rounds:
        wanted = by_number[rnd.number]
        rnd.judges_per_entry = wanted.judges_per_entry
        rnd.finalist_share = wanted.finalist_share
        rnd.review_deadline_at = wanted.review_deadline_at
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=edition.id,
                           subject_type="edition", subject_id=edition.id, event="edit_settings",
                           from_state=edition.state.value, to_state=edition.state.value,
                           reason=reason, details={"changes": changes}))
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ServiceError("Someone else changed these settings at the same moment; reload "
                           "the page and try again.") from None
    return changes
