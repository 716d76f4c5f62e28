"""The data revision (models/revision.py) and the ranking tables cached under it
(views/_cache.py): every committed write moves the revision, nothing else does, and a cached
table is never shown once anything changed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from judging.extensions import db
from judging.models import DataRevision, Entry, Review, Score, User, current_revision
from judging.views._cache import PartCache, part_cache
from tests.decisions.helpers import (
    entry_in_review,
    judging_edition,
    make_judges,
    rank_by_values,
    secretariat,
)
from tests.factories import make_user


def revision() -> int:
    db.session.rollback()  # a fresh read, outside any transaction of the test
    return current_revision(db.session)


def test_a_commit_that_writes_counts_once(app):
    before = revision()
    make_user()
    db.session.commit()
    assert revision() == before + 1
    user = db.session.scalar(sa.select(User).order_by(User.id.desc()))
    user.name = "Another name"
    db.session.commit()
    assert revision() == before + 2


def test_reading_committing_nothing_and_rolling_back_do_not_count(app):
    make_user()
    db.session.commit()
    before = revision()
    db.session.scalars(sa.select(User)).all()
    db.session.commit()
    assert revision() == before
    user = db.session.scalar(sa.select(User))
    user.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert revision() == before


def test_bulk_statements_and_flushed_changes_count(app):
    make_user()
    db.session.commit()
    before = revision()
    db.session.execute(sa.update(User).values(city="Seoul"))
    db.session.commit()
    assert revision() == before + 1
    user = db.session.scalar(sa.select(User))
    user.city = "Busan"
    db.session.flush()  # flushed before the commit: the commit still counts it
    db.session.commit()
    assert revision() == before + 2
    db.session.execute(sa.delete(User).where(User.email == "nobody@example.org"))
    db.session.commit()
    assert revision() == before + 3


def test_a_savepoint_counts_with_its_transaction(app):
    make_user()
    db.session.commit()
    before = revision()
    with db.session.begin_nested():
        db.session.scalar(sa.select(User)).city = "Incheon"
    assert current_revision(db.session) == before  # not yet: the outer commit counts
    db.session.commit()
    assert revision() == before + 1
    with db.session.begin_nested():
        db.session.scalar(sa.select(User)).city = "Daegu"
    db.session.rollback()
    assert revision() == before + 1


def test_the_revision_table_holds_one_row(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRevision)) == 1
    db.session.add(DataRevision(id=2, number=0))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# ----- the cache --------------------------------------------------------------------------------
def test_the_part_cache_renders_once_per_revision_and_key():
    cache = PartCache(size=3)
    calls = []

    def render(text):
        def go():
            calls.append(text)
            return Markup(text)
        return go

    assert cache.get_or_render(5, "a", render("a5")) == "a5"
    assert cache.get_or_render(5, "a", render("again")) == "a5"
    assert cache.get_or_render(5, "b", render("b5")) == "b5"
    assert calls == ["a5", "b5"]
    assert cache.get_or_render(6, "a", render("a6")) == "a6"  # a new revision: rendered again
    assert cache.get_or_render(5, "b", render("b5 late")) == "b5 late"  # older: not kept
    assert cache.get_or_render(6, "b", render("b6")) == "b6"
    assert cache.get_or_render(None, "a", render("no revision")) == "no revision"
    assert cache.get_or_render(None, "a", render("no revision 2")) == "no revision 2"
    for key in "cdef":
        cache.get_or_render(6, key, render(key))
    assert len(cache._parts) == 3
    assert PartCache(size=0).get_or_render(1, "a", render("off")) == "off"
    assert calls[-1] == "off"


def row_of(html: str, reference: str) -> str:
    """The ranking table's row of an entry."""
    start = html.index(f'<td class="nowrap">{reference}</td>')
    return html[start:html.index("</tr>", start)]


@pytest.fixture
def scored_round(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 5)
    entries = [entry_in_review(edition, name=f"Applicant city {i}") for i in range(4)]
    rank_by_values(rnd, entries, judges, [4, 9, 6, 7])
    db.session.commit()
    return edition, entries


def test_the_ranking_page_is_served_from_the_cache_until_something_changes(scored_round, login_as):
    edition, entries = scored_round
    client = login_as(secretariat())
    url = f"/secretariat/ranking/{edition.year}/rounds/1/human_centricity"
    first = client.get(url).get_data(as_text=True)
    assert "<td class=\"num\">9.00</td>" in row_of(first, entries[1].reference)
    with client.application.app_context():
        hits = part_cache().hits
    assert client.get(url).get_data(as_text=True) == first
    with client.application.app_context():
        assert part_cache().hits == hits + 1
    # One score changes (through the ORM, as any service would write it): the next page
    # shows it at once.
    review = db.session.scalar(sa.select(Review).where(Review.entry_id == entries[1].id))
    for s in db.session.scalars(sa.select(Score).where(Score.review_id == review.id)):
        s.value = 3
    db.session.commit()
    changed = client.get(url).get_data(as_text=True)
    assert "<td class=\"num\">7.00</td>" in row_of(changed, entries[1].reference)  # (9+9+3)/3
    # Any write counts, even one the ranking does not read: the table is computed again.
    with client.application.app_context():
        misses = part_cache().misses
    make_user()
    db.session.commit()
    assert client.get(url).get_data(as_text=True) == changed
    with client.application.app_context():
        assert part_cache().misses == misses + 1


def test_an_entry_withdrawn_leaves_the_cached_ranking_at_once(scored_round, login_as):
    from judging.models import EntryState

    edition, entries = scored_round
    client = login_as(secretariat())
    url = f"/secretariat/ranking/{edition.year}/rounds/1/human_centricity"
    assert row_of(client.get(url).get_data(as_text=True), entries[2].reference)
    db.session.execute(sa.update(Entry).where(Entry.id == entries[2].id)
                       .values(state=EntryState.WITHDRAWN))
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert f'<td class="nowrap">{entries[2].reference}</td>' not in html
    assert f"{entries[2].reference} is withdrawn, so it is not ranked." in html
