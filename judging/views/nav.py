"""Navigation per role: (endpoint, label, roles). Items whose endpoint is not registered
are left out, so a blueprint's pages appear as soon as they exist."""
from __future__ import annotations

from flask import current_app, request

from judging.models import Role

NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("applicant.home", "My entries", (Role.APPLICANT,)),
    ("judge.home", "My reviews", (Role.JUDGE,)),
    ("secretariat.dashboard", "Dashboard", (Role.SECRETARIAT,)),
    ("committee.home", "Committee", (Role.CHAIR,)),
]


def nav_for(user) -> list[dict]:
    items = []
    if not getattr(user, "is_authenticated", False):
        return items
    for endpoint, label, roles in NAV:
        if endpoint in current_app.view_functions and user.has_role(*roles):
            blueprint = endpoint.split(".")[0]
            items.append(
                {"endpoint": endpoint, "label": label,
                 "active": (request.blueprint == blueprint)}
            )
    return items
