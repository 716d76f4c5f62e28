"""Independence: while a round is open, no page a judge can reach holds another judge's
scores, comments or any aggregate."""
from __future__ import annotations

import itertools
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import Assignment, Attachment, Edition, Entry, Review, Round, User
from judging.services import reviews as review_service
from tests.judge.helpers import (
    assign,
    declared,
    entry_url,
    judging_edition,
    make_judge,
    opened_review,
    review_entry,
    text_of,
)

B_SCORES = (9, 8, 7, 6, 8, 5)  # weighted total 7.17: no other review on the page has it


@pytest.fixture
def two_judges(app, login_as):
    edition, rnd = judging_edition()
    shared = review_entry(edition, title="Entry both judges score")
    only_b = review_entry(edition, title="Entry only judge B scores")
    only_a = review_entry(edition, title="Entry only judge A scores")
    a = make_judge(edition, name="Judge Ada Alpha")
    b = make_judge(edition, name="Judge Bertil Bravo", email="bertil.bravo@example.org")
    for entry, judges in ((shared, (a, b)), (only_b, (b,)), (only_a, (a,))):
        for judge in judges:
            assign(rnd, entry, judge)
            declared(judge, entry)
    keys = [c.key for c in shared.category.criteria]

    # B submits a review of the shared entry and keeps a draft of the other.
    review = opened_review(b, shared, rnd)
    review_service.submit_review(db.session, review, review_service.ReviewInput(
        scores=dict(zip(keys, B_SCORES)),
        comments={k: f"B-secret-comment-{k}" for k in keys},
        overall_comment="B-secret-overall-comment",
        special_mention=True, special_mention_theme="B-secret-theme"), actor=b)
    draft = opened_review(b, only_b, rnd)
    review_service.save_draft(db.session, draft, review_service.ReviewInput(
        scores={keys[0]: 3}, comments={keys[0]: "B-secret-draft-comment"},
        overall_comment="B-secret-draft-overall"), actor=b)

    # A has a draft of the shared entry with a different total.
    mine = opened_review(a, shared, rnd)
    review_service.save_draft(db.session, mine, review_service.ReviewInput(
        scores={k: 5 for k in keys}, overall_comment="A's own comment"), actor=a)
    db.session.commit()
    secrets = [
        *(f"B-secret-comment-{k}" for k in keys), "B-secret-overall-comment",
        "B-secret-theme", "B-secret-draft-comment", "B-secret-draft-overall",
        "Judge Bertil Bravo", "bertil.bravo@example.org", "7.17",
    ]
    return edition, rnd, (shared, only_b, only_a), a, b, secrets, login_as(a)


def _links(html: str, base: str) -> set[str]:
    found = set()
    for href in re.findall(r'(?:href|action)="([^"#]*)', html):
        if not href:
            continue
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc not in ("", "localhost"):
            continue  # another site (e.g. a project website in an entry)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(("/static/", "/bootstrap/", "/auth/logout")):
            continue
        found.add(path)
    return found


def _assert_clean(url: str, response, secrets: list[str]) -> None:
    body = text_of(response) if response.mimetype.startswith("text") else \
        response.data.decode("latin-1")
    leaked = [s for s in secrets if s in body]
    assert not leaked, f"{url} shows another judge's data: {leaked}"


def test_no_page_reachable_by_a_judge_shows_another_judges_data(two_judges):
    edition, rnd, (shared, only_b, only_a), a, b, secrets, client = two_judges
    seen: set[str] = set()
    queue = deque(["/judge/", "/"])
    while queue:
        url = queue.popleft()
        if url in seen or len(seen) > 300:
            continue
        seen.add(url)
        response = client.get(url)
        _assert_clean(url, response, secrets)
        if response.status_code in (301, 302, 303) and response.location:
            queue.append(response.location)
        elif response.mimetype == "text/html":
            queue.extend(_links(response.get_data(as_text=True), url) - seen)
    # The crawl reached the judge's own work, including the entry both judges score.
    assert entry_url(rnd, shared) in seen
    assert entry_url(rnd, only_a) in seen
    assert entry_url(rnd, shared, f"/attachments/{shared.attachments[0].id}") in seen
    assert entry_url(rnd, only_b) not in seen
    # A's own page does show A's own work.
    page = text_of(client.get(entry_url(rnd, shared)))
    assert "A's own comment" in page and "5.00 out of 10" in page


def _values_for(arg: str, ids: dict[str, list]) -> list:
    for name, values in ids.items():
        if name in arg:
            return values
    return [1, 2, 3]


def test_no_route_at_all_gives_a_judge_another_judges_data(two_judges, app):
    """Beyond the links: every GET route of the application, with the ids of every object of
    the test filled in, answers judge A without judge B's scores or comments."""
    edition, rnd, entries, a, b, secrets, client = two_judges
    session = db.session
    ids = {
        "review": session.scalars(sa.select(Review.id)).all(),
        "assignment": session.scalars(sa.select(Assignment.id)).all(),
        "attachment": session.scalars(sa.select(Attachment.id)).all(),
        "round": session.scalars(sa.select(Round.id)).all(),
        "entry": session.scalars(sa.select(Entry.id)).all(),
        "edition": session.scalars(sa.select(Edition.id)).all(),
        "year": [edition.year],
        "number": [1, 2],
        "user": session.scalars(sa.select(User.id)).all(),
        "judge": [a.id, b.id],
        "reference": [e.reference for e in entries],
    }
    checked = 0
    crashed: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout") \
                or rule.endpoint.startswith("bootstrap"):
            continue
        args = sorted(rule.arguments)
        for combo in itertools.product(*(_values_for(arg, ids) for arg in args)):
            url = app.url_map.bind("localhost").build(rule.endpoint, dict(zip(args, combo)))
            try:
                response = client.get(url)
            except Exception as exc:  # another area's bug is not a leak: it shows nothing
                db.session.rollback()
                crashed.append(f"{url}: {exc!r}")
                continue
            _assert_clean(url, response, secrets)
            checked += 1
    assert checked > 20, crashed
