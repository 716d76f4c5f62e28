"""Secretariat and public pages for certificates.

Secretariat (``/secretariat/certificates``): what can be certified, the fonts in use and the
names that need a font that is not embedded, issue all / one / a new revision, download one
or all (a streamed ZIP). Public (``/verify``, ``/verify/<serial>``): valid, revoked (with its
date) or unknown, and nothing else. Applicants download their own certificate from their
status page (``/applicant/entries/<id>/certificate``).
"""
from __future__ import annotations

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
from flask_login import current_user, login_required

from judging.extensions import db, limiter
from judging.forms.certificates import IssueAllForm, IssueForm, ReissueForm, VerifyForm
from judging.models import Certificate, Edition, Entry, Role
from judging.services import ServiceError
from judging.services.certificates import (
    ISSUING_STATES,
    candidates,
    certificate_files,
    certificates_of_edition,
    ensure_file,
    font_warnings,
    fonts_for,
    fonts_in_use,
    issue_all,
    issue_certificate,
    normalise_serial,
    valid_certificate_for_owner,
    verify_certificate,
    zip_chunks,
)
from judging.services.editions import current_edition
from judging.views import role_required
from judging.views._downloads import DOWNLOAD_HEADERS, send_download
from judging.workflows.engine import TransitionError

bp = Blueprint("certificates", __name__)

# ----- helpers -----------------------------------------------------------------------------------
def _fonts():
    return fonts_for(current_app.config.get("FONT_DIRS") or ())


def _service_config() -> dict:
    return {"certificate_dir": current_app.config["CERTIFICATE_DIR"],
            "base_url": current_app.config["BASE_URL"], "fonts": _fonts()}


def _edition() -> Edition:
    year = request.args.get("edition", type=int)
    if year is not None:
        edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    else:
        edition = current_edition(db.session)
    if edition is None:
        abort(404)
    return edition


def _back(edition: Edition, anchor: str | None = None) -> str:
    return url_for("certificates.index", edition=edition.year, _anchor=anchor)


def _send_pdf(path, serial: str):
    return send_download(path, download_name=f"{serial}.pdf", mimetype="application/pdf")


@bp.app_context_processor
def _certificate_helpers():
    """applicant_certificate(entry): the signed-in owner's valid certificate once the results
    are published (the applicant's status page links it), else None."""

    def applicant_certificate(entry):
        if entry is None or not getattr(current_user, "is_authenticated", False):
            return None
        return valid_certificate_for_owner(db.session, entry, current_user)

    return {"applicant_certificate": applicant_certificate}


# ----- secretariat -------------------------------------------------------------------------------
@bp.route("/secretariat/certificates")
@role_required(Role.SECRETARIAT, Role.CHAIR)
def index():
    edition = _edition()
    fonts = _fonts()
    items = candidates(db.session, edition, fonts=fonts)
    issued = certificates_of_edition(db.session, edition)
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc())).all()
    return render_template(
        "certificates/index.html", edition=edition, editions=editions, items=items,
        issued=issued, warnings=font_warnings(items), fonts=fonts.describe(),
        fonts_used=fonts_in_use(items, fonts),
        can_issue=current_user.has_role(Role.SECRETARIAT),
        issuable=edition.state in ISSUING_STATES,
        to_issue=sum(1 for c in items if c.status == "to issue"),
        to_reissue=sum(1 for c in items if c.status == "to re-issue"),
        valid_count=sum(1 for c in issued if c.revoked_at is None),
        issue_all_form=IssueAllForm(), issue_form_for=lambda c: IssueForm(entry_id=c.entry.id),
        reissue_form=ReissueForm(),
    )


@bp.route("/secretariat/certificates/issue-all", methods=["POST"])
@role_required(Role.SECRETARIAT)
def issue_all_view():
    edition = _edition()
    form = IssueAllForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = issue_all(db.session, edition, actor=current_user,
                           confirm_missing_fonts=bool(form.confirm_missing_fonts.data),
                           **_service_config())
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(_back(edition))
    for n, line in enumerate(result.messages):
        flash(line, "success" if n == 0 else "warning")
    return redirect(_back(edition))


