"""The judge's pages: assignments, terms, conflict declaration, the entry and its scoring form.

Every entry page goes through judging_access: an entry not assigned to the judge in the round
answers 404; terms first, then the declaration, then the entry. A judge's pages hold only that
judge's own data: never another judge's scores, comments or any aggregate.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from judging.extensions import csrf, db
from judging.forms.judge import DeclarationForm, ReopenForm, TermsForm, review_form_class
from judging.models import Attachment, Edition, Review, ReviewState, Role, RoundState, utcnow
from judging.services import ServiceError
from judging.services import conflicts as conflict_service
from judging.services import judging_access as access_service
from judging.services import reviews as review_service
from judging.services.attachments import attachment_path, human_size
from judging.services.editions import current_edition
from judging.services.roster import TERMS
from judging.views import role_required
from judging.views._downloads import send_download
from judging.views.auth import safe_next
from judging.workflows.engine import TransitionError

bp = Blueprint("judge", __name__, url_prefix="/judge")

# A downloaded file is never rendered with the app's privileges.


def signed_in_post(view):
    """A POST from a browser whose session has expired is sent to sign-in, and back to the
    page afterwards, instead of failing the CSRF check (the expired session lost its token):
    nothing is saved, the last saved draft is kept. Once the user is known, CSRF is checked."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST":
            if not current_user.is_authenticated:
                flash("Your session had expired, so nothing was saved. Sign in again to come "
                      "back to the page; your last saved draft is kept, and changes you had "
                      "not saved are offered back from this browser.", "warning")
                return redirect(url_for("auth.login", next=request.path))
            csrf.protect()
        return view(*args, **kwargs)

    return csrf.exempt(wrapped)


def _access(round_id: int, entry_id: int) -> access_service.JudgeAccess:
    try:
        return access_service.load_access(db.session, current_user, entry_id=entry_id,
                                          round_id=round_id)
    except access_service.NotAssigned:
        abort(404)


def _refused(access: access_service.JudgeAccess, refusal: access_service.AccessRefused):
    """The response for a refusal other than 'not assigned' (which is a 404)."""
    if isinstance(refusal, access_service.TermsNotAccepted):
        return redirect(url_for(".terms", edition_id=access.edition.id, next=request.path))
    if isinstance(refusal, access_service.DeclarationRequired):
        return redirect(url_for(".declare", round_id=access.round.id, entry_id=access.entry.id))
    return render_template("judge/refused.html", message=refusal.message,
                           access=access), 403


# ----- home ---------------------------------------------------------------------------------
@bp.route("/")
@role_required(Role.JUDGE)
def home():
    edition = current_edition(db.session)
    # The real user object, not the proxy: the overview reads the judge's facts for every row.
    judge = current_user._get_current_object()
    overview = review_service.judge_overview(db.session, judge, edition) if edition else None
    links = {group.round.id: {"entry": _entry_links(".entry", round_id=group.round.id),
                              "declare": _entry_links(".declare", round_id=group.round.id)}
             for group in (overview.rounds if overview else [])}
    return render_template("judge/home.html", edition=edition, overview=overview, links=links,
                           now=utcnow())


_MARKER = 987654321987  # an entry id no real address contains


def _entry_links(endpoint: str, **values) -> Callable[[int], str]:
    """url_for(endpoint, entry_id=N, **values) for many entries: the address is built once,
    then only the entry's number changes (a judge's list links to dozens of entries)."""
    head, found, tail = url_for(endpoint, entry_id=_MARKER, **values).partition(str(_MARKER))
    if not found or str(_MARKER) in tail:  # pragma: no cover - a route without the entry id
        return lambda entry_id: url_for(endpoint, entry_id=entry_id, **values)
    return lambda entry_id: f"{head}{entry_id}{tail}"


