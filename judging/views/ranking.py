"""The secretariat's ranking pages (the chair reads them too; judges and applicants never):
rankings per round and category with raw and chosen scores side by side, exports, closing
and opening rounds, and the award allocation."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from judging.extensions import db
from judging.forms.decisions import AllocateForm, CloseRoundForm, OpenRoundForm, SpecialMentionsForm
from judging.models import Edition, EditionState, Role, RoundState
from judging.ranking import METHODS
from judging.services import ServiceError
from judging.services import charts
from judging.services.decisions import (
    MentionPick,
    allocate_awards,
    allocation_overview,
    close_round,
    current_decisions,
    mention_category,
    mention_recommendations,
    open_round,
    recorded_snapshot,
    select_special_mentions,
    slot_candidates,
    superseded_count,
)
from judging.services.editions import current_edition, editions
from judging.services.exports import (
    CONTENT_TYPES,
    FORMATS,
    export_ranking,
    ranking_filename,
    results_workbook,
    workbook_filename,
)
from judging.services.ranking import (
    METHOD_WORDS,
    entries_per_round_category,
    rank_round_category,
    ranked_categories,
    resolve_category,
    round_progress,
)
from judging.views import role_required
from judging.views._cache import part_cache, revision_now
from judging.workflows.engine import TransitionError, available

bp = Blueprint("ranking", __name__, url_prefix="/secretariat/ranking")
READERS = (Role.SECRETARIAT, Role.CHAIR)


def edition_for_year(year: int) -> Edition:
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if edition is None:
        abort(404)
    return edition


def _selected_edition() -> Edition:
    year = request.args.get("edition", type=int)
    edition = edition_for_year(year) if year is not None else current_edition(db.session)
    if edition is None:
        abort(404)
    return edition


def _round(edition: Edition, number: int):
    rnd = edition.round(number)
    if rnd is None:
        abort(404)
    return rnd


def _category(edition: Edition, slug: str):
    try:
        category = resolve_category(edition.program.categories, slug)
    except ServiceError:
        abort(404)
    if not category.entered:
        abort(404)
    return category


@bp.route("/")
@role_required(*READERS)
def index():
    edition = _selected_edition()
    rounds = list(edition.rounds)
    progress = round_progress(db.session, rounds)
    counts = entries_per_round_category(db.session, rounds)
    picture = charts.progress_chart(
        [(r.name, progress[r.id][0], progress[r.id][1]) for r in rounds])
    is_secretariat = current_user.has_role(Role.SECRETARIAT)
    round_checks = {r.id: available(r, current_user) for r in rounds} if is_secretariat else {}
    return render_template(
        "ranking/index.html", edition=edition, editions=editions(db.session), rounds=rounds,
        progress=progress, counts=counts, picture=picture,
        categories=ranked_categories(edition.program.categories), round_checks=round_checks,
        edition_checks=available(edition, current_user) if is_secretariat else [],
        close_form=CloseRoundForm(), open_form=OpenRoundForm(), is_secretariat=is_secretariat,
        snapshots={r.id: recorded_snapshot(db.session, r) for r in rounds
                   if r.state == RoundState.CLOSED},
    )


def _method() -> str | None:
    method = request.args.get("method") or None
    if method is not None and method not in METHODS:
        abort(404)
    return method


def _rank(rnd, category, method: str | None):
    try:
        return rank_round_category(db.session, rnd, category, method=method)
    except ServiceError as exc:
        abort(Response(str(exc), status=409))


def _ranking(year: int, number: int, slug: str):
    edition = edition_for_year(year)
    rnd = _round(edition, number)
    category = _category(edition, slug)
    return edition, rnd, category, _rank(rnd, category, _method())


@bp.route("/<int:year>/rounds/<int:number>/<slug>")
@role_required(*READERS)
def category(year: int, number: int, slug: str):
    revision = revision_now()  # before anything the table shows is read
    edition = edition_for_year(year)
    rnd = _round(edition, number)
    category = _category(edition, slug)
    method = _method()
    table = part_cache().get_or_render(
        revision, ("ranking", rnd.id, category.id, method),
        lambda: _category_table(edition, rnd, category, method))
    return render_template("ranking/category.html", edition=edition, rnd=rnd,
                           category=category, content=table)


def _category_table(edition, rnd, category, method: str | None) -> Markup:
    ranking = _rank(rnd, category, method)
    raw_order = {r.entry_id: i for i, r in enumerate(
        sorted(ranking.rows, key=lambda r: (-r.raw_mean, r.reference)), start=1)}
    highlight = {r.entry_id for r in ranking.rows
                 if r.state.value in ("shortlisted", "awarded", "certified", "not_awarded")}
    use_calibrated = any(r.calibrated is not None for r in ranking.rows)
    y_label = "calibrated" if use_calibrated else METHOD_WORDS[ranking.method_used]
    # The output of an autoescaped template (every value in it was escaped there).
    return Markup(render_template(  # nosec B704
        "ranking/_category_table.html", edition=edition, rnd=rnd, category=category,
        ranking=ranking, raw_order=raw_order, methods=METHODS, method_words=METHOD_WORDS,
        method=method,
        judge_picture=charts.judge_chart(ranking.judges, ranking.scale) if ranking.judges else None,
        scatter=charts.raw_vs_score(ranking.rows, y_label=y_label, use_calibrated=use_calibrated,
                                    highlight=highlight) if ranking.rows else None,
        y_label=y_label, formats=FORMATS, snapshot=recorded_snapshot(db.session, rnd),
        other_categories=ranked_categories(edition.program.categories),
    ))


@bp.route("/<int:year>/rounds/<int:number>/<slug>/export.<fmt>")
@role_required(*READERS)
def export(year: int, number: int, slug: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    _edition, _rnd, _category_row, ranking = _ranking(year, number, slug)
    return Response(export_ranking(ranking, fmt), content_type=CONTENT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{ranking_filename(ranking, fmt)}"'})


@bp.route("/<int:year>/workbook.xlsx")
@role_required(*READERS)
def workbook(year: int):
    edition = edition_for_year(year)
    return Response(results_workbook(db.session, edition), content_type=CONTENT_TYPES["xlsx"],
                    headers={"Content-Disposition":
                             f'attachment; filename="{workbook_filename(edition)}"'})


@bp.route("/<int:year>/rounds/<int:number>/close", methods=["POST"])
@role_required(Role.SECRETARIAT)
def close(year: int, number: int):
    edition = edition_for_year(year)
    rnd = _round(edition, number)
    form = CloseRoundForm()
    back = url_for("ranking.index", edition=edition.year)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(form.confirm.errors) or "The form was not valid.", "warning")
        return redirect(back)
    try:
        result = close_round(db.session, rnd, actor=current_user)
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(back)
    for line in result.messages:
        flash(line, "success")
    for category in result.categories:
        if category.tied_at_cutoff:
            flash(f"{category.category_name}: entries tied at the cut-off were all shortlisted "
                  f"({', '.join(category.tied_at_cutoff)}).", "warning")
    return redirect(back)


@bp.route("/<int:year>/rounds/<int:number>/open", methods=["POST"])
@role_required(Role.SECRETARIAT)
def open_(year: int, number: int):
    edition = edition_for_year(year)
    rnd = _round(edition, number)
    form = OpenRoundForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("ranking.index", edition=edition.year)
    try:
        open_round(db.session, rnd, actor=current_user)
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(back)
    flash(f"{rnd.name} is open. Assign its entries to judges next.", "success")
    return redirect(back)


# ----- allocation ----------------------------------------------------------------------------------
def entry_choice(entry) -> str:
    from judging.countries import country_name

    return (f"{entry.label} · {entry.applicant_name} ({entry.city}, {country_name(entry.country)})"
            f" · {entry.category.name} · {entry.state.value.replace('_', ' ')}")


def mention_form(session, edition: Edition, formdata=None) -> SpecialMentionsForm:
    """The special-mentions form, filled with the current selection; its choices are the
    eligible entries that hold no other award."""
    category = mention_category(edition)
    current = current_decisions(session, edition)
    rows = []
    choices = [("", "None: leave this slot vacant")]
    if category is not None and category.tiers:
        held = {d.entry_id for d in current if d.entry_id and d.category_id != category.id}
        choices += [(str(e.id), entry_choice(e))
                    for e in slot_candidates(session, edition, category, category.tiers[0])
                    if e.id not in held]
        mine = sorted((d for d in current if d.category_id == category.id and d.entry_id),
                      key=lambda d: (d.tier_key, d.slot))
        rows = [{"entry": str(d.entry_id), "theme": d.theme, "partner": d.partner} for d in mine]
    kwargs = {"formdata": formdata} if formdata is not None else {}
    form = SpecialMentionsForm(data={"mentions": rows}, **kwargs)
    for row in form.mentions:
        row.entry.choices = choices
    return form


def mention_picks(form: SpecialMentionsForm) -> list[MentionPick]:
    return [MentionPick(int(row.entry.data), row.theme.data or "", row.partner.data or "")
            for row in form.mentions if row.entry.data]


def render_awards(edition: Edition, *, template: str, mentions_form=None, status: int = 200,
                  **extra):
    is_chair = current_user.has_role(Role.CHAIR)
    mentions_form = mentions_form or mention_form(db.session, edition)
    return render_template(
        template, edition=edition, overview=allocation_overview(db.session, edition),
        recommendations=mention_recommendations(db.session, edition),
        mentions_form=mentions_form, allocate_form=AllocateForm(),
        deliberating=edition.state == EditionState.DELIBERATION,
        corrections=superseded_count(db.session, edition), is_chair=is_chair,
        types={t.key: t.label for t in edition.program.spec.applicant_types}, **extra,
    ), status


@bp.route("/<int:year>/awards")
@role_required(*READERS)
def awards(year: int):
    edition = edition_for_year(year)
    return render_awards(edition, template="ranking/awards.html",
                         mentions_action=url_for("ranking.mentions", year=edition.year),
                         can_propose=current_user.has_role(Role.SECRETARIAT))


@bp.route("/<int:year>/awards/allocate", methods=["POST"])
@role_required(Role.SECRETARIAT)
def allocate(year: int):
    edition = edition_for_year(year)
    form = AllocateForm()
    back = url_for("ranking.awards", year=edition.year)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(form.confirm.errors), "warning")
        return redirect(back)
    try:
        result = allocate_awards(db.session, edition, actor=current_user)
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(back)
    for line in result.messages[:12]:
        flash(line, "info")
    return redirect(back)


@bp.route("/<int:year>/awards/mentions", methods=["POST"])
@role_required(Role.SECRETARIAT)
def mentions(year: int):
    edition = edition_for_year(year)
    form = mention_form(db.session, edition, formdata=request.form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_awards(edition, template="ranking/awards.html", mentions_form=form,
                             status=422, mentions_action=url_for("ranking.mentions", year=year),
                             can_propose=True)
    try:
        select_special_mentions(db.session, edition, mention_picks(form), actor=current_user)
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        form.mentions.errors.append(str(refusal))
        return render_awards(edition, template="ranking/awards.html", mentions_form=form,
                             status=422, mentions_action=url_for("ranking.mentions", year=year),
                             can_propose=True)
    flash("Special mentions recorded.", "success")
    return redirect(url_for("ranking.awards", year=edition.year))


__all__ = ["bp", "edition_for_year", "entry_choice", "mention_form", "mention_picks", "render_awards"]
