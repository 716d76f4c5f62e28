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
    ("ranking.index", "Ranking", (Role.SECRETARIAT, Role.CHAIR)),
]


def nav_for(user) -> list[dict]:
    items = []
    if not getattr(user, "is_authenticated", False):
        return items
    for endpoint, label, roles in NAV:
        if endpoint in current_app.view_functions and user.has_role(*roles):
            items.append({"endpoint": endpoint, "label": label,
                          "active": request.endpoint == endpoint})
    # On a page no item names exactly, the first item of the page's blueprint is current.
    if not any(item["active"] for item in items):
        for item in items:
            if item["endpoint"].split(".")[0] == request.blueprint:
                item["active"] = True
                break
    return items

# Applicant portal (issue #3)
NAV.append(("applicant.account", "My account", (Role.APPLICANT,)))

# Certificates (issue #7)
NAV.append(("certificates.index", "Certificates", (Role.SECRETARIAT,)))
