"""Sign-in, role homes, 403s, cookies and headers."""
from __future__ import annotations

import pytest

from judging import create_app
from judging.config import ConfigError
from judging.models import Role
from tests.factories import PASSWORD, make_edition, make_user

HOMES = {
    Role.APPLICANT: "/applicant/",
    Role.JUDGE: "/judge/",
    Role.CHAIR: "/committee/",
    Role.SECRETARIAT: "/secretariat/",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_home(app, client, role):
    make_edition()
    user = make_user(role)
    response = client.post("/auth/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith(HOMES[role])
    page = client.get(HOMES[role])
    assert page.status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_other_roles_homes_are_forbidden(app, login_as, role):
    make_edition()
    client = login_as(make_user(role))
    for other, path in HOMES.items():
        if other != role:
            assert client.get(path).status_code == 403, path


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/secretariat/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_wrong_password_keeps_the_email_and_says_why(app, client):
    user = make_user(Role.JUDGE)
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The email or password is not correct." in html
    assert f'value="{user.email}"' in html


def test_login_without_csrf_token_is_refused(app, client):
    user = make_user(Role.JUDGE)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400


def test_no_open_redirect_after_login(app, client):
    user = make_user(Role.JUDGE)
    response = client.post("/auth/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout(app, login_as):
    client = login_as(make_user(Role.JUDGE))
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/judge/").status_code == 302


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags_in_production(tmp_path, migrated_database, monkeypatch):
    monkeypatch.setenv("JUDGING_SECRET_KEY", "x" * 32)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite"),
                      "ENV_NAME": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("JUDGING_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="JUDGING_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite"),
                    "ENV_NAME": "production"})


def test_sign_in_is_rate_limited(tmp_path, migrated_database):
    from tests.conftest import make_test_app

    app = make_test_app(migrated_database, tmp_path, RATELIMIT_ENABLED=True,
                        LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/auth/login", data={"email": "a@example.org", "password": "nope-nope"}).status_code
             for _ in range(4)]
    assert codes[:3] == [422, 422, 422] and codes[3] == 429
    last = client.post("/auth/login", data={"email": "a@example.org", "password": "nope-nope"})
    assert "Too many" in last.get_data(as_text=True)
