"""The committee chair's pages: the edition's decisions, the proposed allocation with an
override per slot (reason required), special mentions, approval, and corrections after it."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from judging.extensions import db
from judging.forms.decisions import CorrectionForm, OverrideForm
from judging.models import AwardDecision, Edition, EditionState, Entry, Role
from judging.services import ServiceError
from judging.services.decisions import (
    AWARDABLE_STATES,
    CORRECTABLE_STATES,
    allocation_overview,
    correct_decision,
    current_decisions,
    is_current,
    override_slot,
    select_special_mentions,
    slot_candidates,
)
from judging.services.editions import current_edition
from judging.services.lifecycle import fire_edition_event
from judging.services.ranking import ranked_categories
from judging.views import role_required
from judging.views._workflow import run_event
from judging.views.ranking import entry_choice, mention_form, mention_picks, render_awards
from judging.workflows.engine import TransitionError, available

bp = Blueprint("committee", __name__, url_prefix="/committee")


def _edition() -> Edition | None:
    year = request.args.get("edition", type=int)
    if year is None:
        return current_edition(db.session)
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year))
    if edition is None:
        abort(404)
    return edition


@bp.route("/")
@role_required(Role.CHAIR)
def home():
    edition = _edition()
    checks = available(edition, current_user) if edition else []
    overview = allocation_overview(db.session, edition) if edition else []
    slots = [s for block in overview for s in block.slots]
    return render_template(
        "committee/home.html", edition=edition, edition_checks=checks,
        n_slots=len(slots), n_decided=sum(1 for s in slots if s.decided),
        n_vacant=sum(1 for s in slots if s.decided and s.entry is None),
        rounds=edition.rounds if edition else [],
        categories=ranked_categories(edition.program.categories) if edition else [],
    )


@bp.route("/editions/<int:edition_id>/event", methods=["POST"])
@role_required(Role.CHAIR)
def edition_event(edition_id: int):
    edition = db.session.get(Edition, edition_id) or abort(404)
    if request.form.get("next") == "awards":
        next_url = url_for("committee.awards", edition=edition.year)
    else:
        next_url = url_for("committee.home", edition=edition.year)
    return run_event(
        edition,
        lambda event, reason: fire_edition_event(db.session, edition, event, actor=current_user,
                                                 reason=reason),
        success="Done: {label}.",
        next_url=next_url,
    )


@bp.route("/awards")
@role_required(Role.CHAIR)
def awards():
    edition = _edition()
    if edition is None:
        abort(404)
    return render_awards(edition, template="committee/awards.html",
                         mentions_action=url_for("committee.mentions", year=edition.year),
                         can_propose=True, edition_checks=available(edition, current_user))


@bp.route("/<int:year>/mentions", methods=["POST"])
@role_required(Role.CHAIR)
def mentions(year: int):
    edition = db.session.scalar(sa.select(Edition).where(Edition.year == year)) or abort(404)
    form = mention_form(db.session, edition, formdata=request.form)

    def again():
        return render_awards(edition, template="committee/awards.html", mentions_form=form,
                             status=422, mentions_action=url_for("committee.mentions", year=year),
                             can_propose=True, edition_checks=available(edition, current_user))

    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return again()
    try:
        select_special_mentions(db.session, edition, mention_picks(form), actor=current_user)
        db.session.commit()
    except (ServiceError, TransitionError) as refusal:
        db.session.rollback()
        form.mentions.errors.append(str(refusal))
        return again()
    flash("Special mentions recorded.", "success")
    return redirect(url_for("committee.awards", edition=edition.year))


def _change_form(decision: AwardDecision, edition: Edition):
    """The override (before approval) or correction (after) form, with the entries that may
    take this slot."""
    approved = decision.approved_at is not None
    form = CorrectionForm() if approved else OverrideForm()
    category = decision.category
    tier = next(t for t in category.tiers if t.key == decision.tier_key)
    states = CORRECTABLE_STATES if approved else AWARDABLE_STATES
    held = {d.entry_id for d in current_decisions(db.session, edition)
            if d.entry_id and d.id != decision.id}
    candidates = [e for e in slot_candidates(db.session, edition, category, tier, states=states)
                  if e.id not in held and e.id != decision.entry_id]
    form.entry.choices = [("", "Leave vacant (not awarded)")] + [
        (str(e.id), entry_choice(e)) for e in candidates]
    return form, tier, approved


@bp.route("/decisions/<int:decision_id>/change", methods=["GET", "POST"])
@role_required(Role.CHAIR)
def change(decision_id: int):
    decision = db.session.get(AwardDecision, decision_id) or abort(404)
    edition = db.session.get(Edition, decision.edition_id)
    back = url_for("committee.awards", edition=edition.year)
    if not is_current(db.session, decision):
        flash("That decision has been replaced; here is the current allocation.", "info")
        return redirect(back)
    form, tier, approved = _change_form(decision, edition)
    if approved and edition.state not in (EditionState.APPROVED, EditionState.PUBLISHED):
        abort(404)
    if not approved and edition.state != EditionState.DELIBERATION:
        abort(404)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            entry = db.session.get(Entry, int(form.entry.data)) if form.entry.data else None
            try:
                action = correct_decision if approved else override_slot
                action(db.session, decision, entry=entry, reason=form.reason.data,
                       theme=form.theme.data or "", partner=form.partner.data or "",
                       actor=current_user)
                db.session.commit()
            except (ServiceError, TransitionError) as refusal:
                db.session.rollback()
                fields = {"entry": form.entry, "reason": form.reason, "theme": form.theme}
                target = fields.get(getattr(refusal, "field", None) or "")
                (target.errors if target is not None else form.form_errors).append(str(refusal))
                status = 422
            else:
                flash("Correction recorded." if approved else "Override recorded.", "success")
                return redirect(back)
        else:
            if form.csrf_token.errors:
                abort(400)
            status = 422
    return render_template("committee/change.html", edition=edition, decision=decision,
                           tier=tier, form=form, approved=approved), status
