"""Conflicts of interest: declared by judges (and waived by the secretariat), or automatic.

Automatic conflicts (same city, country, organisation) are derived from the judge's and the
entry's facts by `automatic_conflicts`; they are never stored, so they cannot go stale.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, utcnow

if TYPE_CHECKING:
    from judging.models.entries import Entry
    from judging.models.users import User
    from judging.program.schema import ConflictRules


@lru_cache(maxsize=4096)
def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def automatic_conflicts(judge: User, entry: Entry, rules: ConflictRules) -> list[str]:
    """The automatic conflict reasons between a judge and an entry (empty: none)."""
    reasons: list[str] = []
    if rules.same_country and judge.country and judge.country == entry.country:
        reasons.append(f"same country ({entry.country})")
    if (
        rules.same_city
        and _norm(judge.city)
        and _norm(judge.city) in {_norm(entry.city), _norm(entry.city_local)}
        and judge.country == entry.country
    ):
        reasons.append(f"same city ({entry.city})")
    if rules.same_organisation and _norm(judge.organisation) and _norm(judge.organisation) == _norm(
        entry.organisation
    ):
        reasons.append(f"same organisation ({entry.organisation})")
    return reasons


class ConflictDeclaration(Base):
    """A judge's declaration on one entry, made before its content is shown."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    has_conflict: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    waived_at: Mapped[datetime | None]
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    waiver_reason: Mapped[str] = mapped_column(sa.Text, default="")

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    entry: Mapped[Entry] = relationship()
    waived_by: Mapped[User | None] = relationship(foreign_keys=[waived_by_id])

    __table_args__ = (
        sa.UniqueConstraint("judge_id", "entry_id"),
        sa.CheckConstraint(
            "NOT has_conflict OR length(trim(reason)) > 0", name="conflict_needs_reason"
        ),
        sa.CheckConstraint(
            "waived_at IS NULL OR (has_conflict AND length(trim(waiver_reason)) > 0)",
            name="waiver_needs_reason",
        ),
    )

    @property
    def in_force(self) -> bool:
        """A declared conflict that has not been waived."""
        return self.has_conflict and self.waived_at is None
