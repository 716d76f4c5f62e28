"""Exports: a category's ranking as CSV, JSON or XLSX, and the results workbook (entries,
reviews, rankings, conflicts, awards) for the secretariat's records.

Cells that a spreadsheet would read as a formula (text starting with =, +, -, @) are
written as plain text, so an applicant's name can never run in someone's spreadsheet.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session, joinedload

from judging.models import (
    ConflictDeclaration,
    Criterion,
    Edition,
    Entry,
    PanelMember,
    Review,
    RoundState,
    Score,
    User,
    automatic_conflicts,
)
from judging.services.cells import plain_cell
from judging.services.decisions import decision_history
from judging.services.ranking import CategoryRanking, rank_round_category, ranked_categories

RANKING_COLUMNS: tuple[str, ...] = (
    "rank", "reference", "applicant_name", "city", "country", "raw_mean", "score", "n_judges",
    "tie_break",
)
FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}





def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def ranking_records(ranking: CategoryRanking) -> list[dict]:
    """The rows of a ranking with exactly the export columns."""
    return [
        {
            "rank": r.rank,
            "reference": r.reference,
            "applicant_name": r.applicant_name,
            "city": r.city,
            "country": r.country,
            "raw_mean": _round(r.raw_mean),
            "score": _round(r.score),
            "n_judges": r.n_judges,
            "tie_break": r.tie_break,
        }
        for r in ranking.rows
    ]


def ranking_filename(ranking: CategoryRanking, fmt: str) -> str:
    return (f"ranking-{ranking.edition_year}-round{ranking.round_number}-"
            f"{ranking.category_code.lower()}-{ranking.method_used}.{fmt}")


def ranking_csv(ranking: CategoryRanking) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RANKING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in ranking_records(ranking):
        writer.writerow({k: plain_cell(v) if v is not None else "" for k, v in record.items()})
    return out.getvalue()


def ranking_json(ranking: CategoryRanking) -> str:
    """The rows (exactly the export columns) with what explains them: method, alpha, warnings."""
    document = {
        "edition": ranking.edition_year,
        "round": ranking.round_number,
        "category": ranking.category_key,
        "method_requested": ranking.method_requested,
        "method_used": ranking.method_used,
        "alpha": _round(ranking.alpha),
        "warnings": list(ranking.warnings),
        "columns": list(RANKING_COLUMNS),
        "rows": ranking_records(ranking),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _autosize(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def _write_sheet(sheet, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    sheet.append(list(header))
    widths = {i + 1: len(h) for i, h in enumerate(header)}
    for row in rows:
        values = [plain_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values):
            if v is not None:
                widths[i + 1] = max(widths[i + 1], len(str(v)))
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    _autosize(sheet, widths)


def ranking_xlsx(ranking: CategoryRanking) -> bytes:
    """A workbook whose first sheet is the ranking (exactly the export columns); a second
    sheet says which method was used and why."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Ranking"
    _write_sheet(sheet, RANKING_COLUMNS,
                 ([rec[c] for c in RANKING_COLUMNS] for rec in ranking_records(ranking)))
    about = book.create_sheet("About")
    facts = [
        ("edition", ranking.edition_year), ("round", ranking.round_number),
        ("category", ranking.category_name), ("method requested", ranking.method_requested),
        ("method used", ranking.method_used),
        ("Krippendorff's alpha (interval)", _round(ranking.alpha)),
    ] + [("warning", w) for w in ranking.warnings]
    _write_sheet(about, ("what", "value"), facts)
    return _save(book)


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_ranking(ranking: CategoryRanking, fmt: str) -> bytes:
    """The ranking in one of FORMATS, as bytes (UTF-8 for the text formats)."""
    if fmt == "csv":
        return ranking_csv(ranking).encode("utf-8")
    if fmt == "json":
        return ranking_json(ranking).encode("utf-8")
    if fmt == "xlsx":
        return ranking_xlsx(ranking)
    raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")


