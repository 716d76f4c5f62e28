"""Scoring: the rubric form, drafts, submission and lock, and every refusal (nothing lost,
nothing changed)."""
from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Notification, ReviewState, Role, RoundState
from judging.ranking import CriterionSpec, weighted_total
from judging.services import reviews as review_service
from tests.factories import PASSWORD, make_user
from tests.judge.helpers import (
    assign,
    audit_events,
    checked_score,
    declared,
    entry_url,
    form_values,
    judging_edition,
    make_judge,
    opened_review,
    review_entry,
    review_of,
    text_of,
    version_in,
)


@pytest.fixture
def scoring(app, login_as):
    """Judge A may score `entry` in open round 1 (terms accepted, no conflict declared)."""
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Flood warnings for every street")
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    declared(judge, entry)
    db.session.commit()
    client = login_as(judge)
    return edition, rnd, entry, judge, client


def keys(entry):
    return [c.key for c in entry.category.criteria]


def current_version(client, rnd, entry) -> str:
    return version_in(client.get(entry_url(rnd, entry)).get_data(as_text=True))


# ----- the whole path ----------------------------------------------------------------------------
def test_the_whole_judge_path(app, login_as):
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Safe Return Home")
    judge = make_judge(edition, accepted=False)
    assign(rnd, entry, judge)
    db.session.commit()
    client = login_as(judge)

    # Home: one entry to do; the terms first.
    assert "Read the terms" in text_of(client.get("/judge/"))
    response = client.post(f"/judge/editions/{edition.id}/terms", data={"accept": "y"})
    assert response.location == "/judge/"
    home = text_of(client.get("/judge/"))
    assert "0 of 1" in home and entry.reference in home and "Not opened" in home

    # Open: declaration, then the entry with its rubric.
    assert client.get(entry_url(rnd, entry)).location == entry_url(rnd, entry, "/declare")
    client.post(entry_url(rnd, entry, "/declare"), data={"has_conflict": "no"})
    page = text_of(client.get(entry_url(rnd, entry)))
    for criterion in entry.category.criteria:
        spec = criterion.spec
        assert criterion.name in page
        assert spec.description in page
        for level in spec.levels:
            assert f"{level.min_score}–{level.max_score} {level.label}" in page
            assert level.description in page
    assert 'name="score_problem_recognition"' in page and 'value="10"' in page

    # A partial draft.
    version = version_in(page)
    first, second, *rest = keys(entry)
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: 8, second: 6}, comments={second: "Sound but thin evidence."},
        overall="Promising.", version=version))
    assert response.status_code == 302 and response.location == entry_url(rnd, entry) + "?saved=1"
    assert "Draft saved at" in text_of(client.get(response.location))
    assert "Draft saved at" not in text_of(client.get(entry_url(rnd, entry)))
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.DRAFT
    assert review_service.scores_by_key(review) == {first: 8, second: 6}
    assert review.overall_comment == "Promising."
    page = client.get(entry_url(rnd, entry)).get_data(as_text=True)
    assert checked_score(page, first) == "8"
    assert checked_score(page, second) == "6"
    assert checked_score(page, rest[0]) == ""  # not scored yet
    assert "Sound but thin evidence." in text_of(client.get(entry_url(rnd, entry)))
    assert "Draft saved" in text_of(client.get("/judge/"))

    # Submit: every criterion and the overall comment, confirmed.
    scores = {k: v for k, v in zip(keys(entry), (8, 6, 7, 9, 5, 7))}
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, scores, overall="Strong citizen focus; weak budget.", action="submit",
        confirm=True, version=version_in(page)))
    assert response.status_code == 302 and response.location == "/judge/"
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.SUBMITTED
    assert review.submitted_at is not None
    expected = sum(scores.values()) / len(scores)
    assert math.isclose(review_service.weighted_total(review), expected)
    [audit] = audit_events("submit_review")
    assert audit.actor_id == judge.id and audit.subject_id == review.id
    assert math.isclose(audit.details["weighted_total"], expected)

    home = text_of(client.get("/judge/"))
    assert "1 of 1" in home and "Submitted" in home
    page = text_of(client.get(entry_url(rnd, entry)))
    assert "your review is locked" in page
    assert f"{expected:.2f} out of 10" in page
    assert "Submit review" not in page