# ----- terms --------------------------------------------------------------------------------
@bp.route("/editions/<int:edition_id>/terms", methods=["GET", "POST"])
@signed_in_post
@role_required(Role.JUDGE)
def terms(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    if not access_service.may_accept_terms(db.session, edition, current_user):
        abort(404)
    member = access_service.panel_member(db.session, edition, current_user)
    next_url = safe_next(request.args.get("next")) or url_for(".home")
    form = TermsForm()
    if member is not None and member.terms_accepted_at is not None and request.method == "GET":
        return render_template("judge/terms.html", edition=edition, form=form, member=member,
                               next_url=next_url, terms=TERMS)
    if form.validate_on_submit():
        access_service.accept_terms(db.session, edition, current_user, actor=current_user)
        db.session.commit()
        flash("Thank you: you accepted the terms. Your assignments are listed below.", "success")
        return redirect(next_url)
    status = 422 if request.method == "POST" else 200
    return render_template("judge/terms.html", edition=edition, form=form, member=member,
                           next_url=next_url, terms=TERMS), status


# ----- conflict declaration -------------------------------------------------------------------
@bp.route("/rounds/<int:round_id>/entries/<int:entry_id>/declare", methods=["GET", "POST"])
@signed_in_post
@role_required(Role.JUDGE)
def declare(round_id: int, entry_id: int):
    access = _access(round_id, entry_id)
    refusal = access.refusal(need_declaration=False)
    if refusal is not None:
        return _refused(access, refusal)
    form = DeclarationForm()
    if form.validate_on_submit():
        has_conflict = form.has_conflict.data == "yes"
        try:
            conflict_service.declare(db.session, judge=current_user, entry=access.entry,
                                     has_conflict=has_conflict, reason=form.reason.data or "",
                                     actor=current_user, base_url=current_app.config["BASE_URL"])
            if not has_conflict:
                review_service.open_review(
                    db.session, access_service.load_access(
                        db.session, current_user, entry_id=entry_id, round_id=round_id))
            db.session.commit()
        except ServiceError as refusal:
            db.session.rollback()
            (form[refusal.field].errors if refusal.field in form else form.has_conflict.errors
             ).append(refusal.message)
        else:
            if has_conflict:
                flash(f"You declared a conflict of interest on {access.entry.reference}: it is "
                      "removed from your list and another judge will take it. Thank you.",
                      "info")
                return redirect(url_for(".home"))
            return redirect(url_for(".entry", round_id=round_id, entry_id=entry_id))
    status = 422 if request.method == "POST" else 200
    return render_template("judge/declare.html", access=access, form=form), status


# ----- the entry and its scoring form ---------------------------------------------------------
@bp.route("/rounds/<int:round_id>/entries/<int:entry_id>", methods=["GET", "POST"])
@signed_in_post
@role_required(Role.JUDGE)
def entry(round_id: int, entry_id: int):
    access = _access(round_id, entry_id)
    refusal = access.refusal()
    if refusal is not None:
        return _refused(access, refusal)
    review = access.review
    if review is None:
        review = review_service.open_review(db.session, access)
        if review.id is not None:
            db.session.commit()
    category = access.entry.category
    form_class = review_form_class(category.criteria)

    if request.method == "GET":
        form = form_class(formdata=None, data=review_service.values_from_review(review))
        saved = None
        if request.args.get("saved") == "1" and review.state == ReviewState.DRAFT \
                and review.updated_at is not None:
            saved_at = review.updated_at.astimezone(_zone(access))
            saved = f"Draft saved at {saved_at:%H:%M} {saved_at.tzname()}."
        return _render_entry(access, review, form, saved=saved)

    form = form_class()
    submitting = request.form.get("action") == "submit"
    try:  # a locked review or a closed round: say so first, whatever the form holds
        review_service.ensure_changeable(db.session, review, current_user, access)
    except ServiceError as refusal:
        return _render_entry(access, review, form, submitting=submitting,
                             problem=refusal.message), 409
    form.validate()
    values = form.values()
    data = review_service.input_from_values(category, values)
    if data.version is None:  # a form without its version cannot prove it is current
        data.version = -1
    for name, message in review_service.check_input(category, data,
                                                    complete=submitting).items():
        if name in form and not form[name].errors:
            form[name].errors = [*form[name].errors, message]
    if submitting and not form.confirm_submit.data:
        form.confirm_submit.errors = ["Tick this box to submit; your review is then locked."]
    if _has_errors(form):
        return _render_entry(access, review, form, submitting=submitting,
                             problem="Nothing was saved: correct the fields marked below."), 422
    try:
        if submitting:
            review_service.submit_review(db.session, review, data, actor=current_user,
                                         access=access)
            reference = access.entry.reference
        else:
            review_service.save_draft(db.session, review, data, actor=current_user,
                                      access=access)
        db.session.commit()
    except (review_service.StaleReview, review_service.ReviewLocked,
            review_service.RoundNotOpen) as refusal:
        db.session.rollback()
        return _render_entry(access, _reload(review), form, submitting=submitting,
                             problem=refusal.message), 409
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        message = refusal.message if isinstance(refusal, ServiceError) else refusal.why
        field = getattr(refusal, "field", None)
        if field and field in form:
            form[field].errors = [*form[field].errors, message]
        return _render_entry(access, _reload(review), form, submitting=submitting,
                             problem="Nothing was saved: " + message), 422
    if submitting:
        flash(f"Your review of {reference} is submitted and locked. Thank you.", "success")
        return redirect(url_for(".home"))
    # Back to the form, which says when the draft was saved (from the review itself: a draft
    # is saved often, and this way saving never rewrites the session cookie).
    return redirect(url_for(".entry", round_id=round_id, entry_id=entry_id, saved=1))


def _reload(review: Review) -> Review:
    """The review as stored, after a rollback (an unsaved empty review stays as it is)."""
    if review.id is None:
        return review
    return db.session.get(Review, review.id)


def _has_errors(form) -> bool:
    return any(f.errors for f in form)


def _zone(access: access_service.JudgeAccess) -> ZoneInfo:
    return ZoneInfo(current_user.time_zone or access.edition.time_zone)


def _render_entry(access, review: Review, form, *, submitting: bool = False,
                  problem: str | None = None, saved: str | None = None):
    entry = access.entry
    spec = entry.edition.program.spec
    try:
        entry_form = spec.form_for(entry.category.key, entry.applicant_type)
    except KeyError:
        entry_form = None
    editable = review.state == ReviewState.DRAFT and access.round.state == RoundState.OPEN
    criteria = [(c, c.spec) for c in entry.category.criteria]
    rubric = _rubric(entry.edition.program, entry.category, criteria)
    summary = _error_summary(form, entry.category.criteria)
    return render_template(
        "judge/entry.html", access=access, entry=entry, review=review, form=form,
        entry_form=entry_form, criteria=criteria, rubric=rubric, editable=editable,
        problem=problem, saved=saved,
        submitting=submitting, total=review_service.weighted_total(review), summary=summary,
        human_size=human_size, scale=_scale(entry.category.criteria), now=utcnow(),
    )


_RUBRICS: dict[tuple, dict[str, Markup]] = {}  # (program id, loaded_at, category id) -> parts


def _rubric(program, category, criteria) -> dict[str, Markup]:
    """Each criterion's name, weight, description and level descriptions, as HTML: they come
    from the program only, so they are rendered once per installed definition (whose
    (id, loaded_at) names it; see models.Program.spec) and category, not on every page."""
    key = (program.id, program.loaded_at, category.id)
    parts = _RUBRICS.get(key)
    if parts is None:
        macro = get_template_attribute("judge/_rubric.html", "rubric")
        wsum = sum(c.weight for c, _spec in criteria)
        parts = {c.key: macro(c, spec, index, wsum)
                 for index, (c, spec) in enumerate(criteria, start=1)}
        if len(_RUBRICS) >= 64:
            _RUBRICS.clear()
        _RUBRICS[key] = parts
    return parts


def _error_summary(form, criteria) -> list[tuple[str, str]]:
    """(anchor, message) for each field in error, in the order of the page."""
    order: list[tuple[str, str, str]] = []
    for c in criteria:
        order.append((f"score_{c.key}", f"criterion-{c.key}", c.name))
        order.append((f"comment_{c.key}", f"comment_{c.key}", f"Comment on {c.name}"))
    order += [("overall_comment", "overall_comment", "Overall comment"),
              ("special_mention_theme", "special_mention_theme", "Special Mention theme"),
              ("confirm_submit", "confirm_submit", "Confirmation"),
              ("version", "review-form", "Form")]
    return [(anchor, f"{label}: {' '.join(form[name].errors)}")
            for name, anchor, label in order if name in form and form[name].errors]


def _scale(criteria) -> str:
    lows = {c.scale_min for c in criteria}
    highs = {c.scale_max for c in criteria}
    if len(lows) == 1 and len(highs) == 1:
        return f"{lows.pop()} to {highs.pop()}"
    return "the criteria's scales"


# ----- attachments: download only ---------------------------------------------------------------
@bp.route("/rounds/<int:round_id>/entries/<int:entry_id>/attachments/<int:attachment_id>")
@role_required(Role.JUDGE)
def attachment(round_id: int, entry_id: int, attachment_id: int):
    access = _access(round_id, entry_id)
    if access.refusal() is not None:
        abort(403)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.entry_id != access.entry.id:
        abort(404)
    return send_download(attachment_path(current_app.config["UPLOAD_DIR"], item),
                         download_name=item.original_name, mimetype=item.content_type)


# ----- the secretariat reopens a submitted review ----------------------------------------------
@bp.route("/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def reopen(review_id: int):
    review = db.session.get(Review, review_id) or abort(404)
    next_url = safe_next(request.values.get("next"))
    form = ReopenForm()
    problem = None
    if form.validate_on_submit():
        link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            ".entry", round_id=review.round_id, entry_id=review.entry_id)
        try:
            review_service.reopen_review(db.session, review, actor=current_user,
                                         reason=form.reason.data, link=link)
            db.session.commit()
        except (ServiceError, TransitionError) as refusal:
            db.session.rollback()
            problem = refusal.message if isinstance(refusal, ServiceError) else refusal.why
            review = db.session.get(Review, review_id)
        else:
            flash(f"The review of {review.entry.reference} by {review.judge.name} is reopened; "
                  "the judge has been told.", "success")
            return redirect(next_url or _secretariat_home())
    status = 422 if request.method == "POST" else 200
    return render_template("judge/reopen.html", review=review, form=form, problem=problem,
                           next_url=next_url, total=review_service.weighted_total(review)), status


def _secretariat_home() -> str:
    if "secretariat.dashboard" in current_app.view_functions:
        return url_for("secretariat.dashboard")
    return url_for("main.index")
