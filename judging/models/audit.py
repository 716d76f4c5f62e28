"""The audit trail: one row per state change or recorded action. Rows are never changed."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.awards import ImmutableRecordError
from judging.models.base import Base, utcnow

if TYPE_CHECKING:
    from judging.models.users import User


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editions.id"), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))  # entry | edition | round | review | ...
    subject_id: Mapped[int]
    event: Mapped[str] = mapped_column(sa.String(60))
    from_state: Mapped[str | None] = mapped_column(sa.String(40))
    to_state: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_subject", "subject_type", "subject_id"),)


@event.listens_for(AuditEvent, "before_update")
def _audit_is_append_only(mapper, connection, target) -> None:
    raise ImmutableRecordError("Audit events are never changed.")


@event.listens_for(AuditEvent, "before_delete")
def _audit_is_kept(mapper, connection, target) -> None:
    raise ImmutableRecordError("Audit events are never deleted.")
