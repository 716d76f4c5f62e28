"""Assignments of judges to entries, reviews, and criterion scores."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, str_enum, utcnow
from judging.models.states import ReviewState

if TYPE_CHECKING:
    from judging.models.editions import Round
    from judging.models.entries import Entry
    from judging.models.programs import Criterion
    from judging.models.users import User


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recused_at: Mapped[datetime | None]  # the judge stepped back (conflict); kept for the record
    recusal_reason: Mapped[str] = mapped_column(sa.Text, default="")

    round: Mapped[Round] = relationship()
    entry: Mapped[Entry] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])

    __table_args__ = (
        sa.UniqueConstraint("round_id", "entry_id", "judge_id"),
        sa.Index("ix_assignments_judge_round", "judge_id", "round_id"),
    )

    @property
    def active(self) -> bool:
        return self.recused_at is None


class Review(Base):
    """One judge's evaluation of one entry in one round."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[ReviewState] = mapped_column(
        str_enum(ReviewState, "review_state"), default=ReviewState.DRAFT
    )
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    special_mention_recommended: Mapped[bool] = mapped_column(default=False)
    special_mention_theme: Mapped[str] = mapped_column(sa.String(200), default="")
    # A draft's comments on criteria not scored yet (criterion key -> text); a comment moves
    # onto its Score when the criterion is scored. Keeps every word a judge saves.
    draft_comments: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship()
    entry: Mapped[Entry] = relationship()
    judge: Mapped[User] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        # One review per judge per entry per round, and only where the judge is assigned.
        sa.UniqueConstraint("round_id", "entry_id", "judge_id"),
        sa.ForeignKeyConstraint(
            ["round_id", "entry_id", "judge_id"],
            ["assignments.round_id", "assignments.entry_id", "assignments.judge_id"],
            name="fk_reviews_assignment",
        ),
    )

    def is_owned_by(self, user: User | None) -> bool:
        return user is not None and user.id == self.judge_id

    def score_for(self, criterion_id: int) -> Score | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class Score(Base):
    """One criterion's score within a review; the database keeps it within the scale."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int]
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    value: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.ForeignKeyConstraint(
            ["criterion_id", "scale_min", "scale_max"],
            ["criteria.id", "criteria.scale_min", "criteria.scale_max"],
            name="fk_scores_criterion_scale",
        ),
        sa.CheckConstraint(
            "value >= scale_min AND value <= scale_max", name="value_within_scale"
        ),
    )
