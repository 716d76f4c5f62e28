"""Sign-in and sign-out; applicants' registration and password reset."""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from judging.countries import countries
from judging.extensions import db, limiter
from judging.forms.auth import (
    LoginForm,
    LogoutForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegistrationForm,
)
from judging.models import Program
from judging.services import ServiceError
from judging.services.accounts import authenticate, find_user
from judging.services.editions import current_edition
from judging.services.registration import (
    register_applicant,
    request_password_reset,
    reset_password as reset_password_service,
    time_zones,
    user_for_reset_token,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no open redirects)."""
    if not target:
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None  # browsers read "/\\evil.example" as another host
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"],
               error_message="Too many sign-in attempts. Wait a minute and try again.")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("The email or password is not correct.")
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    status = 200 if request.method == "GET" or form.errors == {} else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


# ----- helpers shared with the applicant's pages --------------------------------------------
def form_error(form, error: ServiceError, fallback: str | None = None) -> None:
    """Show a service's refusal next to the field it names (or the fallback field)."""
    name = error.field if error.field in form else fallback
    if name is None:
        return
    field = form[name]
    field.errors = list(field.errors) + [error.message]


def error_summary(form) -> list[tuple[str, str, str]]:
    """(field id, label, message) for each field at fault, in the form's order."""
    rows = []
    for field in form:
        if field.errors and field.type not in ("CSRFTokenField", "HiddenField"):
            rows.append((field.id, field.label.text, " ".join(field.errors)))
    return rows


def program_spec():
    """The program applicants register for: the current edition's, else the only one."""
    edition = current_edition(db.session)
    if edition is not None:
        return edition.program.spec
    program = db.session.scalar(sa.select(Program).order_by(Program.id))
    return program.spec if program is not None else None


def country_choices() -> list[tuple[str, str]]:
    return [("", "Choose a country")] + list(countries())


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", "Use my browser's time zone")] + [(z, z.replace("_", " ")) for z in time_zones()]


def _external(endpoint: str, **values) -> str:
    """An address for messages: the configured public address, never the request's Host."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


# ----- registration ------------------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"],
               error_message="Too many registrations from here in a short time. Wait a minute and try again.")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    spec = program_spec()
    if spec is None:
        abort(404)
    form = RegistrationForm()
    form.country.choices = country_choices()
    form.applicant_type.choices = [(t.key, t.label) for t in spec.applicant_types]
    form.time_zone.choices = time_zone_choices()
    if form.validate_on_submit():
        try:
            user = register_applicant(
                db.session, email=form.email.data, name=form.name.data,
                password=form.password.data, organisation=form.organisation.data,
                city=form.city.data, country=form.country.data,
                applicant_type=form.applicant_type.data, applicant_types=spec.applicant_types,
                time_zone=form.time_zone.data, prize_name=spec.name,
                sign_in_url=_external("auth.login"),
            )
        except ServiceError as refusal:
            db.session.rollback()
            form_error(form, refusal, fallback="email")
        else:
            login_user(user)
            db.session.commit()
            flash(f"Welcome, {user.name}. Your account is ready: you can start an entry.", "success")
            return redirect(url_for("applicant.home"))
    elif request.method == "POST" and form.email.data and not form.email.errors:
        # Say at once that the address is taken, not only after the other fields are fixed.
        if find_user(db.session, form.email.data) is not None:
            form.email.errors = list(form.email.errors) + [
                "An account with this email already exists. Sign in, or ask for a password link."]
    status = 200 if request.method == "GET" else 422
    return render_template("auth/register.html", form=form, spec=spec,
                           type_help={t.key: t.description for t in spec.applicant_types},
                           summary=error_summary(form)), status


# ----- password reset ----------------------------------------------------------------------
@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"],
               error_message="Too many requests in a short time. Wait a minute and try again.")
def forgot_password():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        spec = program_spec()
        request_password_reset(
            db.session, form.email.data,
            secret_key=current_app.secret_key,
            max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
            link_for=lambda token: _external("auth.reset_password", token=token),
            prize_name=spec.name if spec is not None else "prize judging",
        )
        db.session.commit()
        minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
        return render_template("auth/reset_sent.html", email=form.email.data, minutes=minutes)
    status = 200 if request.method == "GET" else 422
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    secret = current_app.secret_key
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    first_max_age = current_app.config["INVITATION_MAX_AGE"]
    try:
        user = user_for_reset_token(db.session, token, secret_key=secret, max_age=max_age,
                                    first_password_max_age=first_max_age)
    except ServiceError as refusal:
        return render_template("auth/reset_invalid.html", message=refusal.message,
                               form=PasswordResetRequestForm(formdata=None)), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        spec = program_spec()
        try:
            reset_password_service(db.session, token, form.password.data, secret_key=secret,
                                   max_age=max_age, first_password_max_age=first_max_age,
                                   prize_name=spec.name if spec is not None else "prize judging")
        except ServiceError as refusal:
            db.session.rollback()
            form_error(form, refusal, fallback="password")
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash("Your password was changed. Sign in with your new password.", "success")
            return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/reset_password.html", form=form, user=user,
                           summary=error_summary(form)), status
