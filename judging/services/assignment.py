"""Assignment of judges to the entries of a round.

The algorithm is the pure function `plan_assignment` (no database): entries, judges, K and a
conflict predicate in, new (entry, judge) pairs out.

1. Feasibility is per entry (judges have no capacity limit): an entry needs K judges, so it
   needs K judges without conflict. If any entry has fewer, nothing is planned and every such
   entry is reported (all or nothing).
2. A greedy start: entries most constrained first, each to its least-loaded possible judges,
   ties broken by a random generator seeded with `seed` (same seed, same assignment).
3. Repair by exchanges: while some judge i can pass one entry, along a chain of swaps
   (i gives e1 to j1, j1 gives e2 to j2, ...), to a judge whose load is at least 2 lower,
   do it. Each exchange lowers the sum of squared loads, so it ends.

Why this is the best balance possible: the load vectors reachable by assignments that meet
every entry's need form an M-convex set (the integer bases of a transversal-type polymatroid).
On such a set, a vector with no improving exchange (no i, j with x_i >= x_j + 2 and
x - e_i + e_j feasible) is decreasingly minimal, and decreasingly minimal vectors are also
increasingly maximal (Frank and Murota, "Discrete decreasing minimization", 2018): the
largest load is as small as possible and the smallest as large as possible at once. Hence
max load - min load is the smallest the conflicts allow; it is at most 1 whenever any
assignment with loads within 1 exists. Exchange feasibility is exactly an alternating path
in the current assignment, which is what the repair searches (breadth first).

Existing assignments are kept and count in the loads (incremental: only missing slots are
filled), so running it again is safe.
"""
from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.models import (
    Assignment,
    AuditEvent,
    Edition,
    Entry,
    EntryState,
    PanelMember,
    Review,
    ReviewState,
    Round,
    RoundState,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.cells import plain_cell
from judging.services.notifications import notify

E = TypeVar("E", bound=Hashable)
J = TypeVar("J", bound=Hashable)


# ===== the pure algorithm ====================================================================
@dataclass(frozen=True)
class Shortfall(Generic[E]):
    """An entry that cannot get its K judges: only `possible` judges could judge it."""

    entry: E
    possible: int
    needed: int


@dataclass(frozen=True)
class Plan(Generic[E, J]):
    pairs: tuple[tuple[E, J], ...]  # the new assignments (existing ones are not repeated)
    loads: Mapping[J, int]  # each judge's load afterwards, existing assignments included
    shortfalls: tuple[Shortfall[E], ...] = ()

    @property
    def feasible(self) -> bool:
        return not self.shortfalls

    @property
    def spread(self) -> int:
        values = list(self.loads.values())
        return max(values) - min(values) if values else 0


def plan_assignment(entries: Sequence[E], judges: Sequence[J], per_entry: int,
                    allowed: Callable[[E, J], bool], *,
                    existing: Mapping[E, Iterable[J]] | None = None,
                    seed: int = 0) -> Plan[E, J]:
    """Give every entry `per_entry` distinct judges for whom `allowed(entry, judge)` holds,
    keeping `existing` assignments, with loads as balanced as the constraints allow.

    `allowed` is asked once per (entry, judge) pair. Judges already on an entry are never
    picked again for it. The result depends only on the inputs (in their order) and `seed`.
    """
    if per_entry < 1:
        raise ValueError("per_entry must be at least 1")
    existing = existing or {}
    judge_index: dict[J, int] = {}
    for j in judges:
        if j in judge_index:
            raise ValueError(f"judge {j!r} is listed twice")
        judge_index[j] = len(judge_index)
    n_judges = len(judge_index)
    load = [0] * n_judges
    fixed: list[frozenset[int]] = []
    need: list[int] = []
    cands: list[list[int]] = []
    shortfalls: list[Shortfall[E]] = []
    for e in entries:
        have = set(existing.get(e, ()))
        have_idx = frozenset(judge_index[j] for j in have if j in judge_index)
        for ji in have_idx:
            load[ji] += 1
        fixed.append(have_idx)
        possible = [ji for ji, j in enumerate(judges) if j not in have and allowed(e, j)]
        cands.append(possible)
        missing = max(0, per_entry - len(have))
        need.append(missing)
        if len(possible) < missing:
            shortfalls.append(Shortfall(e, len(have) + len(possible), per_entry))
    if shortfalls:
        return Plan((), {j: load[i] for j, i in judge_index.items()}, tuple(shortfalls))

    rng = random.Random(seed)
    new: list[list[int]] = [[] for _ in entries]
    holds: list[set[int]] = [set() for _ in range(n_judges)]  # entries a judge holds (movable)

    # Greedy start: most constrained entries first (slack = candidates - need).
    order = list(range(len(entries)))
    rng.shuffle(order)
    order.sort(key=lambda ei: len(cands[ei]) - need[ei])
    for ei in order:
        if not need[ei]:
            continue
        ranked = sorted(cands[ei], key=lambda ji: (load[ji], rng.random()))
        for ji in ranked[: need[ei]]:
            new[ei].append(ji)
            holds[ji].add(ei)
            load[ji] += 1

    # Repair by exchanges along alternating paths.
    def on_entry(ei: int) -> set[int]:
        return set(fixed[ei]) | set(new[ei])

    def improving_path(src: int) -> list[tuple[int, int, int]] | None:
        """Steps (giver, entry, taker) moving one unit from src to a judge with load at
        most load[src] - 2, or None."""
        prev: dict[int, tuple[int, int]] = {}
        visited = {src}
        queue = deque([src])
        best: int | None = None
        while queue:
            u = queue.popleft()
            for ei in sorted(holds[u]):
                present = on_entry(ei)
                for v in cands[ei]:
                    if v in visited or v in present:
                        continue
                    visited.add(v)
                    prev[v] = (u, ei)
                    queue.append(v)
                    if load[v] <= load[src] - 2 and (best is None or load[v] < load[best]):
                        best = v
        if best is None:
            return None
        steps = []
        v = best
        while v != src:
            u, ei = prev[v]
            steps.append((u, ei, v))
            v = u
        return steps

    while True:
        lowest = min(load) if load else 0
        moved = False
        for src in sorted(range(n_judges), key=lambda ji: (-load[ji], ji)):
            if load[src] - lowest < 2:
                break
            if not holds[src]:
                continue
            steps = improving_path(src)
            if steps is None:
                continue
            for giver, ei, taker in steps:  # from the taker end back to src
                new[ei][new[ei].index(giver)] = taker
                holds[giver].discard(ei)
                holds[taker].add(ei)
                load[giver] -= 1
                load[taker] += 1
            moved = True
            break
        if not moved:
            break

    pairs = tuple((e, judges[ji]) for e, picked in zip(entries, new) for ji in sorted(picked))
    return Plan(pairs, {j: load[i] for j, i in judge_index.items()}, ())


# ===== the database side =====================================================================
ROUND_ENTRY_STATE = {1: EntryState.IN_REVIEW}


def round_entry_state(rnd: Round) -> EntryState:
    """The state of the entries a round judges: round 1 IN_REVIEW, later rounds SHORTLISTED."""
    return ROUND_ENTRY_STATE.get(rnd.number, EntryState.SHORTLISTED)


class AssignmentImpossible(ServiceError):
    """Conflicts leave some entries with fewer than K possible judges; nothing was assigned."""

    def __init__(self, problems: list[str], per_entry: int):
        self.problems = problems
        n = len(problems)
        super().__init__(
            f"Nothing was assigned: {n} entr{'y has' if n == 1 else 'ies have'} fewer than "
            f"{per_entry} judges without conflict.\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class RoundData:
    """Everything the assignment of a round needs, loaded once."""

    edition: Edition
    round: Round
    entries: list[Entry]
    members: list[PanelMember]
    assignments: list[Assignment]  # every row of the round (active and recused)
    index: object  # conflicts.ConflictIndex

    @property
    def judges(self) -> list[User]:
        return [m.user for m in self.members]

    def active(self) -> dict[int, list[User]]:
        out: dict[int, list[User]] = {}
        for a in self.assignments:
            if a.recused_at is None:
                out.setdefault(a.entry_id, []).append(a.judge)
        return out

    def rows(self) -> set[tuple[int, int]]:
        return {(a.entry_id, a.judge_id) for a in self.assignments}

    def member_for(self, judge_id: int) -> PanelMember | None:
        return next((m for m in self.members if m.user_id == judge_id), None)

    def exclusion(self, member: PanelMember, entry: Entry) -> str | None:
        """Why this panel member may not take this entry (None: they may). Existing rows
        (assigned, or recused earlier) are not considered here."""
        if not member.user.active:
            return "account inactive"
        if not member.judges_category(entry.category.key):
            return "do not judge this category"
        kinds = self.index.kinds(member.user, entry)
        return kinds[0] if kinds else None


def load_round(session: Session, edition: Edition, rnd: Round) -> RoundData:
    from judging.services.conflicts import conflict_index

    entries = list(session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id,
                               Entry.state == round_entry_state(rnd))
        .options(joinedload(Entry.category)).order_by(Entry.reference, Entry.id)))
    members = list(session.scalars(
        sa.select(PanelMember).where(PanelMember.edition_id == edition.id)
        .options(joinedload(PanelMember.user)).order_by(PanelMember.id)))
    assignments = list(session.scalars(
        sa.select(Assignment).where(Assignment.round_id == rnd.id)
        .options(joinedload(Assignment.judge)).order_by(Assignment.id)))
    return RoundData(edition, rnd, entries, members, assignments, conflict_index(session, edition))


