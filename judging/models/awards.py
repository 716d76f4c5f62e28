"""Award decisions. Once approved a decision is never edited or deleted: a correction is a
new decision that supersedes it, with its reason (see the guard at the bottom)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, utcnow

if TYPE_CHECKING:
    from judging.models.entries import Entry
    from judging.models.programs import Category
    from judging.models.users import User


class ImmutableRecordError(RuntimeError):
    """An approved decision or an audit record was about to be changed or deleted."""


class AwardDecision(Base):
    __tablename__ = "award_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    tier_key: Mapped[str] = mapped_column(sa.String(80))
    slot: Mapped[int]  # 1..tier.slots
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id"))  # None: vacant
    basis: Mapped[str] = mapped_column(sa.String(20))  # ranking | override | selection | correction
    rank: Mapped[int | None]  # the entry's rank when allocated from the ranking
    theme: Mapped[str] = mapped_column(sa.String(200), default="")  # Special Mention
    partner: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    vacancy_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("award_decisions.id"), unique=True
    )

    category: Mapped[Category] = relationship()
    entry: Mapped[Entry | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    supersedes: Mapped[AwardDecision | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.CheckConstraint("slot >= 1", name="slot_positive"),
        sa.CheckConstraint(
            "basis IN ('ranking', 'override', 'selection', 'correction')", name="basis_known"
        ),
        sa.CheckConstraint(
            "basis NOT IN ('override', 'correction') OR length(trim(reason)) > 0",
            name="override_needs_reason",
        ),
    )

    @property
    def is_vacant(self) -> bool:
        return self.entry_id is None

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


@event.listens_for(AwardDecision, "before_update")
def _approved_decisions_are_final(mapper, connection, target: AwardDecision) -> None:
    history = sa.inspect(target).attrs.approved_at.history
    was_approved = bool(history.deleted and history.deleted[0]) or (
        not history.has_changes() and target.approved_at is not None
    )
    if was_approved:
        raise ImmutableRecordError(
            "An approved award decision cannot be changed; record a correction instead."
        )


@event.listens_for(AwardDecision, "before_delete")
def _approved_decisions_stay(mapper, connection, target: AwardDecision) -> None:
    if target.approved_at is not None:
        raise ImmutableRecordError("An approved award decision cannot be deleted.")
