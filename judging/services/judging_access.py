"""May this judge see this entry in this round? The single answer, used by every judge page,
the scoring service and the import.

The conditions, in the order they are checked:
1. the judge holds an active assignment to the entry in the round (recused ones do not count);
   otherwise the entry is "not found" (the judge must not learn that it exists);
2. the judge has accepted the edition's terms (confidentiality, conflict-of-interest policy);
3. no automatic conflict (same city, country, organisation under the program's rules): the entry
   is never shown, however it came to be assigned;
4. the judge has declared on the entry (no conflict, or a conflict the secretariat waived).
A declared conflict recuses the assignment (conflicts.declare), so it ends at step 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from judging.models import (
    Assignment,
    Category,
    ConflictDeclaration,
    Criterion,
    Edition,
    Entry,
    PanelMember,
    Program,
    Review,
    Round,
    Score,
    User,
    automatic_conflicts,
)
from judging.services import ServiceError, roster


class AccessRefused(ServiceError):
    """The judge may not (yet) see the entry; the subclass says why."""


class NotAssigned(AccessRefused):
    """No active assignment: answer 404, never reveal the entry."""

    def __init__(self) -> None:
        super().__init__("There is no such entry among your assignments.")


class TermsNotAccepted(AccessRefused):
    def __init__(self, edition: Edition) -> None:
        super().__init__(f"Accept the terms of {edition.name} before you see any entry.")
        self.edition = edition


class AutomaticConflict(AccessRefused):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__(
            "You have a conflict of interest on this entry ("
            + "; ".join(reasons)
            + "), so it is not shown to you. The secretariat will assign it to another judge."
        )
        self.reasons = reasons


class DeclaredConflict(AccessRefused):
    def __init__(self) -> None:
        super().__init__("You declared a conflict of interest on this entry, so it is not shown "
                         "to you.")


class DeclarationRequired(AccessRefused):
    def __init__(self) -> None:
        super().__init__("Declare whether you have a conflict of interest before the entry is shown.")


@dataclass(frozen=True)
class JudgeAccess:
    """What a judge has on one entry in one round (loaded once, checked in order)."""

    judge: User
    entry: Entry
    round: Round
    assignment: Assignment
    member: PanelMember | None
    automatic: tuple[str, ...]
    declaration: ConflictDeclaration | None
    review: Review | None = None  # the judge's review of the entry in the round, if any

    @property
    def edition(self) -> Edition:
        return self.round.edition

    @property
    def terms_accepted(self) -> bool:
        return self.member is not None and self.member.terms_accepted_at is not None

    @property
    def declared(self) -> bool:
        """Declared, and free to judge: no conflict, or a conflict the secretariat waived."""
        return self.declaration is not None and not self.declaration.in_force

    def refusal(self, *, need_declaration: bool = True) -> AccessRefused | None:
        """Why the entry's content may not be shown (None: it may)."""
        if not self.terms_accepted:
            return TermsNotAccepted(self.edition)
        if self.automatic:
            return AutomaticConflict(list(self.automatic))
        if self.declaration is not None and self.declaration.in_force:
            return DeclaredConflict()
        if need_declaration and not self.declared:
            return DeclarationRequired()
        return None

    @property
    def may_view(self) -> bool:
        return self.refusal() is None


def panel_member(session: Session, edition: Edition, judge: User) -> PanelMember | None:
    return session.scalar(sa.select(PanelMember).where(
        PanelMember.edition_id == edition.id, PanelMember.user_id == judge.id))


def active_assignment(session: Session, judge: User, entry_id: int, round_id: int
                      ) -> Assignment | None:
    return session.scalar(sa.select(Assignment).where(
        Assignment.judge_id == judge.id, Assignment.entry_id == entry_id,
        Assignment.round_id == round_id, Assignment.recused_at.is_(None)))


@cache
def _criteria_statement() -> sa.Select:
    """A category's criteria, in order (built once; cheaper than a selectin or lazy load)."""
    return (sa.select(Criterion).where(Criterion.category_id == sa.bindparam("category_id"))
            .order_by(Criterion.position))


@cache
def _scores_statement() -> sa.Select:
    """A review's scores (built once; cheaper than a joined or selectin load)."""
    return sa.select(Score).where(Score.review_id == sa.bindparam("review_id"))


