"""Reviews: one judge's scores for one entry in one round.

Open the review of an assignment, save it as a draft (partial scores allowed, optimistic
locking by version), submit it (through the engine: round open, no conflict, complete, then
locked), reopen it (secretariat, with a reason, through the engine), compute its weighted
total (the ranking module's formula), and import offline scores from a CSV file (every row
checked, all or nothing, each problem named by its line).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from judging.models import (
    Assignment,
    AuditEvent,
    Category,
    ConflictDeclaration,
    Criterion,
    Edition,
    Entry,
    PanelMember,
    Review,
    ReviewState,
    Round,
    RoundState,
    Score,
    User,
    automatic_conflicts,
    utcnow,
)
from judging.ranking import CriterionSpec
from judging.ranking import weighted_total as ranking_weighted_total
from judging.services import ServiceError
from judging.services.accounts import find_user
from judging.services.conflicts import conflict_reasons, declaration_for
from judging.services.judging_access import JudgeAccess, active_assignment
from judging.services.notifications import notify
from judging.workflows.engine import ConcurrentChange, apply
from judging.workflows.guards import format_local

COMMENT_MAX = 5000  # characters, per criterion
OVERALL_MAX = 10000
THEME_MAX = 200
OVERALL_KEY = "overall"  # the import's criterion name for the overall comment


# ----- refusals ---------------------------------------------------------------------------
class ReviewLocked(ServiceError):
    """The review is submitted: it changes only after the secretariat reopens it."""


class StaleReview(ServiceError):
    """The review changed since the judge loaded it (another window or device)."""

    def __init__(self) -> None:
        super().__init__("This review was changed in another window; reload the page. "
                         "Your values below were not saved.")


class RoundNotOpen(ServiceError):
    pass


# ----- input ------------------------------------------------------------------------------
@dataclass
class ReviewInput:
    """What a judge sends: scores and comments by criterion key (None: not scored yet)."""

    scores: dict[str, int | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    overall_comment: str = ""
    special_mention: bool = False
    special_mention_theme: str = ""
    version: int | None = None  # the version the judge edited; None: no check (import)


# ----- reading ----------------------------------------------------------------------------
def criterion_specs(category: Category) -> list[CriterionSpec]:
    return [CriterionSpec(c.key, c.weight, c.scale_min, c.scale_max) for c in category.criteria]


def scores_by_key(review: Review) -> dict[str, int]:
    by_id = {c.id: c.key for c in review.entry.category.criteria}
    return {by_id[s.criterion_id]: s.value for s in review.scores if s.criterion_id in by_id}


def weighted_total(review: Review) -> float | None:
    """The review's weighted total on the criteria's scale, or None until every criterion is
    scored (the same formula as the ranking: judging.ranking.weighted_total)."""
    criteria = review.entry.category.criteria
    scores = scores_by_key(review)
    if not criteria or len(scores) < len(criteria):
        return None
    return ranking_weighted_total(scores, criterion_specs(review.entry.category))


def comment_for(review: Review, criterion: Criterion) -> str:
    score = review.score_for(criterion.id)
    if score is not None:
        return score.comment
    return (review.draft_comments or {}).get(criterion.key, "")


def get_review(session: Session, *, judge: User, entry: Entry, rnd: Round) -> Review | None:
    return session.scalar(sa.select(Review).where(
        Review.judge_id == judge.id, Review.entry_id == entry.id, Review.round_id == rnd.id))


def open_review(session: Session, access: JudgeAccess) -> Review:
    """The judge's review of the entry in the round, created as an empty draft the first time
    (only once the entry may be shown to the judge, and only while the round is open: outside
    it an empty review is returned for display, not stored)."""
    refusal = access.refusal()
    if refusal is not None:
        raise refusal
    review = get_review(session, judge=access.judge, entry=access.entry, rnd=access.round)
    if review is None:
        review = Review(round=access.round, entry=access.entry, judge=access.judge,
                        round_id=access.round.id, entry_id=access.entry.id,
                        judge_id=access.judge.id, state=ReviewState.DRAFT, draft_comments={})
        if access.round.state != RoundState.OPEN:
            # Nothing to save outside an open round: an empty review to show, never stored.
            if review in session:
                session.expunge(review)
            return review
        session.add(review)
        session.flush()
    return review


# ----- changing ---------------------------------------------------------------------------
def ensure_changeable(session: Session, review: Review, actor: User,
                      access: JudgeAccess | None = None) -> None:
    """Raise unless `actor` may change the review now (theirs, a draft, round open, still
    assigned, no conflict). `access`: the actor's standing on the review's entry and round,
    loaded in this request (judging_access.load_access); without it, it is looked up."""
    if not review.is_owned_by(actor):
        raise ServiceError("Only the judge who wrote this review may change it.")
    if review.state == ReviewState.SUBMITTED:
        when = format_local(review.submitted_at, review.round.edition.time_zone) \
            if review.submitted_at else "earlier"
        raise ReviewLocked(f"This review was submitted ({when}) and is locked; nothing was "
                           "changed. Ask the secretariat to reopen it if it must change.")
    rnd = review.round
    if rnd.state != RoundState.OPEN:
        words = "has not opened yet" if rnd.state == RoundState.PENDING else "is closed"
        raise RoundNotOpen(f"{rnd.name} {words}; scores cannot be saved.")
    if access is not None and (access.judge.id, access.entry.id, access.round.id) == (
            actor.id, review.entry_id, review.round_id):
        # load_access found the active assignment (or raised NotAssigned).
        reasons = list(access.automatic)
        if access.declaration is not None and access.declaration.in_force:
            reasons.append(f"declared: {access.declaration.reason}")
    else:
        if active_assignment(session, actor, review.entry_id, review.round_id) is None:
            raise ServiceError("You are no longer assigned to this entry.")
        reasons = conflict_reasons(session, actor, review.entry)
    if reasons:
        raise ServiceError("You have a conflict of interest on this entry: "
                           + "; ".join(reasons) + ".")


def check_input(category: Category, data: ReviewInput, *, complete: bool) -> dict[str, str]:
    """Problems with the input, by form field name (empty: none). `complete` adds what a
    submission needs: every criterion scored and the overall comment."""
    problems: dict[str, str] = {}
    keys = {c.key for c in category.criteria}
    for key in set(data.scores) | set(data.comments):
        if key not in keys:
            problems[f"score_{key}"] = f"Unknown criterion {key}."
    for c in category.criteria:
        value = data.scores.get(c.key)
        if value is None:
            if complete:
                problems[f"score_{c.key}"] = f"Give a score from {c.scale_min} to {c.scale_max}."
        elif isinstance(value, bool) or not isinstance(value, int) \
                or not c.scale_min <= value <= c.scale_max:
            problems[f"score_{c.key}"] = (
                f"The score must be a whole number from {c.scale_min} to {c.scale_max}.")
        if len(data.comments.get(c.key) or "") > COMMENT_MAX:
            problems[f"comment_{c.key}"] = f"At most {COMMENT_MAX} characters."
    overall = (data.overall_comment or "").strip()
    if len(overall) > OVERALL_MAX:
        problems["overall_comment"] = f"At most {OVERALL_MAX} characters."
    elif complete and not overall:
        problems["overall_comment"] = "Write an overall comment before submitting."
    theme = (data.special_mention_theme or "").strip()
    if len(theme) > THEME_MAX:
        problems["special_mention_theme"] = f"At most {THEME_MAX} characters."
    elif complete and data.special_mention and not theme:
        problems["special_mention_theme"] = "Name the theme of the Special Mention you recommend."
    return problems


def _write(review: Review, data: ReviewInput, now: datetime) -> None:
    category = review.entry.category
    drafts = dict(review.draft_comments or {})
    for c in category.criteria:
        value = data.scores.get(c.key)
        comment = (data.comments.get(c.key) or "").strip()
        score = review.score_for(c.id)
        if value is None:
            if score is not None:
                review.scores.remove(score)
            if comment:
                drafts[c.key] = comment
            else:
                drafts.pop(c.key, None)
            continue
        drafts.pop(c.key, None)
        if score is None:
            review.scores.append(Score(criterion_id=c.id, scale_min=c.scale_min,
                                       scale_max=c.scale_max, value=value, comment=comment))
        elif (score.value, score.comment) != (value, comment):  # untouched scores stay clean
            score.value = value
            score.comment = comment
    review.draft_comments = drafts
    review.overall_comment = (data.overall_comment or "").strip()
    review.special_mention_recommended = bool(data.special_mention)
    review.special_mention_theme = (
        (data.special_mention_theme or "").strip() if data.special_mention else "")
    review.updated_at = now  # always touch the row: every save takes a new version


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleReview() from None


def save_draft(session: Session, review: Review, data: ReviewInput, *, actor: User,
               now: datetime | None = None, access: JudgeAccess | None = None) -> Review:
    """Save the judge's values as a draft (partial scores allowed). Refused, with nothing
    changed: a submitted (locked) review, a round that is not open, a conflict, a stale
    version, a score outside the scale."""
    now = now or utcnow()
    ensure_changeable(session, review, actor, access)
    if data.version is not None and data.version != review.version_id:
        raise StaleReview()
    problems = check_input(review.entry.category, data, complete=False)
    if problems:
        name, message = sorted(problems.items())[0]
        raise ServiceError(message, field=name)
    _write(review, data, now)
    _flush(session)
    return review


def submit_review(session: Session, review: Review, data: ReviewInput | None = None, *,
                  actor: User, now: datetime | None = None,
                  access: JudgeAccess | None = None) -> Review:
    """Save the values given (if any) and submit through the engine, which checks the round
    is open, the judge not conflicted and the review complete. The review is then locked."""
    now = now or utcnow()
    if data is not None:
        ensure_changeable(session, review, actor, access)
        if data.version is not None and data.version != review.version_id:
            raise StaleReview()
        problems = check_input(review.entry.category, data, complete=True)
        if problems:
            name, message = sorted(problems.items())[0]
            raise ServiceError(message, field=name)
        _write(review, data, now)
        _flush(session)
    elif review.special_mention_recommended and not review.special_mention_theme.strip():
        raise ServiceError("Name the theme of the Special Mention you recommend.",
                           field="special_mention_theme")
    try:
        apply(review, "submit_review", actor=actor, now=now,
              details={"weighted_total": weighted_total(review)})
    except ConcurrentChange:
        raise StaleReview() from None
    review.submitted_at = now
    _flush(session)
    return review


def reopen_review(session: Session, review: Review, *, actor: User, reason: str,
                  now: datetime | None = None, link: str = "") -> Review:
    """The secretariat reopens a submitted review, with a reason (the engine records it);
    the judge is told, and can change it and submit again while the round is open.
    `link`: the address of the scoring page, for the message."""
    now = now or utcnow()
    apply(review, "reopen_review", actor=actor, reason=reason, now=now)
    review.submitted_at = None
    _flush(session)
    entry = review.entry
    notify(session, to=review.judge, kind="review_reopened", edition_id=entry.edition_id,
           entry_id=entry.id,
           subject=f"Your review of {entry.reference} was reopened",
           body=(f"Dear {review.judge.name},\n\nThe secretariat reopened your review of "
                 f"{entry.reference} ({entry.title}) in {review.round.name}, for this reason:\n\n"
                 f"{reason.strip()}\n\nPlease check it and submit it again"
                 + (f": {link}" if link else ".") + "\n"))
    return review


# ----- progress -----------------------------------------------------------------------------
class AssignmentRow(NamedTuple):
    """One line of the judge's home: the entry's listing facts and the judge's own review
    (a named tuple: a judge's home makes dozens of them on every visit)."""

    entry_id: int
    reference: str | None
    title: str
    display_name: str
    city: str
    country: str
    review_id: int | None
    status: str  # conflict | not_declared | not_started | draft | submitted
    conflict: tuple[str, ...]  # automatic conflict reasons (the entry is never shown)


@dataclass
class CategoryGroup:
    category: Category
    rows: list[AssignmentRow]

    @property
    def total(self) -> int:
        """Entries the judge is to review (automatic conflicts excluded)."""
        return sum(1 for r in self.rows if not r.conflict)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.status == "submitted")


