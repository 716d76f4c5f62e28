"""Publication: messages to applicants, the public results page (published editions only),
and the whole path from the command line."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import EditionState, EntryState, Notification
from judging.services.decisions import (
    allocate_awards,
    approve_allocation,
    correct_decision,
    current_decisions,
    select_special_mentions,
)
from judging.services.lifecycle import fire_edition_event
from judging.workflows.engine import TransitionError
from tests.decisions.helpers import (
    chair,
    entry_in_review,
    finalists_in_deliberation,
    judging_edition,
    make_judges,
    rank_by_values,
    secretariat,
    states,
)


def _published(extra_not_shortlisted: bool = True):
    edition, entries = finalists_in_deliberation(
        [("city_government", 9), ("corporation", 8), ("city_government", 7)])
    for entry, name, city, local, country in zip(
            entries, ["Seoul City Hall", "Kaohsiung Smart Mobility Co.", "Almaty City Akimat"],
            ["Seoul", "Kaohsiung", "Almaty"], ["서울", "高雄", "Алматы"], ["KR", "TW", "KZ"], strict=True):
        entry.applicant_name, entry.city, entry.city_local, entry.country = name, city, local, country
    loser = entry_in_review(edition, state=EntryState.NOT_SHORTLISTED) if extra_not_shortlisted else None
    allocate_awards(db.session, edition, actor=secretariat())
    select_special_mentions(db.session, edition, [], actor=chair())
    approve_allocation(db.session, edition, actor=chair())
    return edition, entries, loser


def test_publishing_sets_the_time_and_tells_every_applicant(app):
    edition, entries, loser = _published()
    fire_edition_event(db.session, edition, "publish", actor=secretariat())
    assert edition.state == EditionState.PUBLISHED
    assert edition.published_at is not None
    messages = {m.entry_id: m for m in db.session.scalars(sa.select(Notification))}
    assert messages[entries[0].id].kind == "result_awarded"
    assert "Gold in Human-CentriCity" in messages[entries[0].id].subject
    assert "Corporation Award" in messages[entries[1].id].subject
    assert messages[loser.id].kind == "result_not_shortlisted"
    assert {m.to_email for m in messages.values()} == {e.owner.email for e in [*entries, loser]}


def test_a_finalist_without_an_award_hears_so(app):
    edition, entries = finalists_in_deliberation([("institution", 9), ("institution", 8)])
    allocate_awards(db.session, edition, actor=secretariat())
    select_special_mentions(db.session, edition, [], actor=chair())
    approve_allocation(db.session, edition, actor=chair())
    assert states(entries) == [EntryState.AWARDED, EntryState.NOT_AWARDED]
    fire_edition_event(db.session, edition, "publish", actor=secretariat())
    message = db.session.scalar(sa.select(Notification).where(Notification.entry_id == entries[1].id))
    assert message.kind == "result_finalist"
    assert "was a finalist" in message.body


def test_only_the_secretariat_publishes_and_only_after_approval(app):
    edition, _entries, _ = _published()
    with pytest.raises(TransitionError, match="it is for secretariat"):
        fire_edition_event(db.session, edition, "publish", actor=chair())
    other = judging_edition()
    with pytest.raises(TransitionError, match="only possible from approved"):
        fire_edition_event(db.session, other, "publish", actor=secretariat())


def test_the_public_page_shows_winners_by_category_tier_city_and_country(app, client):
    edition, entries, _ = _published()
    fire_edition_event(db.session, edition, "publish", actor=secretariat())
    db.session.commit()
    page = client.get("/results").get_data(as_text=True)
    assert client.get(f"/results/{edition.year}").status_code == 200
    assert "Human-CentriCity" in page and "Leadership" in page
    assert "Seoul City Hall" in page and "서울" in page
    assert "Korea" in page and "Taiwan" in page
    assert "Kaohsiung Smart Mobility Co." in page
    assert page.count("Not awarded") == 18 - 3 + 3  # ranked slots without a winner + 3 mentions
    assert page.index("Gold") < page.index("Silver") < page.index("Bronze")


def test_unpublished_editions_are_not_public(app, client):
    edition, _entries, _ = _published()
    db.session.commit()
    assert edition.state == EditionState.APPROVED
    assert client.get(f"/results/{edition.year}").status_code == 404
    page = client.get("/results")
    assert page.status_code == 200
    assert "No results have been published yet" in page.get_data(as_text=True)
    assert "Seoul City Hall" not in page.get_data(as_text=True)
    assert client.get("/results/1999").status_code == 404


def test_a_correction_after_publication_shows_publicly_and_tells_both(app, client):
    edition, entries, loser = _published()
    fire_edition_event(db.session, edition, "publish", actor=secretariat())
    loser.applicant_name = "Reykjavík City"
    gold = next(d for d in current_decisions(db.session, edition)
                if d.tier_key == "gold" and d.category.key == "human_centricity")
    correct_decision(db.session, gold, entry=loser, reason="Eligibility error found", actor=chair())
    db.session.commit()
    page = client.get(f"/results/{edition.year}").get_data(as_text=True)
    assert "Reykjavík City" in page and "Seoul City Hall" not in page
    kinds = [m.kind for m in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "award_corrected"))]
    assert kinds == ["award_corrected", "award_corrected"]


def test_the_whole_path_from_the_command_line(app, runner):
    """close-round, open-round, close-round, start deliberation (allocation), special
    mentions, approve, publish: each a command calling the same services as the pages."""
    edition = judging_edition()
    sec, ch = secretariat(), chair()
    judges = make_judges(edition, 5)
    entries = [entry_in_review(edition) for _ in range(10)]
    rank_by_values(edition.rounds[0], entries, judges, [5, 9, 3, 8, 2, 7, 4, 6, 1, 10])
    db.session.commit()
    year = str(edition.year)

    def run(*args):
        result = runner.invoke(args=[*args, "--edition", year])
        assert result.exit_code == 0, result.output
        return result.output

    out = run("close-round", "--round", "1", "--as", sec.email)
    assert "2 shortlisted (quota 2), 8 not shortlisted" in out
    run("open-round", "--round", "2", "--as", sec.email)
    finalists = [e for e in entries if e.state == EntryState.SHORTLISTED]
    assert len(finalists) == 2
    db.session.expire_all()
    rank_by_values(edition.rounds[1], finalists, judges, [7, 8])
    db.session.commit()
    run("close-round", "--round", "2", "--as", sec.email)
    run("transition", "start_deliberation", "--as", sec.email)
    out = run("allocate-awards", "--as", sec.email)
    assert "Proposed 2 awards" in out
    other = next(e for e in entries if e.state == EntryState.NOT_SHORTLISTED)
    run("special-mentions", "--pick", f"{other.reference}|Digital inclusion|GGGI", "--as", ch.email)
    failed = runner.invoke(args=["approve", "--chair", sec.email, "--edition", year])
    assert failed.exit_code == 1 and "it is for chair" in failed.output
    run("approve", "--chair", ch.email, "--reason", "Committee meeting")
    out = run("publish", "--as", sec.email)
    assert "results published" in out
    db.session.expire_all()
    assert edition.state == EditionState.PUBLISHED
    assert sorted(s.value for s in states(entries)).count("awarded") == 3