# ----- drafts -----------------------------------------------------------------------------------
def test_a_draft_keeps_a_comment_on_a_criterion_not_scored_yet(scoring):
    edition, rnd, entry, judge, client = scoring
    first = keys(entry)[0]
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {}, comments={first: "Need to reread the evidence section."},
        version=current_version(client, rnd, entry)))
    review = review_of(judge, entry, rnd)
    assert review.scores == []
    assert review.draft_comments == {first: "Need to reread the evidence section."}
    assert "Need to reread the evidence section." in text_of(client.get(entry_url(rnd, entry)))
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: 4}, comments={first: "Evidence is anecdotal."},
        version=current_version(client, rnd, entry)))
    review = review_of(judge, entry, rnd)
    assert review.draft_comments == {}
    assert [(s.value, s.comment) for s in review.scores] == [(4, "Evidence is anecdotal.")]


def test_clearing_a_score_in_a_draft_removes_it(scoring):
    edition, rnd, entry, judge, client = scoring
    first, second = keys(entry)[:2]
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: 3, second: 4}, version=current_version(client, rnd, entry)))
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {second: 4}, version=current_version(client, rnd, entry)))
    assert review_service.scores_by_key(review_of(judge, entry, rnd)) == {second: 4}


@pytest.mark.parametrize("bad", ["11", "0", "-3", "7.5", "seven", "1e1"])
def test_a_score_out_of_range_is_refused_and_every_value_comes_back(scoring, bad):
    edition, rnd, entry, judge, client = scoring
    first, second = keys(entry)[:2]
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {second: 5}, version=current_version(client, rnd, entry)))
    before = review_of(judge, entry, rnd)
    version = before.version_id
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: bad, second: 9}, comments={second: "Kept comment"},
        overall="Kept overall comment", version=version))
    assert response.status_code == 422
    body = text_of(response)
    assert "The score must be a whole number from 1 to 10." in body
    assert "Nothing was saved" in body
    assert "Kept comment" in body and "Kept overall comment" in body
    assert checked_score(response.get_data(as_text=True), second) == "9"
    after = review_of(judge, entry, rnd)
    assert review_service.scores_by_key(after) == {second: 5}
    assert after.version_id == version
    assert after.overall_comment == ""


def test_the_service_also_refuses_a_score_outside_the_scale(scoring):
    edition, rnd, entry, judge, client = scoring
    review = opened_review(judge, entry, rnd)
    db.session.commit()
    first = keys(entry)[0]
    with pytest.raises(review_service.ServiceError) as refused:
        review_service.save_draft(db.session, review, review_service.ReviewInput(
            scores={first: 11}), actor=judge)
    assert refused.value.field == f"score_{first}"
    db.session.rollback()
    assert review_of(judge, entry, rnd).scores == []


def test_submitting_an_incomplete_review_is_refused_with_every_problem_named(scoring):
    edition, rnd, entry, judge, client = scoring
    first = keys(entry)[0]
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: 8}, overall="", action="submit",
        version=current_version(client, rnd, entry)))
    assert response.status_code == 422
    body = text_of(response)
    # next to each unscored criterion, and in the list at the top of the form
    assert body.count("Give a score from 1 to 10.") == 2 * (len(keys(entry)) - 1)
    assert "Write an overall comment before submitting." in body
    assert "Tick this box to submit" in body
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.DRAFT
    assert review.scores == []  # nothing saved on a refused form


def test_a_special_mention_needs_its_theme_to_submit(scoring):
    edition, rnd, entry, judge, client = scoring
    data = form_values(entry, {k: 8 for k in keys(entry)}, overall="Exemplary.",
                       action="submit", confirm=True, special_mention=True, theme="",
                       version=current_version(client, rnd, entry))
    response = client.post(entry_url(rnd, entry), data=data)
    assert response.status_code == 422
    assert "Name the theme of the Special Mention you recommend." in text_of(response)
    data["special_mention_theme"] = "Inclusion of older citizens"
    assert client.post(entry_url(rnd, entry), data=data).status_code == 302
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.SUBMITTED
    assert review.special_mention_recommended is True
    assert review.special_mention_theme == "Inclusion of older citizens"


def test_the_weighted_total_uses_the_criteria_weights(scoring):
    edition, rnd, entry, judge, client = scoring
    criteria = entry.category.criteria
    criteria[0].weight = 3.0
    db.session.commit()
    values = [10, 4, 4, 4, 4, 4]
    client.post(entry_url(rnd, entry), data=form_values(
        entry, dict(zip(keys(entry), values)), version=current_version(client, rnd, entry)))
    review = review_of(judge, entry, rnd)
    expected = weighted_total(dict(zip(keys(entry), values)),
                              [CriterionSpec(c.key, c.weight, c.scale_min, c.scale_max)
                               for c in criteria])
    assert math.isclose(expected, (3 * 10 + 5 * 4) / 8)
    assert math.isclose(review_service.weighted_total(review), expected)
    page = text_of(client.get(entry_url(rnd, entry)))
    assert f"{expected:.2f} out of 10" in page
    assert 'data-weight="3.0"' in page  # what scoring.js computes the live total from


