"""The transition tables: one frozen row per transition, for every stateful object.

The same tables drive the engine (what may happen), the buttons a user sees, the tests
(every state x every event) and the Mermaid diagram in the README.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from judging.models import Edition, Entry, Review, Round
from judging.workflows import guards as g
from judging.workflows.states import EditionState, EntryState, ReviewState, RoundState

# Who may fire a transition: a role, or OWNER (the entry's applicant, the review's judge).
OWNER = "owner"
SECRETARIAT = "secretariat"
CHAIR = "chair"
JUDGE = "judge"


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset
    target: enum.Enum
    actors: frozenset[str]
    label: str
    guards: tuple = ()
    requires_reason: bool = False
    reason_label: str = "Reason"
    confirm: str | None = None  # ask the user to confirm (shown on the button's form)
    style: str = "primary"  # how the button looks: primary | secondary | danger | success

    def __post_init__(self):
        if not isinstance(self.sources, frozenset) or not self.sources:
            raise TypeError(f"{self.event}: sources must be a non-empty frozenset")
        if not isinstance(self.actors, frozenset) or not self.actors:
            raise TypeError(f"{self.event}: actors must be a non-empty frozenset")


@dataclass(frozen=True)
class Machine:
    name: str  # subject type written in the audit trail
    model: type
    states: type[enum.Enum]
    initial: enum.Enum
    transitions: tuple[Transition, ...]

    def __post_init__(self):
        seen: set[tuple[str, enum.Enum]] = set()
        for t in self.transitions:
            for source in t.sources:
                if not isinstance(source, self.states) or not isinstance(t.target, self.states):
                    raise TypeError(f"{self.name}.{t.event}: states must be {self.states.__name__}")
                if (t.event, source) in seen:
                    raise ValueError(f"{self.name}: two rows for {t.event} from {source}")
                seen.add((t.event, source))

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    def find(self, event: str, state: enum.Enum) -> Transition | None:
        for t in self.transitions:
            if t.event == event and state in t.sources:
                return t
        return None

    def from_state(self, state: enum.Enum) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)


def fs(*items) -> frozenset:
    return frozenset(items)


E = EntryState
ENTRY = Machine(
    name="entry",
    model=Entry,
    states=EntryState,
    initial=E.DRAFT,
    transitions=(
        Transition("submit", fs(E.DRAFT), E.SUBMITTED, fs(OWNER), "Submit entry",
                   guards=(g.call_open, g.entry_complete), style="success",
                   confirm="Submit this entry? You cannot edit it afterwards unless the secretariat asks for a clarification."),
        Transition("request_clarification", fs(E.SUBMITTED), E.CLARIFICATION_REQUESTED,
                   fs(SECRETARIAT), "Return for clarification", guards=(g.screening_possible,),
                   requires_reason=True, reason_label="Question to the applicant", style="secondary"),
        Transition("resubmit", fs(E.CLARIFICATION_REQUESTED), E.SUBMITTED, fs(OWNER),
                   "Resubmit entry", guards=(g.before_clarification_deadline, g.entry_complete),
                   style="success"),
        Transition("declare_eligible", fs(E.SUBMITTED), E.ELIGIBLE, fs(SECRETARIAT),
                   "Eligible", guards=(g.screening_possible,), style="success"),
        Transition("declare_ineligible", fs(E.SUBMITTED, E.CLARIFICATION_REQUESTED), E.INELIGIBLE,
                   fs(SECRETARIAT), "Ineligible", guards=(g.screening_possible,),
                   requires_reason=True, reason_label="Why the entry is not eligible", style="danger"),
        Transition("reinstate", fs(E.INELIGIBLE), E.ELIGIBLE, fs(SECRETARIAT),
                   "Reinstate as eligible", guards=(g.screening_possible,), requires_reason=True,
                   style="secondary"),
        Transition("start_review", fs(E.ELIGIBLE), E.IN_REVIEW, fs(SECRETARIAT),
                   "Send to the judges", guards=(g.edition_judging,)),
        Transition("shortlist", fs(E.IN_REVIEW), E.SHORTLISTED, fs(SECRETARIAT),
                   "Shortlist as finalist", guards=(g.edition_judging,)),
        Transition("not_shortlist", fs(E.IN_REVIEW), E.NOT_SHORTLISTED, fs(SECRETARIAT),
                   "Not shortlisted", guards=(g.edition_judging,)),
        Transition("award", fs(E.SHORTLISTED, E.NOT_SHORTLISTED, E.NOT_AWARDED), E.AWARDED,
                   fs(SECRETARIAT, CHAIR), "Award", guards=(g.decisions_possible,), style="success"),
        Transition("not_award", fs(E.SHORTLISTED), E.NOT_AWARDED, fs(SECRETARIAT, CHAIR),
                   "Not awarded", guards=(g.decisions_possible,)),
        Transition("revoke_award", fs(E.AWARDED, E.CERTIFIED), E.NOT_AWARDED, fs(CHAIR),
                   "Revoke award", guards=(g.decisions_possible,), requires_reason=True,
                   style="danger"),
        Transition("certify", fs(E.AWARDED), E.CERTIFIED, fs(SECRETARIAT),
                   "Issue certificate", guards=(g.results_approved,), style="success"),
        Transition("withdraw", fs(E.DRAFT, E.SUBMITTED, E.CLARIFICATION_REQUESTED, E.ELIGIBLE,
                                  E.IN_REVIEW, E.SHORTLISTED, E.NOT_SHORTLISTED),
                   E.WITHDRAWN, fs(OWNER), "Withdraw entry", guards=(g.before_final_decision,),
                   style="danger",
                   confirm="Withdraw this entry? It will take no further part in this edition. This cannot be undone."),
    ),
)

S = EditionState
EDITION = Machine(
    name="edition",
    model=Edition,
    states=EditionState,
    initial=S.SETUP,
    transitions=(
        Transition("open_call", fs(S.SETUP), S.OPEN, fs(SECRETARIAT), "Open the call for entries",
                   guards=(g.ready_to_open,)),
        Transition("close_call", fs(S.OPEN), S.CLOSED, fs(SECRETARIAT), "Close the call",
                   guards=(g.deadline_passed,)),
        Transition("start_screening", fs(S.CLOSED), S.SCREENING, fs(SECRETARIAT),
                   "Start eligibility screening"),
        Transition("start_judging", fs(S.SCREENING), S.JUDGING, fs(SECRETARIAT),
                   "Start judging", guards=(g.screening_done,)),
        Transition("start_deliberation", fs(S.JUDGING), S.DELIBERATION, fs(SECRETARIAT),
                   "Start deliberation", guards=(g.rounds_closed,)),
        Transition("approve", fs(S.DELIBERATION), S.APPROVED, fs(CHAIR),
                   "Approve the winners", guards=(g.allocation_complete,), style="success",
                   confirm="Approve the award allocation? Approved decisions can only be corrected by a new recorded decision."),
        Transition("publish", fs(S.APPROVED), S.PUBLISHED, fs(SECRETARIAT), "Publish the results",
                   style="success",
                   confirm="Publish the results? The winners page becomes public and applicants are told."),
        Transition("archive", fs(S.PUBLISHED), S.ARCHIVED, fs(SECRETARIAT), "Archive the edition",
                   style="secondary"),
    ),
)

R = RoundState
ROUND = Machine(
    name="round",
    model=Round,
    states=RoundState,
    initial=R.PENDING,
    transitions=(
        Transition("open_round", fs(R.PENDING), R.OPEN, fs(SECRETARIAT), "Open the round",
                   guards=(g.round_can_open,)),
        Transition("close_round", fs(R.OPEN), R.CLOSED, fs(SECRETARIAT), "Close the round",
                   guards=(g.reviews_complete,),
                   confirm="Close the round? Reviews are locked and the finalists are shortlisted."),
    ),
)

V = ReviewState
REVIEW = Machine(
    name="review",
    model=Review,
    states=ReviewState,
    initial=V.DRAFT,
    transitions=(
        Transition("submit_review", fs(V.DRAFT), V.SUBMITTED, fs(OWNER), "Submit review",
                   guards=(g.review_round_open, g.judge_not_conflicted, g.review_complete),
                   style="success",
                   confirm="Submit your review? It is locked once submitted."),
        Transition("reopen_review", fs(V.SUBMITTED), V.DRAFT, fs(SECRETARIAT), "Reopen review",
                   guards=(g.review_round_open,), requires_reason=True, style="secondary"),
    ),
)

MACHINES: tuple[Machine, ...] = (EDITION, ROUND, ENTRY, REVIEW)
_BY_MODEL = {m.model: m for m in MACHINES}


def machine_for(obj_or_type) -> Machine:
    cls = obj_or_type if isinstance(obj_or_type, type) else type(obj_or_type)
    try:
        return _BY_MODEL[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} has no workflow") from None
