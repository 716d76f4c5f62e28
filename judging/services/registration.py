"""Applicants' own accounts: registration, and password reset by a signed, time-limited token.

The reset token carries the user's id and a fingerprint of the current password hash, signed
with the application's secret key (itsdangerous). It expires after `max_age` seconds, and it
stops working as soon as it has been used (the password hash, hence the fingerprint, changes).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from zoneinfo import available_timezones

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from judging.countries import country_name, is_country
from judging.models import Role, User, utcnow
from judging.program.schema import ApplicantType
from judging.services import ServiceError
from judging.services.accounts import check_password_strength, create_user, find_user
from judging.services.notifications import notify

RESET_SALT = "password-reset"


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """IANA time zones people pick from: Area/Location names (no legacy aliases), and UTC."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")
    names = [z for z in available_timezones() if "/" in z and not z.startswith(legacy)]
    return tuple(sorted(names)) + ("UTC",)


def register_applicant(session: Session, *, email: str, name: str, password: str,
                       organisation: str, city: str, country: str, applicant_type: str,
                       applicant_types: Iterable[ApplicantType], time_zone: str | None = None,
                       prize_name: str, sign_in_url: str = "") -> User:
    """A new account with the applicant role. Raises ServiceError naming the field at fault."""
    if not (name or "").strip():
        raise ServiceError("Enter your name.", field="name")
    if not (organisation or "").strip():
        raise ServiceError("Enter the name of your organisation (for an individual: your office, "
                           "e.g. Municipality of Cuenca).", field="organisation")
    if not (city or "").strip():
        raise ServiceError("Enter your city.", field="city")
    if not is_country(country):
        raise ServiceError("Choose your country from the list.", field="country")
    known = {t.key: t for t in applicant_types}
    if applicant_type not in known:
        raise ServiceError("Choose the kind of applicant you are from the list.",
                           field="applicant_type")
    zone = (time_zone or "").strip() or None
    if zone is not None and zone not in time_zones():
        raise ServiceError("Choose a time zone from the list, or leave it empty.", field="time_zone")
    check_password_strength(password or "")
    user = create_user(
        session, email=email, name=name, roles=[Role.APPLICANT], password=password,
        organisation=organisation, city=city, country=country.upper(),
        applicant_type=applicant_type, time_zone=zone,
    )
    kind = known[applicant_type].label
    where = f"{user.city}, {country_name(user.country)}"
    link = f"\nSign in at {sign_in_url}\n" if sign_in_url else ""
    notify(
        session, to=user, kind="account_registered",
        subject=f"Your {prize_name} account",
        body=(
            f"Dear {user.name},\n\n"
            f"Your account for the {prize_name} has been created.\n\n"
            f"Email (your sign-in name): {user.email}\n"
            f"Organisation: {user.organisation}\n"
            f"City: {where}\n"
            f"Applicant type: {kind}\n"
            f"{link}\n"
            "If you did not register, tell the secretariat by replying to this message.\n\n"
            f"The {prize_name} secretariat\n"
        ),
    )
    return user


# ----- password reset ----------------------------------------------------------------------
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT)


def password_fingerprint(user: User) -> str:
    """A short digest of the current password hash: it changes whenever the password does."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def make_reset_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"u": user.id, "p": password_fingerprint(user)})


def _expired(max_age: int) -> ServiceError:
    if max_age >= 2 * 86400:
        span = f"{max_age // 86400} days"
    else:
        span = f"{max(1, max_age // 60)} minutes"
    return ServiceError(f"This link has expired: it works for {span}. Ask for a new one below.",
                        field="token")


def user_for_reset_token(session: Session, token: str, *, secret_key: str, max_age: int,
                         first_password_max_age: int | None = None) -> User:
    """The user a valid reset token is for. Raises ServiceError saying why a token is refused.

    A link that sets an account's first password (a judge's invitation) may live longer
    (`first_password_max_age`) than a reset link of an account that has a password."""
    longest = max(max_age, first_password_max_age or 0)
    try:
        payload, signed_at = _serializer(secret_key).loads(token, max_age=longest,
                                                           return_timestamp=True)
    except SignatureExpired:
        raise _expired(longest) from None
    except BadSignature:
        raise ServiceError(
            "This link is not valid (it may have been copied incompletely). "
            "Ask for a new one below.", field="token") from None
    if not isinstance(payload, dict):
        raise ServiceError("This link is not valid. Ask for a new one below.", field="token")
    user = session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.is_active or payload.get("p") != password_fingerprint(user):
        raise ServiceError(
            "This link has already been used, or a newer one was sent. "
            "Ask for a new one below if you still need it.", field="token")
    limit = first_password_max_age if (user.password_hash is None and first_password_max_age) else max_age
    if (utcnow() - signed_at).total_seconds() > limit:
        raise _expired(limit)
    return user


def request_password_reset(session: Session, email: str, *, secret_key: str, max_age: int,
                           link_for: Callable[[str], str], prize_name: str) -> bool:
    """Write a reset message to the outbox if an active account has this email.

    Returns whether a message was written; callers must answer the same either way, so
    that the page does not reveal which addresses have an account."""
    user = find_user(session, email or "")
    if user is None or not user.is_active:
        return False
    token = make_reset_token(user, secret_key)
    minutes = max(1, max_age // 60)
    notify(
        session, to=user, kind="password_reset",
        subject=f"Choose a new password for the {prize_name}",
        body=(
            f"Dear {user.name},\n\n"
            f"Someone (we hope you) asked to choose a new password for your {prize_name} "
            "account. Open this link to choose it:\n\n"
            f"{link_for(token)}\n\n"
            f"The link works for {minutes} minutes and only once. If you did not ask for it, "
            "ignore this message: your password stays as it is.\n\n"
            f"The {prize_name} secretariat\n"
        ),
    )
    return True


def reset_password(session: Session, token: str, new_password: str, *, secret_key: str,
                   max_age: int, prize_name: str, first_password_max_age: int | None = None) -> User:
    """Set a new password with a valid token (which then stops working)."""
    user = user_for_reset_token(session, token, secret_key=secret_key, max_age=max_age,
                                first_password_max_age=first_password_max_age)
    check_password_strength(new_password or "")
    user.set_password(new_password)
    session.flush()
    notify(
        session, to=user, kind="password_changed",
        subject=f"Your {prize_name} password was changed",
        body=(
            f"Dear {user.name},\n\n"
            f"The password of your {prize_name} account ({user.email}) was just changed.\n"
            "If you did not change it, tell the secretariat at once by replying to this message.\n\n"
            f"The {prize_name} secretariat\n"
        ),
    )
    return user


def update_account(session: Session, user: User, *, name: str, organisation: str, city: str,
                   country: str, time_zone: str | None) -> User:
    """An applicant's own details. Entries already started keep the details they were
    started with (each entry holds its own snapshot)."""
    if not (name or "").strip():
        raise ServiceError("Enter your name.", field="name")
    if not (organisation or "").strip():
        raise ServiceError("Enter the name of your organisation.", field="organisation")
    if not (city or "").strip():
        raise ServiceError("Enter your city.", field="city")
    if not is_country(country):
        raise ServiceError("Choose your country from the list.", field="country")
    zone = (time_zone or "").strip() or None
    if zone is not None and zone not in time_zones():
        raise ServiceError("Choose a time zone from the list, or leave it empty.", field="time_zone")
    user.name = " ".join(name.split())
    user.organisation = " ".join(organisation.split())
    user.city = " ".join(city.split())
    user.country = country.upper()
    user.time_zone = zone
    session.flush()
    return user
