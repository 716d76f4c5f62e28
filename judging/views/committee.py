"""The committee chair's pages."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from judging.extensions import db
from judging.models import Edition, Role
from judging.services.editions import current_edition
from judging.services.lifecycle import fire_edition_event
from judging.views import role_required
from judging.views._workflow import run_event
from judging.workflows.engine import available

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.route("/")
@role_required(Role.CHAIR)
def home():
    edition = current_edition(db.session)
    checks = available(edition, current_user) if edition else []
    return render_template("committee/home.html", edition=edition, edition_checks=checks)


@bp.route("/editions/<int:edition_id>/event", methods=["POST"])
@role_required(Role.CHAIR)
def edition_event(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    return run_event(
        edition,
        lambda event, reason: fire_edition_event(db.session, edition, event, actor=current_user,
                                                 reason=reason),
        success="Done: {label}.",
        next_url=url_for("committee.home"),
    )