@bp.route("/secretariat/certificates/issue", methods=["POST"])
@role_required(Role.SECRETARIAT)
def issue():
    form = IssueForm()
    if not form.validate_on_submit() or not str(form.entry_id.data).isdigit():
        abort(400)
    entry = db.session.get(Entry, int(form.entry_id.data)) or abort(404)
    try:
        result = issue_certificate(db.session, entry, actor=current_user,
                                   confirm_missing_fonts=bool(form.confirm_missing_fonts.data),
                                   reason=form.reason.data or "", **_service_config())
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(f"{entry.label}: {refusal}", "danger")
        return redirect(_back(entry.edition, f"entry-{entry.id}"))
    cert = result.certificate
    if not result.created:
        flash(f"{entry.label}: certificate {cert.serial} was already issued and is unchanged.",
              "info")
    elif result.replaced is not None:
        flash(f"{entry.label}: certificate {cert.serial} (revision {cert.revision}) issued; "
              f"{result.replaced.serial} is revoked.", "success")
    else:
        flash(f"{entry.label}: certificate {cert.serial} issued.", "success")
    return redirect(_back(entry.edition, f"entry-{entry.id}"))


@bp.route("/secretariat/certificates/<int:certificate_id>/reissue", methods=["POST"])
@role_required(Role.SECRETARIAT)
def reissue(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    entry = certificate.entry
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "The form was not valid.", "danger")
        return redirect(_back(entry.edition, f"certificate-{certificate.id}"))
    if certificate.revoked_at is not None:
        flash(f"{certificate.serial} is revoked; issue the entry's certificate instead.", "danger")
        return redirect(_back(entry.edition, f"certificate-{certificate.id}"))
    try:
        result = issue_certificate(db.session, entry, actor=current_user, force=True,
                                   reason=form.reason.data,
                                   confirm_missing_fonts=bool(form.confirm_missing_fonts.data),
                                   **_service_config())
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        flash(f"{entry.label}: {refusal}", "danger")
        return redirect(_back(entry.edition, f"certificate-{certificate.id}"))
    flash(f"{entry.label}: certificate {result.certificate.serial} (revision "
          f"{result.certificate.revision}) issued; {certificate.serial} is revoked.", "success")
    return redirect(_back(entry.edition))


@bp.route("/secretariat/certificates/<int:certificate_id>/download")
@role_required(Role.SECRETARIAT, Role.CHAIR)
def download(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    try:
        path = ensure_file(certificate, current_app.config["CERTIFICATE_DIR"], _fonts())
    except ServiceError as refusal:
        flash(str(refusal), "danger")
        return redirect(_back(certificate.entry.edition))
    return _send_pdf(path, certificate.serial)


@bp.route("/secretariat/certificates/all.zip")
@role_required(Role.SECRETARIAT, Role.CHAIR)
def download_zip():
    """Every valid certificate of the edition as one ZIP, streamed as it is written."""
    edition = _edition()
    try:
        files = certificate_files(db.session, edition, current_app.config["CERTIFICATE_DIR"],
                                  _fonts())
    except ServiceError as refusal:
        flash(str(refusal), "danger")
        return redirect(_back(edition))
    if not files:
        flash(f"No certificate of {edition.name} has been issued yet.", "warning")
        return redirect(_back(edition))
    response = Response(zip_chunks(files), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=certificates-{edition.year}.zip")
    response.headers.update(DOWNLOAD_HEADERS)
    return response


# ----- applicants ---------------------------------------------------------------------------------
@bp.route("/applicant/entries/<int:entry_id>/certificate")
@login_required
def applicant_download(entry_id: int):
    """The applicant's own certificate, once the results are published; 404 for anyone else."""
    entry = db.session.get(Entry, entry_id)
    certificate = valid_certificate_for_owner(db.session, entry, current_user) if entry else None
    if certificate is None:
        abort(404)
    try:
        path = ensure_file(certificate, current_app.config["CERTIFICATE_DIR"], _fonts())
    except ServiceError:
        abort(404)
    return _send_pdf(path, certificate.serial)


# ----- the public check ---------------------------------------------------------------------------
def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "60 per minute")


@bp.route("/verify")
@limiter.limit(_verify_limit)
def verify_form():
    form = VerifyForm(request.args)
    if "serial" not in request.args:
        form = VerifyForm(formdata=None)
        return render_template("certificates/verify_form.html", form=form)
    if not form.validate():
        return render_template("certificates/verify_form.html", form=form), 422
    return redirect(url_for("certificates.verify", serial=normalise_serial(form.serial.data)))


@bp.route("/verify/<path:serial>")
@limiter.limit(_verify_limit)
def verify(serial: str):
    result = verify_certificate(db.session, serial)
    form = VerifyForm(formdata=None)
    if result is None:
        response = render_template("certificates/verify.html", result=None, form=form,
                                   serial=normalise_serial(serial))
        return response, 404, {"X-Robots-Tag": "noindex"}
    return (render_template("certificates/verify.html", result=result, form=form,
                            serial=result.serial), 200, {"X-Robots-Tag": "noindex"})
