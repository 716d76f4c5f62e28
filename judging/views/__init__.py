"""Blueprints, one per audience. Views are thin: load, authorise, validate, call one
service, respond."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort
from flask_login import current_user

from judging.models import Role


def role_required(*roles: Role):
    """Sign-in required (redirect), then one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from judging.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def register_blueprints(app: Flask) -> None:
    from judging.views import (
        applicant,
        auth,
        certificates,
        committee,
        judge,
        main,
        public,
        ranking,
        secretariat,
    )

    for module in (auth, main, applicant, judge, secretariat, ranking, committee, public,
                   certificates):
        app.register_blueprint(module.bp)
