"""The one door through which every state changes: apply().

apply() looks the transition up in the frozen table, checks the actor's permission, the
reason and the guards, and only then changes the state, writes one audit row and flushes.
A refusal raises a TransitionError that names the event, the state and why; nothing changes.
It never commits: the request or CLI command that called the service commits once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError

from judging.models import AuditEvent, Edition, Entry, Review, Round, User, utcnow
from judging.models.users import Role
from judging.workflows.guards import GuardContext
from judging.workflows.transitions import OWNER, Machine, Transition, machine_for


class TransitionError(Exception):
    """A transition was refused. Nothing was changed."""

    def __init__(self, subject: str, event: str, state: str | None, why: str):
        self.subject = subject
        self.event = event
        self.state = state
        self.why = why
        where = f" from state '{state}'" if state is not None else ""
        super().__init__(f"Cannot {event} {subject}{where}: {why}")


class UnknownEvent(TransitionError):
    pass


class NotAllowedFromState(TransitionError):
    pass


class NotPermitted(TransitionError):
    pass


class ReasonRequired(TransitionError):
    pass


class GuardRefused(TransitionError):
    pass


class ConcurrentChange(TransitionError):
    pass


class BulkTransitionError(TransitionError):
    """Some objects of a round-level operation were refused; none was changed."""

    def __init__(self, event: str, failures: Sequence[TransitionError], total: int):
        self.failures = list(failures)
        first = "; ".join(str(f) for f in self.failures[:3])
        more = f" (and {len(self.failures) - 3} more)" if len(self.failures) > 3 else ""
        super().__init__(
            f"{len(self.failures)} of {total} objects", event, None,
            f"nothing was changed. {first}{more}",
        )


def describe(obj) -> str:
    if isinstance(obj, Entry):
        return f"entry {obj.label}"
    if isinstance(obj, Edition):
        return f"edition {obj.year}"
    if isinstance(obj, Round):
        return f"round {obj.number}"
    if isinstance(obj, Review):
        return f"review #{obj.id}"
    return repr(obj)


def _edition_id(obj) -> int | None:
    if isinstance(obj, Edition):
        return obj.id
    if isinstance(obj, Entry | Round):
        return obj.edition_id
    if isinstance(obj, Review):
        return obj.round.edition_id
    return None


def _is_owner(obj, actor: User) -> bool:
    owned = getattr(obj, "is_owned_by", None)
    return bool(owned and owned(actor))


def permitted(transition: Transition, obj, actor: User | None) -> bool:
    if actor is None or not actor.is_active:
        return False
    for who in transition.actors:
        if who == OWNER and _is_owner(obj, actor):
            return True
        if who != OWNER and actor.has_role(Role(who)):
            return True
    return False


@dataclass(frozen=True)
class Check:
    """Whether an actor may fire a transition now, and why not."""

    transition: Transition
    refusal: TransitionError | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def check(obj, event: str, *, actor: User | None, reason: str | None = None,
          now: datetime | None = None, check_reason: bool = True) -> Check:
    """Check a transition without changing anything; raise UnknownEvent for a bad event name."""
    machine: Machine = machine_for(obj)
    subject = describe(obj)
    state = obj.state
    if event not in machine.events:
        known = ", ".join(machine.events)
        raise UnknownEvent(subject, event, state.value, f"unknown event (known: {known})")
    transition = machine.find(event, state)
    if transition is None:
        sources = sorted(s.value for t in machine.transitions if t.event == event for s in t.sources)
        raise NotAllowedFromState(
            subject, event, state.value,
            f"only possible from {', '.join(sources)}",
        )
    ctx = GuardContext(actor=actor, now=now or utcnow(), reason=(reason or "").strip())
    if not permitted(transition, obj, actor):
        who = " or ".join(sorted("the owner" if a == OWNER else a for a in transition.actors))
        name = actor.email if actor is not None else "an anonymous user"
        return Check(transition, NotPermitted(subject, event, state.value,
                                              f"{name} may not; it is for {who}"))
    if check_reason and transition.requires_reason and not ctx.reason:
        return Check(transition, ReasonRequired(subject, event, state.value,
                                                f"{transition.reason_label.lower()} is required"))
    for guard in transition.guards:
        why = guard(obj, ctx)
        if why:
            return Check(transition, GuardRefused(subject, event, state.value, why))
    return Check(transition, None)


def apply(obj, event: str, *, actor: User, reason: str | None = None,
          now: datetime | None = None, details: dict | None = None) -> AuditEvent:
    """Fire `event` on `obj` as `actor`: the only way a state changes."""
    now = now or utcnow()
    result = check(obj, event, actor=actor, reason=reason, now=now)
    if result.refusal is not None:
        raise result.refusal
    transition = result.transition
    session = object_session(obj)
    if session is None:
        raise TypeError(f"{describe(obj)} is not in a database session")
    from_state = obj.state
    obj.state = transition.target
    audit = AuditEvent(
        occurred_at=now,
        actor_id=actor.id,
        edition_id=_edition_id(obj),
        subject_type=machine_for(obj).name,
        subject_id=obj.id,
        event=event,
        from_state=from_state.value,
        to_state=transition.target.value,
        reason=(reason or "").strip(),
        details=details or {},
    )
    session.add(audit)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ConcurrentChange(
            describe(obj), event, from_state.value,
            "someone else changed it at the same moment; reload the page and try again",
        ) from None
    return audit


def apply_many(objs: Iterable, event: str, *, actor: User, reason: str | None = None,
               now: datetime | None = None, details: dict | None = None) -> list[AuditEvent]:
    """Fire one event on many objects: all are checked first; one refusal changes nothing."""
    objs = list(objs)
    now = now or utcnow()
    failures: list[TransitionError] = []
    for obj in objs:
        try:
            result = check(obj, event, actor=actor, reason=reason, now=now)
        except TransitionError as refusal:
            failures.append(refusal)
            continue
        if result.refusal is not None:
            failures.append(result.refusal)
    if failures:
        raise BulkTransitionError(event, failures, len(objs))
    return [apply(obj, event, actor=actor, reason=reason, now=now, details=details) for obj in objs]


def available(obj, actor: User | None, now: datetime | None = None) -> list[Check]:
    """The transitions from the object's state that this actor holds a role for, each with
    its refusal (if a guard says no): the buttons a page shows, enabled or explained."""
    machine = machine_for(obj)
    checks = []
    for transition in machine.from_state(obj.state):
        if not permitted(transition, obj, actor):
            continue
        checks.append(check(obj, transition.event, actor=actor, now=now, check_reason=False))
    return checks
