"""The outbox: every outgoing message is written here first, then sent (when SMTP is set)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from judging.models.base import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))  # e.g. entry_submitted, password_reset
    to_email: Mapped[str] = mapped_column(sa.String(254))
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editions.id"))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