@dataclass
class RoundGroup:
    round: Round
    categories: list[CategoryGroup]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.categories)

    @property
    def submitted(self) -> int:
        return sum(g.submitted for g in self.categories)


class RecusedRow(NamedTuple):
    reference: str | None
    round_name: str
    recused_at: datetime | None


@dataclass
class JudgeOverview:
    edition: Edition
    judge: User
    member: PanelMember | None
    rounds: list[RoundGroup]
    recused: list[RecusedRow]  # entries the judge stepped back from (declared conflict)

    @property
    def terms_accepted(self) -> bool:
        return self.member is not None and self.member.terms_accepted_at is not None

    @property
    def assigned(self) -> int:
        return sum(len(g.rows) for r in self.rounds for g in r.categories)


_NO_COMMENTS = (None, "", "{}", "null")  # draft comments as stored (JSON text): none


def _row_status(*, conflict: bool, state: ReviewState | None, declared: bool, has_scores: bool,
                overall_comment: str | None, draft_comments: str | None) -> str:
    """The status of one assignment on the judge's home (the same rules as review_status)."""
    if conflict:
        return "conflict"
    if state == ReviewState.SUBMITTED:
        return "submitted"
    if not declared:
        return "not_declared"
    if state is None:
        return "not_started"
    if has_scores or (overall_comment or "").strip() or draft_comments not in _NO_COMMENTS:
        return "draft"
    return "not_started"