def get_round(edition: Edition, number: int) -> Round:
    rnd = edition.round(number)
    if rnd is None:
        numbers = ", ".join(str(r.number) for r in edition.rounds)
        raise ServiceError(f"{edition.name} has no round {number} (rounds: {numbers}).",
                           field="round")
    return rnd


def _check_round_open_for_assignment(rnd: Round) -> None:
    if rnd.state == RoundState.CLOSED:
        raise ServiceError(f"{rnd.name} is closed; its assignments can no longer change.")


def shortfall_reason(data: RoundData, entry: Entry, possible: int, per_entry: int) -> str:
    """'SSCP-2024-HC-0042: only 2 judges without conflict (13 same country, 1 declared)'."""
    counts: dict[str, int] = {}
    taken = data.rows()
    for member in data.members:
        why = data.exclusion(member, entry)
        if why is None and (entry.id, member.user_id) in taken:
            active = any(a.entry_id == entry.id and a.judge_id == member.user_id
                         and a.recused_at is None for a in data.assignments)
            why = None if active else "recused earlier"
        if why:
            counts[why] = counts.get(why, 0) + 1
    detail = ", ".join(f"{n} {why}" for why, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    judges = "judge" if possible == 1 else "judges"
    return (f"{entry.label}: only {possible} {judges} without conflict, {per_entry} needed"
            + (f" ({detail})" if detail else ""))


@dataclass
class AssignResult:
    round: Round
    per_entry: int
    created: list[Assignment] = field(default_factory=list)
    entries: int = 0
    loads: dict[int, int] = field(default_factory=dict)  # judge id -> load in the round
    notified: int = 0

    @property
    def spread(self) -> int:
        values = list(self.loads.values())
        return max(values) - min(values) if values else 0


def assign_round(session: Session, edition: Edition, round_number: int, *, actor: User,
                 per_entry: int | None = None, seed: int = 0, base_url: str = "",
                 now: datetime | None = None) -> AssignResult:
    """Fill every missing slot of the round: each entry of the round gets K judges (K =
    per_entry or the round's judges per entry) without conflict, loads balanced. Existing
    assignments are kept. When an entry cannot get K judges, AssignmentImpossible names
    every such entry and why, and nothing is assigned."""
    now = now or utcnow()
    rnd = get_round(edition, round_number)
    _check_round_open_for_assignment(rnd)
    k = per_entry if per_entry is not None else rnd.judges_per_entry
    if k < 1:
        raise ServiceError("Judges per entry must be at least 1.", field="per_entry")
    data = load_round(session, edition, rnd)
    if not data.entries:
        raise ServiceError(
            f"No entry is in {rnd.name} (entries in state {round_entry_state(rnd).value}).")
    taken = data.rows()
    members_by_user = {m.user_id: m for m in data.members}

    def allowed(entry: Entry, judge: User) -> bool:
        if (entry.id, judge.id) in taken:
            return False
        return data.exclusion(members_by_user[judge.id], entry) is None

    active = data.active()
    plan = plan_assignment(data.entries, data.judges, k, allowed,
                           existing={e: active.get(e.id, []) for e in data.entries}, seed=seed)
    if not plan.feasible:
        problems = [shortfall_reason(data, s.entry, s.possible, k) for s in plan.shortfalls]
        raise AssignmentImpossible(problems, k)
    result = AssignResult(rnd, k, entries=len(data.entries),
                          loads={j.id: n for j, n in plan.loads.items()})
    by_entry: dict[int, list[User]] = {}
    for entry, judge in plan.pairs:
        assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                                created_at=now, created_by_id=actor.id)
        session.add(assignment)
        result.created.append(assignment)
        by_entry.setdefault(entry.id, []).append(judge)
    for entry in data.entries:
        judges = by_entry.get(entry.id)
        if judges:
            session.add(AuditEvent(
                occurred_at=now, actor_id=actor.id, edition_id=edition.id, subject_type="entry",
                subject_id=entry.id, event="assign",
                details={"round": rnd.number, "judge_ids": [j.id for j in judges],
                         "per_entry": k, "seed": seed}))
    session.flush()
    counts: dict[int, int] = {}
    for a in result.created:
        counts[a.judge_id] = counts.get(a.judge_id, 0) + 1
    for member in data.members:
        n = counts.get(member.user_id)
        if n:
            _notify_new_work(session, member.user, rnd, n, base_url)
            result.notified += 1
    return result


