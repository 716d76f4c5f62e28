"""Builders for the judge's tests: an edition in judging with round 1 open, entries under
review, judges on the panel, assignments, declarations."""
from __future__ import annotations

import html
import re

import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    Assignment,
    AuditEvent,
    EditionState,
    Entry,
    EntryState,
    Review,
    Role,
    Round,
    RoundState,
    User,
)
from judging.services.conflicts import declare
from tests.factories import add_to_panel, make_edition, make_entry, make_user


def judging_edition(round_state: RoundState = RoundState.OPEN):
    """An edition that is judging, its round 1 in `round_state` (set directly)."""
    edition = make_edition(EditionState.JUDGING)
    first = edition.round(1)
    first.state = round_state
    db.session.flush()
    return edition, first


def review_entry(edition, **kwargs) -> Entry:
    kwargs.setdefault("force_state", EntryState.IN_REVIEW)
    return make_entry(edition, **kwargs)


def make_judge(edition=None, *, accepted: bool = True, country: str = "DK", city: str = "Odense",
               **kwargs) -> User:
    judge = make_user(Role.JUDGE, country=country, city=city, **kwargs)
    if edition is not None:
        add_to_panel(edition, judge, accepted=accepted)
    return judge


def assign(rnd: Round, entry: Entry, judge: User) -> Assignment:
    assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def declared(judge: User, entry: Entry, has_conflict: bool = False, reason: str = ""):
    return declare(db.session, judge=judge, entry=entry, has_conflict=has_conflict,
                   reason=reason, actor=judge)


def text_of(response) -> str:
    """The response's HTML with entities decoded (to look for text as a reader sees it)."""
    return html.unescape(response.get_data(as_text=True))


def plain_text(response) -> str:
    """The page's text without tags, spaces collapsed (as a reader reads it)."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def entry_url(rnd: Round, entry: Entry, suffix: str = "") -> str:
    return f"/judge/rounds/{rnd.id}/entries/{entry.id}{suffix}"


def form_values(entry: Entry, scores: dict[str, int | str | None] | None = None, *,
                comments: dict[str, str] | None = None, overall: str = "",
                version: int | str | None = None, action: str = "save",
                confirm: bool = False, special_mention: bool = False, theme: str = "") -> dict:
    """What the browser posts for the scoring form."""
    data: dict[str, object] = {"action": action, "overall_comment": overall,
                               "special_mention_theme": theme}
    for c in entry.category.criteria:
        value = (scores or {}).get(c.key)
        data[f"score_{c.key}"] = "" if value is None else str(value)
        data[f"comment_{c.key}"] = (comments or {}).get(c.key, "")
    if version is not None:
        data["version"] = str(version)
    if confirm:
        data["confirm_submit"] = "y"
    if special_mention:
        data["special_mention"] = "y"
    return data


def all_scores(entry: Entry, value: int = 7) -> dict[str, int]:
    return {c.key: value for c in entry.category.criteria}


def opened_review(judge: User, entry: Entry, rnd: Round) -> Review:
    """The judge's review, opened through the service (as the entry page does)."""
    from judging.services.judging_access import load_access
    from judging.services.reviews import open_review

    return open_review(db.session, load_access(db.session, judge, entry_id=entry.id,
                                               round_id=rnd.id))


def review_of(judge: User, entry: Entry, rnd: Round) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Review).where(
        Review.judge_id == judge.id, Review.entry_id == entry.id, Review.round_id == rnd.id))


def audit_events(event: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == event)
                                   .order_by(AuditEvent.id)))


def version_in(html: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d+)"', html) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', html)
    if match is None:
        match = re.search(r'name="version"[^>]*value="(\d+)"', html)
    assert match, "the scoring form has no version field"
    return match.group(1)


def checked_score(page_html: str, criterion_key: str) -> str | None:
    """The value of the checked score radio of a criterion on the scoring page ('' when the
    'not scored yet' button is checked; None when none is)."""
    for tag in re.findall(r"<input[^>]*>", page_html, flags=re.S):
        if f'name="score_{criterion_key}"' in tag and re.search(r"\schecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None
