"""The secretariat's pages: dashboard, edition set-up, screening, judges, conflicts,
assignment, progress and the outbox. Thin views: load, authorise, validate, call one
service, commit once, respond."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from judging.countries import countries
from judging.extensions import db
from judging.forms.secretariat import (
    AddJudgeForm,
    AssignForm,
    CsvUploadForm,
    EditionSettingsForm,
    InviteJudgeForm,
    MemberCategoriesForm,
    RemindForm,
    RemoveAssignmentForm,
    RemoveMemberForm,
    ScreeningDecisionForm,
    SendOutboxForm,
    WaiveConflictForm,
)
from judging.models import (
    Assignment,
    Attachment,
    Category,
    ConflictDeclaration,
    Edition,
    Entry,
    EntryState,
    Notification,
    PanelMember,
    Role,
    Round,
    RoundState,
    User,
)
from judging.services import ServiceError
from judging.services import assignment as assignment_service
from judging.services import conflicts as conflicts_service
from judging.services import edition_setup
from judging.services import imports as imports_service
from judging.services import notifications as notifications_service
from judging.services import progress as progress_service
from judging.services import roster as roster_service
from judging.services import screening as screening_service
from judging.services.attachments import attachment_path, human_size
from judging.services.editions import current_edition, editions
from judging.services.lifecycle import fire_edition_event
from judging.views import role_required
from judging.views._downloads import send_download
from judging.views._workflow import run_event
from judging.workflows.engine import TransitionError, available

bp = Blueprint("secretariat", __name__, url_prefix="/secretariat")

OUTBOX_PAGE_SIZE = 50


# ----- helpers ---------------------------------------------------------------------------------
def selected_edition() -> Edition:
    year = request.args.get("edition", type=int)
    if year is not None:
        edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    else:
        edition = current_edition(db.session)
    if edition is None:
        abort(404)
    return edition


def selected_round(edition: Edition) -> Round | None:
    number = request.args.get("round", type=int)
    if number is not None:
        return edition.round(number) or abort(404)
    return edition.current_round or (edition.rounds[0] if edition.rounds else None)


def base_url() -> str:
    return current_app.config["BASE_URL"]


def reset_link_factory():
    """Password-set links for invited judges (the reset tokens of the registration service)."""
    from judging.services.registration import make_reset_token

    secret = current_app.secret_key
    root = base_url().rstrip("/")

    def link(user: User) -> str:
        return root + url_for("auth.reset_password", token=make_reset_token(user, secret))

    return link


def to_utc(value: datetime | None, edition: Edition) -> datetime | None:
    """A date and time entered in the edition's time zone -> aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=edition.zone).astimezone(timezone.utc)


def to_local(value: datetime | None, edition: Edition) -> datetime | None:
    """An aware UTC datetime -> naive, in the edition's time zone (for a form field)."""
    if value is None:
        return None
    return value.astimezone(edition.zone).replace(tzinfo=None)


def field_error(form, error: ServiceError, fallback: str | None = None) -> bool:
    """Put a service refusal next to its field; False if the form has no such field."""
    name = error.field
    if name and name in form:
        form[name].errors = list(form[name].errors) + [error.message]
        return True
    if fallback and fallback in form:
        form[fallback].errors = list(form[fallback].errors) + [error.message]
        return True
    return False


def zone_label(edition: Edition) -> str:
    now = datetime.now(edition.zone)
    return f"{now.tzname()} ({edition.time_zone})"


def upload_bytes(form: CsvUploadForm) -> bytes:
    return form.file.data.read()


