"""A judge's invitation link (first password) lives two weeks; a reset link one hour."""
from __future__ import annotations

import time

import pytest

from judging.extensions import db
from judging.services import ServiceError
from judging.services.registration import make_reset_token, user_for_reset_token
from tests.factories import make_user

HOUR, DAY = 3600, 86400


def token_signed_ago(monkeypatch, user, seconds: int, secret: str) -> str:
    import itsdangerous.timed

    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - seconds)
    token = make_reset_token(user, secret)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    return token


def test_invitation_link_works_for_two_weeks(app, monkeypatch):
    judge = make_user("judge")
    judge.password_hash = None  # invited: no password yet
    db.session.flush()
    token = token_signed_ago(monkeypatch, judge, 3 * DAY, app.secret_key)
    found = user_for_reset_token(db.session, token, secret_key=app.secret_key, max_age=HOUR,
                                 first_password_max_age=14 * DAY)
    assert found.id == judge.id
    old = token_signed_ago(monkeypatch, judge, 15 * DAY, app.secret_key)
    with pytest.raises(ServiceError, match="works for 14 days"):
        user_for_reset_token(db.session, old, secret_key=app.secret_key, max_age=HOUR,
                             first_password_max_age=14 * DAY)


def test_reset_link_of_an_account_with_a_password_lasts_an_hour(app, monkeypatch):
    user = make_user("applicant")
    token = token_signed_ago(monkeypatch, user, 2 * HOUR, app.secret_key)
    with pytest.raises(ServiceError, match="works for 60 minutes"):
        user_for_reset_token(db.session, token, secret_key=app.secret_key, max_age=HOUR,
                             first_password_max_age=14 * DAY)


def test_invitation_page_accepts_a_three_day_old_link(app, client, monkeypatch):
    judge = make_user("judge")
    judge.password_hash = None
    db.session.commit()
    token = token_signed_ago(monkeypatch, judge, 3 * DAY, app.secret_key)
    assert client.get(f"/auth/reset-password/{token}").status_code == 200
