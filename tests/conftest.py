"""Fixtures: app (schema built by the migrations), client, runner, login_as, db session.

The schema is built once per run by running the Alembic migrations into a template SQLite
file, which each test copies (fast and isolated). With JUDGING_TEST_DATABASE_URL set to a
PostgreSQL URL, the same suite runs against PostgreSQL: migrations once, tables truncated
after each test.
"""
from __future__ import annotations

import os
import secrets
import shutil
from functools import partial

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug import security

import judging.models.users as users_module
from judging import create_app
from judging.extensions import db

PG_URL = os.environ.get("JUDGING_TEST_DATABASE_URL")
pytest_plugins = ["tests.browser_support"]

# Test speed only: a cheap password hash (production uses werkzeug's scrypt default).
users_module.generate_password_hash = partial(security.generate_password_hash,
                                              method="pbkdf2:sha256:1000")


def base_config(tmp_path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CERTIFICATE_DIR": str(tmp_path / "certificates"),
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "BASE_URL": "https://prize.example.org",
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URL of a database whose schema the migrations built (once per run)."""
    from flask_migrate import upgrade

    if PG_URL:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        url = f"sqlite:///{path}"
    app = create_app(base_config(tmp_path_factory.mktemp("t"), url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


class Client(FlaskClient):
    """A test client that adds a valid CSRF token to form POSTs (unless told not to)."""

    auto_csrf = True

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = sess["csrf_token"] = secrets.token_hex(20)
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        # The test holds one app context for the whole test, so Flask-Login's per-request
        # cache (g._login_user) would otherwise carry one client's user into the next request.
        from flask import g, has_app_context

        if has_app_context():
            g.pop("_login_user", None)
        method = (kwargs.get("method") or "GET").upper()
        if self.auto_csrf and method == "POST" and kwargs.pop("csrf", True):
            data = kwargs.get("data")
            if data is None:
                data = kwargs["data"] = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        else:
            kwargs.pop("csrf", None)
        return super().open(*args, **kwargs)


def make_test_app(migrated_database: str, tmp_path, **overrides):
    """An app on a fresh copy of the migrated database (PostgreSQL: the shared test database)."""
    if PG_URL:
        url = migrated_database
    else:
        template = migrated_database.removeprefix("sqlite:///")
        copy = tmp_path / "test.sqlite"
        shutil.copyfile(template, copy)
        url = f"sqlite:///{copy}"
    config = base_config(tmp_path, url)
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = Client
    return app


@pytest.fixture
def app(migrated_database, tmp_path):
    app = make_test_app(migrated_database, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        if PG_URL:
            empty_pg_database()
        db.engine.dispose()


def empty_pg_database() -> None:
    """Empty the shared PostgreSQL test database after a test. The migrations' version and the
    data revision's single row stay (any revision number will do)."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables
                       if t.name not in ("alembic_version", "data_revision"))
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app):
    """login_as(user) -> a client signed in as that user through the real sign-in form."""
    from tests.factories import PASSWORD

    def _login(user, client=None):
        client = client or app.test_client()
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
