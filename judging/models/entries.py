"""Entries and their attachments."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, str_enum, utcnow
from judging.models.states import ENTRY_STATE_WORDS, EntryState
from judging.models.users import Role

if TYPE_CHECKING:
    from judging.models.editions import Edition
    from judging.models.programs import Category
    from judging.models.users import User

EDITABLE_STATES = frozenset({EntryState.DRAFT, EntryState.CLARIFICATION_REQUESTED})
# States in which the entry is still in the running (withdrawal allowed until a final decision).
OPEN_STATES = frozenset(
    {
        EntryState.DRAFT,
        EntryState.SUBMITTED,
        EntryState.CLARIFICATION_REQUESTED,
        EntryState.ELIGIBLE,
        EntryState.IN_REVIEW,
        EntryState.SHORTLISTED,
        EntryState.NOT_SHORTLISTED,
    }
)


class Entry(Base):
    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    state: Mapped[EntryState] = mapped_column(
        str_enum(EntryState, "entry_state"), default=EntryState.DRAFT, index=True
    )
    applicant_type: Mapped[str] = mapped_column(sa.String(40))
    applicant_name: Mapped[str] = mapped_column(sa.String(200))  # in Latin script
    applicant_name_local: Mapped[str] = mapped_column(sa.String(200), default="")  # own script
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    city: Mapped[str] = mapped_column(sa.String(120))
    city_local: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # form field key -> text
    submitted_at: Mapped[datetime | None]
    clarification_question: Mapped[str] = mapped_column(sa.Text, default="")
    clarification_deadline_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    edition: Mapped[Edition] = relationship()
    category: Mapped[Category] = relationship()
    owner: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="entry", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint("length(country) = 2", name="country_code"),
        sa.Index("ix_entries_edition_state", "edition_id", "state"),
    )

    # ----- derived facts -------------------------------------------------------------
    @property
    def state_words(self) -> str:
        return ENTRY_STATE_WORDS[self.state]

    @property
    def display_name(self) -> str:
        if self.applicant_name_local and self.applicant_name_local != self.applicant_name:
            return f"{self.applicant_name_local} {self.applicant_name}"
        return self.applicant_name

    @property
    def label(self) -> str:
        return self.reference or f"draft #{self.id}"

    @property
    def attachment_bytes(self) -> int:
        return sum(a.size_bytes for a in self.attachments)

    # ----- permission predicates (pure; views turn False into 403/404) -------------------
    def is_owned_by(self, user: User | None) -> bool:
        return user is not None and self.owner_id is not None and self.owner_id == user.id

    def can_view(self, user: User | None) -> bool:
        """Applicants see their own entries; the secretariat and chair see all.
        Judges see entries through their assignments (checked by the judging services)."""
        if user is None or not user.is_authenticated:
            return False
        return self.is_owned_by(user) or user.has_role(Role.SECRETARIAT, Role.CHAIR)

    def can_edit(self, user: User | None) -> bool:
        return self.is_owned_by(user) and self.state in EDITABLE_STATES

    def __repr__(self) -> str:
        return f"<Entry {self.label} {self.state}>"


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))  # sanitised, for display only
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)  # random, on disk
    content_type: Mapped[str] = mapped_column(sa.String(100))  # detected from the content
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    entry: Mapped[Entry] = relationship(back_populates="attachments")

    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)
