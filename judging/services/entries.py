"""An applicant's entries: drafts, attachments, submission with a reference number,
clarification and resubmission, withdrawal, and the history an applicant may see.

Every state change goes through the workflow engine; these functions add what the portal
needs around it (the reference number, the receipt message, the applicant's snapshot).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.countries import country_name, is_country
from judging.models import (
    Attachment,
    AuditEvent,
    Category,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Role,
    User,
    utcnow,
)
from judging.models.entries import EDITABLE_STATES
from judging.models.states import ENTRY_STATE_WORDS
from judging.program.answers import validate_answers
from judging.program.schema import Category as CategorySpec
from judging.program.schema import EntryForm
from judging.services import ServiceError
from judging.services.attachments import Limits, add_attachment, attachment_path, human_size
from judging.services.notifications import notify
from judging.workflows import guards
from judging.workflows.engine import apply, check
from judging.workflows.guards import GuardContext, format_local

MAX_APPLICANT_NAME = 200
MAX_CITY = 120


class AnswersInvalid(ServiceError):
    """Some answers are at fault; `problems` maps each field key to its message."""

    def __init__(self, problems: Mapping[str, str], message: str):
        super().__init__(message)
        self.problems = dict(problems)


# ----- what an applicant may enter -------------------------------------------------------
def entry_form(entry: Entry) -> EntryForm:
    return entry.edition.program.spec.form_for(entry.category.key, entry.applicant_type)


def categories_open_to(edition: Edition, applicant_type: str | None) -> tuple[CategorySpec, ...]:
    if not applicant_type:
        return ()
    return edition.program.spec.categories_open_to(applicant_type)


def call_refusal(edition: Edition, now: datetime | None = None) -> str | None:
    """Why new entries cannot be started in this edition now, or None."""
    now = now or utcnow()
    if edition.state != EditionState.OPEN:
        return f"The call for entries of {edition.name} is not open."
    if edition.deadline_at is None or now > edition.deadline_at:
        return ("The submission deadline has passed: "
                f"{format_local(edition.deadline_at, edition.time_zone)}.")
    return None


def default_applicant_name(user: User) -> str:
    """The applicant's name as a certificate would show it: the person for an individual,
    the organisation (a city government, an institution, a company) otherwise."""
    if user.applicant_type != "individual" and (user.organisation or "").strip():
        return user.organisation.strip()
    return user.name


def _clean_names(applicant_name: str | None, applicant_name_local: str | None,
                 city_local: str | None) -> tuple[str | None, str | None, str | None]:
    def clean(value: str | None, limit: int, field: str, label: str) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if len(value) > limit:
            raise ServiceError(f"{label} may be at most {limit} characters.", field=field)
        return value

    name = clean(applicant_name, MAX_APPLICANT_NAME, "applicant_name", "The applicant's name")
    if name is not None and not name:
        raise ServiceError("Enter the applicant's name, as it should appear on a certificate.",
                           field="applicant_name")
    return (name,
            clean(applicant_name_local, MAX_APPLICANT_NAME, "applicant_name_local",
                  "The name in its own script"),
            clean(city_local, MAX_CITY, "city_local", "The city's name in its own script"))


def create_draft(session: Session, *, actor: User, edition: Edition, category_key: str,
                 applicant_name: str | None = None, applicant_name_local: str = "",
                 city_local: str = "", now: datetime | None = None) -> Entry:
    """Start an entry in a category the applicant's type may enter, with a snapshot of the
    applicant's details. Refused (ServiceError) after the deadline or for another category."""
    now = now or utcnow()
    if not actor.has_role(Role.APPLICANT):
        raise ServiceError("Only applicants can start an entry.")
    spec = edition.program.spec
    if not actor.applicant_type:
        raise ServiceError("Your account has no applicant type; the secretariat can set it.",
                           field="category")
    if not is_country(actor.country) or not (actor.city or "").strip():
        raise ServiceError("Add your city and country to your account before starting an entry.",
                           field="category")
    refusal = call_refusal(edition, now)
    if refusal:
        raise ServiceError(refusal, field="category")
    try:
        category_spec = spec.category(category_key)
    except KeyError:
        raise ServiceError("Choose a category from the list.", field="category") from None
    allowed = spec.categories_open_to(actor.applicant_type)
    if category_spec not in allowed:
        kind = spec.applicant_type(actor.applicant_type).label
        may = ", ".join(c.name for c in allowed) or "no category"
        raise ServiceError(f"Applicants of type {kind} may not enter {category_spec.name}; "
                           f"you may enter: {may}.", field="category")
    category = session.scalar(sa.select(Category).where(
        Category.program_id == edition.program_id, Category.key == category_key))
    name, name_local, city_local_clean = _clean_names(
        applicant_name if applicant_name is not None else default_applicant_name(actor),
        applicant_name_local, city_local)
    entry = Entry(
        edition=edition, category=category, owner=actor, state=EntryState.DRAFT,
        applicant_type=actor.applicant_type, applicant_name=name,
        applicant_name_local=name_local or "", organisation=actor.organisation or "",
        city=actor.city, city_local=city_local_clean or "", country=actor.country.upper(),
        contact_email=actor.email, title="", answers={}, created_at=now, updated_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


# ----- editing -----------------------------------------------------------------------------
def editing_refusal(entry: Entry, actor: User | None, now: datetime | None = None) -> str | None:
    """Why `actor` cannot change the entry (answers, names, attachments) now, or None.

    A draft can change until the submission deadline (the submit transition's own guard);
    an entry returned for clarification until its clarification deadline."""
    now = now or utcnow()
    if not entry.is_owned_by(actor):
        return "Only the applicant who owns this entry can change it."
    if entry.state not in EDITABLE_STATES:
        return (f"This entry can no longer be changed (its status: {entry.state_words}).")
    ctx = GuardContext(actor=actor, now=now, reason="")
    if entry.state == EntryState.DRAFT:
        return guards.call_open(entry, ctx)
    return guards.before_clarification_deadline(entry, ctx)


def _clean_answers(form: EntryForm, answers: Mapping[str, object]) -> dict[str, str]:
    """The answers to keep: only the form's fields, text with normalised line ends."""
    keys = {f.key for f in form.fields}
    cleaned: dict[str, str] = {}
    for key, raw in answers.items():
        value = "" if raw is None else str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
        if key not in keys:
            cleaned[key] = value  # reported as an unknown field by validate_answers
        elif value:
            cleaned[key] = value
    return cleaned


def check_draft_answers(entry: Entry, answers: Mapping[str, object]) -> dict[str, str]:
    """Problems a draft save would refuse (word limits and formats only)."""
    return validate_answers(entry_form(entry), _clean_answers(entry_form(entry), answers),
                            complete=False)


def save_draft(session: Session, entry: Entry, *, actor: User, answers: Mapping[str, object],
               applicant_name: str | None = None, applicant_name_local: str | None = None,
               city_local: str | None = None, now: datetime | None = None) -> Entry:
    """Keep the applicant's answers. Word limits and formats are checked (AnswersInvalid,
    nothing saved); missing answers are fine in a draft. Refused after the deadline."""
    now = now or utcnow()
    refusal = editing_refusal(entry, actor, now)
    if refusal:
        raise ServiceError(refusal)
    form = entry_form(entry)
    cleaned = _clean_answers(form, answers)
    problems = validate_answers(form, cleaned, complete=False)
    if problems:
        n = len(problems)
        raise AnswersInvalid(problems, f"Nothing was saved: {n} answer{'s need' if n > 1 else ' needs'} "
                                       "correcting first.")
    name, name_local, city_local_clean = _clean_names(applicant_name, applicant_name_local,
                                                      city_local)
    entry.answers = cleaned
    entry.title = cleaned.get("title", "")[:300]
    if name is not None:
        entry.applicant_name = name
    if name_local is not None:
        entry.applicant_name_local = name_local
    if city_local_clean is not None:
        entry.city_local = city_local_clean
    entry.updated_at = now
    session.flush()
    return entry


def completeness_problems(entry: Entry) -> dict[str, str]:
    """What stops the answers from being submitted ({field key: message})."""
    return validate_answers(entry_form(entry), entry.answers or {}, complete=True)


def section_progress(entry: Entry, answers: Mapping[str, object] | None = None
                     ) -> list[tuple[str, str, int, int]]:
    """Per section of the form: (key, title, required answered, required in all)."""
    values = entry.answers if answers is None else answers
    rows = []
    for section in entry_form(entry).sections:
        required = [f for f in section.fields if f.required]
        done = sum(1 for f in required if str(values.get(f.key) or "").strip())
        rows.append((section.key, section.title, done, len(required)))
    return rows


# ----- attachments -------------------------------------------------------------------------
def upload_attachment(session: Session, entry: Entry, *, actor: User, filename: str | None,
                      data: bytes, upload_dir: str | Path, limits: Limits,
                      now: datetime | None = None) -> Attachment:
    """Add one file to an entry that can still change (type by content, size limits)."""
    refusal = editing_refusal(entry, actor, now)
    if refusal:
        raise ServiceError(refusal, field="file")
    return add_attachment(session, entry, filename=filename, data=data, actor=actor,
                          upload_dir=upload_dir, limits=limits)


def remove_attachment(session: Session, entry: Entry, attachment: Attachment, *, actor: User,
                      upload_dir: str | Path, now: datetime | None = None) -> Path:
    """Remove an attachment from an entry that can still change. Returns the stored file's
    path: the caller deletes it once the transaction is committed (discard_files)."""
    if attachment.entry_id != entry.id:
        raise ServiceError("That document does not belong to this entry.", field="file")
    refusal = editing_refusal(entry, actor, now)
    if refusal:
        raise ServiceError(refusal, field="file")
    path = attachment_path(upload_dir, attachment)
    entry.attachments.remove(attachment)
    session.flush()
    return path


def discard_files(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


# ----- submission --------------------------------------------------------------------------
def next_reference(session: Session, edition: Edition, category: Category) -> str:
    """The next free reference in this edition and category, e.g. SSCP-2024-HC-0042."""
    prefix = f"{edition.program.spec.short_code}-{edition.year}-{category.code}-"
    taken = session.scalars(sa.select(Entry.reference).where(
        Entry.edition_id == edition.id, Entry.category_id == category.id,
        Entry.reference.startswith(prefix, autoescape=True))).all()
    numbers = [int(ref[len(prefix):]) for ref in taken if re.fullmatch(r"\d+", ref[len(prefix):])]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _assign_reference(session: Session, entry: Entry) -> str:
    """Give the entry the next reference; if another submission took the same number at the
    same moment (unique constraint), compute it again once."""
    for attempt in (1, 2):
        reference = next_reference(session, entry.edition, entry.category)
        try:
            with session.begin_nested():
                entry.reference = reference
                session.flush()
        except IntegrityError:
            if attempt == 2:
                raise ServiceError("Another entry was given the same reference number at the "
                                   "same moment. Nothing was submitted; submit again.") from None
            continue
        return reference
    raise AssertionError("unreachable")


def submit_entry(session: Session, entry: Entry, *, actor: User, now: datetime | None = None,
                 status_url: str | None = None) -> AuditEvent:
    """Submit a draft (or resubmit an entry returned for clarification) through the engine.

    A first submission gets its reference number and submission time; either way a receipt
    is written to the outbox. Raises ServiceError (deadline, not editable), AnswersInvalid
    (answers incomplete, per field) or TransitionError (e.g. a required document missing);
    nothing changes then."""
    now = now or utcnow()
    refusal = editing_refusal(entry, actor, now)
    if refusal:
        raise ServiceError(refusal)
    problems = completeness_problems(entry)
    if problems:
        n = len(problems)
        raise AnswersInvalid(problems, f"The entry cannot be submitted yet: {n} answer"
                                       f"{'s need' if n > 1 else ' needs'} attention.")
    event = "resubmit" if entry.state == EntryState.CLARIFICATION_REQUESTED else "submit"
    result = check(entry, event, actor=actor, now=now)
    if result.refusal is not None:
        raise result.refusal
    if event == "submit":
        if entry.reference is None:
            _assign_reference(session, entry)
        entry.submitted_at = now
    audit = apply(entry, event, actor=actor, now=now, details={"reference": entry.reference})
    subject, body = receipt_message(entry, when=now, resubmitted=(event == "resubmit"),
                                    time_zone=actor.time_zone, status_url=status_url)
    notify(session, to=actor, subject=subject, body=body, kind="entry_submitted",
           edition_id=entry.edition_id, entry_id=entry.id)
    return audit


def receipt_message(entry: Entry, *, when: datetime, resubmitted: bool = False,
                    time_zone: str | None = None, status_url: str | None = None
                    ) -> tuple[str, str]:
    """Subject and body of the receipt for a (re)submission."""
    edition = entry.edition
    prize = edition.program.spec.name
    zone = edition.time_zone
    at = format_local(when, zone)
    if time_zone and time_zone != zone:
        at += f"; {format_local(when, time_zone)}"
    verb = "resubmitted" if resubmitted else "received"
    documents = "\n".join(f"  - {a.original_name} ({human_size(a.size_bytes)})"
                          for a in entry.attachments) or "  (none)"
    follow = f"\nFollow its status at {status_url}\n" if status_url else ""
    subject = f"{prize}: entry {entry.reference} {verb}"
    body = (
        f"Dear {entry.owner.name if entry.owner else entry.applicant_name},\n\n"
        f"Your entry to the {edition.name} has been {verb}.\n\n"
        f"Reference: {entry.reference}\n"
        f"Title: {entry.title}\n"
        f"Category: {entry.category.name}\n"
        f"Applicant: {entry.display_name}, {entry.city}, {country_name(entry.country)}\n"
        f"{'Resubmitted' if resubmitted else 'Submitted'}: {at}\n"
        f"Supporting documents:\n{documents}\n"
        f"{follow}\n"
        "Quote the reference in any message about this entry. The secretariat will tell you "
        "the result of the eligibility screening.\n\n"
        f"The {prize} secretariat\n"
    )
    return subject, body


# ----- withdrawal --------------------------------------------------------------------------
def withdraw_entry(session: Session, entry: Entry, *, actor: User, reason: str = "",
                   now: datetime | None = None) -> AuditEvent:
    """Withdraw the entry (until the final decision) and confirm it by message."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ServiceError("Keep the reason under 2,000 characters.", field="reason")
    audit = apply(entry, "withdraw", actor=actor, reason=reason, now=now)
    prize = entry.edition.program.spec.name
    notify(
        session, to=actor, kind="entry_withdrawn", edition_id=entry.edition_id, entry_id=entry.id,
        subject=f"{prize}: entry {entry.label} withdrawn",
        body=(
            f"Dear {actor.name},\n\n"
            f"Your entry {entry.label} ({entry.title or 'untitled'}) to the {entry.edition.name} "
            f"was withdrawn on {format_local(now, entry.edition.time_zone)}. It takes no further "
            "part in this edition.\n\n"
            "If you did not withdraw it, tell the secretariat at once by replying to this "
            "message.\n\n"
            f"The {prize} secretariat\n"
        ),
    )
    return audit


# ----- what the applicant sees ---------------------------------------------------------------
RESULT_STATES = frozenset({EntryState.AWARDED, EntryState.NOT_AWARDED, EntryState.CERTIFIED})
RESULT_EVENTS = frozenset({"award", "not_award", "revoke_award", "certify"})

# Entry events an applicant sees, in plain words. Anything else in the audit trail (conflict
# declarations, assignments, anything about judges or scores) is never shown.
HISTORY_WORDS: dict[str, str] = {
    "submit": "Submitted",
    "request_clarification": "Returned to you for clarification",
    "resubmit": "Resubmitted with your clarification",
    "declare_eligible": "Found eligible and accepted for evaluation",
    "declare_ineligible": "Found not eligible",
    "reinstate": "Found eligible after review and accepted for evaluation",
    "start_review": "Sent to the judges for evaluation",
    "shortlist": "Selected as a finalist",
    "not_shortlist": "Not selected as a finalist",
    "award": "Awarded",
    "not_award": "Not awarded",
    "revoke_award": "Award decision changed by the committee",
    "certify": "Certificate issued",
    "withdraw": "Withdrawn by you",
}
# Events whose recorded reason is meant for the applicant.
REASON_SHOWN = frozenset({"request_clarification", "declare_ineligible", "withdraw"})


@dataclass(frozen=True)
class HistoryItem:
    when: datetime
    words: str
    detail: str = ""


def results_public(edition: Edition) -> bool:
    return edition.state in {EditionState.PUBLISHED, EditionState.ARCHIVED}


def _entry_events(session: Session, entry: Entry) -> list[AuditEvent]:
    return list(session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == "entry", AuditEvent.subject_id == entry.id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))


def entry_history(session: Session, entry: Entry) -> list[HistoryItem]:
    """The entry's history in plain words, oldest first: state changes and the reasons meant
    for the applicant. Award decisions appear only once the results are published."""
    items = [HistoryItem(entry.created_at, "Draft started")]
    public = results_public(entry.edition)
    for event in _entry_events(session, entry):
        words = HISTORY_WORDS.get(event.event)
        if words is None or (event.event in RESULT_EVENTS and not public):
            continue
        detail = ""
        if event.event in REASON_SHOWN and event.reason:
            detail = event.reason
        if event.event == "submit" and (event.details or {}).get("reference"):
            words = f"Submitted with reference {event.details['reference']}"
        items.append(HistoryItem(event.occurred_at, words, detail))
    return items


def applicant_state_words(session: Session, entry: Entry) -> str:
    """The entry's state for its applicant. Before the results are published, an award
    decision is not revealed: the entry shows the state it had before the decision."""
    if entry.state not in RESULT_STATES or results_public(entry.edition):
        return entry.state_words
    before = EntryState.SHORTLISTED
    for event in _entry_events(session, entry):
        if event.event in RESULT_EVENTS:
            if event.from_state and event.from_state not in {s.value for s in RESULT_STATES}:
                before = EntryState(event.from_state)
            break
    return ENTRY_STATE_WORDS[before]


def latest_reason(session: Session, entry: Entry, event_name: str) -> str:
    """The reason recorded with the latest `event_name` on this entry ('' if none)."""
    reason = session.scalar(
        sa.select(AuditEvent.reason)
        .where(AuditEvent.subject_type == "entry", AuditEvent.subject_id == entry.id,
               AuditEvent.event == event_name)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(1))
    return reason or ""


def last_submission_at(session: Session, entry: Entry) -> datetime | None:
    """When the entry was last submitted or resubmitted."""
    when = session.scalar(
        sa.select(AuditEvent.occurred_at)
        .where(AuditEvent.subject_type == "entry", AuditEvent.subject_id == entry.id,
               AuditEvent.event.in_(("submit", "resubmit")))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(1))
    return when or entry.submitted_at


def owned_entries(session: Session, user: User) -> list[Entry]:
    return list(session.scalars(
        sa.select(Entry).where(Entry.owner_id == user.id)
        .options(sa.orm.joinedload(Entry.category), sa.orm.joinedload(Entry.edition))
        .order_by(Entry.created_at.desc(), Entry.id.desc())))
