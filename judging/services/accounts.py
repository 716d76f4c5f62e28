"""User accounts: creation, roles, authentication."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from judging.models import Role, User, utcnow
from judging.services import ServiceError

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(f"'{email}' is not a valid email address: {exc}", field="email") from None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: list[Role | str],
    password: str | None = None,
    organisation: str = "",
    city: str = "",
    country: str = "",
    applicant_type: str | None = None,
    time_zone: str | None = None,
    expertise: str = "",
) -> User:
    email = normalise_email(email)
    if not name.strip():
        raise ServiceError("A name is required.", field="name")
    if find_user(session, email) is not None:
        raise ServiceError(f"A user with the email {email} already exists.", field="email")
    try:
        role_values = [Role(r) for r in roles]
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ServiceError(f"Unknown role in {list(roles)}; known roles: {known}.") from None
    if not role_values:
        raise ServiceError("At least one role is required.")
    country = (country or "").strip().upper()
    if country and len(country) != 2:
        raise ServiceError("Give the country as a two-letter ISO code, e.g. KR.", field="country")
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation.strip(),
        city=city.strip(),
        country=country,
        applicant_type=applicant_type,
        time_zone=time_zone,
        expertise=expertise.strip(),
    )
    if password is not None:
        check_password_strength(password)
        user.set_password(password)
    for role in role_values:
        user.add_role(role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user for these credentials, or None (same answer for an unknown email)."""
    user = find_user(session, email or "")
    if user is None:
        # Spend the same time as a real check, so timing does not reveal which emails exist.
        User(password_hash="scrypt:32768:8:1$aaaaaaaaaaaaaaaa$" + "0" * 128).check_password(password or "")
        return None
    if not user.is_active or not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user
