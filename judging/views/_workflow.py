"""Shared handling of a workflow button: validate the form, call the service, report."""
from __future__ import annotations

from flask import abort, flash, redirect

from judging.extensions import db
from judging.forms.workflow import TransitionForm
from judging.services import ServiceError
from judging.workflows.engine import TransitionError
from judging.workflows.transitions import machine_for


def run_event(obj, action, *, success: str, next_url: str):
    """Handle a POSTed TransitionForm for `obj`: `action(event, reason)` does the work.

    On refusal nothing is changed (rolled back) and the reason is shown."""
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    event = form.event.data
    transition = next((t for t in machine_for(obj).transitions if t.event == event), None)
    if transition is None:
        abort(400)
    from flask import request

    if transition.confirm and request.form.get("confirm") != "yes":
        flash(f"Tick the confirmation box to {transition.label.lower()}.", "warning")
        return redirect(next_url)
    try:
        action(event, form.reason.data)
        db.session.commit()
    except (TransitionError, ServiceError) as refusal:
        db.session.rollback()
        flash(str(refusal), "danger")
        return redirect(next_url)
    flash(success.format(label=transition.label), "success")
    return redirect(next_url)
