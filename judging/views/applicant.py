"""The applicant's portal."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from judging.extensions import db
from judging.models import Entry, Role
from judging.services.editions import current_edition
from judging.views import role_required

bp = Blueprint("applicant", __name__, url_prefix="/applicant")


@bp.route("/")
@role_required(Role.APPLICANT)
def home():
    entries = db.session.scalars(
        sa.select(Entry)
        .where(Entry.owner_id == current_user.id)
        .options(sa.orm.joinedload(Entry.category), sa.orm.joinedload(Entry.edition))
        .order_by(Entry.created_at.desc())
    ).all()
    return render_template("applicant/home.html", entries=entries,
                           edition=current_edition(db.session))