# ----- dashboard -------------------------------------------------------------------------------
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
    panel_counts = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(PanelMember.terms_accepted_at))
        .where(PanelMember.edition_id == edition.id)).one()
    awaiting = sum(row.get(s, 0) for row in table.values() for s in screening_service.QUEUE_STATES)
    return render_template(
        "secretariat/dashboard.html",
        edition=edition,
        editions=editions(db.session),
        categories=categories,
        table=table,
        states=states,
        edition_checks=available(edition, current_user),
        attention=assignment_service.recusals_without_replacement(db.session, edition),
        progress=progress_service.edition_summary(db.session, edition),
        panel_size=panel_counts[0], panel_accepted=panel_counts[1],
        awaiting_screening=awaiting,
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


# ----- edition set-up --------------------------------------------------------------------------
def _settings_form(edition: Edition) -> EditionSettingsForm:
    form = EditionSettingsForm()
    form.ranking_method.choices = list(edition_setup.RANKING_METHODS.items())
    if request.method == "GET":
        form.opens_at.data = to_local(edition.opens_at, edition)
        form.deadline_at.data = to_local(edition.deadline_at, edition)
        form.ceremony_date.data = edition.ceremony_date
        form.ceremony_place.data = edition.ceremony_place
        form.ranking_method.data = edition.ranking_method
        form.certify_finalists.data = edition.certify_finalists
        while len(form.rounds):
            form.rounds.pop_entry()
        for rnd in edition.rounds:
            form.rounds.append_entry({
                "number": str(rnd.number),
                "judges_per_entry": rnd.judges_per_entry,
                "finalist_share": (None if rnd.finalist_share is None
                                   else Decimal(str(round(rnd.finalist_share * 100, 1)))),
                "review_deadline_at": to_local(rnd.review_deadline_at, edition),
            })
    if edition.state in edition_setup.JUDGING_STARTED:
        opened = {str(r.number) for r in edition.rounds if r.state != RoundState.PENDING}
        for sub in form.rounds:
            if str(sub.form.number.data) in opened:
                fixed = {"readonly": True}
                sub.form.judges_per_entry.render_kw = fixed
                sub.form.finalist_share.render_kw = fixed
                sub.form.judges_per_entry.description = "Fixed: the round has opened."
    return form


def _settings_from_form(form: EditionSettingsForm, edition: Edition) -> edition_setup.EditionSettings:
    rounds = []
    by_number = {r.number: r for r in edition.rounds}
    for sub in form.rounds:
        try:
            number = int(sub.form.number.data)
        except (TypeError, ValueError):
            abort(400)
        if number not in by_number:
            abort(400)
        share = sub.form.finalist_share.data
        rounds.append(edition_setup.RoundSettings(
            number=number, judges_per_entry=sub.form.judges_per_entry.data,
            finalist_share=None if share is None else float(share) / 100,
            review_deadline_at=to_utc(sub.form.review_deadline_at.data, edition)))
    return edition_setup.EditionSettings(
        opens_at=to_utc(form.opens_at.data, edition),
        deadline_at=to_utc(form.deadline_at.data, edition),
        ceremony_date=form.ceremony_date.data,
        ceremony_place=form.ceremony_place.data or "",
        ranking_method=form.ranking_method.data,
        certify_finalists=bool(form.certify_finalists.data),
        rounds=tuple(rounds))


def _settings_field_error(form: EditionSettingsForm, error: ServiceError) -> None:
    name = error.field or ""
    if name.startswith("rounds."):
        _, number, attr = name.split(".", 2)
        for sub in form.rounds:
            if str(sub.form.number.data) == number and attr in sub.form:
                sub.form[attr].errors = list(sub.form[attr].errors) + [error.message]
                return
    if not field_error(form, error):
        form.form_errors.append(error.message)


@bp.route("/editions/<int:edition_id>/settings", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def settings(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = _settings_form(edition)
    if form.validate_on_submit():
        try:
            changes = edition_setup.update_settings(
                db.session, edition, _settings_from_form(form, edition), actor=current_user,
                reason=form.reason.data or "")
        except ServiceError as refusal:
            db.session.rollback()
            edition = db.session.get(Edition, edition_id)
            _settings_field_error(form, refusal)
        else:
            db.session.commit()
            if changes:
                flash(f"Settings saved ({len(changes)} change{'s' if len(changes) != 1 else ''}).",
                      "success")
            else:
                flash("Nothing was changed.", "info")
            return redirect(url_for(".dashboard", edition=edition.year))
    status = 422 if request.method == "POST" else 200
    rounds = {r.number: r for r in edition.rounds}
    return render_template("secretariat/settings.html", edition=edition, form=form,
                           rounds=rounds, zone=zone_label(edition),
                           reason_required=edition_setup.reason_required(edition)), status


# ----- screening -------------------------------------------------------------------------------
@bp.route("/screening")
@role_required(Role.SECRETARIAT)
def screening():
    edition = selected_edition()
    return render_template("secretariat/screening.html", edition=edition,
                           queue=screening_service.queue(db.session, edition),
                           upload_form=CsvUploadForm(formdata=None))


def _csv_import(form: CsvUploadForm, run, *, success) -> imports_service.CsvImportError | None:
    """Handle an uploaded CSV, all or nothing. Returns the refusal naming every bad line (the
    caller shows it with 422), or None (done, or a one-line refusal flashed)."""
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(form.file.errors) or "Choose a CSV file.", "danger")
        return None
    try:
        message = success(run(upload_bytes(form)))
    except imports_service.CsvImportError as refusal:
        db.session.rollback()
        return refusal
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return None
    db.session.commit()
    flash(message, "success")
    return None


def _render_import_errors(edition: Edition, refusal: imports_service.CsvImportError, *,
                          what: str, back: str):
    return render_template("secretariat/import_errors.html", edition=edition, refusal=refusal,
                           what=what, back=back), 422


@bp.route("/editions/<int:edition_id>/screening/import", methods=["POST"])
@role_required(Role.SECRETARIAT)
def screening_import(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    back = url_for(".screening", edition=edition.year)
    refusal = _csv_import(
        CsvUploadForm(),
        lambda data: imports_service.import_screening(db.session, edition, data,
                                                      actor=current_user, base_url=base_url()),
        success=lambda r: f"{len(r.decided)} screening decisions recorded; applicants notified.")
    if refusal is not None:
        return _render_import_errors(edition, refusal, what="screening decisions", back=back)
    return redirect(back)


@bp.route("/editions/<int:edition_id>/entries/import", methods=["POST"])
@role_required(Role.SECRETARIAT)
def entries_import(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    back = url_for(".screening", edition=edition.year)
    form = CsvUploadForm()
    source = form.file.data.filename if form.file.data else ""
    refusal = _csv_import(
        form,
        lambda data: imports_service.import_entries(db.session, edition, data,
                                                    actor=current_user, source=source or ""),
        success=lambda r: f"Imported {len(r.entries)} entries (submitted, awaiting screening).")
    if refusal is not None:
        return _render_import_errors(edition, refusal, what="entries", back=back)
    return redirect(back)


def _entry_page(entry: Entry, forms: dict | None = None, status: int = 200):
    edition = entry.edition
    spec = edition.program.spec
    try:
        form_spec = spec.form_for(entry.category.key, entry.applicant_type)
    except KeyError:
        form_spec = None
    forms = forms or {}
    for decision in screening_service.EVENTS:
        forms.setdefault(decision, ScreeningDecisionForm(formdata=None,
                                                         data={"decision": decision}))
    checks = {d: screening_service.check_decision(entry, d, actor=current_user,
                                                  reason="(checked)")
              for d in screening_service.EVENTS}
    known = {f.key for f in form_spec.fields} if form_spec else set()
    extra = {k: v for k, v in (entry.answers or {}).items() if k not in known}
    return render_template(
        "secretariat/entry.html", entry=entry, edition=edition, form_spec=form_spec,
        extra_answers=extra, checklist=screening_service.checklist(entry),
        history=screening_service.history(db.session, entry), forms=forms, checks=checks,
        labels=screening_service.DECISION_LABELS, zone=zone_label(edition),
        human_size=human_size,
        applicant_type=_applicant_type_label(spec, entry.applicant_type)), status


def _applicant_type_label(spec, key: str) -> str:
    try:
        return spec.applicant_type(key).label
    except KeyError:
        return key


def _load_entry(entry_id: int) -> Entry:
    entry = db.session.scalar(
        sa.select(Entry).where(Entry.id == entry_id)
        .options(joinedload(Entry.category), selectinload(Entry.attachments),
                 joinedload(Entry.owner)))
    if entry is None:
        abort(404)
    return entry


@bp.route("/entries/<int:entry_id>")
@role_required(Role.SECRETARIAT)
def entry(entry_id: int):
    return _entry_page(_load_entry(entry_id))


@bp.route("/entries/<int:entry_id>/screen", methods=["POST"])
@role_required(Role.SECRETARIAT)
def screen(entry_id: int):
    item = _load_entry(entry_id)
    form = ScreeningDecisionForm()
    decision = form.decision.data
    if not form.validate_on_submit():
        if form.csrf_token.errors or form.decision.errors:
            abort(400)
        return _entry_page(item, {decision: form}, 422)
    deadline = to_utc(form.deadline.data, item.edition) if decision == "clarification" else None
    try:
        screening_service.decide(db.session, item, decision, actor=current_user,
                                 reason=form.reason.data or "", deadline_at=deadline,
                                 base_url=base_url())
    except ServiceError as refusal:
        db.session.rollback()
        item = _load_entry(entry_id)
        field_error(form, refusal, fallback="reason")
        return _entry_page(item, {decision: form}, 422)
    except TransitionError as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(url_for(".entry", entry_id=entry_id))
    db.session.commit()
    flash(f"{item.reference}: {screening_service.DECISION_LABELS[decision].lower()} "
          "recorded; the applicant is told.", "success")
    return redirect(url_for(".screening", edition=item.edition.year))


@bp.route("/attachments/<int:attachment_id>")
@role_required(Role.SECRETARIAT)
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id) or abort(404)
    return send_download(attachment_path(current_app.config["UPLOAD_DIR"], item),
                         download_name=item.original_name, mimetype=item.content_type)


# ----- judges ----------------------------------------------------------------------------------
def _invite_form(edition: Edition) -> InviteJudgeForm:
    form = InviteJudgeForm()
    form.country.choices = [("", "Choose a country")] + list(countries())
    form.categories.choices = [(c.key, c.name) for c in edition.program.categories if c.entered]
    return form


def _judges_page(edition: Edition, invite_form: InviteJudgeForm | None = None, status: int = 200):
    members = roster_service.panel(db.session, edition)
    rnd = edition.current_round
    loads = assignment_service.judge_loads(db.session, rnd) if rnd else {}
    category_choices = [(c.key, c.name) for c in edition.program.categories if c.entered]
    names = dict(category_choices)
    return render_template(
        "secretariat/judges.html", edition=edition, members=members, loads=loads, round=rnd,
        invite_form=invite_form or _invite_form(edition),
        import_form=CsvUploadForm(formdata=None), category_names=names,
        category_choices=category_choices, remove_form=RemoveMemberForm(),
        categories_form=MemberCategoriesForm()), status


@bp.route("/judges")
@role_required(Role.SECRETARIAT)
def judges():
    return _judges_page(selected_edition())


@bp.route("/editions/<int:edition_id>/judges", methods=["POST"])
@role_required(Role.SECRETARIAT)
def invite(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = _invite_form(edition)
    if form.validate_on_submit():
        try:
            member = roster_service.invite_judge(
                db.session, edition, name=form.name.data, email=form.email.data,
                organisation=form.organisation.data or "", city=form.city.data or "",
                country=form.country.data, expertise=form.expertise.data or "",
                categories=form.categories.data or [], actor=current_user,
                base_url=base_url(), reset_link=reset_link_factory())
        except ServiceError as refusal:
            db.session.rollback()
            edition = db.session.get(Edition, edition_id)
            if not field_error(form, refusal):
                form.form_errors.append(refusal.message)
        else:
            db.session.commit()
            flash(f"{member.user.name} is invited; the invitation is in the outbox.", "success")
            return redirect(url_for(".judges", edition=edition.year))
    return _judges_page(edition, form, 422)


@bp.route("/editions/<int:edition_id>/judges/import", methods=["POST"])
@role_required(Role.SECRETARIAT)
def judges_import(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    back = url_for(".judges", edition=edition.year)
    refusal = _csv_import(
        CsvUploadForm(),
        lambda data: imports_service.import_judges(db.session, edition, data,
                                                   actor=current_user, base_url=base_url(),
                                                   reset_link=reset_link_factory()),
        success=lambda r: (f"Added {len(r.members)} judges ({r.created_users} new accounts, "
                           f"{r.existing_users} existing); invitations are in the outbox."))
    if refusal is not None:
        return _render_import_errors(edition, refusal, what="judges", back=back)
    return redirect(back)


@bp.route("/panel/<int:member_id>/categories", methods=["POST"])
@role_required(Role.SECRETARIAT)
def member_categories(member_id: int):
    member = db.session.get(PanelMember, member_id) or abort(404)
    edition = member.edition
    form = MemberCategoriesForm()
    form.categories.choices = [(c.key, c.name) for c in edition.program.categories if c.entered]
    if not form.validate_on_submit():
        abort(400)
    try:
        roster_service.set_categories(db.session, member, form.categories.data or [],
                                      actor=current_user)
    except ServiceError as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        flash(f"Categories of {member.user.name} saved.", "success")
    return redirect(url_for(".judges", edition=edition.year))


@bp.route("/panel/<int:member_id>/remove", methods=["POST"])
@role_required(Role.SECRETARIAT)
def remove_member(member_id: int):
    member = db.session.get(PanelMember, member_id) or abort(404)
    edition, name = member.edition, member.user.name
    if not RemoveMemberForm().validate_on_submit():
        abort(400)
    try:
        roster_service.remove_member(db.session, member, actor=current_user)
    except ServiceError as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        flash(f"{name} is no longer on the panel.", "success")
    return redirect(url_for(".judges", edition=edition.year))


# ----- conflicts -------------------------------------------------------------------------------
def _conflicts_page(edition: Edition, forms: dict | None = None, status: int = 200):
    source = request.args.get("source")
    if source not in (None, "automatic", "declared"):
        source = None
    rows = conflicts_service.register(db.session, edition, source=source)
    forms = forms or {}
    return render_template("secretariat/conflicts.html", edition=edition, rows=rows,
                           source=source, forms=forms, empty_form=WaiveConflictForm(formdata=None),
                           attention=assignment_service.recusals_without_replacement(
                               db.session, edition)), status


@bp.route("/conflicts")
@role_required(Role.SECRETARIAT)
def conflicts():
    return _conflicts_page(selected_edition())


@bp.route("/editions/<int:edition_id>/conflicts.csv")
@role_required(Role.SECRETARIAT)
def conflicts_csv(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    rows = conflicts_service.register(db.session, edition)
    return Response(conflicts_service.register_csv(rows, edition.time_zone),
                    mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=conflicts-{edition.year}.csv"})


@bp.route("/declarations/<int:declaration_id>/waive", methods=["POST"])
@role_required(Role.SECRETARIAT)
def waive(declaration_id: int):
    declaration = db.session.get(ConflictDeclaration, declaration_id) or abort(404)
    edition = db.session.get(Edition, declaration.edition_id)
    form = WaiveConflictForm()
    if form.validate_on_submit():
        try:
            conflicts_service.waive(db.session, declaration, reason=form.reason.data,
                                    actor=current_user)
        except ServiceError as refusal:
            db.session.rollback()
            declaration = db.session.get(ConflictDeclaration, declaration_id)
            field_error(form, refusal, fallback="reason")
        else:
            db.session.commit()
            flash(f"The conflict of {declaration.judge.name} on {declaration.entry.label} is "
                  "waived.", "success")
            return redirect(url_for(".conflicts", edition=edition.year))
    if form.csrf_token.errors:
        abort(400)
    return _conflicts_page(edition, {declaration.id: form}, 422)


# ----- assignment ------------------------------------------------------------------------------
def _assignments_page(edition: Edition, rnd: Round | None, form: AssignForm | None = None,
                      problems: list[str] | None = None, status: int = 200):
    data = assignment_service.round_assignments(db.session, rnd) if rnd else None
    if form is None:
        form = AssignForm(formdata=None, data={"per_entry": rnd.judges_per_entry if rnd else 3,
                                               "seed": 0})
    by_entry: dict[int, list[Assignment]] = {}
    loads: dict[int, int] = {}
    if data is not None:
        for a in data.assignments:
            by_entry.setdefault(a.entry_id, []).append(a)
            if a.recused_at is None:
                loads[a.judge_id] = loads.get(a.judge_id, 0) + 1
    return render_template(
        "secretariat/assignments.html", edition=edition, round=rnd, data=data, form=form,
        rounds_endpoint="secretariat.assignments",
        problems=problems or [], by_entry=by_entry, loads=loads,
        entry_state=assignment_service.round_entry_state(rnd).value if rnd else ""), status


@bp.route("/assignments")
@role_required(Role.SECRETARIAT)
def assignments():
    edition = selected_edition()
    return _assignments_page(edition, selected_round(edition))


@bp.route("/rounds/<int:round_id>/assign", methods=["POST"])
@role_required(Role.SECRETARIAT)
def assign(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    edition = rnd.edition
    form = AssignForm()
    if form.validate_on_submit():
        try:
            result = assignment_service.assign_round(
                db.session, edition, rnd.number, actor=current_user,
                per_entry=form.per_entry.data, seed=form.seed.data, base_url=base_url())
        except assignment_service.AssignmentImpossible as refusal:
            db.session.rollback()
            rnd = db.session.get(Round, round_id)
            return _assignments_page(rnd.edition, rnd, form, refusal.problems, 422)
        except ServiceError as refusal:
            db.session.rollback()
            flash(refusal.message, "danger")
            return redirect(url_for(".assignments", edition=edition.year, round=rnd.number))
        db.session.commit()
        loads = sorted(result.loads.values())
        if result.created:
            flash(f"{len(result.created)} new assignments ({result.per_entry} judges per entry; "
                  f"loads {loads[0]} to {loads[-1]}); {result.notified} judges notified.",
                  "success")
        else:
            flash("Every entry already has its judges: nothing to add.", "info")
        return redirect(url_for(".assignments", edition=edition.year, round=rnd.number))
    if form.csrf_token.errors:
        abort(400)
    return _assignments_page(edition, rnd, form, None, 422)


@bp.route("/rounds/<int:round_id>/assignments.csv")
@role_required(Role.SECRETARIAT)
def assignments_csv(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    return Response(assignment_service.export_csv(db.session, rnd), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename="
                             f"assignments-{rnd.edition.year}-round{rnd.number}.csv"})


def _entry_assignment_page(rnd: Round, item: Entry, add_form: AddJudgeForm | None = None,
                           status: int = 200):
    data = assignment_service.round_assignments(db.session, rnd)
    rows = [a for a in data.assignments if a.entry_id == item.id]
    candidates = assignment_service.candidates_for(data, item)
    loads: dict[int, int] = {}
    for a in data.assignments:
        if a.recused_at is None:
            loads[a.judge_id] = loads.get(a.judge_id, 0) + 1
    if add_form is None:
        add_form = AddJudgeForm(formdata=None)
    add_form.judge.choices = [(m.user_id, f"{m.user.name} ({m.user.country}, "
                                          f"{loads.get(m.user_id, 0)} entries)")
                              for m in candidates]
    excluded = []
    for m in data.members:
        why = data.exclusion(m, item)
        if why:
            reasons = "; ".join(data.index.reasons(m.user, item))
            excluded.append((m.user, reasons or why.replace("do not judge", "does not judge")))
    return render_template("secretariat/entry_assignments.html", round=rnd, entry=item,
                           edition=rnd.edition, rows=rows, add_form=add_form,
                           remove_form=RemoveAssignmentForm(formdata=None), excluded=excluded,
                           loads=loads), status


def _round_entry(round_id: int, entry_id: int) -> tuple[Round, Entry]:
    rnd = db.session.get(Round, round_id) or abort(404)
    item = db.session.get(Entry, entry_id)
    if item is None or item.edition_id != rnd.edition_id:
        abort(404)
    return rnd, item


@bp.route("/rounds/<int:round_id>/entries/<int:entry_id>")
@role_required(Role.SECRETARIAT)
def entry_assignments(round_id: int, entry_id: int):
    rnd, item = _round_entry(round_id, entry_id)
    return _entry_assignment_page(rnd, item)


@bp.route("/rounds/<int:round_id>/entries/<int:entry_id>/add", methods=["POST"])
@role_required(Role.SECRETARIAT)
def add_assignment(round_id: int, entry_id: int):
    rnd, item = _round_entry(round_id, entry_id)
    form = AddJudgeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _entry_assignment_page(rnd, item, form, 422)
    judge = db.session.get(User, form.judge.data)
    if judge is None:
        form.judge.errors = ["Choose a judge from the list."]
        return _entry_assignment_page(rnd, item, form, 422)
    try:
        assignment_service.add_judge(db.session, rnd, item, judge, actor=current_user,
                                     base_url=base_url())
    except ServiceError as refusal:
        db.session.rollback()
        rnd, item = _round_entry(round_id, entry_id)
        form.judge.errors = [refusal.message]
        return _entry_assignment_page(rnd, item, form, 422)
    db.session.commit()
    flash(f"{judge.name} is assigned to {item.label}.", "success")
    return redirect(url_for(".entry_assignments", round_id=round_id, entry_id=entry_id))


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@role_required(Role.SECRETARIAT)
def remove_assignment(assignment_id: int):
    row = db.session.get(Assignment, assignment_id) or abort(404)
    round_id, entry_id, name = row.round_id, row.entry_id, row.judge.name
    form = RemoveAssignmentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        assignment_service.remove_judge(db.session, row, actor=current_user,
                                        reason=form.reason.data or "")
    except ServiceError as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
    else:
        db.session.commit()
        flash(f"{name} is no longer assigned.", "success")
    return redirect(url_for(".entry_assignments", round_id=round_id, entry_id=entry_id))


# ----- progress --------------------------------------------------------------------------------
@bp.route("/progress")
@role_required(Role.SECRETARIAT)
def progress():
    edition = selected_edition()
    rnd = selected_round(edition)
    report = progress_service.round_progress(db.session, rnd) if rnd else None
    return render_template("secretariat/progress.html", edition=edition, round=rnd,
                           rounds_endpoint="secretariat.progress",
                           report=report, remind_form=RemindForm())


@bp.route("/rounds/<int:round_id>/remind", methods=["POST"])
@role_required(Role.SECRETARIAT)
def remind(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    if not RemindForm().validate_on_submit():
        abort(400)
    try:
        owing = progress_service.remind(db.session, rnd, actor=current_user, base_url=base_url())
    except ServiceError as refusal:
        db.session.rollback()
        flash(refusal.message, "warning")
    else:
        db.session.commit()
        flash(f"Reminded {len(owing)} judge{'s' if len(owing) != 1 else ''} "
              f"({sum(n for _, n in owing)} open reviews).", "success")
    return redirect(url_for(".progress", edition=rnd.edition.year, round=rnd.number))


# ----- outbox ----------------------------------------------------------------------------------
@bp.route("/outbox")
@role_required(Role.SECRETARIAT)
def outbox():
    kind = request.args.get("kind") or None
    page = max(1, request.args.get("page", 1, type=int))
    query = sa.select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if kind:
        query = query.where(Notification.kind == kind)
    pagination = db.paginate(query, page=page, per_page=OUTBOX_PAGE_SIZE, error_out=False)
    kinds = db.session.scalars(sa.select(Notification.kind).distinct().order_by(Notification.kind)).all()
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                .where(Notification.sent_at.is_(None)))
    edition = current_edition(db.session)
    return render_template("secretariat/outbox.html", pagination=pagination, kind=kind,
                           edition=edition, zone=edition.time_zone if edition else "UTC",
                           kinds=kinds, waiting=waiting, send_form=SendOutboxForm(),
                           smtp=bool(current_app.config.get("SMTP_URL")))


@bp.route("/outbox/send", methods=["POST"])
@role_required(Role.SECRETARIAT)
def send_outbox():
    if not SendOutboxForm().validate_on_submit():
        abort(400)
    smtp_url = current_app.config.get("SMTP_URL")
    if not smtp_url:
        flash("No SMTP server is configured (JUDGING_SMTP_URL): the messages stay in the "
              "outbox to be read here.", "warning")
        return redirect(url_for(".outbox"))
    try:
        sent, failed = notifications_service.deliver_pending(
            db.session, smtp_url, current_app.config["MAIL_FROM"])
    except (OSError, ValueError) as exc:
        db.session.rollback()
        flash(f"The mail server could not be reached: {exc}", "danger")
        return redirect(url_for(".outbox"))
    db.session.commit()
    flash(f"Sent {sent} message{'s' if sent != 1 else ''}"
          + (f"; {failed} failed (see the outbox)." if failed else "."),
          "success" if not failed else "warning")
    return redirect(url_for(".outbox"))