@cache
def _overview_statement() -> sa.Select:
    """judge_overview's lines, built once (building it costs more than running it)."""
    return (
        sa.select(Assignment.round_id, Assignment.recused_at, Entry.id, Entry.reference,
                  Entry.title, Entry.applicant_name, Entry.applicant_name_local, Entry.city,
                  Entry.city_local, Entry.country, Entry.organisation, Entry.category_id,
                  Review.id, Review.state, Review.overall_comment,
                  sa.cast(Review.draft_comments, sa.Text),  # as stored: no JSON decoding
                  sa.exists().where(Score.review_id == Review.id),  # scored at all
                  ConflictDeclaration.has_conflict, ConflictDeclaration.waived_at)
        .join(Round, Round.id == Assignment.round_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, sa.and_(Review.round_id == Assignment.round_id,
                                   Review.entry_id == Assignment.entry_id,
                                   Review.judge_id == Assignment.judge_id))
        .outerjoin(ConflictDeclaration,
                   sa.and_(ConflictDeclaration.judge_id == Assignment.judge_id,
                           ConflictDeclaration.entry_id == Assignment.entry_id))
        .where(Round.edition_id == sa.bindparam("edition_id"),
               Assignment.judge_id == sa.bindparam("judge_id"))
        .order_by(Round.number.desc(), Entry.reference, Assignment.id)
    )


