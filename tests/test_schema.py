"""The schema comes from the migrations, and the migrations agree with the models."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from judging.extensions import db
from judging.models import Base, Criterion, Role, Score
from tests.factories import make_edition, make_entry, make_user


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"


def test_schema_was_built_by_alembic(app):
    version = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version


def test_database_keeps_scores_within_the_scale(app):
    from judging.models import Assignment, Review, RoundState

    edition = make_edition()
    entry = make_entry(edition)
    judge = make_user(Role.JUDGE, country="DK")
    rnd = edition.rounds[0]
    rnd.state = RoundState.OPEN
    db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    review = Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(review)
    db.session.flush()
    criterion: Criterion = entry.category.criteria[0]
    db.session.add(Score(review_id=review.id, criterion_id=criterion.id, scale_min=criterion.scale_min,
                         scale_max=criterion.scale_max, value=criterion.scale_max + 1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_score_claiming_another_scale(app):
    from judging.models import Assignment, Review

    edition = make_edition()
    entry = make_entry(edition)
    judge = make_user(Role.JUDGE, country="DK")
    rnd = edition.rounds[0]
    db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    review = Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(review)
    db.session.flush()
    criterion = entry.category.criteria[0]
    # value 50 on a claimed 0-100 scale: the composite foreign key to the criterion refuses it
    db.session.add(Score(review_id=review.id, criterion_id=criterion.id, scale_min=0,
                         scale_max=100, value=50))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_review_per_judge_entry_round(app):
    from judging.models import Assignment, Review

    edition = make_edition()
    entry = make_entry(edition)
    judge = make_user(Role.JUDGE, country="DK")
    rnd = edition.rounds[0]
    db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    db.session.add(Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    db.session.flush()
    db.session.add(Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_review_needs_an_assignment(app):
    from judging.models import Review

    edition = make_edition()
    entry = make_entry(edition)
    judge = make_user(Role.JUDGE, country="DK")
    db.session.add(Review(round_id=edition.rounds[0].id, entry_id=entry.id, judge_id=judge.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