def _notify_new_work(session: Session, judge: User, rnd: Round, n: int, base_url: str) -> None:
    from judging.workflows.guards import format_local

    edition = rnd.edition
    deadline = (f"Please submit your reviews by {format_local(rnd.review_deadline_at, edition.time_zone)}.\n"
                if rnd.review_deadline_at else "")
    link = f"{base_url.rstrip('/')}/judge/" if base_url else "the judging site"
    entries = "entry" if n == 1 else "entries"
    notify(session, to=judge, kind="assignment",
           subject=f"{edition.name}: you have {n} new {entries} to review",
           body=(f"Dear {judge.name},\n\nYou have {n} new {entries} to review in {rnd.name} of "
                 f"{edition.name}.\n{deadline}\nSign in to see them: {link}\n\nBefore an entry "
                 "is shown you declare whether you have a conflict of interest with it.\n"),
           edition_id=edition.id)


def _audit(session: Session, *, actor: User | None, entry: Entry, event: str, now: datetime,
           details: dict, reason: str = "") -> None:
    session.add(AuditEvent(occurred_at=now, actor_id=actor.id if actor else None,
                           edition_id=entry.edition_id, subject_type="entry", subject_id=entry.id,
                           event=event, reason=reason, details=details))


def add_judge(session: Session, rnd: Round, entry: Entry, judge: User, *, actor: User,
              base_url: str = "", now: datetime | None = None) -> Assignment:
    """Assign one judge to one entry by hand, with the same checks as the assignment run."""
    now = now or utcnow()
    _check_round_open_for_assignment(rnd)
    edition = rnd.edition
    if entry.edition_id != edition.id or entry.state != round_entry_state(rnd):
        raise ServiceError(f"{entry.label} is not in {rnd.name} (it is {entry.state.value}).")
    data = load_round(session, edition, rnd)
    member = data.member_for(judge.id)
    if member is None:
        raise ServiceError(f"{judge.name} is not on the panel of {edition.name}.", field="judge")
    existing = next((a for a in data.assignments
                     if a.entry_id == entry.id and a.judge_id == judge.id), None)
    if existing is not None:
        if existing.recused_at is None:
            raise ServiceError(f"{judge.name} is already assigned to {entry.label}.",
                               field="judge")
        raise ServiceError(f"{judge.name} recused from {entry.label} "
                           f"({existing.recusal_reason}).", field="judge")
    why = data.exclusion(member, entry)
    if why is not None:
        reasons = data.index.reasons(judge, entry) or [why]
        raise ServiceError(f"{judge.name} may not judge {entry.label}: {'; '.join(reasons)}.",
                           field="judge")
    assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                            created_at=now, created_by_id=actor.id)
    session.add(assignment)
    _audit(session, actor=actor, entry=entry, event="assign", now=now,
           details={"round": rnd.number, "judge_ids": [judge.id], "manual": True})
    session.flush()
    _notify_new_work(session, judge, rnd, 1, base_url)
    return assignment