# ----- the results workbook --------------------------------------------------------------------
def _when(value: datetime | None) -> str:
    """Spreadsheets cannot hold time-zone-aware datetimes: ISO 8601 text in UTC."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


def results_workbook(session: Session, edition: Edition) -> bytes:
    """One workbook with the edition's entries, reviews, rankings, conflicts and awards."""
    book = Workbook()
    categories = list(edition.program.categories)
    category_name = {c.id: c.name for c in categories}

    entries = session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id, Entry.reference.is_not(None))
        .order_by(Entry.reference)).all()
    by_id = {e.id: e for e in entries}
    sheet = book.active
    sheet.title = "entries"
    _write_sheet(sheet, ("reference", "category", "applicant_type", "applicant_name",
                         "applicant_name_local", "organisation", "city", "city_local", "country",
                         "title", "state", "submitted_at"),
                 ((e.reference, category_name.get(e.category_id, ""), e.applicant_type,
                   e.applicant_name, e.applicant_name_local, e.organisation, e.city, e.city_local,
                   e.country, e.title, e.state.value, _when(e.submitted_at)) for e in entries))

    # reviews: one row per review, one column per criterion (criteria of every category)
    criteria = session.scalars(
        sa.select(Criterion).where(Criterion.category_id.in_([c.id for c in categories]))
        .order_by(Criterion.category_id, Criterion.position)).all()
    criterion_keys = list(dict.fromkeys(c.key for c in criteria))
    key_of = {c.id: c.key for c in criteria}
    round_number = {r.id: r.number for r in edition.rounds}
    reviews = session.execute(
        sa.select(Review.id, Review.round_id, Review.entry_id, User.name, User.email, Review.state,
                  Review.submitted_at, Review.special_mention_recommended,
                  Review.special_mention_theme)
        .join(User, User.id == Review.judge_id)
        .where(Review.round_id.in_(list(round_number)))
        .order_by(Review.round_id, Review.entry_id, User.name)).all()
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for review_id, criterion_id, value in session.execute(
            sa.select(Score.review_id, Score.criterion_id, Score.value)
            .join(Review, Review.id == Score.review_id)
            .where(Review.round_id.in_(list(round_number)))):
        scores[review_id][key_of.get(criterion_id, str(criterion_id))] = value
    sheet = book.create_sheet("reviews")
    _write_sheet(sheet, ("round", "reference", "judge", "judge_email", "state", "submitted_at",
                         "special_mention", "special_mention_theme", *criterion_keys),
                 ((round_number[r.round_id], by_id[r.entry_id].reference if r.entry_id in by_id else "",
                   r.name, r.email, r.state.value, _when(r.submitted_at),
                   "yes" if r.special_mention_recommended else "", r.special_mention_theme,
                   *[scores[r.id].get(k) for k in criterion_keys]) for r in reviews))

    # rankings: every round that has reviews, every ranked category
    sheet = book.create_sheet("rankings")
    rows = []
    for rnd in edition.rounds:
        if rnd.state == RoundState.PENDING:
            continue
        for category in ranked_categories(categories):
            ranking = rank_round_category(session, rnd, category)
            for r in ranking.rows:
                rows.append((rnd.number, category.name, r.rank, r.reference, r.applicant_name,
                             r.city, r.country, _round(r.raw_mean), _round(r.z_mean),
                             _round(r.calibrated), _round(r.score), ranking.method_used,
                             r.n_judges, _round(r.spread), r.count_back, r.tie_break))
    _write_sheet(sheet, ("round", "category", "rank", "reference", "applicant_name", "city",
                         "country", "raw_mean", "z_mean", "calibrated", "score", "method_used",
                         "n_judges", "spread", "count_back", "tie_break"), rows)

    # conflicts: declared (with waivers) and automatic, for every panel judge
    sheet = book.create_sheet("conflicts")
    declarations = session.scalars(
        sa.select(ConflictDeclaration).options(joinedload(ConflictDeclaration.judge))
        .where(ConflictDeclaration.edition_id == edition.id, ConflictDeclaration.has_conflict.is_(True))
        .order_by(ConflictDeclaration.id)).all()
    panel = session.scalars(
        sa.select(User).join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.edition_id == edition.id).order_by(User.name)).all()
    rules = edition.program.spec.conflict_rules
    rows = []
    for d in declarations:
        entry = by_id.get(d.entry_id)
        rows.append((d.judge.name, d.judge.email, entry.reference if entry else "", "declared",
                     d.reason, _when(d.declared_at), _when(d.waived_at), d.waiver_reason,
                     "yes" if d.in_force else "no"))
    for judge in panel:
        for entry in entries:
            reasons = automatic_conflicts(judge, entry, rules)
            if reasons:
                rows.append((judge.name, judge.email, entry.reference, "automatic",
                             "; ".join(reasons), "", "", "", "yes"))
    _write_sheet(sheet, ("judge", "judge_email", "reference", "kind", "reason", "declared_at",
                         "waived_at", "waiver_reason", "in_force"), rows)

    # awards: every decision ever recorded; "current" says which are in force
    sheet = book.create_sheet("awards")
    history = decision_history(session, edition)
    superseded = {d.supersedes_id for d in history if d.supersedes_id}
    tiers = {(c.id, t.key): t.name for c in categories for t in c.tiers}
    _write_sheet(sheet, ("decision_id", "category", "tier", "slot", "reference", "applicant_name",
                         "city", "country", "basis", "rank", "theme", "partner", "reason",
                         "vacancy_reason", "decided_by", "decided_at", "approved_by", "approved_at",
                         "supersedes", "current"),
                 ((d.id, category_name.get(d.category_id, ""), tiers.get((d.category_id, d.tier_key), d.tier_key),
                   d.slot, d.entry.reference if d.entry else "", d.entry.applicant_name if d.entry else "",
                   d.entry.city if d.entry else "", d.entry.country if d.entry else "", d.basis, d.rank,
                   d.theme, d.partner, d.reason, d.vacancy_reason,
                   d.decided_by.email if d.decided_by else "", _when(d.decided_at),
                   d.approved_by.email if d.approved_by else "", _when(d.approved_at),
                   d.supersedes_id, "no" if d.id in superseded else "yes") for d in history))
    return _save(book)


def workbook_filename(edition: Edition) -> str:
    return f"results-{edition.year}.xlsx"


__all__ = [
    "CONTENT_TYPES", "FORMATS", "RANKING_COLUMNS", "export_ranking", "ranking_csv",
    "ranking_filename", "ranking_json", "ranking_records", "ranking_xlsx", "results_workbook",
    "workbook_filename",
]
