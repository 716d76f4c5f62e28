"""The applicant's portal: entries (start, edit, attach, submit, resubmit, withdraw), their
status and receipts, and the applicant's own account.

Every entry route loads the entry through _own_entry(): another applicant's entry answers
404, so its existence is not revealed."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from judging.extensions import db
from judging.forms.applicant import (
    AccountForm,
    NewEntryForm,
    WithdrawForm,
    answer_field,
    answers_from,
    entry_form_class,
)
from judging.models import Attachment, Entry, EntryState, Role, utcnow
from judging.program.answers import count_words
from judging.services import ServiceError
from judging.services.attachments import ACCEPTED_LABEL, Limits, attachment_path, human_size
from judging.services.editions import current_edition
from judging.services.entries import (
    AnswersInvalid,
    applicant_state_words,
    call_refusal,
    categories_open_to,
    create_draft,
    default_applicant_name,
    discard_files,
    editing_refusal,
    entry_form,
    entry_history,
    last_submission_at,
    latest_reason,
    owned_entries,
    remove_attachment,
    save_draft,
    section_progress,
    submit_entry,
    upload_attachment,
    withdraw_entry,
)
from judging.services.registration import update_account
from judging.views import role_required
from judging.views._downloads import send_download
from judging.views.auth import country_choices, error_summary, form_error, time_zone_choices
from judging.web import local_time
from judging.workflows.engine import TransitionError, check

bp = Blueprint("applicant", __name__, url_prefix="/applicant")


# ----- helpers -----------------------------------------------------------------------------
def _own_entry(entry_id: int) -> Entry:
    """The signed-in applicant's entry, or 404 (also for someone else's entry)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or not entry.is_owned_by(current_user):
        abort(404)
    return entry


def _limits() -> Limits:
    return Limits(current_app.config["ATTACHMENT_MAX_FILE_BYTES"],
                  current_app.config["ATTACHMENT_MAX_ENTRY_BYTES"])


