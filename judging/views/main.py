"""The front door: sends a signed-in user to their role's home page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from judging.extensions import db
from judging.models import EditionState, Role
from judging.services.editions import current_edition

bp = Blueprint("main", __name__)

HOME = {
    Role.SECRETARIAT: "secretariat.dashboard",
    Role.CHAIR: "committee.home",
    Role.JUDGE: "judge.home",
    Role.APPLICANT: "applicant.home",
}


@bp.route("/")
def index():
    if current_user.is_authenticated and current_user.primary_role is not None:
        return redirect(url_for(HOME[current_user.primary_role]))
    edition = current_edition(db.session)
    return render_template("main/index.html", edition=edition, EditionState=EditionState)
