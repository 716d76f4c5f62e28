"""The judging panel: invitations from the page, categories, removal, and the judges' terms."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import EditionState, EntryState, PanelMember, Role, User
from judging.services import ServiceError
from judging.services.roster import accept_terms, invite_judge, remove_member, set_categories
from tests.factories import make_edition, make_entry, make_user
from tests.secretariat.helpers import (
    audit_rows,
    judging_edition,
    make_panel,
    outbox,
    secretariat_user,
    sign_in,
)


def test_invite_from_the_page(app, login_as):
    edition = make_edition(EditionState.OPEN)
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    page = client.get(f"/secretariat/judges?edition={edition.year}")
    assert page.status_code == 200 and "Invite a judge" in page.get_data(as_text=True)
    form = {"name": "Grace Nakato", "email": "grace@mak.example.org", "organisation": "Makerere",
            "city": "Kampala", "country": "UG", "expertise": "digital economy",
            "categories": ["tech_innovacity"]}
    refused = client.post(f"/secretariat/editions/{edition.id}/judges", data={**form, "country": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Choose the judge&#39;s country." in text and 'value="grace@mak.example.org"' in text
    done = client.post(f"/secretariat/editions/{edition.id}/judges", data=form)
    assert done.status_code == 302
    grace = db.session.scalar(sa.select(User).where(User.email == "grace@mak.example.org"))
    member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == grace.id))
    assert member.categories == ["tech_innovacity"] and grace.expertise == "digital economy"
    [invitation] = outbox("judge_invitation")
    assert "/auth/reset-password/" in invitation.body and "Tech-InnovaCity" in invitation.body
    again = client.post(f"/secretariat/editions/{edition.id}/judges", data=form)
    assert again.status_code == 422 and "already on the panel" in again.get_data(as_text=True)
    page = client.get(f"/secretariat/judges?edition={edition.year}").get_data(as_text=True)
    assert "Grace Nakato" in page and "no password yet" in page and "not yet" in page


def test_accept_terms_only_by_the_judge_once_and_recorded(app):
    edition = make_edition(EditionState.OPEN)
    [judge] = make_panel(edition, [("ES", "Madrid")], accepted=False)
    member = db.session.scalar(sa.select(PanelMember).where(PanelMember.user_id == judge.id))
    with pytest.raises(ServiceError, match="Only the judge"):
        accept_terms(db.session, member, secretariat_user())
    assert member.terms_accepted_at is None
    accept_terms(db.session, member, judge)
    first = member.terms_accepted_at
    accept_terms(db.session, member, judge)
    assert first is not None and member.terms_accepted_at == first
    [audit] = audit_rows("accept_terms")
    assert audit.actor_id == judge.id and audit.subject_id == member.id


def test_categories_and_removal(app):
    edition = judging_edition()
    busy, idle = make_panel(edition, [("ES", "Madrid"), ("DK", "Odense")])
    entry = make_entry(edition, force_state=EntryState.IN_REVIEW,
                       with_attachment=False)
    from judging.services.assignment import add_judge

    add_judge(db.session, edition.rounds[0], entry, busy, actor=secretariat_user())
    members = {m.user_id: m for m in db.session.scalars(sa.select(PanelMember))}
    actor = secretariat_user()
    with pytest.raises(ServiceError, match="Unknown category: gardens"):
        set_categories(db.session, members[idle.id], ["gardens"], actor=actor)
    set_categories(db.session, members[idle.id], ["leadership"], actor=actor)
    assert members[idle.id].categories == ["leadership"]
    [audit] = audit_rows("set_categories")
    assert audit.details == {"old": [], "new": ["leadership"]}
    with pytest.raises(ServiceError, match="holds 1 assignment"):
        remove_member(db.session, members[busy.id], actor=actor)
    remove_member(db.session, members[idle.id], actor=actor)
    assert [m.user_id for m in db.session.scalars(sa.select(PanelMember))] == [busy.id]


def test_invitations_refused_once_the_results_are_approved(app):
    edition = make_edition(EditionState.APPROVED)
    with pytest.raises(ServiceError, match="panel of .* is closed"):
        invite_judge(db.session, edition, name="Late", email="late@example.org", country="ES",
                     actor=secretariat_user())


def test_judges_page_is_for_the_secretariat(app, login_as):
    make_edition()
    db.session.commit()
    client = sign_in(login_as, make_user(Role.CHAIR))
    assert client.get("/secretariat/judges").status_code == 403
