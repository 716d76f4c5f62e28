"""The secretariat's pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from judging.extensions import db
from judging.models import Category, Edition, Entry, EntryState, Role
from judging.services.editions import current_edition, editions
from judging.services.lifecycle import fire_edition_event
from judging.views import role_required
from judging.views._workflow import run_event
from judging.workflows.engine import available

bp = Blueprint("secretariat", __name__, url_prefix="/secretariat")


def selected_edition() -> Edition:
    year = request.args.get("edition", type=int)
    if year is not None:
        edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    else:
        edition = current_edition(db.session)
    if edition is None:
        abort(404)
    return edition


@bp.route("/")
@role_required(Role.SECRETARIAT)
def dashboard():
    edition = selected_edition()
    counts = db.session.execute(
        sa.select(Entry.category_id, Entry.state, sa.func.count())
        .where(Entry.edition_id == edition.id)
        .group_by(Entry.category_id, Entry.state)
    ).all()
    table: dict[int, dict[EntryState, int]] = {}
    for category_id, state, n in counts:
        table.setdefault(category_id, {})[state] = n
    categories = db.session.scalars(
        sa.select(Category).where(Category.program_id == edition.program_id).order_by(Category.position)
    ).all()
    states = [s for s in EntryState if any(s in row for row in table.values())]
    return render_template(
        "secretariat/dashboard.html",
        edition=edition,
        editions=editions(db.session),
        categories=categories,
        table=table,
        states=states,
        edition_checks=available(edition, current_user),
    )


@bp.route("/editions/<int:edition_id>/event", methods=["POST"])
@role_required(Role.SECRETARIAT)
def edition_event(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    return run_event(
        edition,
        lambda event, reason: fire_edition_event(db.session, edition, event, actor=current_user,
                                                 reason=reason),
        success="Done: {label}.",
        next_url=url_for("secretariat.dashboard", edition=edition.year),
    )
