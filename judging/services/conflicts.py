"""Conflicts of interest, enforced end to end.

A judge is conflicted on an entry when an automatic rule matches (same city, same country,
same organisation: the program's conflict rules) or when the judge declared a conflict that
the secretariat has not waived. A conflicted judge is never assigned, cannot open the entry,
and their score never enters an aggregate.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.models import (
    Assignment,
    AuditEvent,
    ConflictDeclaration,
    Edition,
    Entry,
    EntryState,
    RoundState,
    User,
    automatic_conflicts,
    utcnow,
)
from judging.program.schema import ConflictRules
from judging.services import ServiceError
from judging.services.cells import plain_cell


def declaration_for(session: Session, judge: User, entry: Entry) -> ConflictDeclaration | None:
    return session.scalar(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.judge_id == judge.id, ConflictDeclaration.entry_id == entry.id))


def conflict_reasons(session: Session, judge: User, entry: Entry) -> list[str]:
    """Why this judge may not judge this entry (empty: no conflict in force)."""
    reasons = automatic_conflicts(judge, entry, entry.edition.program.spec.conflict_rules)
    declaration = declaration_for(session, judge, entry)
    if declaration is not None and declaration.in_force:
        reasons.append(f"declared: {declaration.reason}")
    return reasons


def is_conflicted(session: Session, judge: User, entry: Entry) -> bool:
    return bool(conflict_reasons(session, judge, entry))


def declare(session: Session, *, judge: User, entry: Entry, has_conflict: bool, reason: str = "",
            actor: User, base_url: str = "") -> ConflictDeclaration:
    """The judge's declaration for an entry, made before its content is shown. Declaring a
    conflict recuses the judge from the entry's assignments (kept for the record), and each
    is replaced by another judge of the round when one is possible."""
    if actor.id != judge.id:
        raise ServiceError("Only the judge can declare their own conflicts.")
    reason = (reason or "").strip()
    if has_conflict and not reason:
        raise ServiceError("Say briefly what the conflict is (e.g. 'I advised this project').",
                           field="reason")
    existing = declaration_for(session, judge, entry)
    if existing is not None:
        if existing.has_conflict == has_conflict:
            return existing
        if existing.has_conflict:
            raise ServiceError("You declared a conflict on this entry; only the secretariat can "
                               "waive it.")
        # An earlier "no conflict" may become a conflict (the judge noticed it while reading).
        existing.has_conflict = True
        existing.reason = reason
        existing.declared_at = utcnow()
        declaration = existing
    else:
        declaration = ConflictDeclaration(edition_id=entry.edition_id, judge_id=judge.id,
                                          entry_id=entry.id, has_conflict=has_conflict,
                                          reason=reason)
        session.add(declaration)
    session.add(AuditEvent(actor_id=actor.id, edition_id=entry.edition_id, subject_type="entry",
                           subject_id=entry.id,
                           event="declare_conflict" if has_conflict else "declare_no_conflict",
                           reason=reason, details={"judge_id": judge.id}))
    recused: list[Assignment] = []
    if has_conflict:
        now = utcnow()
        for assignment in session.scalars(sa.select(Assignment).where(
                Assignment.entry_id == entry.id, Assignment.judge_id == judge.id,
                Assignment.recused_at.is_(None))):
            assignment.recused_at = now
            assignment.recusal_reason = reason
            recused.append(assignment)
    session.flush()
    if recused:
        # A recused judge is replaced when another judge without conflict is available;
        # otherwise the entry shows on the secretariat's dashboard.
        from judging.services.assignment import replace_recused

        for assignment in recused:
            replace_recused(session, assignment, actor=actor, base_url=base_url)
    return declaration


def waive(session: Session, declaration: ConflictDeclaration, *, reason: str,
          actor: User) -> ConflictDeclaration:
    """The secretariat waives a declared conflict, with a reason (recorded)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("A reason is required to waive a conflict.", field="reason")
    if not declaration.has_conflict:
        raise ServiceError("There is no declared conflict to waive.")
    if declaration.waived_at is not None:
        raise ServiceError("This conflict is already waived.")
    declaration.waived_at = utcnow()
    declaration.waived_by_id = actor.id
    declaration.waiver_reason = reason
    reinstated = _reinstate_if_short(session, declaration)
    session.add(AuditEvent(actor_id=actor.id, edition_id=declaration.edition_id,
                           subject_type="entry", subject_id=declaration.entry_id,
                           event="waive_conflict", reason=reason,
                           details={"judge_id": declaration.judge_id,
                                    "reinstated_rounds": reinstated}))
    session.flush()
    return declaration


def _reinstate_if_short(session: Session, declaration: ConflictDeclaration) -> list[int]:
    """After a waiver, a recusal that found no replacement is undone: the judge is back on
    the entry where the round still lacks judges (and no automatic conflict applies)."""
    entry = declaration.entry
    judge = declaration.judge
    if automatic_conflicts(judge, entry, entry.edition.program.spec.conflict_rules):
        return []
    recused = session.scalars(sa.select(Assignment).where(
        Assignment.entry_id == entry.id, Assignment.judge_id == judge.id,
        Assignment.recused_at.is_not(None))).all()
    reinstated = []
    for assignment in recused:
        rnd = assignment.round
        if rnd.state == RoundState.CLOSED:
            continue
        active = session.scalar(sa.select(sa.func.count()).select_from(Assignment).where(
            Assignment.round_id == rnd.id, Assignment.entry_id == entry.id,
            Assignment.recused_at.is_(None)))
        if active < rnd.judges_per_entry:
            assignment.recused_at = None
            assignment.recusal_reason = ""
            reinstated.append(rnd.number)
    return reinstated