# ----- lock, round closed, concurrency -----------------------------------------------------------
def _submit(client, rnd, entry, overall="Locked review."):
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {k: 6 for k in keys(entry)}, overall=overall, action="submit", confirm=True,
        version=current_version(client, rnd, entry)))
    assert response.status_code == 302


def test_a_submitted_review_cannot_be_edited(scoring):
    edition, rnd, entry, judge, client = scoring
    _submit(client, rnd, entry)
    before = review_of(judge, entry, rnd)
    version = before.version_id
    for action in ("save", "submit"):
        response = client.post(entry_url(rnd, entry), data=form_values(
            entry, {k: 9 for k in keys(entry)}, overall="Changed my mind.", action=action,
            confirm=True, version=version))
        assert response.status_code == 409
        body = text_of(response)
        assert "is locked; nothing was changed" in body
        assert "Changed my mind." in body  # the judge's text is not lost
    after = review_of(judge, entry, rnd)
    assert after.state == ReviewState.SUBMITTED
    assert after.version_id == version
    assert after.overall_comment == "Locked review."
    assert set(review_service.scores_by_key(after).values()) == {6}


def test_a_submit_after_the_round_closed_is_refused(scoring):
    edition, rnd, entry, judge, client = scoring
    version = current_version(client, rnd, entry)
    rnd.state = RoundState.CLOSED
    db.session.commit()
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {k: 7 for k in keys(entry)}, overall="Late.", action="submit", confirm=True,
        version=version))
    assert response.status_code == 409
    body = text_of(response)
    assert f"{rnd.name} is closed; scores cannot be saved." in body
    assert "Late." in body
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.DRAFT and review.scores == []
    assert audit_events("submit_review") == []
    # Saving a draft is refused too, and the page is read-only.
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {keys(entry)[0]: 7}, version=version))
    assert response.status_code == 409
    assert review_of(judge, entry, rnd).scores == []
    assert "Save draft" not in text_of(client.get(entry_url(rnd, entry)))


def test_the_engine_refuses_a_submission_after_the_round_closed(scoring):
    """The service's own check and the engine's guard agree."""
    edition, rnd, entry, judge, client = scoring
    review = opened_review(judge, entry, rnd)
    review_service.save_draft(db.session, review, review_service.ReviewInput(
        scores={k: 5 for k in keys(entry)}, overall_comment="Done."), actor=judge)
    rnd.state = RoundState.CLOSED
    db.session.flush()
    from judging.workflows.engine import GuardRefused

    with pytest.raises(GuardRefused, match="closed"):
        review_service.submit_review(db.session, review, actor=judge)
    assert review.state == ReviewState.DRAFT


def test_a_save_from_a_stale_window_is_refused_and_loses_nothing(scoring):
    edition, rnd, entry, judge, client = scoring
    first, second = keys(entry)[:2]
    stale = current_version(client, rnd, entry)
    # Another window saves first.
    client.post(entry_url(rnd, entry), data=form_values(entry, {first: 2}, version=stale))
    saved = review_of(judge, entry, rnd)
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {second: 9}, overall="Written in the old window.", version=stale))
    assert response.status_code == 409
    body = text_of(response)
    assert "This review was changed in another window; reload the page." in body
    assert "Written in the old window." in body
    assert f'name="version" type="hidden" value="{stale}"' in response.get_data(as_text=True)
    after = review_of(judge, entry, rnd)
    assert review_service.scores_by_key(after) == {first: 2}
    assert after.version_id == saved.version_id
    assert after.overall_comment == ""


def test_a_form_without_its_version_is_refused(scoring):
    edition, rnd, entry, judge, client = scoring
    response = client.post(entry_url(rnd, entry), data=form_values(entry, {keys(entry)[0]: 5}))
    assert response.status_code == 409
    assert review_of(judge, entry, rnd).scores == []


def test_a_post_without_csrf_token_is_refused(scoring):
    edition, rnd, entry, judge, client = scoring
    response = client.post(entry_url(rnd, entry), csrf=False, data=form_values(
        entry, {keys(entry)[0]: 5}, version=current_version(client, rnd, entry)))
    assert response.status_code == 400
    assert review_of(judge, entry, rnd).scores == []