_OVERVIEW_PARTS = {  # the overview's other queries, each built once
    "rounds": cache(lambda: sa.select(Round).where(Round.edition_id == sa.bindparam("edition_id"))),
    "categories": cache(lambda: sa.select(Category).where(
        Category.program_id == sa.bindparam("program_id"))),
    "member": cache(lambda: sa.select(PanelMember).where(
        PanelMember.edition_id == sa.bindparam("edition_id"),
        PanelMember.user_id == sa.bindparam("judge_id"))),
}


def judge_overview(session: Session, judge: User, edition: Edition) -> JudgeOverview:
    """The judge's own assignments in an edition, by round and category, with their own
    reviews' progress. Holds nothing about other judges.

    One query for the lines (the listing columns only: no entry texts, no scores, just
    whether there are any), and small ones for the rounds, categories and panel membership:
    a judge's home is opened after every submission, so it stays cheap at any size."""
    lines = session.execute(_overview_statement(),
                            {"edition_id": edition.id, "judge_id": judge.id}).all()
    ids = {"edition_id": edition.id, "judge_id": judge.id, "program_id": edition.program_id}
    rounds = {r.id: r for r in session.scalars(_OVERVIEW_PARTS["rounds"](), ids)}
    categories = {c.id: c for c in session.scalars(_OVERVIEW_PARTS["categories"](), ids)}
    rules = edition.program.spec.conflict_rules
    grouped: dict[int, dict[int, CategoryGroup]] = {}
    recused: list[RecusedRow] = []
    for (round_id, recused_at, entry_id, reference, title, name, name_local, city, city_local,
         country, organisation, category_id, review_id, state, overall_comment, draft_comments,
         scored, has_conflict, waived_at) in lines:
        if recused_at is not None:
            recused.append(RecusedRow(reference, rounds[round_id].name, recused_at))
            continue
        conflict = tuple(automatic_conflicts(judge, _EntryFacts(country, city, city_local,
                                                                organisation), rules))
        declared = has_conflict is not None and (not has_conflict or waived_at is not None)
        row = AssignmentRow(
            entry_id=entry_id, reference=reference, title=title,
            display_name=(f"{name_local} {name}" if name_local and name_local != name else name),
            city=city, country=country, review_id=review_id, conflict=conflict,
            status=_row_status(conflict=bool(conflict), state=state, declared=declared,
                               has_scores=bool(scored), overall_comment=overall_comment,
                               draft_comments=draft_comments))
        groups = grouped.setdefault(round_id, {})
        group = groups.get(category_id)
        if group is None:
            group = groups[category_id] = CategoryGroup(categories[category_id], [])
        group.rows.append(row)
    ordered = [RoundGroup(rounds[round_id], sorted(groups.values(),
                                                   key=lambda g: g.category.position))
               for round_id, groups in grouped.items()]
    member = session.scalar(_OVERVIEW_PARTS["member"](), ids)
    return JudgeOverview(edition=edition, judge=judge, member=member, rounds=ordered,
                         recused=recused)


