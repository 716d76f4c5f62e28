"""Eligibility screening: the checklist computed from an entry's data, and the secretariat's
decision (eligible, ineligible with a reason, or returned for clarification with a question
and a deadline), always through the workflow engine, with the applicant told each time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from judging.models import AuditEvent, Edition, Entry, EntryState, User, utcnow
from judging.program.answers import validate_answers
from judging.services import ServiceError
from judging.services.notifications import notify
from judging.workflows import engine
from judging.workflows.engine import TransitionError
from judging.workflows.guards import format_local

# decision -> workflow event
EVENTS = {
    "eligible": "declare_eligible",
    "ineligible": "declare_ineligible",
    "clarification": "request_clarification",
}
DECISION_LABELS = {
    "eligible": "Eligible",
    "ineligible": "Ineligible",
    "clarification": "Return for clarification",
}
QUEUE_STATES = (EntryState.SUBMITTED, EntryState.CLARIFICATION_REQUESTED)


@dataclass(frozen=True)
class CheckItem:
    label: str
    ok: bool
    detail: str


def checklist(entry: Entry) -> list[CheckItem]:
    """The program's eligibility checklist for an entry, computed from its data."""
    edition = entry.edition
    spec = edition.program.spec
    category = spec.category(entry.category.key)
    items: list[CheckItem] = []
    fits = category.entered and entry.applicant_type in category.applicant_types
    try:
        type_label = spec.applicant_type(entry.applicant_type).label
    except KeyError:
        type_label = entry.applicant_type
    items.append(CheckItem(
        "Applicant type fits the category", fits,
        f"{type_label} in {category.name}" + ("" if fits else
                                              f" (open to: {', '.join(category.applicant_types)})")))
    try:
        form = spec.form_for(category.key, entry.applicant_type)
    except KeyError:
        form = None
    if form is None:
        items.append(CheckItem("Form complete", False,
                               "No entry form exists for this category and applicant type."))
        items.append(CheckItem("Required attachments present", bool(entry.attachments),
                               f"{len(entry.attachments)} attached"))
    else:
        problems = validate_answers(form, entry.answers or {}, complete=True)
        if problems:
            labels = {f.key: f.label for f in form.fields}
            named = [f"{labels.get(k, k)}: {v}" for k, v in sorted(problems.items())]
            more = f" (and {len(named) - 3} more)" if len(named) > 3 else ""
            detail = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}: " \
                     + "; ".join(named[:3]) + more
        else:
            detail = f"All {len(form.fields)} fields answered within their limits."
        items.append(CheckItem("Form complete", not problems, detail))
        have, need = len(entry.attachments), form.required_attachments
        items.append(CheckItem("Required attachments present", have >= need,
                               f"{have} attached, {need} required"))
    deadline = edition.deadline_at
    submitted = entry.submitted_at
    on_time = submitted is not None and (deadline is None or submitted <= deadline)
    if submitted is None:
        detail = "Not submitted."
    else:
        detail = (f"Submitted {format_local(submitted, edition.time_zone)}; deadline "
                  f"{format_local(deadline, edition.time_zone)}.")
    items.append(CheckItem("Submitted before the deadline", on_time, detail))
    return items


@dataclass(frozen=True)
class QueueItem:
    entry: Entry
    checks: list[CheckItem]

    @property
    def passed(self) -> int:
        return sum(1 for c in self.checks if c.ok)

    @property
    def all_ok(self) -> bool:
        return all(c.ok for c in self.checks)


def queue(session: Session, edition: Edition) -> list[QueueItem]:
    """Entries awaiting a screening decision (submitted, or returned for clarification), each
    with its checklist. One query for the entries and one for their attachments."""
    entries = session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id, Entry.state.in_(QUEUE_STATES))
        .options(joinedload(Entry.category), selectinload(Entry.attachments))
        .order_by(Entry.submitted_at, Entry.reference, Entry.id)).all()
    return [QueueItem(e, checklist(e)) for e in entries]