def remove_judge(session: Session, assignment: Assignment, *, actor: User, reason: str = "",
                 now: datetime | None = None) -> None:
    """Take a judge off an entry. Refused once the judge has submitted a review of it; a
    draft review is discarded (recorded)."""
    now = now or utcnow()
    rnd = assignment.round
    _check_round_open_for_assignment(rnd)
    review = session.scalar(sa.select(Review).where(
        Review.round_id == assignment.round_id, Review.entry_id == assignment.entry_id,
        Review.judge_id == assignment.judge_id))
    judge, entry = assignment.judge, assignment.entry
    if review is not None and review.state == ReviewState.SUBMITTED:
        raise ServiceError(f"{judge.name} has submitted a review of {entry.label}; the "
                           "assignment cannot be removed.")
    details = {"round": rnd.number, "judge_id": judge.id,
               "draft_discarded": review is not None}
    if review is not None:
        session.delete(review)
        session.flush()
    session.delete(assignment)
    _audit(session, actor=actor, entry=entry, event="unassign", now=now, details=details,
           reason=(reason or "").strip())
    session.flush()


def replace_recused(session: Session, recused: Assignment, *, actor: User | None,
                    base_url: str = "", now: datetime | None = None) -> Assignment | None:
    """After a recusal, give the entry another judge of the round when one is possible (the
    least loaded judge without conflict). Returns the new assignment, or None (the dashboard
    then shows the entry as needing attention)."""
    now = now or utcnow()
    rnd = recused.round
    entry = recused.entry
    if rnd.state == RoundState.CLOSED or entry.state != round_entry_state(rnd):
        return None
    data = load_round(session, rnd.edition, rnd)
    active = data.active().get(entry.id, [])
    if len(active) >= rnd.judges_per_entry:
        return None
    taken = data.rows()
    loads: dict[int, int] = {}
    for a in data.assignments:
        if a.recused_at is None:
            loads[a.judge_id] = loads.get(a.judge_id, 0) + 1
    candidates = [m for m in data.members
                  if (entry.id, m.user_id) not in taken and data.exclusion(m, entry) is None]
    if not candidates:
        return None
    rng = random.Random(entry.id)
    candidates.sort(key=lambda m: (loads.get(m.user_id, 0), rng.random()))
    judge = candidates[0].user
    assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                            created_at=now, created_by_id=None)
    session.add(assignment)
    _audit(session, actor=actor, entry=entry, event="assign", now=now,
           details={"round": rnd.number, "judge_ids": [judge.id], "automatic": True,
                    "replaces": recused.judge_id},
           reason="Replacement after a recusal.")
    session.flush()
    _notify_new_work(session, judge, rnd, 1, base_url)
    return assignment