class _EntryFacts(NamedTuple):
    """The entry's facts that automatic conflicts compare (see models.automatic_conflicts)."""

    country: str
    city: str
    city_local: str | None
    organisation: str | None


# ----- import of offline scores ------------------------------------------------------------
IMPORT_COLUMNS = ("reference", "judge_email", "round", "criterion", "score", "comment")


class ImportProblems(ServiceError):
    """One or more lines of an import are wrong; nothing was imported."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"Nothing was imported: {len(problems)} problem"
                         f"{'s' if len(problems) != 1 else ''}.\n" + "\n".join(problems))


@dataclass
class ImportResult:
    rows: int = 0
    drafts: list[Review] = field(default_factory=list)
    submitted: list[Review] = field(default_factory=list)

    @property
    def reviews(self) -> list[Review]:
        return self.drafts + self.submitted


def read_csv_rows(text: str, columns: Iterable[str]) -> tuple[list[tuple[int, dict[str, str]]],
                                                               list[str]]:
    """Rows of a CSV text as (line number where the row starts, {column: value}), and the
    problems with its header. Column names are matched without case or surrounding spaces;
    extra columns are ignored; blank rows are skipped."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], ["line 1: the file is empty; expected the columns " + ",".join(columns)]
    except csv.Error as exc:
        return [], [f"line 1: {exc}"]
    names = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    if missing:
        return [], [f"line 1: missing column{'s' if len(missing) > 1 else ''} "
                    + ", ".join(missing) + " (expected " + ",".join(columns) + ")"]
    index = {c: names.index(c) for c in columns}
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    line = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {line}: {exc}")
            break
        if any(cell.strip() for cell in raw):
            rows.append((line, {c: (raw[i].strip() if i < len(raw) else "")
                                for c, i in index.items()}))
        line = reader.line_num + 1
    return rows, problems


@dataclass
class _Planned:
    review: Review | None
    entry: Entry
    judge: User
    rnd: Round
    data: ReviewInput
    lines: list[int]


