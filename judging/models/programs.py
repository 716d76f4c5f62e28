"""A prize program in the database: its definition (validated data) and the rows other
tables refer to (categories, award tiers, criteria)."""
from __future__ import annotations

import threading
from datetime import datetime
from functools import cached_property
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
    # program_to_dict() of the loaded file; loaded only when a spec is built (see `spec`)
    definition: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    source: Mapped[str] = mapped_column(sa.String(500), default="")
    # When this definition was installed; every install takes a new, later value, so that
    # (id, loaded_at) names one definition (install_program keeps to that).
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="program", order_by="Category.position", cascade="all, delete-orphan"
    )

    @cached_property
    def spec(self) -> ProgramSpec:
        # Decoding the definition and rebuilding the frozen spec cost milliseconds, on every
        # page that reads the program (each request loads a new Program row): specs are
        # immutable, so one object per installed definition serves every request and thread.
        if self.id is None or self.loaded_at is None:
            return _spec_from_dict(self.definition)
        key = (self.id, self.loaded_at)
        spec = _SPECS.get(key)
        if spec is None:
            spec = _spec_from_dict(self.definition)
            with _SPECS_LOCK:
                while len(_SPECS) >= 16:
                    _SPECS.pop(next(iter(_SPECS)))
                _SPECS[key] = spec
        return spec

    def category_by_key(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


_SPECS: dict[tuple[int, datetime], ProgramSpec] = {}  # (program id, loaded_at) -> spec
_SPECS_LOCK = threading.Lock()


def _spec_from_dict(definition: dict) -> ProgramSpec:
    from judging.program.loader import program_from_dict

    return program_from_dict(definition)


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
