"""Edition set-up: free in set-up; with a recorded reason once the call is open; rounds that
have opened keep their judges per entry and finalist share."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from judging.extensions import db
from judging.models import AuditEvent, Edition, EditionState, RoundState
from judging.services import ServiceError
from judging.services.edition_setup import current_settings, update_settings
from tests.factories import make_edition
from tests.secretariat.helpers import audit_rows, count, secretariat_user, sign_in

SEOUL = ZoneInfo("Asia/Seoul")


def test_in_setup_settings_change_freely(app):
    edition = make_edition(EditionState.SETUP)
    new = current_settings(edition).with_round(1, judges_per_entry=4, finalist_share=0.25)
    changes = update_settings(db.session, edition, new, actor=secretariat_user())
    assert set(changes) == {"rounds.1.judges_per_entry", "rounds.1.finalist_share"}
    assert edition.rounds[0].judges_per_entry == 4 and edition.rounds[0].finalist_share == 0.25


def test_after_the_call_opens_a_change_needs_a_reason_and_is_recorded(app):
    edition = make_edition(EditionState.OPEN)
    old_deadline = edition.deadline_at
    later = datetime(2031, 7, 21, 18, 0, tzinfo=SEOUL)
    new = current_settings(edition)
    new = type(new)(**{**new.__dict__, "deadline_at": later})
    with pytest.raises(ServiceError) as refused:
        update_settings(db.session, edition, new, actor=secretariat_user())
    assert refused.value.field == "reason" and edition.deadline_at == old_deadline
    update_settings(db.session, edition, new, actor=secretariat_user(),
                    reason="Extended by a week after requests from three cities")
    [audit] = audit_rows("edit_settings")
    assert audit.reason == "Extended by a week after requests from three cities"
    assert audit.details == {"changes": {"deadline_at": {
        "old": old_deadline.isoformat(), "new": later.isoformat()}}}
    assert edition.deadline_at == later


def test_opened_rounds_keep_their_judges_per_entry_and_finalist_share(app):
    edition = make_edition(EditionState.JUDGING)
    edition.rounds[0].state = RoundState.OPEN
    db.session.flush()
    for change in ({"judges_per_entry": 5}, {"finalist_share": 0.3}):
        with pytest.raises(ServiceError, match="has already opened") as refused:
            update_settings(db.session, edition, current_settings(edition).with_round(1, **change),
                            actor=secretariat_user(), reason="more judges")
        assert refused.value.field == f"rounds.1.{next(iter(change))}"
    # Round 2 has not opened; the review deadline of round 1 may still move.
    due = datetime(2031, 9, 1, 18, 0, tzinfo=SEOUL)
    new = current_settings(edition).with_round(2, judges_per_entry=7).with_round(1, review_deadline_at=due)
    update_settings(db.session, edition, new, actor=secretariat_user(), reason="Bigger final")
    assert edition.rounds[1].judges_per_entry == 7 and edition.rounds[0].review_deadline_at == due


@pytest.mark.parametrize("change, field", [
    ({"ranking_method": "median"}, "ranking_method"),
    ({"deadline_at": datetime(2020, 1, 1, tzinfo=timezone.utc)}, "deadline_at"),
])
def test_invalid_settings_are_refused(app, change, field):
    edition = make_edition(EditionState.SETUP)
    base = current_settings(edition)
    with pytest.raises(ServiceError) as refused:
        update_settings(db.session, edition, type(base)(**{**base.__dict__, **change}),
                        actor=secretariat_user())
    assert refused.value.field == field


def test_last_round_shortlists_no_one(app):
    edition = make_edition(EditionState.SETUP)
    with pytest.raises(ServiceError) as refused:
        update_settings(db.session, edition,
                        current_settings(edition).with_round(2, finalist_share=0.5),
                        actor=secretariat_user())
    assert refused.value.field == "rounds.2.finalist_share"


def form_data(edition: Edition, **overrides) -> dict:
    data = {"opens_at": "2031-04-01T09:00", "deadline_at": "2031-07-14T18:00",
            "ceremony_date": "2031-10-10", "ceremony_place": "Seoul City Hall",
            "ranking_method": "calibrated", "reason": ""}
    for i, rnd in enumerate(edition.rounds):
        data[f"rounds-{i}-number"] = str(rnd.number)
        data[f"rounds-{i}-judges_per_entry"] = str(rnd.judges_per_entry)
        data[f"rounds-{i}-finalist_share"] = "20" if rnd.number == 1 else ""
        data[f"rounds-{i}-review_deadline_at"] = "2031-08-31T18:00"
    data.update(overrides)
    return data


def test_settings_page_enters_times_in_korea_time(app, login_as):
    edition = make_edition(EditionState.SETUP)
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    page = client.get(f"/secretariat/editions/{edition.id}/settings")
    assert page.status_code == 200 and "KST (Asia/Seoul)" in page.get_data(as_text=True)
    response = client.post(f"/secretariat/editions/{edition.id}/settings", data=form_data(edition))
    assert response.status_code == 302
    db.session.expire_all()
    edition = db.session.get(Edition, edition.id)
    assert edition.deadline_at == datetime(2031, 7, 14, 9, 0, tzinfo=timezone.utc)
    assert edition.rounds[0].review_deadline_at == datetime(2031, 8, 31, 9, 0, tzinfo=timezone.utc)
    assert edition.ceremony_place == "Seoul City Hall" and edition.rounds[0].finalist_share == 0.2
    assert "14 July 2031, 18:00 KST" in client.get(
        f"/secretariat/?edition={edition.year}").get_data(as_text=True)


def test_settings_page_refusals_come_back_with_every_value(app, login_as):
    edition = make_edition(EditionState.OPEN)
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    before = count(AuditEvent)
    response = client.post(f"/secretariat/editions/{edition.id}/settings",
                           data=form_data(edition, ceremony_place="Dongdaemun Design Plaza"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "say why the settings change" in text and 'value="Dongdaemun Design Plaza"' in text
    response = client.post(f"/secretariat/editions/{edition.id}/settings",
                           data=form_data(edition, **{"rounds-1-finalist_share": "10",
                                                      "reason": "typo"}))
    assert response.status_code == 422
    assert "leave its finalist share empty" in response.get_data(as_text=True)
    assert count(AuditEvent) == before
