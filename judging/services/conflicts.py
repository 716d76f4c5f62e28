"""Conflicts of interest, enforced end to end.

A judge is conflicted on an entry when an automatic rule matches (same city, same country,
same organisation: the program's conflict rules) or when the judge declared a conflict that
the secretariat has not waived. A conflicted judge is never assigned, cannot open the entry,
and their score never enters an aggregate.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import (
    Assignment,
    AuditEvent,
    ConflictDeclaration,
    Entry,
    User,
    automatic_conflicts,
    utcnow,
)
from judging.services import ServiceError


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
            actor: User) -> ConflictDeclaration:
    """The judge's declaration for an entry, made before its content is shown. Declaring a
    conflict recuses the judge from the entry's assignments (kept for the record)."""
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
    if has_conflict:
        now = utcnow()
        for assignment in session.scalars(sa.select(Assignment).where(
                Assignment.entry_id == entry.id, Assignment.judge_id == judge.id,
                Assignment.recused_at.is_(None))):
            assignment.recused_at = now
            assignment.recusal_reason = reason
    session.flush()
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
    session.add(AuditEvent(actor_id=actor.id, edition_id=declaration.edition_id,
                           subject_type="entry", subject_id=declaration.entry_id,
                           event="waive_conflict", reason=reason,
                           details={"judge_id": declaration.judge_id}))
    session.flush()
    return declaration