def import_scores(session: Session, text: str, *, edition: Edition, submit: bool = False,
                  actor: User | None = None, source: str = "",
                  now: datetime | None = None) -> ImportResult:
    """Import offline scores (columns reference,judge_email,round,criterion,score,comment;
    one row per criterion score; criterion `overall` carries the overall comment).

    Every row is checked first; any problem raises ImportProblems naming every bad line and
    nothing is written. Otherwise the scores are saved into each judge's review as a draft;
    with `submit`, complete reviews are then submitted through the engine (as their judge)."""
    now = now or utcnow()
    rows, problems = read_csv_rows(text, IMPORT_COLUMNS)
    if not rows and not problems:
        problems.append("line 2: the file has no rows to import")
    entries: dict[str, Entry | None] = {}
    judges: dict[str, User | None] = {}
    planned: dict[tuple[int, int, int], _Planned] = {}
    seen: dict[tuple, int] = {}

    for line, row in rows:
        where = f"line {line}: "
        reference, email = row["reference"], row["judge_email"].lower()
        if reference not in entries:
            entries[reference] = session.scalar(sa.select(Entry).where(
                Entry.reference == reference, Entry.edition_id == edition.id)) if reference else None
        entry = entries[reference]
        if entry is None:
            problems.append(where + (f"unknown entry {reference}" if reference
                                     else "the reference is missing"))
            continue
        if email not in judges:
            judges[email] = find_user(session, email) if email else None
        judge = judges[email]
        if judge is None:
            problems.append(where + (f"unknown judge {email}" if email
                                     else "the judge's email is missing"))
            continue
        try:
            number = int(row["round"])
        except ValueError:
            problems.append(where + f"round '{row['round']}' is not a round number")
            continue
        rnd = edition.round(number)
        if rnd is None:
            problems.append(where + f"{edition.name} has no round {number}")
            continue
        if rnd.state != RoundState.OPEN:
            words = "has not opened yet" if rnd.state == RoundState.PENDING else "is closed"
            problems.append(where + f"{rnd.name} {words}; scores cannot be imported")
            continue
        if active_assignment(session, judge, entry.id, rnd.id) is None:
            problems.append(where + f"{email} is not assigned to {reference} in round {number}")
            continue
        reasons = conflict_reasons(session, judge, entry)
        if reasons:
            problems.append(where + f"{email} has a conflict of interest on {reference}: "
                            + "; ".join(reasons))
            continue
        key = (entry.id, judge.id, rnd.id)
        plan = planned.get(key)
        if plan is None:
            review = get_review(session, judge=judge, entry=entry, rnd=rnd)
            if review is not None and review.state == ReviewState.SUBMITTED:
                problems.append(where + f"the review of {reference} by {email} in round {number} "
                                "is already submitted (the secretariat can reopen it)")
                continue
            data = ReviewInput(version=None)
            if review is not None:  # keep what the draft already holds
                data.scores = dict(scores_by_key(review))
                data.comments = {c.key: comment_for(review, c) for c in entry.category.criteria}
                data.overall_comment = review.overall_comment
                data.special_mention = review.special_mention_recommended
                data.special_mention_theme = review.special_mention_theme
            plan = planned[key] = _Planned(review, entry, judge, rnd, data, [])
        criterion_key = row["criterion"]
        duplicate_key = key + (criterion_key.lower(),)
        if duplicate_key in seen:
            problems.append(where + f"{criterion_key} of {reference} by {email} in round "
                            f"{number} is already on line {seen[duplicate_key]}")
            continue
        seen[duplicate_key] = line
        plan.lines.append(line)
        comment = row["comment"]
        if criterion_key.lower() == OVERALL_KEY:
            if row["score"]:
                problems.append(where + "the overall row takes a comment, not a score")
                continue
            if len(comment) > OVERALL_MAX:
                problems.append(where + f"the overall comment is longer than {OVERALL_MAX} characters")
                continue
            plan.data.overall_comment = comment
            continue
        criterion = next((c for c in entry.category.criteria if c.key == criterion_key), None)
        if criterion is None:
            known = ", ".join(c.key for c in entry.category.criteria)
            problems.append(where + f"unknown criterion '{criterion_key}' for "
                            f"{entry.category.name} (known: {known}, {OVERALL_KEY})")
            continue
        try:
            value = int(row["score"])
        except ValueError:
            if row["score"]:
                problems.append(where + f"score {row['score']} for {criterion.key} is not a whole "
                                f"number from {criterion.scale_min} to {criterion.scale_max}")
            else:
                problems.append(where + f"the score for {criterion.key} is missing (a whole "
                                f"number from {criterion.scale_min} to {criterion.scale_max})")
            continue
        if not criterion.scale_min <= value <= criterion.scale_max:
            problems.append(where + f"score {value} for {criterion.key} is outside the scale "
                            f"{criterion.scale_min}-{criterion.scale_max}")
            continue
        if len(comment) > COMMENT_MAX:
            problems.append(where + f"the comment is longer than {COMMENT_MAX} characters")
            continue
        plan.data.scores[criterion.key] = value
        plan.data.comments[criterion.key] = comment

    if submit:
        for plan in planned.values():
            if not plan.lines or check_input(plan.entry.category, plan.data, complete=True):
                continue  # nothing imported for it, or incomplete: it stays a draft
            declaration = declaration_for(session, plan.judge, plan.entry)
            if declaration is None:
                problems.append(
                    f"line {plan.lines[0]}: {plan.judge.email} has not declared on conflicts of "
                    f"interest for {plan.entry.reference}; a review is submitted only after the "
                    "judge's declaration (import without --submit to save it as a draft)")
    if problems:
        raise ImportProblems(sorted(problems, key=_line_number))

    result = ImportResult(rows=len(rows))
    for plan in planned.values():
        review = plan.review
        if review is None:
            review = Review(round=plan.rnd, entry=plan.entry, judge=plan.judge,
                            state=ReviewState.DRAFT, draft_comments={})
            session.add(review)
            session.flush()
        save_draft(session, review, plan.data, actor=plan.judge, now=now)
        complete = not check_input(plan.entry.category, plan.data, complete=True)
        session.add(AuditEvent(
            occurred_at=now, actor_id=actor.id if actor else None, edition_id=edition.id,
            subject_type="review", subject_id=review.id, event="import_scores",
            details={"lines": plan.lines, "source": source, "judge_id": plan.judge.id}))
        if submit and complete:
            submit_review(session, review, actor=plan.judge, now=now)
            result.submitted.append(review)
        else:
            result.drafts.append(review)
    session.flush()
    return result


