"""The states of every stateful object, as enums stored by value (readable strings).

Only workflows.engine.apply() changes an object's state; the transition tables live in
judging/workflows/transitions.py.
"""
from __future__ import annotations

import enum


class EntryState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CLARIFICATION_REQUESTED = "clarification_requested"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    NOT_SHORTLISTED = "not_shortlisted"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    CERTIFIED = "certified"
    WITHDRAWN = "withdrawn"


class EditionState(enum.StrEnum):
    SETUP = "setup"
    OPEN = "open"
    CLOSED = "closed"
    SCREENING = "screening"
    JUDGING = "judging"
    DELIBERATION = "deliberation"
    APPROVED = "approved"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RoundState(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


# Plain words for applicants and the public: what each entry state means.
ENTRY_STATE_WORDS: dict[EntryState, str] = {
    EntryState.DRAFT: "Draft: not yet submitted",
    EntryState.SUBMITTED: "Submitted: awaiting eligibility screening",
    EntryState.CLARIFICATION_REQUESTED: "Clarification requested: please answer and resubmit",
    EntryState.ELIGIBLE: "Eligible: accepted for evaluation",
    EntryState.INELIGIBLE: "Not eligible",
    EntryState.IN_REVIEW: "Under evaluation by the judges",
    EntryState.SHORTLISTED: "Finalist",
    EntryState.NOT_SHORTLISTED: "Not selected as a finalist",
    EntryState.AWARDED: "Awarded",
    EntryState.NOT_AWARDED: "Finalist, not awarded",
    EntryState.CERTIFIED: "Awarded: certificate issued",
    EntryState.WITHDRAWN: "Withdrawn by the applicant",
}