def test_an_expired_session_sends_the_judge_back_to_the_draft(scoring, app):
    edition, rnd, entry, judge, client = scoring
    first, second = keys(entry)[:2]
    client.post(entry_url(rnd, entry), data=form_values(
        entry, {first: 8}, overall="Saved before the session expired.",
        version=current_version(client, rnd, entry)))
    version = current_version(client, rnd, entry)
    with client.session_transaction() as sess:  # the session expires: nothing left in it
        sess.clear()
    response = client.post(entry_url(rnd, entry), csrf=False, data=form_values(
        entry, {first: 8, second: 3}, overall="Typed after expiry.", version=version))
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    assert "Sign in again" in text_of(client.get(response.location))
    review = review_of(judge, entry, rnd)
    assert review_service.scores_by_key(review) == {first: 8}  # the last saved draft is kept
    # Signing in again leads back to the scoring page and the saved draft.
    login = client.post(response.location, data={"email": judge.email, "password": PASSWORD})
    assert login.status_code == 302 and login.location == entry_url(rnd, entry)
    page = text_of(client.get(login.location))
    assert "Saved before the session expired." in page


# ----- reopening by the secretariat ----------------------------------------------------------------
@pytest.fixture
def submitted(scoring, login_as):
    edition, rnd, entry, judge, client = scoring
    _submit(client, rnd, entry)
    secretariat = make_user(Role.SECRETARIAT)
    db.session.commit()
    review = review_of(judge, entry, rnd)
    return edition, rnd, entry, judge, client, review, login_as(secretariat), secretariat


def test_the_secretariat_reopens_a_review_with_a_reason(submitted):
    edition, rnd, entry, judge, client, review, staff, secretariat = submitted
    url = f"/judge/reviews/{review.id}/reopen"
    page = staff.get(url)
    assert page.status_code == 200 and entry.reference in text_of(page)
    response = staff.post(url, data={"reason": ""})
    assert response.status_code == 422
    assert "Give the reason for reopening the review." in text_of(response)
    assert review_of(judge, entry, rnd).state == ReviewState.SUBMITTED

    response = staff.post(url + "?next=/secretariat/", data={"reason": "Scores 6 everywhere: please check."})
    assert response.status_code == 302 and response.location == "/secretariat/"
    review = review_of(judge, entry, rnd)
    assert review.state == ReviewState.DRAFT and review.submitted_at is None
    [audit] = audit_events("reopen_review")
    assert audit.actor_id == secretariat.id
    assert audit.reason == "Scores 6 everywhere: please check."
    message = db.session.scalar(sa.select(Notification).where(
        Notification.kind == "review_reopened"))
    assert message.to_email == judge.email
    assert "Scores 6 everywhere: please check." in message.body
    assert entry_url(rnd, entry) in message.body

    # The judge can change it and submit again.
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {k: 8 for k in keys(entry)}, overall="Rechecked.", action="submit",
        confirm=True, version=current_version(client, rnd, entry)))
    assert response.status_code == 302
    assert review_of(judge, entry, rnd).state == ReviewState.SUBMITTED


def test_only_the_secretariat_reopens(submitted, login_as):
    edition, rnd, entry, judge, client, review, staff, secretariat = submitted
    response = client.post(f"/judge/reviews/{review.id}/reopen", data={"reason": "Let me fix it"})
    assert response.status_code == 403
    assert review_of(judge, entry, rnd).state == ReviewState.SUBMITTED


def test_a_review_cannot_be_reopened_after_the_round_closed(submitted):
    edition, rnd, entry, judge, client, review, staff, secretariat = submitted
    rnd.state = RoundState.CLOSED
    db.session.commit()
    response = staff.post(f"/judge/reviews/{review.id}/reopen", data={"reason": "Too late?"})
    assert response.status_code == 422
    assert "closed" in text_of(response)
    assert review_of(judge, entry, rnd).state == ReviewState.SUBMITTED
    assert audit_events("reopen_review") == []


def test_only_the_judge_may_change_their_review(scoring):
    edition, rnd, entry, judge, client = scoring
    other = make_judge(edition)
    review = opened_review(judge, entry, rnd)
    with pytest.raises(review_service.ServiceError, match="Only the judge"):
        review_service.save_draft(db.session, review, review_service.ReviewInput(
            scores={keys(entry)[0]: 5}), actor=other)


def test_an_entry_in_a_round_not_open_yet_is_shown_read_only_and_nothing_is_stored(app, login_as):
    edition, rnd = judging_edition(round_state=RoundState.PENDING)
    entry = review_entry(edition, title="Waiting for round 1")
    judge = make_judge(edition)
    assign(rnd, entry, judge)
    declared(judge, entry)
    db.session.commit()
    client = login_as(judge)
    page = client.get(entry_url(rnd, entry))
    assert page.status_code == 200
    body = text_of(page)
    assert "Round not open yet" in body and "Save draft" not in body
    response = client.post(entry_url(rnd, entry), data=form_values(
        entry, {keys(entry)[0]: 5}, version=1))
    assert response.status_code == 409
    assert "has not opened yet" in text_of(response)
    assert review_of(judge, entry, rnd) is None
