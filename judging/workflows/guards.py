"""Guards: conditions a transition needs besides the actor's role and the source state.

A guard takes (obj, ctx) and returns None when satisfied, or a sentence saying why not.
Guards read the database through the object's own session; they never change anything.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from judging.models import (
    Assignment,
    AwardDecision,
    ConflictDeclaration,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Round,
    RoundState,
    User,
    automatic_conflicts,
)
from judging.program.answers import validate_answers


@dataclass(frozen=True)
class GuardContext:
    actor: User
    now: datetime
    reason: str


Guard = Callable[[object, GuardContext], str | None]


def format_local(dt: datetime | None, zone: str) -> str:
    """A deadline as people read it: '14 July 2024, 18:00 KST (Asia/Seoul)'."""
    if dt is None:
        return "not set"
    from zoneinfo import ZoneInfo

    local = dt.astimezone(ZoneInfo(zone))
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()} ({zone})"


def _named(description: str):
    """Attach a readable description to a guard (shown in the workflow diagram and docs)."""

    def wrap(fn):
        fn.description = description
        return fn

    return wrap


# ----- entry guards ------------------------------------------------------------------------
@_named("the call is open and its deadline has not passed")
def call_open(entry: Entry, ctx: GuardContext) -> str | None:
    edition = entry.edition
    if edition.state != EditionState.OPEN:
        return f"The call for entries of {edition.name} is not open (it is {edition.state.value})."
    if edition.deadline_at is None or ctx.now > edition.deadline_at:
        return (
            "The submission deadline has passed: "
            f"{format_local(edition.deadline_at, edition.time_zone)}. Your draft is kept."
        )
    return None


@_named("the entry's form is complete and its attachments are present")
def entry_complete(entry: Entry, ctx: GuardContext) -> str | None:
    program = entry.edition.program.spec
    category = program.category(entry.category.key)
    if entry.applicant_type not in category.applicant_types or not category.entered:
        return f"Applicants of this type may not enter {category.name}."
    form = program.form_for(category.key, entry.applicant_type)
    problems = validate_answers(form, entry.answers or {}, complete=True)
    if problems:
        labels = {f.key: f.label for f in form.fields}
        named = [f"{labels.get(k, k)}: {v}" for k, v in sorted(problems.items())]
        more = f" (and {len(named) - 3} more)" if len(named) > 3 else ""
        return "The entry is not complete. " + "; ".join(named[:3]) + more
    if len(entry.attachments) < form.required_attachments:
        return (
            f"Attach at least {form.required_attachments} supporting document"
            f"{'s' if form.required_attachments > 1 else ''} (PDF, PNG or JPEG)."
        )
    return None


@_named("the clarification deadline has not passed")
def before_clarification_deadline(entry: Entry, ctx: GuardContext) -> str | None:
    deadline = entry.clarification_deadline_at
    if deadline is not None and ctx.now > deadline:
        return (
            "The clarification deadline has passed: "
            f"{format_local(deadline, entry.edition.time_zone)}."
        )
    return None


@_named("screening is possible (the call is open or closed, judging not started)")
def screening_possible(entry: Entry, ctx: GuardContext) -> str | None:
    state = entry.edition.state
    if state not in {EditionState.OPEN, EditionState.CLOSED, EditionState.SCREENING}:
        return f"Screening decisions are not possible while the edition is {state.value}."
    return None


@_named("the edition is judging")
def edition_judging(entry: Entry, ctx: GuardContext) -> str | None:
    if entry.edition.state != EditionState.JUDGING:
        return f"The edition is {entry.edition.state.value}, not judging."
    return None


@_named("the edition is in deliberation, or approved (corrections)")
def decisions_possible(entry: Entry, ctx: GuardContext) -> str | None:
    state = entry.edition.state
    if state not in {EditionState.DELIBERATION, EditionState.APPROVED, EditionState.PUBLISHED}:
        return f"Award decisions are not possible while the edition is {state.value}."
    return None


@_named("the committee has approved the results")
def results_approved(entry: Entry, ctx: GuardContext) -> str | None:
    state = entry.edition.state
    if state not in {EditionState.APPROVED, EditionState.PUBLISHED, EditionState.ARCHIVED}:
        return f"Certificates are issued after the committee's approval (the edition is {state.value})."
    return None


@_named("no final decision yet")
def before_final_decision(entry: Entry, ctx: GuardContext) -> str | None:
    state = entry.edition.state
    if state in {EditionState.APPROVED, EditionState.PUBLISHED, EditionState.ARCHIVED}:
        return "The final decision has been taken; the entry can no longer be withdrawn."
    return None


# ----- edition guards ----------------------------------------------------------------------
@_named("a deadline in the future and at least one round are set")
def ready_to_open(edition: Edition, ctx: GuardContext) -> str | None:
    if edition.deadline_at is None:
        return "Set the submission deadline before opening the call."
    if edition.deadline_at <= ctx.now:
        return (
            "The submission deadline "
            f"({format_local(edition.deadline_at, edition.time_zone)}) is in the past."
        )
    if not edition.rounds:
        return "The edition has no judging rounds."
    return None


@_named("the submission deadline has passed")
def deadline_passed(edition: Edition, ctx: GuardContext) -> str | None:
    if edition.deadline_at is not None and ctx.now <= edition.deadline_at:
        return (
            "The call cannot close before its deadline "
            f"({format_local(edition.deadline_at, edition.time_zone)})."
        )
    return None


@_named("every entry has a screening decision and at least one is eligible")
def screening_done(edition: Edition, ctx: GuardContext) -> str | None:
    session = object_session(edition)
    counts = dict(
        session.execute(
            sa.select(Entry.state, sa.func.count())
            .where(Entry.edition_id == edition.id)
            .group_by(Entry.state)
        ).all()
    )
    pending = counts.get(EntryState.SUBMITTED, 0) + counts.get(EntryState.CLARIFICATION_REQUESTED, 0)
    if pending:
        return f"{pending} entr{'y is' if pending == 1 else 'ies are'} still awaiting a screening decision."
    if not counts.get(EntryState.ELIGIBLE, 0):
        return "No entry is eligible: there is nothing to judge."
    return None


@_named("every round is closed")
def rounds_closed(edition: Edition, ctx: GuardContext) -> str | None:
    open_rounds = [r.name for r in edition.rounds if r.state != RoundState.CLOSED]
    if open_rounds:
        return "Close every round first: " + ", ".join(open_rounds) + "."
    return None


@_named("every award slot has a decision (an entry or a recorded vacancy)")
def allocation_complete(edition: Edition, ctx: GuardContext) -> str | None:
    session = object_session(edition)
    superseded = sa.select(AwardDecision.supersedes_id).where(AwardDecision.supersedes_id.is_not(None))
    current = session.scalars(
        sa.select(AwardDecision).where(
            AwardDecision.edition_id == edition.id, AwardDecision.id.not_in(superseded)
        )
    ).all()
    have = {(d.category_id, d.tier_key, d.slot) for d in current}
    missing = []
    for category in edition.program.categories:
        for tier in category.tiers:
            for slot in range(1, tier.slots + 1):
                if (category.id, tier.key, slot) not in have:
                    missing.append(f"{category.name} {tier.name} #{slot}")
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return "Award slots without a decision: " + ", ".join(missing[:5]) + more + "."
    return None


# ----- round guards ------------------------------------------------------------------------
@_named("the edition is judging and every earlier round is closed")
def round_can_open(rnd: Round, ctx: GuardContext) -> str | None:
    if rnd.edition.state != EditionState.JUDGING:
        return f"Rounds open while the edition is judging (it is {rnd.edition.state.value})."
    earlier = [r for r in rnd.edition.rounds if r.number < rnd.number and r.state != RoundState.CLOSED]
    if earlier:
        return f"{earlier[0].name} is not closed yet."
    return None


@_named("every assigned review is submitted")
def reviews_complete(rnd: Round, ctx: GuardContext) -> str | None:
    session = object_session(rnd)
    assigned = session.execute(
        sa.select(sa.func.count())
        .select_from(Assignment)
        .where(Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))
    ).scalar_one()
    submitted = session.execute(
        sa.select(sa.func.count())
        .select_from(Review)
        .join(
            Assignment,
            sa.and_(
                Assignment.round_id == Review.round_id,
                Assignment.entry_id == Review.entry_id,
                Assignment.judge_id == Review.judge_id,
            ),
        )
        .where(
            Review.round_id == rnd.id,
            Review.state == ReviewState.SUBMITTED,
            Assignment.recused_at.is_(None),
        )
    ).scalar_one()
    if assigned == 0:
        return "No entry is assigned to a judge in this round."
    if submitted < assigned:
        missing = assigned - submitted
        return f"{missing} of {assigned} assigned reviews {'is' if missing == 1 else 'are'} not submitted yet."
    return None


# ----- review guards -----------------------------------------------------------------------
@_named("the review's round is open")
def review_round_open(review: Review, ctx: GuardContext) -> str | None:
    if review.round.state != RoundState.OPEN:
        return f"{review.round.name} is {review.round.state.value}; reviews can no longer change."
    return None


@_named("every criterion is scored and the overall comment is written")
def review_complete(review: Review, ctx: GuardContext) -> str | None:
    criteria = review.entry.category.criteria
    scored = {s.criterion_id for s in review.scores}
    missing = [c.name for c in criteria if c.id not in scored]
    if missing:
        return "Score every criterion before submitting; missing: " + ", ".join(missing) + "."
    if not (review.overall_comment or "").strip():
        return "Write the overall comment before submitting."
    return None


@_named("the judge has no conflict in force on the entry")
def judge_not_conflicted(review: Review, ctx: GuardContext) -> str | None:
    session = object_session(review)
    declaration = session.scalar(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.judge_id == review.judge_id,
            ConflictDeclaration.entry_id == review.entry_id,
        )
    )
    automatic = automatic_conflicts(
        review.judge, review.entry, review.entry.edition.program.spec.conflict_rules
    )
    if automatic:
        return "You have a conflict of interest on this entry: " + "; ".join(automatic) + "."
    if declaration is None:
        return "Declare whether you have a conflict of interest first."
    if declaration.in_force:
        return "You declared a conflict of interest on this entry; it cannot be scored by you."
    return None
