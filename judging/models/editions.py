"""An edition (cycle) of a program, its rounds, and its judging panel."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, str_enum, utcnow
from judging.models.states import EditionState, RoundState

if TYPE_CHECKING:
    from judging.models.programs import Program
    from judging.models.users import User


class Edition(Base):
    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    year: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[EditionState] = mapped_column(
        str_enum(EditionState, "edition_state"), default=EditionState.SETUP
    )
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    opens_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]  # submissions close (shown in the edition's time zone)
    ceremony_date: Mapped[date | None]
    ceremony_place: Mapped[str] = mapped_column(sa.String(200), default="")
    ranking_method: Mapped[str] = mapped_column(sa.String(20), default="calibrated")
    certify_finalists: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    program: Mapped[Program] = relationship()
    rounds: Mapped[list[Round]] = relationship(
        back_populates="edition", order_by="Round.number", cascade="all, delete-orphan"
    )
    panel: Mapped[list[PanelMember]] = relationship(
        back_populates="edition", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("program_id", "year"),
        sa.CheckConstraint(
            "ranking_method IN ('raw', 'z', 'calibrated')", name="ranking_method_known"
        ),
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def current_round(self) -> Round | None:
        """The open round, else the last closed one, else None."""
        open_rounds = [r for r in self.rounds if r.state == RoundState.OPEN]
        if open_rounds:
            return open_rounds[0]
        closed = [r for r in self.rounds if r.state == RoundState.CLOSED]
        return closed[-1] if closed else None

    def round(self, number: int) -> Round | None:
        return next((r for r in self.rounds if r.number == number), None)

    def accepts_submissions(self, now: datetime) -> bool:
        return (
            self.state == EditionState.OPEN
            and self.deadline_at is not None
            and now <= self.deadline_at
        )

    def __repr__(self) -> str:
        return f"<Edition {self.year} {self.state}>"


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[RoundState] = mapped_column(
        str_enum(RoundState, "round_state"), default=RoundState.PENDING
    )
    judges_per_entry: Mapped[int]
    finalist_share: Mapped[float | None]
    review_deadline_at: Mapped[datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    edition: Mapped[Edition] = relationship(back_populates="rounds")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "number"),
        sa.CheckConstraint("judges_per_entry >= 1", name="judges_positive"),
        sa.CheckConstraint(
            "finalist_share IS NULL OR (finalist_share > 0 AND finalist_share <= 1)",
            name="finalist_share_range",
        ),
    )

    @property
    def is_last(self) -> bool:
        return self.number == max(r.number for r in self.edition.rounds)

    def __repr__(self) -> str:
        return f"<Round {self.number} {self.state}>"


class PanelMember(Base):
    """A judge invited to an edition's judging committee."""

    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    categories: Mapped[list] = mapped_column(sa.JSON, default=list)  # category keys; empty: all
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    terms_accepted_at: Mapped[datetime | None]

    edition: Mapped[Edition] = relationship(back_populates="panel")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("edition_id", "user_id"),)

    def judges_category(self, category_key: str) -> bool:
        return not self.categories or category_key in self.categories
