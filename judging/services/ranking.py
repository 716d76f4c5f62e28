"""Ranking a round's entries of one category from the database.

Loads the submitted reviews of a round and category in a fixed number of queries (never
one per entry or judge), leaves out every review whose judge is conflicted on the entry
(a declared conflict in force, or an automatic one: same city, country, organisation) or
whose assignment was recused, and hands the rest to the pure ranking module
(:func:`judging.ranking.rank_entries`) with the edition's method and the program's
tie-break cascade. The result is joined with the entries' facts for pages and exports.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import (
    Assignment,
    Category,
    ConflictDeclaration,
    Criterion,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Round,
    Score,
    User,
    automatic_conflicts,
)
from judging.ranking import (
    METHODS,
    UNRESOLVED,
    CriterionSpec,
    ReviewScores,
    rank_entries,
    total_scale,
    weighted_total,
)
from judging.services import ServiceError

# What each tie-break step means, in words (the step that placed a row below the one above).
TIE_BREAK_WORDS = {
    "": "first",
    "score": "score",
    "raw_mean": "raw mean",
    "count_back": "count-back",
    "main_criterion": "main criterion",
    UNRESOLVED: "unresolved: the chair decides",
}
METHOD_WORDS = {
    "raw": "raw mean",
    "z": "z-normalised mean",
    "calibrated": "calibrated (quality + judge offset)",
}
# Entries in these states take no further part: their reviews are not ranked.
LEFT_OUT_STATES = frozenset({EntryState.WITHDRAWN, EntryState.INELIGIBLE})


@dataclass(frozen=True)
class RankedRow:
    """One ranked entry: its rank and every method's score beside the entry's facts."""

    rank: int
    entry_id: int
    reference: str
    applicant_name: str
    applicant_name_local: str
    applicant_type: str
    organisation: str
    city: str
    country: str
    title: str
    state: EntryState
    score: float
    raw_mean: float
    z_mean: float | None
    calibrated: float | None
    n_judges: int
    spread: float
    count_back: int
    main_criterion_mean: float | None
    tie_break: str

    @property
    def tie_break_words(self) -> str:
        return TIE_BREAK_WORDS.get(self.tie_break, self.tie_break)

    @property
    def unresolved(self) -> bool:
        return self.tie_break == UNRESOLVED


@dataclass(frozen=True)
class JudgeRow:
    """How one judge scored in this round and category (only the reviews that count)."""

    judge_id: int
    name: str
    n_entries: int
    mean: float
    sd: float
    offset: float
    extreme_share: float
    flagged: bool
    notes: tuple[str, ...]
    totals: tuple[float, ...]  # the weighted totals the judge gave, for the distribution


@dataclass(frozen=True)
class ExcludedReview:
    """A review that exists but does not count, and why."""

    reference: str
    judge_name: str
    reason: str


@dataclass(frozen=True)
class CategoryRanking:
    """The ranking of one category in one round, ready for pages, exports and decisions."""

    edition_id: int
    edition_year: int
    round_id: int
    round_number: int
    round_name: str
    category_id: int
    category_key: str
    category_code: str
    category_name: str
    method_requested: str
    method_used: str
    alpha: float | None
    connected: bool
    components: int
    scale: tuple[float, float]
    main_criterion: str | None
    rows: tuple[RankedRow, ...]
    judges: tuple[JudgeRow, ...]
    warnings: tuple[str, ...]
    excluded: tuple[ExcludedReview, ...]
    unranked: tuple[str, ...]  # references of assigned entries with no review that counts
    n_reviews: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def unresolved_groups(self) -> tuple[tuple[RankedRow, ...], ...]:
        """Runs of rows still tied after the whole cascade (best first)."""
        groups: list[tuple[RankedRow, ...]] = []
        i = 0
        rows = self.rows
        while i < len(rows):
            j = i + 1
            while j < len(rows) and rows[j].tie_break == UNRESOLVED:
                j += 1
            if j - i > 1:
                groups.append(tuple(rows[i:j]))
            i = j
        return tuple(groups)

    @property
    def fell_back(self) -> bool:
        return self.method_used != self.method_requested

    def row_for(self, entry_id: int) -> RankedRow | None:
        return next((r for r in self.rows if r.entry_id == entry_id), None)


def resolve_category(program_categories: Sequence[Category], slug: str) -> Category:
    """A category by key (human_centricity) or code (HC), case-insensitive."""
    wanted = (slug or "").strip().casefold()
    for category in program_categories:
        if category.key.casefold() == wanted or category.code.casefold() == wanted:
            return category
    known = ", ".join(f"{c.key} ({c.code})" for c in program_categories)
    raise ServiceError(f"Unknown category '{slug}'; use one of: {known}.", field="category")


def ranked_categories(categories: Sequence[Category]) -> list[Category]:
    """The categories that are ranked: entered by applicants (Special Mention is not)."""
    return [c for c in categories if c.entered]


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    return float(value) if math.isfinite(value) else None


def rank_round_category(session: Session, rnd: Round, category: Category, *,
                        method: str | None = None) -> CategoryRanking:
    """Rank the entries of `category` reviewed in round `rnd`.

    Only submitted reviews count, and never one whose assignment was recused or whose judge
    is conflicted on the entry (declared and not waived, or automatic). Entries withdrawn or
    declared ineligible are left out. `method` defaults to the edition's ranking method; the
    pure module falls back (and says why) when the design cannot support it.
    """
    edition = rnd.edition
    if category.program_id != edition.program_id:
        raise ServiceError(f"{category.name} is not a category of {edition.name}.", field="category")
    if not category.entered:
        raise ServiceError(f"{category.name} is not entered by applicants, so it is not ranked.",
                           field="category")
    method = method or edition.ranking_method
    if method not in METHODS:
        raise ServiceError(f"Unknown ranking method '{method}'; use one of {', '.join(METHODS)}.",
                           field="method")
    program = edition.program.spec
    category_spec = program.category(category.key)

    # 1. the criteria (one query)
    criteria_rows = session.scalars(
        sa.select(Criterion).where(Criterion.category_id == category.id).order_by(Criterion.position)
    ).all()
    if not criteria_rows:
        raise ServiceError(f"{category.name} has no criteria, so it cannot be ranked.")
    criteria = [CriterionSpec(c.key, c.weight, c.scale_min, c.scale_max) for c in criteria_rows]
    key_of = {c.id: c.key for c in criteria_rows}

    entry_ids = (
        sa.select(Assignment.entry_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Assignment.round_id == rnd.id, Entry.category_id == category.id)
        .distinct()
        .scalar_subquery()
    )
    # 2. the assigned entries of the category
    entries = {
        e.id: e
        for e in session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids))
                                 .options(sa.orm.defer(Entry.answers))  # not ranked; long
                                 .order_by(Entry.id))
    }
    # 3. every assignment with its review (if any)
    pairs = session.execute(
        sa.select(Assignment.entry_id, Assignment.judge_id, Assignment.recused_at,
                  Assignment.recusal_reason, Review.id, Review.state)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, sa.and_(Review.round_id == Assignment.round_id,
                                   Review.entry_id == Assignment.entry_id,
                                   Review.judge_id == Assignment.judge_id))
        .where(Assignment.round_id == rnd.id, Entry.category_id == category.id)
        .order_by(Assignment.entry_id, Assignment.judge_id)
    ).all()
    # 4. the judges
    judge_ids = sorted({p.judge_id for p in pairs})
    judges = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Assignment.judge_id).join(Entry, Entry.id == Assignment.entry_id)
        .where(Assignment.round_id == rnd.id, Entry.category_id == category.id).distinct()
    )))} if judge_ids else {}
    # 5. declared conflicts in force on these entries
    declared = {
        (d.judge_id, d.entry_id): d
        for d in session.scalars(sa.select(ConflictDeclaration).where(
            ConflictDeclaration.entry_id.in_(entry_ids),
            ConflictDeclaration.has_conflict.is_(True),
            ConflictDeclaration.waived_at.is_(None),
        ))
    }
    # 6. the scores of the submitted reviews
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for review_id, criterion_id, value in session.execute(
        sa.select(Score.review_id, Score.criterion_id, Score.value)
        .join(Review, Review.id == Score.review_id)
        .join(Entry, Entry.id == Review.entry_id)
        .where(Review.round_id == rnd.id, Review.state == ReviewState.SUBMITTED,
               Entry.category_id == category.id)
    ):
        key = key_of.get(criterion_id)
        if key is not None:
            scores[review_id][key] = value

    judge_names = _judge_labels(judges)
    rules = program.conflict_rules
    keys = [c.key for c in criteria]
    counted: list[ReviewScores] = []
    totals_by_judge: dict[int, list[float]] = defaultdict(list)
    excluded: list[ExcludedReview] = []
    notes: list[str] = []
    assigned_entries: set[int] = set()
    counted_entries: set[int] = set()
    left_out_noted: set[int] = set()
    for p in pairs:
        entry = entries.get(p.entry_id)
        judge = judges.get(p.judge_id)
        if entry is None or judge is None:  # pragma: no cover - rows come from the same tables
            continue
        reference = entry.label
        name = judge_names[judge.id]
        if entry.state in LEFT_OUT_STATES:
            if entry.id not in left_out_noted:
                left_out_noted.add(entry.id)
                notes.append(f"{reference} is {entry.state.value.replace('_', ' ')}, so it is not ranked.")
            continue
        if p.recused_at is None:
            assigned_entries.add(entry.id)
        if p.id is None or p.state != ReviewState.SUBMITTED:
            continue  # nothing submitted: nothing to count (the round's guard sees to completeness)
        reason = ""
        if p.recused_at is not None:
            reason = "recused" + (f": {p.recusal_reason}" if p.recusal_reason else "")
        else:
            automatic = automatic_conflicts(judge, entry, rules)
            declaration = declared.get((judge.id, entry.id))
            if automatic:
                reason = "conflict of interest: " + "; ".join(automatic)
            elif declaration is not None:
                reason = f"declared conflict of interest: {declaration.reason}"
        review_scores = scores.get(p.id, {})
        if not reason:
            missing = [k for k in keys if k not in review_scores]
            if missing:
                reason = "incomplete: no score for " + ", ".join(missing)
        if reason:
            excluded.append(ExcludedReview(reference, name, reason))
            continue
        counted.append(ReviewScores(entry_id=entry.id, judge_id=judge.id, scores=review_scores))
        totals_by_judge[judge.id].append(weighted_total(review_scores, criteria))
        counted_entries.add(entry.id)

    result, entry_of, judge_of = _rank(counted, criteria, method=method,
                                       tie_break=program.tie_break,
                                       main_criterion=category_spec.main_criterion,
                                       entries=entries, judge_names=judge_names)
    rows = []
    for r in result.rows:
        entry = entries[entry_of[r.entry_id]]
        rows.append(RankedRow(
            rank=r.rank, entry_id=entry.id, reference=entry.label,
            applicant_name=entry.applicant_name, applicant_name_local=entry.applicant_name_local,
            applicant_type=entry.applicant_type, organisation=entry.organisation,
            city=entry.city, country=entry.country, title=entry.title, state=entry.state,
            score=r.score, raw_mean=r.raw_mean, z_mean=_finite(r.z_mean),
            calibrated=_finite(r.calibrated), n_judges=r.n_judges, spread=float(r.spread),
            count_back=r.count_back, main_criterion_mean=_finite(r.main_criterion_mean),
            tie_break=r.tie_break,
        ))
    judge_rows = tuple(sorted(
        (JudgeRow(
            judge_id=judge_of[j.judge_id], name=j.judge_id, n_entries=j.n_entries, mean=j.mean,
            sd=j.sd, offset=j.offset, extreme_share=j.extreme_share, flagged=j.flagged,
            notes=tuple(j.notes), totals=tuple(sorted(totals_by_judge[judge_of[j.judge_id]])),
        ) for j in result.judges),
        key=lambda j: j.name.casefold(),
    ))
    unranked = tuple(sorted(entries[e].label for e in assigned_entries - counted_entries))
    warnings = list(result.warnings)
    if counted and unranked:
        warnings.append(
            f"{len(unranked)} assigned entr{'y has' if len(unranked) == 1 else 'ies have'} no review "
            f"that counts and {'is' if len(unranked) == 1 else 'are'} not ranked: "
            + ", ".join(unranked[:6]) + (" ..." if len(unranked) > 6 else "")
            + ". Assign another judge."
        )
    return CategoryRanking(
        edition_id=edition.id, edition_year=edition.year, round_id=rnd.id,
        round_number=rnd.number, round_name=rnd.name, category_id=category.id,
        category_key=category.key, category_code=category.code, category_name=category.name,
        method_requested=method, method_used=result.method_used, alpha=_finite(result.alpha),
        connected=result.connected, components=result.components,
        scale=total_scale(criteria), main_criterion=category_spec.main_criterion,
        rows=tuple(rows), judges=judge_rows, warnings=tuple(warnings), excluded=tuple(excluded),
        unranked=unranked, n_reviews=len(counted), notes=tuple(notes),
    )


def _rank(counted: list[ReviewScores], criteria: list[CriterionSpec], *, method: str,
          tie_break: Sequence[str], main_criterion: str | None, entries: dict[int, Entry],
          judge_names: dict[int, str]):
    """Call the pure module with readable labels (its warnings and notes name entries by
    reference and judges by name); return the result and the maps back to database ids."""
    entry_label = {e.id: e.label for e in entries.values()}
    labelled = [ReviewScores(entry_label[r.entry_id], judge_names[r.judge_id], r.scores)
                for r in counted]
    try:
        result = rank_entries(labelled, criteria, method=method, tie_break=tie_break,
                              main_criterion=main_criterion)
    except ValueError as exc:
        raise ServiceError(f"The scores cannot be ranked: {exc}") from None
    entry_of = {label: entry_id for entry_id, label in entry_label.items()}
    judge_of = {label: judge_id for judge_id, label in judge_names.items()}
    return result, entry_of, judge_of


def _judge_labels(judges: dict[int, User]) -> dict[int, str]:
    """Each judge's name; two judges with the same name are told apart by their email."""
    counts: dict[str, int] = defaultdict(int)
    for u in judges.values():
        counts[u.name.casefold()] += 1
    return {u.id: (u.name if counts[u.name.casefold()] == 1 else f"{u.name} <{u.email}>")
            for u in judges.values()}