def _external(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def time_left(deadline: datetime | None, now: datetime | None = None) -> str:
    """'12 days, 3 hours', '2 hours, 5 minutes', 'less than a minute'; '' once passed."""
    if deadline is None:
        return ""
    seconds = int((deadline - (now or utcnow())).total_seconds())
    if seconds < 0:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f", {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f", {unit(minutes, 'minute')}" if minutes else "")
    if minutes:
        return unit(minutes, "minute")
    return "less than a minute"


def _iso(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


@bp.context_processor
def _helpers():
    return {"time_left": time_left, "iso_utc": _iso, "count_words": count_words,
            "human_size": human_size}


@bp.errorhandler(413)
def _too_large(error):
    limits = _limits()
    entry_id = (request.view_args or {}).get("entry_id")
    back = url_for("applicant.entry", entry_id=entry_id) if entry_id else url_for("applicant.home")
    return render_template(
        "applicant/too_large.html", back=back,
        max_request=human_size(current_app.config["MAX_CONTENT_LENGTH"]),
        max_file=human_size(limits.max_file_bytes), max_entry=human_size(limits.max_entry_bytes),
    ), 413


# ----- home --------------------------------------------------------------------------------
@bp.route("/")
@role_required(Role.APPLICANT)
def home():
    edition = current_edition(db.session)
    entries = owned_entries(db.session, current_user)
    rows = [(e, applicant_state_words(db.session, e), editing_refusal(e, current_user) is None)
            for e in entries]
    refusal = call_refusal(edition) if edition is not None else "There is no call for entries yet."
    return render_template("applicant/home.html", rows=rows, edition=edition,
                           start_refusal=refusal)


# ----- account -----------------------------------------------------------------------------
@bp.route("/account", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def account():
    form = AccountForm(obj=current_user) if request.method == "GET" else AccountForm()
    form.country.choices = country_choices()
    form.time_zone.choices = time_zone_choices()
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone or ""
    if form.validate_on_submit():
        try:
            update_account(db.session, current_user, name=form.name.data,
                           organisation=form.organisation.data, city=form.city.data,
                           country=form.country.data, time_zone=form.time_zone.data)
        except ServiceError as refusal:
            db.session.rollback()
            form_error(form, refusal, fallback="name")
        else:
            db.session.commit()
            flash("Your details were saved. Entries you have already started keep the details "
                  "they were started with.", "success")
            return redirect(url_for("applicant.account"))
    spec = current_user.applicant_type and _type_label(current_user.applicant_type)
    status = 200 if request.method == "GET" else 422
    return render_template("applicant/account.html", form=form, type_label=spec,
                           summary=error_summary(form)), status


def _type_label(key: str) -> str:
    edition = current_edition(db.session)
    if edition is None:
        return key
    try:
        return edition.program.spec.applicant_type(key).label
    except KeyError:
        return key


# ----- a new entry -------------------------------------------------------------------------
@bp.route("/entries/new", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def new_entry():
    edition = current_edition(db.session)
    if edition is None:
        abort(404)
    allowed = categories_open_to(edition, current_user.applicant_type)
    form = NewEntryForm()
    form.category.choices = [(c.key, c.name) for c in allowed]
    if request.method == "GET":
        form.applicant_name.data = default_applicant_name(current_user)
        if len(allowed) == 1:
            form.category.data = allowed[0].key
    refusal = call_refusal(edition)
    if form.validate_on_submit():
        try:
            entry = create_draft(
                db.session, actor=current_user, edition=edition,
                category_key=form.category.data, applicant_name=form.applicant_name.data,
                applicant_name_local=form.applicant_name_local.data or "",
                city_local=form.city_local.data or "")
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error, fallback="category")
        else:
            db.session.commit()
            flash("Your entry is started. Answer the questions at your own pace: "
                  "save the draft whenever you like.", "success")
            return redirect(url_for("applicant.entry", entry_id=entry.id))
    status = 200 if request.method == "GET" else 422
    return render_template(
        "applicant/new_entry.html", form=form, edition=edition, categories=allowed,
        refusal=refusal, type_label=_type_label(current_user.applicant_type or ""),
        summary=error_summary(form)), status


# ----- the entry form ----------------------------------------------------------------------
def _initial_data(entry: Entry, spec) -> dict:
    data = {"applicant_name": entry.applicant_name,
            "applicant_name_local": entry.applicant_name_local, "city_local": entry.city_local}
    for f in spec.fields:
        data["answer_" + f.key] = (entry.answers or {}).get(f.key, "")
    return data


def _render_entry_form(entry: Entry, form, *, status: int = 200, intro: str | None = None,
                       message: str | None = None):
    spec = entry_form(entry)
    typed = answers_from(form, spec)
    return render_template(
        "applicant/entry_form.html", entry=entry, form=form, spec=spec,
        fields={f.key: answer_field(form, f.key) for f in spec.fields},
        progress=section_progress(entry, typed), summary=error_summary(form),
        intro=intro, message=message, limits=_limits(), accepted=ACCEPTED_LABEL,
        question=entry.clarification_question or latest_reason(db.session, entry,
                                                                "request_clarification"),
    ), status


def _set_problems(form, problems: dict[str, str]) -> None:
    for key, message in problems.items():
        try:
            field = answer_field(form, key)
        except KeyError:
            continue
        field.errors = [message]


@bp.route("/entries/<int:entry_id>", methods=["GET"])
@role_required(Role.APPLICANT)
def entry(entry_id: int):
    entry = _own_entry(entry_id)
    spec = entry_form(entry)
    refusal = editing_refusal(entry, current_user)
    if refusal:
        return render_template("applicant/entry_view.html", entry=entry, spec=spec,
                               refusal=refusal,
                               state_words=applicant_state_words(db.session, entry))
    form = entry_form_class(spec)(formdata=None, data=_initial_data(entry, spec))
    return _render_entry_form(entry, form)


@bp.route("/entries/<int:entry_id>", methods=["POST"])
@role_required(Role.APPLICANT)
def entry_post(entry_id: int):
    """Every button of the entry form: save, upload, remove a document, submit. Each first
    keeps the answers (a draft), so that nothing typed is lost."""
    entry = _own_entry(entry_id)
    spec = entry_form(entry)
    form = entry_form_class(spec)()
    action = request.form.get("action", "save")
    if not form.validate():
        return _render_entry_form(entry, form, status=422,
                                  intro="Nothing was saved yet. Correct what is listed below and "
                                        "save again; everything you typed is still here.")
    answers = answers_from(form, spec)
    try:
        save_draft(db.session, entry, actor=current_user, answers=answers,
                   applicant_name=form.applicant_name.data,
                   applicant_name_local=form.applicant_name_local.data or "",
                   city_local=form.city_local.data or "")
    except AnswersInvalid as invalid:
        db.session.rollback()
        _set_problems(form, invalid.problems)
        return _render_entry_form(entry, form, status=422,
                                  intro=invalid.message + " Everything you typed is still here.")
    except ServiceError as refusal:
        db.session.rollback()
        form_error(form, refusal)
        return _render_entry_form(entry, form, status=422,
                                  message=None if refusal.field in form else refusal.message)

    chosen = form.file.data is not None and bool(getattr(form.file.data, "filename", ""))
    if action == "upload" or (chosen and action in ("save", "submit")):
        # A file chosen before pressing Save or Submit is uploaded too, not silently dropped.
        refused = _upload(entry, form, required=(action == "upload"))
        if refused is not None:
            return refused
        if action != "submit":
            db.session.commit()
            flash(f"{entry.attachments[-1].original_name} was added. Your answers were saved too.",
                  "success")
            return redirect(url_for("applicant.entry", entry_id=entry.id, _anchor="documents"))
    if action.startswith("remove:"):
        return _remove(entry, form, action.removeprefix("remove:"))
    if action == "submit":
        return _submit(entry, form)
    db.session.commit()
    flash(f"Draft saved ({_now_words(entry)}).", "success")
    return redirect(url_for("applicant.entry", entry_id=entry.id))


def _now_words(entry: Entry) -> str:
    return local_time(utcnow(), current_user.time_zone or entry.edition.time_zone)


def _upload(entry: Entry, form, *, required: bool):
    """Add the chosen file; None when added, else the refused page (answers kept)."""
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        if not required:
            return None
        db.session.commit()
        form.file.errors = ["Choose a file to upload."]
        return _render_entry_form(entry, form, status=422,
                                  intro="Your answers were saved, but no file was chosen.")
    try:
        upload_attachment(db.session, entry, actor=current_user, filename=upload.filename,
                          data=upload.read(), upload_dir=current_app.config["UPLOAD_DIR"],
                          limits=_limits())
    except ServiceError as refusal:
        db.session.commit()  # nothing of the file was kept; the answers saved above are
        form.file.errors = [refusal.message]
        return _render_entry_form(entry, form, status=422,
                                  intro="Your answers were saved, but the file was not added"
                                        + (" and the entry was not submitted." if
                                           request.form.get("action") == "submit" else "."))
    return None


def _remove(entry: Entry, form, attachment_id: str):
    attachment = (db.session.get(Attachment, int(attachment_id))
                  if attachment_id.isdigit() else None)
    if attachment is None or attachment.entry_id != entry.id:
        abort(404)
    name = attachment.original_name
    try:
        path = remove_attachment(db.session, entry, attachment, actor=current_user,
                                 upload_dir=current_app.config["UPLOAD_DIR"])
    except ServiceError as refusal:
        db.session.commit()  # the answers saved above are kept
        return _render_entry_form(entry, form, status=422, message=refusal.message)
    db.session.commit()
    discard_files([path])
    flash(f"{name} was removed. Your answers were saved too.", "success")
    return redirect(url_for("applicant.entry", entry_id=entry.id, _anchor="documents"))


def _submit(entry: Entry, form):
    if not form.confirm.data:
        db.session.commit()
        form.confirm.errors = ["Tick the box to confirm before you submit."]
        return _render_entry_form(entry, form, status=422,
                                  intro="Your answers were saved as a draft, but the entry was "
                                        "not submitted yet.")
    resubmitting = entry.state == EntryState.CLARIFICATION_REQUESTED
    try:
        submit_entry(db.session, entry, actor=current_user,
                     status_url=_external("applicant.entry_status", entry_id=entry.id))
    except AnswersInvalid as invalid:
        db.session.commit()  # the draft saved above is kept
        _set_problems(form, invalid.problems)
        return _render_entry_form(entry, form, status=422,
                                  intro="Your answers were saved as a draft. " + invalid.message)
    except (ServiceError, TransitionError) as refusal:
        db.session.commit()  # the draft saved above is kept; the entry is not submitted
        text = refusal.why if isinstance(refusal, TransitionError) else refusal.message
        return _render_entry_form(entry, form, status=422,
                                  message="Your answers were saved as a draft, but the entry was "
                                          f"not submitted: {text}")
    db.session.commit()
    flash("Your entry was resubmitted. Thank you for the clarification." if resubmitting
          else "Your entry was submitted. Keep the reference number below.", "success")
    return redirect(url_for("applicant.receipt", entry_id=entry.id))


# ----- status, receipt, documents ----------------------------------------------------------
@bp.route("/entries/<int:entry_id>/status")
@role_required(Role.APPLICANT)
def entry_status(entry_id: int):
    entry = _own_entry(entry_id)
    withdraw = _safe_check(entry, "withdraw")
    return render_template(
        "applicant/status.html", entry=entry,
        state_words=applicant_state_words(db.session, entry),
        history=entry_history(db.session, entry),
        question=entry.clarification_question or latest_reason(db.session, entry,
                                                               "request_clarification"),
        ineligible_reason=(latest_reason(db.session, entry, "declare_ineligible")
                           if entry.state == EntryState.INELIGIBLE else ""),
        editing_refused=editing_refusal(entry, current_user),
        can_withdraw=withdraw is not None and withdraw.allowed,
    )


def _safe_check(entry: Entry, event: str):
    try:
        return check(entry, event, actor=current_user)
    except TransitionError:
        return None


@bp.route("/entries/<int:entry_id>/receipt")
@role_required(Role.APPLICANT)
def receipt(entry_id: int):
    entry = _own_entry(entry_id)
    if entry.reference is None or entry.submitted_at is None:
        abort(404)
    when = last_submission_at(db.session, entry)
    resubmitted = when is not None and entry.submitted_at is not None and when > entry.submitted_at
    return render_template("applicant/receipt.html", entry=entry, when=when,
                           resubmitted=resubmitted,
                           state_words=applicant_state_words(db.session, entry))


@bp.route("/entries/<int:entry_id>/documents/<int:attachment_id>")
@login_required
def download(entry_id: int, attachment_id: int):
    """A supporting document, as a download only, for whoever may see the entry."""
    entry = db.session.get(Entry, entry_id)
    attachment = db.session.get(Attachment, attachment_id)
    if (entry is None or attachment is None or attachment.entry_id != entry.id
            or not entry.can_view(current_user)):
        abort(404)
    return send_download(attachment_path(current_app.config["UPLOAD_DIR"], attachment),
                         download_name=attachment.original_name, mimetype=attachment.content_type)


# ----- withdrawal --------------------------------------------------------------------------
@bp.route("/entries/<int:entry_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def withdraw(entry_id: int):
    entry = _own_entry(entry_id)
    checked = _safe_check(entry, "withdraw")
    refusal = None
    if entry.state == EntryState.WITHDRAWN:
        refusal = "This entry is already withdrawn."
    elif checked is None:
        refusal = "This entry can no longer be withdrawn: the committee has taken its decision."
    elif not checked.allowed:
        refusal = checked.refusal.why
    form = WithdrawForm()
    if refusal is None and form.validate_on_submit():
        try:
            withdraw_entry(db.session, entry, actor=current_user, reason=form.reason.data or "")
        except (ServiceError, TransitionError) as error:
            db.session.rollback()
            refusal = error.why if isinstance(error, TransitionError) else error.message
        else:
            db.session.commit()
            flash(f"Entry {entry.label} was withdrawn. A confirmation was sent to {current_user.email}.",
                  "success")
            return redirect(url_for("applicant.entry_status", entry_id=entry.id))
    status = 200 if request.method == "GET" else 422
    return render_template("applicant/withdraw.html", entry=entry, form=form, refusal=refusal,
                           state_words=applicant_state_words(db.session, entry),
                           summary=error_summary(form)), status
