"""The judge's pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from judging.extensions import db
from judging.models import Assignment, Review, Role, Round
from judging.services.editions import current_edition
from judging.views import role_required

bp = Blueprint("judge", __name__, url_prefix="/judge")


@bp.route("/")
@role_required(Role.JUDGE)
def home():
    edition = current_edition(db.session)
    rows = []
    if edition is not None:
        rows = db.session.execute(
            sa.select(Assignment, Review)
            .join(Round, Round.id == Assignment.round_id)
            .outerjoin(
                Review,
                sa.and_(Review.round_id == Assignment.round_id,
                        Review.entry_id == Assignment.entry_id,
                        Review.judge_id == Assignment.judge_id),
            )
            .where(Round.edition_id == edition.id, Assignment.judge_id == current_user.id,
                   Assignment.recused_at.is_(None))
            .options(sa.orm.joinedload(Assignment.entry), sa.orm.joinedload(Assignment.round))
            .order_by(Round.number, Assignment.id)
        ).all()
    return render_template("judge/home.html", edition=edition, rows=rows)
