"""Users and their roles. One user may hold several roles."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from judging.models.base import Base, str_enum, utcnow


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    JUDGE = "judge"
    CHAIR = "chair"
    SECRETARIAT = "secretariat"


# The order in which a user with several roles is sent to a home page.
ROLE_PRIORITY = (Role.SECRETARIAT, Role.CHAIR, Role.JUDGE, Role.APPLICANT)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO 3166-1 alpha-2
    applicant_type: Mapped[str | None] = mapped_column(sa.String(40))
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))  # IANA; None: the edition's
    expertise: Mapped[str] = mapped_column(sa.String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *roles: Role | str) -> bool:
        held = self.role_set
        return any(Role(r) in held for r in roles)

    @property
    def primary_role(self) -> Role | None:
        for role in ROLE_PRIORITY:
            if role in self.role_set:
                return role
        return None

    def add_role(self, role: Role | str) -> None:
        if not self.has_role(role):
            self.roles.append(UserRole(role=Role(role)))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt (werkzeug default)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)
