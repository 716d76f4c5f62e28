"""Configuration: safe defaults here, overridden by instance/config.py, then by environment.

Environment variables (all optional except the secret key in production):
  JUDGING_SECRET_KEY      signs sessions and tokens; required unless JUDGING_ENV=development/testing
  JUDGING_DATABASE_URL    SQLAlchemy URL; default sqlite:///<instance>/judging.sqlite
                          (PostgreSQL: postgresql+psycopg://user:pass@host/dbname)
  JUDGING_ENV             production (default) | development
  JUDGING_COOKIE_SECURE   1 (default) | 0 to allow sign-in over plain http (local demo only)
  JUDGING_SMTP_URL        smtp://user:pass@host:port (smtps:// for TLS); unset: messages stay in the outbox
  JUDGING_MAIL_FROM       sender address of outgoing messages
  JUDGING_BASE_URL        public address used in messages and certificate QR codes
  JUDGING_RATELIMIT_STORAGE_URI  Flask-Limiter storage (default memory://; redis://... behind several workers)
  JUDGING_FONT_DIRS       extra directories searched first for certificate fonts (os.pathsep separated)
  JUDGING_SQLITE_SYNCHRONOUS  NORMAL (default) | FULL: SQLite syncs its log at checkpoints, or at every
                          commit (FULL: no committed transaction lost in a power cut; slower writes)
"""
from __future__ import annotations

import os
from datetime import timedelta

DEFAULTS: dict[str, object] = {
    "ENV_NAME": "production",
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,  # filled in from the instance path when unset
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,  # a judge may keep a scoring form open for hours
    "BOOTSTRAP_SERVE_LOCAL": True,  # no CDN: the app works offline
    "BOOTSTRAP_BTN_STYLE": "primary",
    "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
    "ATTACHMENT_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_MAX_ENTRY_BYTES": 30 * 1024 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "SMTP_URL": None,
    "MAIL_FROM": "Seoul Smart City Prize <no-reply@localhost>",
    "BASE_URL": "http://127.0.0.1:5000",
    "FONT_DIRS": [],
    "PASSWORD_RESET_MAX_AGE": 3600,  # a password reset link works for an hour
    "INVITATION_MAX_AGE": 14 * 86400,  # a judge's first-password link (invitation): two weeks
    # Rendered ranking tables kept per worker process under the data revision (0: none).
    "PAGE_PART_CACHE_SIZE": 64,
    "SQLITE_SYNCHRONOUS": "NORMAL",  # SQLite only: NORMAL | FULL | EXTRA (see create_app)
}

ENV_VARS = {
    "JUDGING_SECRET_KEY": "SECRET_KEY",
    "JUDGING_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "JUDGING_ENV": "ENV_NAME",
    "JUDGING_SMTP_URL": "SMTP_URL",
    "JUDGING_MAIL_FROM": "MAIL_FROM",
    "JUDGING_BASE_URL": "BASE_URL",
    "JUDGING_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "JUDGING_SQLITE_SYNCHRONOUS": "SQLITE_SYNCHRONOUS",
}


class ConfigError(SystemExit):
    """The configuration cannot run the app; the message says what to set.

    A SystemExit, so that `flask` and gunicorn stop with this one line and no traceback."""

    def __init__(self, message: str):
        super().__init__(f"Error: {message}")
        self.message = message


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for var, key in ENV_VARS.items():
        if environ.get(var):
            values[key] = environ[var]
    if environ.get("JUDGING_COOKIE_SECURE") is not None:
        secure = environ["JUDGING_COOKIE_SECURE"].strip().lower() not in {"0", "false", "no", "off"}
        values["SESSION_COOKIE_SECURE"] = secure
        values["REMEMBER_COOKIE_SECURE"] = secure
    if environ.get("JUDGING_FONT_DIRS"):
        values["FONT_DIRS"] = [d for d in environ["JUDGING_FONT_DIRS"].split(os.pathsep) if d]
    return values


def check(config: dict) -> None:
    """Refuse to start in production without a real secret key."""
    if config.get("TESTING") or config.get("ENV_NAME") in {"development", "testing"}:
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = "development-only-secret-key-do-not-use-in-production"
        return
    secret = config.get("SECRET_KEY")
    if not secret or len(str(secret)) < 16:
        raise ConfigError(
            "JUDGING_SECRET_KEY is not set (or shorter than 16 characters). Set it to a long random "
            "value before starting in production, e.g. "
            "export JUDGING_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
            "or set JUDGING_ENV=development for local use."
        )