def _line_number(problem: str) -> int:
    try:
        return int(problem.split(":", 1)[0].removeprefix("line "))
    except ValueError:
        return 0


def values_from_review(review: Review) -> dict[str, object]:
    """The review's current values, by form field name (to fill the scoring form)."""
    values: dict[str, object] = {
        "overall_comment": review.overall_comment,
        "special_mention": review.special_mention_recommended,
        "special_mention_theme": review.special_mention_theme,
        "version": review.version_id,
    }
    for c in review.entry.category.criteria:
        score = review.score_for(c.id)
        values[f"score_{c.key}"] = "" if score is None else str(score.value)
        values[f"comment_{c.key}"] = comment_for(review, c)
    return values


def input_from_values(category: Category, values: Mapping[str, object]) -> ReviewInput:
    """A ReviewInput from the form's cleaned values (scores already integers or None)."""
    version = values.get("version")
    return ReviewInput(
        scores={c.key: values.get(f"score_{c.key}") for c in category.criteria},
        comments={c.key: str(values.get(f"comment_{c.key}") or "") for c in category.criteria},
        overall_comment=str(values.get("overall_comment") or ""),
        special_mention=bool(values.get("special_mention")),
        special_mention_theme=str(values.get("special_mention_theme") or ""),
        version=int(version) if str(version or "").strip().isdigit() else None,
    )