def check_decision(entry: Entry, decision: str, *, actor: User, reason: str = "",
                   now: datetime | None = None) -> str | None:
    """Why this decision cannot be taken now (None: it can). Changes nothing."""
    event = EVENTS.get(decision)
    if event is None:
        return f"decision must be one of {', '.join(EVENTS)} (not '{decision}')"
    try:
        result = engine.check(entry, event, actor=actor, reason=reason, now=now)
    except TransitionError as refusal:
        return str(refusal)
    return None if result.refusal is None else str(result.refusal)


def decide(session: Session, entry: Entry, decision: str, *, actor: User, reason: str = "",
           deadline_at: datetime | None = None, base_url: str = "",
           now: datetime | None = None, details: dict | None = None) -> AuditEvent:
    """Take a screening decision through the engine and tell the applicant.

    eligible; ineligible (reason required); clarification (the question, as reason, and a
    deadline in the future). A refusal (TransitionError or ServiceError) changes nothing."""
    now = now or utcnow()
    reason = (reason or "").strip()
    event = EVENTS.get(decision)
    if event is None:
        raise ServiceError(f"Unknown decision '{decision}'.", field="decision")
    if decision == "ineligible" and not reason:
        raise ServiceError("Say why the entry is not eligible.", field="reason")
    if decision == "clarification":
        if not reason:
            raise ServiceError("Write the question to the applicant.", field="reason")
        if deadline_at is None:
            raise ServiceError("Set a deadline for the answer.", field="deadline")
        if deadline_at.tzinfo is None:
            raise ValueError("deadline_at must be an aware datetime")
        if deadline_at <= now:
            raise ServiceError("The deadline for the answer must be in the future.",
                               field="deadline")
    result = engine.check(entry, event, actor=actor, reason=reason, now=now)
    if result.refusal is not None:
        raise result.refusal
    if decision == "clarification":
        entry.clarification_question = reason
        entry.clarification_deadline_at = deadline_at
    audit = engine.apply(entry, event, actor=actor, reason=reason, now=now,
                         details={"decision": decision, **(details or {})})
    _tell_applicant(session, entry, decision, reason, base_url)
    return audit


def _tell_applicant(session: Session, entry: Entry, decision: str, reason: str,
                    base_url: str) -> None:
    edition = entry.edition
    to = entry.owner if entry.owner is not None else entry.contact_email
    name = entry.owner.name if entry.owner is not None else entry.applicant_name
    root = base_url.rstrip("/")
    portal = f"{root}/applicant/" if root else "the applicant portal"
    title = f"{entry.reference} ({entry.title})" if entry.title else entry.reference
    if decision == "eligible":
        subject = f"{entry.reference}: your entry is eligible"
        body = (f"Dear {name},\n\nYour entry {title} to the {edition.name} passed the "
                "eligibility screening. It will be evaluated by the judging committee.\n")
    elif decision == "ineligible":
        subject = f"{entry.reference}: your entry is not eligible"
        body = (f"Dear {name},\n\nAfter screening, your entry {title} to the {edition.name} "
                f"is not eligible, for this reason:\n\n{reason}\n\nIf you believe this is "
                "a mistake, reply to the secretariat.\n")
    else:
        deadline = format_local(entry.clarification_deadline_at, edition.time_zone)
        how = (f"Sign in, answer in your entry and resubmit it: {portal}"
               if entry.owner is not None else "Reply to the secretariat with your answer.")
        subject = f"{entry.reference}: the secretariat has a question about your entry"
        body = (f"Dear {name},\n\nThe secretariat needs a clarification about your entry "
                f"{title} to the {edition.name}:\n\n{reason}\n\nPlease answer by {deadline}. "
                f"{how}\n")
    notify(session, to=to, subject=subject, body=body, kind=f"screening_{decision}",
           edition_id=edition.id, entry_id=entry.id)


def history(session: Session, entry: Entry) -> list[AuditEvent]:
    """The entry's audit trail, oldest first, actors loaded."""
    return list(session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "entry",
                                    AuditEvent.subject_id == entry.id)
        .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.occurred_at, AuditEvent.id)))
