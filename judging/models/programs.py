"""A prize program in the database: its definition (validated data) and the rows other
tables refer to (categories, award tiers, criteria)."""
from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.models.base import Base, utcnow

if TYPE_CHECKING:
    from judging.program.schema import Program as ProgramSpec


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[dict] = mapped_column(sa.JSON)  # program_to_dict() of the loaded file
    source: Mapped[str] = mapped_column(sa.String(500), default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="program", order_by="Category.position", cascade="all, delete-orphan"
    )

    @cached_property
    def spec(self) -> ProgramSpec:
        # Rebuilding the frozen spec costs milliseconds, on every page that reads the program
        # (each request loads a new Program row): share it between rows with the same content.
        return _spec_from_json(json.dumps(self.definition, sort_keys=True))

    def category_by_key(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


@lru_cache(maxsize=16)
def _spec_from_json(definition: str) -> ProgramSpec:
    """The frozen spec of a program definition (canonical JSON); specs are immutable, so one
    object serves every request and thread."""
    from judging.program.loader import program_from_dict

    return program_from_dict(json.loads(definition))


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    code: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(200))
    entered: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    program: Mapped[Program] = relationship(back_populates="categories")
    tiers: Mapped[list[AwardTier]] = relationship(
        back_populates="category", order_by="AwardTier.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="category", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("program_id", "key"),
        sa.UniqueConstraint("program_id", "code"),
    )

    @property
    def spec(self):
        return self.program.spec.category(self.key)


class AwardTier(Base):
    __tablename__ = "award_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    slots: Mapped[int]
    applicant_types: Mapped[list] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category] = relationship(back_populates="tiers")

    __table_args__ = (
        sa.UniqueConstraint("category_id", "key"),
        sa.CheckConstraint("slots >= 1", name="slots_positive"),
    )


class Criterion(Base):
    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(200))
    weight: Mapped[float]
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("category_id", "key"),
        # Scores refer to (id, scale_min, scale_max) so the database keeps them within the scale.
        sa.UniqueConstraint("id", "scale_min", "scale_max", name="uq_criteria_id_scale"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("scale_min < scale_max", name="scale_ordered"),
    )

    @property
    def spec(self):
        return self.category.spec.criterion(self.key)
