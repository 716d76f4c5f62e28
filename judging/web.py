"""Wiring of the web layer: blueprints, login, security headers, template helpers, errors."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.orm import joinedload

from judging.extensions import db, login_manager
from judging.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@cache
def _user_statement() -> sa.Select:
    """The signed-in user, with the roles every page asks for (built once)."""
    return sa.select(User).where(User.id == sa.bindparam("id")).options(joinedload(User.roles))


def init_app(app: Flask) -> None:
    from judging.views import register_blueprints

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.execute(_user_statement(), {"id": int(user_id)}
                                      ).unique().scalar_one_or_none()
        except (TypeError, ValueError):
            return None

    register_blueprints(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.endpoint and not request.endpoint.startswith(("static", "bootstrap")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, title="The form expired",
                               message="The form was missing its security token or it expired. "
                                       "Go back, reload the page and send it again."), 400

    for code, title, message in (
        (403, "Not allowed", "Your account does not have access to this page."),
        (404, "Not found", "There is no such page, or it is not yours to see."),
        (413, "File too large", "The upload is larger than the server accepts."),
        (429, "Too many attempts", "Too many attempts in a short time. Wait a minute and try again."),
    ):
        app.register_error_handler(code, _error_page(code, title, message))

    @app.context_processor
    def template_helpers():
        from judging.views.nav import nav_for

        return {
            "nav_for": nav_for,
            "csrf_token_value": generate_csrf,
            "has_endpoint": lambda name: name in app.view_functions,
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["country_name"] = country_name


def _error_page(code: int, title: str, message: str):
    def handler(error):
        detail = getattr(error, "description", None) if code in (413, 429) else None
        return render_template("errors/error.html", code=code, title=title,
                               message=message, detail=detail), code

    return handler


def local_time(value: datetime | None, zone: str | None = "Asia/Seoul", fmt: str = "long") -> str:
    """A UTC datetime in a time zone, e.g. '14 July 2024, 18:00 KST'."""
    if value is None:
        return "not set"
    local = value.astimezone(ZoneInfo(zone or "UTC"))
    if fmt == "short":
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def country_name(code: str | None) -> str:
    from judging.countries import country_name as name

    return name(code)
