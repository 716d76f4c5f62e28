"""The judging panel of an edition: invitations, categories, and the judges' terms.

A judge must accept the terms (confidentiality, conflict-of-interest policy) before any entry
is shown to them; assignment does not wait for it. The judge's acceptance page calls
`accept_terms`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.countries import is_country
from judging.models import (
    Assignment,
    AuditEvent,
    Edition,
    EditionState,
    PanelMember,
    Role,
    Round,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.accounts import create_user, find_user, normalise_email
from judging.services.notifications import notify

# The terms a judge accepts before seeing any entry (shown by the judge's acceptance page).
TERMS = (
    ("Confidentiality",
     "Entries, their attachments, other judges' scores and the committee's deliberations are "
     "confidential. I will not share, copy or discuss them outside the judging committee, "
     "during or after the edition."),
    ("Conflicts of interest",
     "Before an entry is shown to me I declare whether I have a conflict of interest with it: "
     "a professional, financial or personal link with the applicant or the project, or any "
     "other reason my judgement could be, or could seem to be, influenced. Entries from my own "
     "city, country or organisation are never assigned to me. If I notice a conflict later, "
     "I declare it at once and stop judging that entry."),
    ("Independent judgement",
     "I score each entry on its own merits, against the published criteria, and write a "
     "comment that explains my scores."),
)

CLOSED_PANEL_STATES = frozenset({EditionState.APPROVED, EditionState.PUBLISHED,
                                 EditionState.ARCHIVED})


def panel(session: Session, edition: Edition) -> list[PanelMember]:
    """The panel, users loaded, ordered by name."""
    members = session.scalars(
        sa.select(PanelMember).where(PanelMember.edition_id == edition.id)
        .options(joinedload(PanelMember.user))).all()
    return sorted(members, key=lambda m: m.user.name.casefold())


def member_for(session: Session, edition: Edition, user: User) -> PanelMember | None:
    return session.scalar(sa.select(PanelMember).where(
        PanelMember.edition_id == edition.id, PanelMember.user_id == user.id))


def _check_categories(edition: Edition, categories: list[str] | None) -> list[str]:
    known = [c.key for c in edition.program.categories if c.entered]
    chosen = list(dict.fromkeys(categories or []))
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise ServiceError(f"Unknown categor{'y' if len(unknown) == 1 else 'ies'}: "
                           f"{', '.join(unknown)}.", field="categories")
    # All categories chosen is the same as no restriction.
    return [] if set(chosen) == set(known) else chosen


def invite_judge(session: Session, edition: Edition, *, name: str, email: str,
                 organisation: str = "", city: str = "", country: str = "", expertise: str = "",
                 categories: list[str] | None = None, actor: User, base_url: str = "",
                 reset_link: Callable[[User], str] | None = None,
                 now: datetime | None = None) -> PanelMember:
    """Add a judge to the edition's panel and send the invitation.

    A new person becomes a user with the judge role and no password (they set it through
    the link in the invitation); an existing user gets the judge role added, and blank
    profile facts (organisation, city, country, expertise) are filled in. `reset_link(user)`
    gives a password-set link; without it the invitation points to the sign-in page."""
    now = now or utcnow()
    if edition.state in CLOSED_PANEL_STATES:
        raise ServiceError(f"The panel of {edition.name} is closed ({edition.state.value}).")
    name = (name or "").strip()
    if not name:
        raise ServiceError("A name is required.", field="name")
    email = normalise_email(email or "")
    country = (country or "").strip().upper()
    if not is_country(country):
        raise ServiceError("Give the judge's country as a two-letter ISO code, e.g. KR "
                           "(needed for conflicts of interest).", field="country")
    chosen = _check_categories(edition, categories)
    user = find_user(session, email)
    created = user is None
    if created:
        user = create_user(session, email=email, name=name, roles=[Role.JUDGE], password=None,
                           organisation=organisation or "", city=city or "", country=country,
                           expertise=expertise or "")
    else:
        if member_for(session, edition, user) is not None:
            raise ServiceError(f"{email} is already on the panel of {edition.name}.",
                               field="email")
        user.add_role(Role.JUDGE)
        for attr, value in (("organisation", organisation), ("city", city),
                            ("country", country), ("expertise", expertise)):
            value = (value or "").strip()
            if value and not getattr(user, attr):
                setattr(user, attr, value)
    member = PanelMember(edition_id=edition.id, user=user, categories=chosen, invited_at=now)
    session.add(member)
    session.flush()
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=edition.id,
                           subject_type="panel_member", subject_id=member.id,
                           event="invite_judge",
                           details={"user_id": user.id, "new_user": created,
                                    "categories": chosen}))
    _send_invitation(session, edition, member, created=created, base_url=base_url,
                     reset_link=reset_link)
    return member


def _send_invitation(session: Session, edition: Edition, member: PanelMember, *, created: bool,
                     base_url: str, reset_link: Callable[[User], str] | None) -> None:
    user = member.user
    root = base_url.rstrip("/")
    sign_in = f"{root}/auth/login" if root else "the sign-in page of the judging site"
    if user.password_hash:
        access = f"Sign in with your existing account ({user.email}): {sign_in}"
    elif reset_link is not None:
        access = (f"Your account is {user.email}. Choose your password with this link (it "
                  f"works once, for two weeks; afterwards use 'Forgot your password?' "
                  f"on the sign-in page):\n{reset_link(user)}\nThen sign in: {sign_in}")
    else:
        access = (f"Your account is {user.email}. Choose a password with 'Forgot your "
                  f"password?' on the sign-in page, then sign in: {sign_in}")
    categories = (", ".join(c.name for c in edition.program.categories if c.key in member.categories)
                  if member.categories else "all categories")
    terms = "\n".join(f"- {title}: {text}" for title, text in TERMS)
    notify(session, to=user, kind="judge_invitation",
           subject=f"Invitation to judge the {edition.name}",
           body=(f"Dear {user.name},\n\nYou are invited to the judging committee of "
                 f"{edition.name} ({categories}).\n\n{access}\n\nBefore any entry is shown to "
                 f"you, you will be asked to accept these terms:\n{terms}\n\nThank you for "
                 "your time and expertise.\n"),
           edition_id=edition.id)


def accept_terms(session: Session, member: PanelMember, actor: User,
                 now: datetime | None = None) -> PanelMember:
    """The judge accepts the terms of the edition (once; accepting again changes nothing)."""
    if actor.id != member.user_id:
        raise ServiceError("Only the judge can accept their own terms.")
    if member.terms_accepted_at is not None:
        return member
    now = now or utcnow()
    member.terms_accepted_at = now
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=member.edition_id,
                           subject_type="panel_member", subject_id=member.id,
                           event="accept_terms",
                           details={"terms": [title for title, _ in TERMS]}))
    session.flush()
    return member


def set_categories(session: Session, member: PanelMember, categories: list[str] | None, *,
                   actor: User, now: datetime | None = None) -> PanelMember:
    """Change the categories a judge judges (empty: all). Existing assignments stay."""
    now = now or utcnow()
    edition = member.edition
    chosen = _check_categories(edition, categories)
    old = list(member.categories or [])
    if old == chosen:
        return member
    member.categories = chosen
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=edition.id,
                           subject_type="panel_member", subject_id=member.id,
                           event="set_categories", details={"old": old, "new": chosen}))
    session.flush()
    return member


def remove_member(session: Session, member: PanelMember, *, actor: User,
                  now: datetime | None = None) -> None:
    """Take a judge off the panel; refused once they hold an assignment in the edition."""
    now = now or utcnow()
    held = session.scalar(
        sa.select(sa.func.count()).select_from(Assignment)
        .join(Round, Round.id == Assignment.round_id)
        .where(Round.edition_id == member.edition_id, Assignment.judge_id == member.user_id))
    if held:
        raise ServiceError(f"{member.user.name} holds {held} assignment"
                           f"{'s' if held != 1 else ''}; remove them first.")
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id, edition_id=member.edition_id,
                           subject_type="panel_member", subject_id=member.id,
                           event="remove_judge", details={"user_id": member.user_id}))
    session.delete(member)
    session.flush()
