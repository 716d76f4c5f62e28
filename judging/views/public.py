"""Pages for everyone, signed in or not (published results, certificate checks)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from judging.extensions import db
from judging.models import Edition
from judging.services.decisions import PUBLIC_STATES, published_editions, published_results

bp = Blueprint("public", __name__)


@bp.route("/results")
def results():
    """The latest published results, with links to earlier editions."""
    published = published_editions(db.session)
    if not published:
        return render_template("public/results.html", edition=None, categories=[],
                               published=published)
    edition = published[0]
    return render_template("public/results.html", edition=edition, published=published,
                           categories=published_results(db.session, edition))


@bp.route("/results/<int:year>")
def results_year(year: int):
    """One edition's results; editions not yet published do not exist for the public."""
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year,
                                                         Edition.state.in_(list(PUBLIC_STATES))))
    if edition is None:
        abort(404)
    return render_template("public/results.html", edition=edition,
                           published=published_editions(db.session),
                           categories=published_results(db.session, edition))