def round_progress(session: Session, rounds: Sequence[Round]) -> dict[int, tuple[int, int]]:
    """Per round id: (submitted reviews, active assignments), in one query."""
    ids = [r.id for r in rounds]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Assignment.round_id, sa.func.count(Assignment.id), sa.func.count(Review.id))
        .outerjoin(Review, sa.and_(Review.round_id == Assignment.round_id,
                                   Review.entry_id == Assignment.entry_id,
                                   Review.judge_id == Assignment.judge_id,
                                   Review.state == ReviewState.SUBMITTED))
        .where(Assignment.round_id.in_(ids), Assignment.recused_at.is_(None))
        .group_by(Assignment.round_id)
    ).all()
    found = {round_id: (submitted, assigned) for round_id, assigned, submitted in rows}
    return {i: found.get(i, (0, 0)) for i in ids}


def entries_per_round_category(session: Session, rounds: Sequence[Round]) -> dict[tuple[int, int], int]:
    """(round id, category id) -> number of entries assigned in that round, in one query."""
    ids = [r.id for r in rounds]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Assignment.round_id, Entry.category_id, sa.func.count(sa.distinct(Assignment.entry_id)))
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Assignment.round_id.in_(ids))
        .group_by(Assignment.round_id, Entry.category_id)
    ).all()
    return {(round_id, category_id): n for round_id, category_id, n in rows}
