"""The tests' app context is shared by every request of a test, and so is `g`, where
Flask-Login caches the signed-in user: without this, a second client (another judge, the
secretariat) or a cleared session would still be served as the first user."""
from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    def forget_user():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)
    yield