@dataclass(frozen=True)
class Understaffed:
    round: Round
    entry: Entry
    active: int
    needed: int
    recused: list[Assignment]


def recusals_without_replacement(session: Session, edition: Edition) -> list[Understaffed]:
    """Entries of rounds not yet closed that lost a judge to a recusal and have fewer than
    the round's judges per entry: the secretariat's attention is needed."""
    rounds = [r for r in edition.rounds if r.state != RoundState.CLOSED]
    if not rounds:
        return []
    recused = sa.select(Assignment.entry_id).where(
        Assignment.round_id.in_([r.id for r in rounds]), Assignment.recused_at.is_not(None))
    rows = session.scalars(
        sa.select(Assignment).where(Assignment.round_id.in_([r.id for r in rounds]),
                                    Assignment.entry_id.in_(recused))
        .options(joinedload(Assignment.entry), joinedload(Assignment.judge))
        .order_by(Assignment.id)).all()
    per_key: dict[tuple[int, int], list[Assignment]] = {}
    for a in rows:
        per_key.setdefault((a.round_id, a.entry_id), []).append(a)
    by_id = {r.id: r for r in rounds}
    out = []
    for (round_id, _entry_id), group in per_key.items():
        rnd = by_id[round_id]
        recused = [a for a in group if a.recused_at is not None]
        active = len(group) - len(recused)
        entry = group[0].entry
        if recused and active < rnd.judges_per_entry and entry.state == round_entry_state(rnd):
            out.append(Understaffed(rnd, entry, active, rnd.judges_per_entry, recused))
    out.sort(key=lambda u: (u.round.number, u.entry.label))
    return out


def round_assignments(session: Session, rnd: Round) -> RoundData:
    """The round's entries, panel, assignments and conflicts (for the assignment pages)."""
    return load_round(session, rnd.edition, rnd)


def candidates_for(data: RoundData, entry: Entry) -> list[PanelMember]:
    """Panel members who could be added to this entry by hand."""
    taken = data.rows()
    return [m for m in data.members
            if (entry.id, m.user_id) not in taken and data.exclusion(m, entry) is None]


def export_rows(session: Session, rnd: Round) -> list[tuple[str, str]]:
    """(reference, judge email) for every active assignment of the round."""
    return [(ref, email) for ref, email in session.execute(
        sa.select(Entry.reference, User.email)
        .join(Assignment, Assignment.entry_id == Entry.id)
        .join(User, User.id == Assignment.judge_id)
        .where(Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))
        .order_by(Entry.reference, User.email))]


def export_csv(session: Session, rnd: Round) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["reference", "judge_email"])
    writer.writerows([plain_cell(v) for v in row] for row in export_rows(session, rnd))
    return buffer.getvalue()


def judge_loads(session: Session, rnd: Round) -> dict[int, int]:
    return dict(session.execute(
        sa.select(Assignment.judge_id, sa.func.count())
        .where(Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))
        .group_by(Assignment.judge_id)).all())


__all__ = [
    "AssignResult", "AssignmentImpossible", "Plan", "Shortfall", "Understaffed", "add_judge",
    "assign_round", "candidates_for", "export_csv", "export_rows", "get_round", "judge_loads",
    "plan_assignment", "recusals_without_replacement", "remove_judge", "replace_recused",
    "round_assignments", "round_entry_state",
]
