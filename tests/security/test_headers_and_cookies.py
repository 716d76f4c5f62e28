"""Security headers on responses the matrix does not fetch (errors, static files), the
session and remember cookies of a production configuration, documents that are never shown
inline whatever their stored type, and templates with nothing the CSP would block."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from judging import config as config_module
from judging.extensions import db
from judging.models import Role
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user
from tests.security.checks import (
    csp_directives,
    download_problems,
    header_problems,
    inline_code_problems,
)
from tests.security.helpers import build_world

TEMPLATES = Path(__file__).resolve().parents[2] / "judging" / "templates"
HTTPS = "https://prize.example.org"


# ----- headers -------------------------------------------------------------------------------
def test_the_policy_allows_scripts_and_styles_from_the_app_only(client):
    response = client.get("/")
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert header_problems(response) == []


def test_errors_static_files_and_refusals_carry_the_headers_too(app, client, login_as):
    applicant = login_as(make_user(Role.APPLICANT))
    responses = {
        "unknown page": client.get("/no/such/page"),
        "wrong method": client.get("/auth/logout"),
        "form without token": client.post("/auth/login", data={"email": "x@example.org",
                                                               "password": "x"}, csrf=False),
        "wrong role": applicant.get("/secretariat/"),
        "not yours": applicant.get("/applicant/entries/999999"),
        "sign-in redirect": client.get("/secretariat/"),
        "stylesheet": client.get("/static/css/app.css"),
        "script": client.get("/static/js/scoring.js"),
        "bootstrap": client.get("/bootstrap/static/css/bootstrap.min.css"),
    }
    expected = {"unknown page": 404, "wrong method": 405, "form without token": 400,
                "wrong role": 403, "not yours": 404, "sign-in redirect": 302, "stylesheet": 200,
                "script": 200, "bootstrap": 200}
    problems = []
    for name, response in responses.items():
        if response.status_code != expected[name]:
            problems.append(f"{name}: status {response.status_code}")
        problems += [f"{name}: {p}" for p in header_problems(response)]
        if response.mimetype == "text/html":
            problems += [f"{name}: {p}" for p in inline_code_problems(
                response.get_data(as_text=True))]
    assert not problems, "\n".join(problems)
    # pages that name a user's data are not kept by caches
    assert "no-store" in responses["not yours"].headers["Cache-Control"]


def test_signed_in_pages_are_not_cached(app, login_as):
    response = login_as(make_user(Role.APPLICANT)).get("/applicant/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


# ----- cookies -------------------------------------------------------------------------------
def cookie_attributes(header: str) -> tuple[str, set[str], dict[str, str]]:
    """'session=abc; Secure; HttpOnly; SameSite=Lax; Path=/' -> name, flags, values."""
    first, *parts = [p.strip() for p in header.split(";")]
    flags, values = set(), {}
    for part in parts:
        key, sep, value = part.partition("=")
        if sep:
            values[key.lower()] = value
        else:
            flags.add(key.lower())
    return first.split("=", 1)[0], flags, values


@pytest.fixture
def production_app(app, migrated_database, tmp_path):
    """The app as production configures it (defaults, a real secret key, not testing), on
    its own copy of the database. (`app` is requested so PostgreSQL runs clean up after.)"""
    folder = tmp_path / "production"
    folder.mkdir()
    defaults = config_module.DEFAULTS
    prod = make_test_app(
        migrated_database, folder, TESTING=False, ENV_NAME="production",
        SECRET_KEY="a-production-secret-key-0123456789abcdef",
        **{key: defaults[key] for key in (
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
            "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SAMESITE")})
    with prod.app_context():
        yield prod
        db.session.remove()
        db.engine.dispose()


def test_production_defaults_make_cookies_secure_httponly_and_lax():
    defaults = config_module.DEFAULTS
    for prefix in ("SESSION", "REMEMBER"):
        assert defaults[f"{prefix}_COOKIE_SECURE"] is True
        assert defaults[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert defaults[f"{prefix}_COOKIE_SAMESITE"] == "Lax"
    assert config_module.from_environment({}) == {}
    # only an explicit local-demo switch turns Secure off
    assert config_module.from_environment({"JUDGING_COOKIE_SECURE": "0"})[
        "SESSION_COOKIE_SECURE"] is False
    assert config_module.from_environment({"JUDGING_COOKIE_SECURE": "1"})[
        "REMEMBER_COOKIE_SECURE"] is True


def test_signing_in_sets_secure_httponly_lax_cookies(production_app):
    user = make_user(Role.APPLICANT, email="prod.applicant@example.org")
    db.session.commit()
    client = production_app.test_client()
    page = client.get("/auth/login", base_url=HTTPS)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    response = client.post("/auth/login", base_url=HTTPS, csrf=False,
                           headers={"Referer": f"{HTTPS}/auth/login"},
                           data={"email": user.email, "password": PASSWORD, "remember": "y",
                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, flags, values = cookie_attributes(header)
        cookies[name] = (flags, values)
    assert set(cookies) >= {"session", "remember_token"}, cookies
    for name in ("session", "remember_token"):
        flags, values = cookies[name]
        assert "secure" in flags, (name, flags)
        assert "httponly" in flags, (name, flags)
        assert values.get("samesite") == "Lax", (name, values)
    assert header_problems(response) == []
    # and the signed-in session works over HTTPS
    assert client.get("/applicant/", base_url=HTTPS).status_code == 200


def test_a_cross_site_post_over_https_is_refused_in_production(production_app):
    """Over HTTPS, Flask-WTF also checks that a form comes from this site (Referer)."""
    client = production_app.test_client()
    page = client.get("/auth/login", base_url=HTTPS)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    response = client.post("/auth/login", base_url=HTTPS, csrf=False,
                           headers={"Referer": "https://evil.example.net/form"},
                           data={"email": "x@example.org", "password": "x", "csrf_token": token})
    assert response.status_code == 400


# ----- documents never inline ------------------------------------------------------------------
def test_documents_are_downloads_even_when_their_stored_type_is_a_web_page(app, login_as):
    """Whatever the database says a document is, it is served as an attachment, sandboxed,
    not sniffed: an uploaded file never runs in the app's origin."""
    world = build_world()
    world.attachment_a.content_type = "text/html"
    world.attachment_a.original_name = "page.html"
    db.session.commit()
    urls = {
        world.applicant_a: f"/applicant/entries/{world.entry_a.id}/documents/"
                           f"{world.attachment_a.id}",
        world.judge_a: f"/judge/rounds/{world.round.id}/entries/{world.entry_a.id}/attachments/"
                       f"{world.attachment_a.id}",
        world.secretariat: f"/secretariat/attachments/{world.attachment_a.id}",
    }
    problems = []
    for user, url in urls.items():
        response = login_as(user).get(url)
        assert response.status_code == 200, url
        problems += [f"{url}: {p}" for p in header_problems(response)]
        problems += [f"{url}: {p}" for p in download_problems(response)
                     if "served as text/html" not in p]
        assert "sandbox" in csp_directives(response) and "allow-scripts" not in \
            response.headers["Content-Security-Policy"]
    assert not problems, "\n".join(problems)


# ----- templates -----------------------------------------------------------------------------
def test_no_template_has_inline_script_handlers_or_styles():
    """The CSP (script-src 'self'; style-src 'self') would block them: scripts live in
    judging/static/js, styles in classes of judging/static/css/app.css."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 30
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        # Jinja comments and expressions are not markup
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        problems += [f"{path.relative_to(TEMPLATES)}: {p}" for p in inline_code_problems(text)]
        if re.search(r"<style\b", text, re.I):
            problems.append(f"{path.relative_to(TEMPLATES)}: an inline <style> element")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("markup, found", [
    ('<script>alert(1)</script>', "inline <script> with content"),
    ('<button onclick="go()">Go</button>', "event handler"),
    ('<div class="x" style="color: red">', "style attribute"),
    ('<a href="javascript:go()">Go</a>', "javascript: URL"),
    ('<script src="/static/js/app.js"></script><p class="one-style">online</p>', None),
])
def test_the_template_scan_finds_what_the_csp_would_block(markup, found):
    problems = inline_code_problems(markup)
    if found is None:
        assert problems == []
    else:
        assert any(found in p for p in problems), problems
