"""Password reset: a signed, time-limited, single-use link sent through the outbox; the
request page never reveals whether an account exists."""
from __future__ import annotations

import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from judging.models import Role
from tests.applicant.helpers import outbox, reset_link
from tests.factories import PASSWORD, make_edition, make_user

NEW_PASSWORD = "a brand new passphrase"


def ask_for_link(client, email):
    return client.post("/auth/forgot-password", data={"email": email})


def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    known = ask_for_link(client, user.email)
    unknown = ask_for_link(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda html, email: html.replace(email, "EMAIL")  # noqa: E731
    assert strip(known.get_data(as_text=True), user.email) == strip(unknown.get_data(as_text=True), "nobody@example.org")
    assert "If an account exists" in known.get_data(as_text=True)
    [message] = outbox("password_reset")
    assert message.to_email == user.email
    assert "60 minutes" in message.body


def test_the_link_sets_a_new_password_once(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    ask_for_link(client, user.email)
    link = reset_link(outbox("password_reset")[0])
    assert link.startswith("/auth/reset-password/")
    page = client.get(link)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert outbox("password_changed", to=user.email)
    signed_in = client.post("/auth/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    # the same link again: refused, the password stays
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    reuse = client.post(link, data={"password": "yet another passphrase", "password_again": "yet another passphrase"})
    assert reuse.status_code == 400 and user.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused_clearly(app, client, monkeypatch):
    make_edition()
    user = make_user(Role.APPLICANT)
    two_hours_ago = int(time.time()) - 7200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
    ask_for_link(client, user.email)
    monkeypatch.undo()
    link = reset_link(outbox("password_reset")[0])
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)
    posted = client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert posted.status_code == 400 and user.check_password(PASSWORD)


def test_the_lifetime_comes_from_the_configuration(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    app.config["PASSWORD_RESET_MAX_AGE"] = 900
    ask_for_link(client, user.email)
    assert "15 minutes" in outbox("password_reset")[0].body


def test_a_tampered_link_is_refused_clearly(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    ask_for_link(client, user.email)
    link = reset_link(outbox("password_reset")[0])
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert client.get("/auth/reset-password/garbage").status_code == 400


def test_a_token_signed_with_another_key_is_refused(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    forged = URLSafeTimedSerializer("another key", salt="password-reset").dumps({"u": user.id, "p": "x"})
    assert client.get(f"/auth/reset-password/{forged}").status_code == 400


def test_new_password_must_be_long_enough_and_typed_twice(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    ask_for_link(client, user.email)
    link = reset_link(outbox("password_reset")[0])
    short = client.post(link, data={"password": "short", "password_again": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    differ = client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"})
    assert differ.status_code == 422 and "not the same" in differ.get_data(as_text=True)
    assert user.check_password(PASSWORD)


def test_inactive_accounts_get_no_message(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    user.active = False
    ask_for_link(client, user.email)
    assert outbox("password_reset") == []


def test_reset_request_without_csrf_token_is_refused(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    response = client.post("/auth/forgot-password", data={"email": user.email}, csrf=False)
    assert response.status_code == 400 and outbox("password_reset") == []


def test_the_link_uses_the_configured_address_not_the_requests_host(app, client):
    make_edition()
    user = make_user(Role.APPLICANT)
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie belongs to the real host
    response = client.post("/auth/forgot-password", data={"email": user.email},
                           base_url="http://evil.example")
    assert response.status_code == 200
    assert "https://prize.example.org/auth/reset-password/" in outbox("password_reset")[0].body
