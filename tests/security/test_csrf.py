"""Every POST needs its CSRF token: sent without it (or with another session's) by a user
allowed to use the route, it answers 400 with a clear page and changes nothing; every form
that posts carries the token."""
from __future__ import annotations

import re

from itsdangerous import URLSafeTimedSerializer

from judging.extensions import csrf, db
from tests.security.checks import header_problems
from tests.security.helpers import (
    ANONYMOUS,
    PRINCIPALS,
    SECRETARIAT,
    build_world,
    changes,
    clients,
    is_login_redirect,
    row_counts,
    states,
    text_of,
)
from tests.security.routes import ALLOWED, ROUTE_LIST

POST_ROUTES = [r for r in ROUTE_LIST if r.method == "POST"]
# Views that check the token themselves, after sending a visitor whose session expired to
# sign in (judging/views/judge.py signed_in_post): nothing else may be exempt.
SELF_CHECKING = {"judging.views.judge.terms", "judging.views.judge.declare",
                 "judging.views.judge.entry"}


def test_every_post_without_its_token_is_refused_and_changes_nothing(app, login_as):
    world = build_world()
    signed_in = clients(app, login_as, world)
    counts_before, states_before = row_counts(), states(world)
    failures, checks = [], 0
    for route in POST_ROUTES:
        url = route.url(world)
        data = route.data(world) if route.data else {}
        allowed = [p for p in PRINCIPALS if route.expect[p] == ALLOWED]
        assert allowed, f"nobody may use {route.key}: a POST route needs an allowed principal"
        for principal in allowed:
            response = signed_in[principal].post(url, data=dict(data), csrf=False)
            checks += 1
            where = f"POST {url} as {principal} without a CSRF token"
            if response.status_code != 400:
                failures.append(f"{where}: expected 400, got {response.status_code}")
                continue
            if "security token" not in text_of(response):
                failures.append(f"{where}: the page does not say the form's token was missing")
            failures += [f"{where}: {p}" for p in header_problems(response)]
        if route.expect[ANONYMOUS] != ALLOWED:
            # A visitor's POST without a token: refused, or sent to sign in (the judge's pages,
            # whose expired sessions lost their token); never done.
            response = signed_in[ANONYMOUS].post(url, data=dict(data), csrf=False)
            checks += 1
            if response.status_code != 400 and not is_login_redirect(response):
                failures.append(f"POST {url} as a visitor without a token: got "
                                f"{response.status_code}")
    db.session.rollback()
    failures += [f"a POST without its token changed the database: {c}"
                 for c in changes(counts_before, row_counts()) + changes(states_before,
                                                                          states(world))]
    assert checks >= len(POST_ROUTES)
    assert not failures, f"{len(failures)} of {checks} checks failed:\n" + "\n".join(failures)
    # Signing out without the token did not sign anyone out either.
    assert signed_in[SECRETARIAT].get("/secretariat/").status_code == 200


def test_a_token_of_another_session_or_another_key_is_refused(app, login_as):
    world = build_world()
    applicant = login_as(world.applicant_a)
    other = login_as(world.applicant_b)
    url = "/applicant/account"
    details = {"name": "Renamed By A Forged Form", "organisation": "Elsewhere", "city": "Natal",
               "country": "BR", "time_zone": ""}
    foreign = other.csrf_token()
    with applicant.session_transaction() as session:
        raw = session["csrf_token"]
    forged = URLSafeTimedSerializer("not-the-app-secret-key", salt="wtf-csrf-token").dumps(raw)
    for token in (foreign, forged, "", "x" * 40):
        response = applicant.post(url, data={**details, "csrf_token": token}, csrf=False)
        assert response.status_code == 400, token
    # nor from the query string
    response = applicant.post(f"{url}?csrf_token={applicant.csrf_token()}", data=details,
                              csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(type(world.applicant_a), world.applicant_a.id).name == "Ana Applicant"
    # with its own token the same request goes through (so the refusals above mean it)
    assert applicant.post(url, data=dict(details)).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world.applicant_a), world.applicant_a.id).name == details["name"]


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form\s*>", re.S | re.I)


def test_every_form_that_posts_carries_its_token(app, login_as):
    """Every page each allowed user sees: each <form method="post"> holds a csrf_token."""
    world = build_world()
    signed_in = clients(app, login_as, world)
    failures, forms = [], 0
    for route in ROUTE_LIST:
        if route.method != "GET" or route.download or route.export:
            continue
        for principal in PRINCIPALS:
            if route.expect[principal] != 200:
                continue
            response = signed_in[principal].get(route.url(world))
            assert response.status_code == 200, (route.key, principal)
            for attributes, body in FORM.findall(response.get_data(as_text=True)):
                method = re.search(r"""method\s*=\s*["']?(\w+)""", attributes, re.I)
                if method is None or method.group(1).lower() != "post":
                    continue
                forms += 1
                if 'name="csrf_token"' not in body:
                    action = re.search(r'action="([^"]*)"', attributes)
                    failures.append(f"{route.url(world)} as {principal}: the form posting to "
                                    f"{action.group(1) if action else '(this page)'} has no "
                                    "csrf_token")
    assert forms > 30, forms
    assert not failures, "\n".join(sorted(set(failures)))


def test_csrf_protection_covers_every_view(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert "POST" in app.config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
    # Flask-WTF keeps its exemptions in private sets; nothing but the self-checking views.
    assert not csrf._exempt_blueprints
    assert set(csrf._exempt_views) <= SELF_CHECKING, set(csrf._exempt_views) - SELF_CHECKING
