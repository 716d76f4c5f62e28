"""Issued certificates: every revision is kept; a revoked one says when and why."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, utcnow

if TYPE_CHECKING:
    from judging.models.awards import AwardDecision
    from judging.models.entries import Entry
    from judging.models.users import User


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("award_decisions.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # award | finalist
    serial: Mapped[str] = mapped_column(sa.String(40), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str] = mapped_column(sa.String(120))  # under instance/certificates
    snapshot: Mapped[dict] = mapped_column(sa.JSON)  # the data the PDF was rendered from
    fonts: Mapped[list] = mapped_column(sa.JSON, default=list)  # fonts embedded
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")

    entry: Mapped[Entry] = relationship()
    award: Mapped[AwardDecision | None] = relationship()
    issued_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("entry_id", "kind", "revision"),
        sa.CheckConstraint("kind IN ('award', 'finalist')", name="kind_known"),
        sa.CheckConstraint(
            "revoked_at IS NULL OR length(trim(revoked_reason)) > 0", name="revocation_reason"
        ),
    )

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