@cache
def _access_statement() -> sa.Select:
    """load_access's query, built once (building it costs more than running it)."""
    return (
        sa.select(Assignment, PanelMember, ConflictDeclaration, Review,
                  Entry, Category, Round, Edition, Program)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .join(Round, Round.id == Assignment.round_id)
        .join(Edition, Edition.id == Round.edition_id)
        .join(Program, Program.id == Edition.program_id)
        .outerjoin(PanelMember, sa.and_(PanelMember.edition_id == Round.edition_id,
                                        PanelMember.user_id == Assignment.judge_id))
        .outerjoin(ConflictDeclaration,
                   sa.and_(ConflictDeclaration.judge_id == Assignment.judge_id,
                           ConflictDeclaration.entry_id == Assignment.entry_id))
        .outerjoin(Review, sa.and_(Review.round_id == Assignment.round_id,
                                   Review.entry_id == Assignment.entry_id,
                                   Review.judge_id == Assignment.judge_id))
        .where(Assignment.judge_id == sa.bindparam("judge_id"),
               Assignment.entry_id == sa.bindparam("entry_id"),
               Assignment.round_id == sa.bindparam("round_id"),
               Assignment.recused_at.is_(None))
        # The entry, category, round, edition and program are selected with the assignment:
        # their many-to-one links then resolve from the session, without a query.
        .options(sa.orm.lazyload(Review.scores))  # loaded below, by a statement built once
    )


def load_access(session: Session, judge: User, *, entry_id: int, round_id: int) -> JudgeAccess:
    """The judge's standing on an entry in a round. Raises NotAssigned (404) when the judge
    holds no active assignment to it; the other conditions are left to `refusal()`.

    One query: the assignment with its entry, category, round, edition and program, the
    judge's panel membership, their declaration on the entry and their review of it (every
    judge page needs them)."""
    found = session.execute(_access_statement(), {"judge_id": judge.id, "entry_id": entry_id,
                                                   "round_id": round_id}).first()
    if found is None:
        raise NotAssigned()
    assignment, member, declaration, review = found[:4]
    entry = assignment.entry
    rnd = assignment.round
    if review is not None and "scores" not in sa.inspect(review).dict:
        set_committed_value(review, "scores", session.scalars(
            _scores_statement(), {"review_id": review.id}).all())
    if "criteria" not in sa.inspect(entry.category).dict:  # not loaded in this session yet
        set_committed_value(entry.category, "criteria", session.scalars(
            _criteria_statement(), {"category_id": entry.category_id}).all())
    if entry.edition_id != rnd.edition_id:  # cannot happen through the services; be sure
        raise NotAssigned()
    return JudgeAccess(
        judge=judge,
        entry=entry,
        round=rnd,
        assignment=assignment,
        member=member,
        automatic=tuple(automatic_conflicts(judge, entry, rnd.edition.program.spec.conflict_rules)),
        declaration=declaration,
        review=review,
    )


def require_view(session: Session, judge: User, *, entry_id: int, round_id: int,
                 need_declaration: bool = True) -> JudgeAccess:
    """Load and check everything: returns the access, or raises the first refusal."""
    access = load_access(session, judge, entry_id=entry_id, round_id=round_id)
    refusal = access.refusal(need_declaration=need_declaration)
    if refusal is not None:
        raise refusal
    return access


def may_see_entry(session: Session, judge: User, entry: Entry, rnd: Round) -> bool:
    """The predicate: may this judge see this entry's content in this round now?"""
    try:
        require_view(session, judge, entry_id=entry.id, round_id=rnd.id)
    except AccessRefused:
        return False
    return True


# ----- terms --------------------------------------------------------------------------------
def has_assignments(session: Session, edition: Edition, judge: User) -> bool:
    return session.scalar(
        sa.select(sa.func.count()).select_from(Assignment)
        .join(Round, Round.id == Assignment.round_id)
        .where(Round.edition_id == edition.id, Assignment.judge_id == judge.id)
    ) > 0


def may_accept_terms(session: Session, edition: Edition, judge: User) -> bool:
    """A judge on the edition's panel, or one with assignments there (e.g. imported)."""
    return panel_member(session, edition, judge) is not None or has_assignments(
        session, edition, judge)


def accept_terms(session: Session, edition: Edition, judge: User, *, actor: User) -> PanelMember:
    """The judge accepts the edition's terms (confidentiality, conflict-of-interest policy).
    A judge with assignments who is not on the panel yet joins it now."""
    if actor.id != judge.id:
        raise ServiceError("Only the judge can accept the terms.")
    member = panel_member(session, edition, judge)
    if member is None:
        if not has_assignments(session, edition, judge):
            raise ServiceError(f"You are not on the judging panel of {edition.name}.")
        member = PanelMember(edition=edition, user=judge, categories=[])
        session.add(member)
        session.flush()
    if member.terms_accepted_at is None:
        roster.accept_terms(session, member, actor)
    return member