# ----- the conflict register -----------------------------------------------------------------
# Entries that passed screening: the register covers them (automatic conflicts are derived).
SCREENED_STATES = frozenset({
    EntryState.ELIGIBLE, EntryState.IN_REVIEW, EntryState.SHORTLISTED,
    EntryState.NOT_SHORTLISTED, EntryState.AWARDED, EntryState.NOT_AWARDED,
    EntryState.CERTIFIED,
})


def _kind(reason: str) -> str:
    """'same country (KR)' -> 'same country'."""
    return reason.split(" (", 1)[0]


@dataclass(frozen=True)
class ConflictIndex:
    """An edition's declared conflicts, loaded once; automatic ones computed on demand."""

    rules: ConflictRules
    declarations: dict[tuple[int, int], ConflictDeclaration]

    def declaration(self, judge_id: int, entry_id: int) -> ConflictDeclaration | None:
        return self.declarations.get((judge_id, entry_id))

    def reasons(self, judge: User, entry: Entry) -> list[str]:
        """Every conflict in force between the judge and the entry (empty: none)."""
        reasons = automatic_conflicts(judge, entry, self.rules)
        declaration = self.declarations.get((judge.id, entry.id))
        if declaration is not None and declaration.in_force:
            reasons.append(f"declared: {declaration.reason}")
        return reasons

    def kinds(self, judge: User, entry: Entry) -> list[str]:
        """The short kinds of the conflicts in force: same country, same city, same
        organisation, declared."""
        kinds = [_kind(r) for r in automatic_conflicts(judge, entry, self.rules)]
        declaration = self.declarations.get((judge.id, entry.id))
        if declaration is not None and declaration.in_force:
            kinds.append("declared")
        return kinds

    def conflicted(self, judge: User, entry: Entry) -> bool:
        return bool(self.kinds(judge, entry))


def conflict_index(session: Session, edition: Edition) -> ConflictIndex:
    declarations = session.scalars(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.edition_id == edition.id)).all()
    return ConflictIndex(edition.program.spec.conflict_rules,
                         {(d.judge_id, d.entry_id): d for d in declarations})


@dataclass(frozen=True)
class RegisterRow:
    judge: User
    entry: Entry
    source: str  # automatic | declared
    reason: str
    declaration: ConflictDeclaration | None = None

    @property
    def waived(self) -> bool:
        return self.declaration is not None and self.declaration.waived_at is not None

    @property
    def in_force(self) -> bool:
        return self.source == "automatic" or (self.declaration is not None
                                              and self.declaration.in_force)


def register(session: Session, edition: Edition, *, source: str | None = None) -> list[RegisterRow]:
    """The conflict register of an edition: automatic conflicts of every panel member with
    every entry that passed screening (derived, never stored), and every declared conflict
    (with its waiver). Loaded in three queries and compared in Python."""
    from judging.models import PanelMember

    rules = edition.program.spec.conflict_rules
    members = session.scalars(
        sa.select(PanelMember).where(PanelMember.edition_id == edition.id)
        .options(joinedload(PanelMember.user)).order_by(PanelMember.id)).all()
    entries = session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id, Entry.state.in_(SCREENED_STATES))
        .order_by(Entry.reference, Entry.id)).all()
    declarations = session.scalars(
        sa.select(ConflictDeclaration)
        .where(ConflictDeclaration.edition_id == edition.id,
               ConflictDeclaration.has_conflict.is_(True))
        .options(joinedload(ConflictDeclaration.judge), joinedload(ConflictDeclaration.entry),
                 joinedload(ConflictDeclaration.waived_by))
        .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id)).all()
    rows: list[RegisterRow] = []
    if source in (None, "automatic"):
        for member in members:
            judge = member.user
            for entry in entries:
                reasons = automatic_conflicts(judge, entry, rules)
                if reasons:
                    rows.append(RegisterRow(judge, entry, "automatic", "; ".join(reasons)))
    if source in (None, "declared"):
        rows.extend(RegisterRow(d.judge, d.entry, "declared", d.reason, d) for d in declarations)
    rows.sort(key=lambda r: (r.judge.name.casefold(), r.entry.label, r.source))
    return rows


REGISTER_COLUMNS = ("judge_name", "judge_email", "entry", "applicant", "source", "reason",
                    "in_force", "declared_at", "waived_at", "waived_by", "waiver_reason")


def register_csv(rows: list[RegisterRow], zone: str = "UTC") -> str:
    """The register as CSV (times in ISO 8601 in the given time zone)."""
    import csv
    import io
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)

    def when(value) -> str:
        return value.astimezone(tz).isoformat(timespec="minutes") if value else ""

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTER_COLUMNS)
    for row in rows:
        d = row.declaration
        writer.writerow([plain_cell(value) for value in [
            row.judge.name, row.judge.email, row.entry.label, row.entry.applicant_name,
            row.source, row.reason, "yes" if row.in_force else "no",
            when(d.declared_at) if d else "", when(d.waived_at) if d else "",
            (d.waived_by.email if d and d.waived_by else ""), d.waiver_reason if d else "",
        ]])
    return buffer.getvalue()

