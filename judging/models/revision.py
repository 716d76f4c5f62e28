"""The data revision: one number that goes up with every transaction that writes anything.

Pages whose content is expensive to compute and the same for everyone who may read it (the
ranking of a round's category) are cached per process under the revision they were computed
at (views/_cache.py). The revision changes in the same transaction as the data, so a reader
that sees revision R sees every change committed up to R: a page cached under R is never older
than R's data, and any later write moves every reader to R + 1, where nothing is cached yet.

How every write is counted, whatever service makes it:
- an ORM flush with new, changed or deleted objects, and an UPDATE, DELETE or INSERT executed
  through the session, mark the session as changed;
- just before the session commits, a marked (or still dirty) session adds one to the revision,
  in the same transaction; a rollback forgets the mark.
The increment is the last statement of the transaction (pending changes are flushed before
it), so on PostgreSQL writers queue on the revision row only for their commit, and never hold
it while waiting for another lock.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from judging.models.base import Base

_CHANGED = "judging_data_changed"


class DataRevision(Base):
    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


@event.listens_for(DataRevision.__table__, "after_create")
def _first_row(target, connection, **kw) -> None:
    """create_all() (the migrations insert the row themselves)."""
    connection.execute(target.insert().values(id=1, number=0))


_TABLE = DataRevision.__table__
_READ = sa.select(_TABLE.c.number).where(_TABLE.c.id == 1)
_INCREMENT = _TABLE.update().where(_TABLE.c.id == 1).values(number=_TABLE.c.number + 1)


def current_revision(session: Session) -> int | None:
    """The revision as this session sees it now (None: no revision row, so cache nothing)."""
    return session.connection().execute(_READ).scalar()


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, flush_context, instances) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _executing(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _count(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit counts
    if session.info.get(_CHANGED) or session.new or session.dirty or session.deleted:
        session.flush()  # what is pending first: the count is the transaction's last lock
        # On the connection itself (Core): cheaper than through the ORM, and not counted again.
        session.connection().execute(_INCREMENT)
        session.info.pop(_CHANGED, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction committed or rolled back
        session.info.pop(_CHANGED, None)
