"""CSV imports: entries received outside the portal, judges, screening decisions.

Every import goes the same way: the shared reader checks the file and every row, collects
every problem with its line number, and raises CsvImportError when there is any: then
nothing at all is imported. Only a file without a single problem is applied, in one
transaction (the caller commits once).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.countries import is_country
from judging.models import (
    AuditEvent,
    Edition,
    EditionState,
    Entry,
    EntryState,
    PanelMember,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.accounts import find_user, normalise_email

T = TypeVar("T")

MAX_ROWS = 20_000
IMPORTABLE_EDITION_STATES = frozenset({EditionState.OPEN, EditionState.CLOSED,
                                       EditionState.SCREENING})

ENTRY_COLUMNS = ("reference", "category", "applicant_type", "applicant_name", "organisation",
                 "city", "country", "title", "summary", "contact_email")
JUDGE_COLUMNS = ("name", "email", "organisation", "city", "country")
JUDGE_OPTIONAL = ("expertise", "categories")
SCREENING_COLUMNS = ("reference", "decision", "reason")
SCREENING_OPTIONAL = ("deadline",)


# ----- the shared reader --------------------------------------------------------------------
@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CsvImportError(ServiceError):
    """The file has problems; nothing was imported. `errors` names each bad line."""

    def __init__(self, what: str, errors: Sequence[LineError]):
        self.errors = sorted(errors, key=lambda e: e.line)
        count = len(self.errors)
        bad_lines = len({e.line for e in self.errors})
        lines = "\n".join(f"  {e}" for e in self.errors)
        super().__init__(
            f"Nothing was imported: {count} problem{'s' if count != 1 else ''} on {bad_lines} "
            f"line{'s' if bad_lines != 1 else ''} of the {what} file.\n{lines}", field="file")

    @property
    def lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


class RowProblem(Exception):
    """Raised by a row check: the row is bad (one or more messages)."""

    def __init__(self, *messages: str):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file where the row starts (the header is line 1)
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Name the line where the bad byte sits.
        line = data[: exc.start].count(b"\n") + 1
        raise CsvImportError("CSV", [LineError(
            line, "the file is not UTF-8 text (save it as 'CSV UTF-8' and try again)")]) from None


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    for candidate in (";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def read_csv(data: bytes | str, *, what: str, required: Sequence[str],
             optional: Sequence[str] = ()) -> list[CsvRow]:
    """Parse a CSV file with a header row into rows keyed by column name.

    File-level problems (encoding, header, quoting, row widths) raise CsvImportError with
    every line concerned. Blank lines are skipped."""
    text = _decode(data)
    if not text.strip():
        raise CsvImportError(what, [LineError(1, "the file is empty; the first line must name "
                                                 "the columns: " + ",".join(required))])
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line),
                        strict=True)
    errors: list[LineError] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvImportError(what, [LineError(1, f"the header cannot be read ({exc})")]) from None
    columns = [h.strip().lower() for h in header]
    known = set(required) | set(optional)
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c and c not in known]
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if missing:
        errors.append(LineError(1, "missing column" + ("s" if len(missing) > 1 else "") + ": "
                                + ", ".join(missing) + " (expected: " + ",".join(required) + ")"))
    if unknown:
        errors.append(LineError(1, "unknown column" + ("s" if len(unknown) > 1 else "") + ": "
                                + ", ".join(unknown)
                                + " (known: " + ", ".join(list(required) + list(optional)) + ")"))
    if duplicated:
        errors.append(LineError(1, "column named twice: " + ", ".join(duplicated)))
    if errors:
        raise CsvImportError(what, errors)

    rows: list[CsvRow] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(start, f"the row cannot be read ({exc})"))
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append(LineError(start, f"{len(values)} values, expected {len(columns)} "
                                           "(a value with a comma must be in double quotes)"))
            continue
        rows.append(CsvRow(start, {c: v.strip() for c, v in zip(columns, values) if c}))
        if len(rows) > MAX_ROWS:
            errors.append(LineError(start, f"more than {MAX_ROWS} rows; split the file"))
            break
    if errors:
        raise CsvImportError(what, errors)
    if not rows:
        raise CsvImportError(what, [LineError(2, "the file has a header but no rows")])
    return rows


def check_rows(rows: Iterable[CsvRow], check: Callable[[CsvRow], T], *, what: str,
               extra_errors: Iterable[LineError] = ()) -> list[tuple[CsvRow, T]]:
    """Run `check` on every row (it raises RowProblem for a bad row) and collect every
    problem; raise CsvImportError when there is any, else return (row, checked value)."""
    errors = list(extra_errors)
    checked: list[tuple[CsvRow, T]] = []
    for row in rows:
        try:
            checked.append((row, check(row)))
        except RowProblem as problem:
            errors.extend(LineError(row.line, m) for m in problem.messages)
        except ServiceError as problem:
            errors.append(LineError(row.line, problem.message))
    if errors:
        raise CsvImportError(what, errors)
    return checked


def _duplicates(rows: Sequence[CsvRow], column: str, *, normalise=lambda v: v) -> list[LineError]:
    seen: dict[str, int] = {}
    errors = []
    for row in rows:
        value = normalise(row[column])
        if not value:
            continue
        if value in seen:
            errors.append(LineError(row.line, f"{column} '{row[column]}' appears twice "
                                              f"(first on line {seen[value]})"))
        else:
            seen[value] = row.line
    return errors


def _too_long(row: CsvRow, limits: dict[str, int]) -> list[str]:
    return [f"{column} is longer than {n} characters" for column, n in limits.items()
            if len(row[column]) > n]


def _country(value: str, problems: list[str]) -> str:
    code = value.strip().upper()
    if not code:
        problems.append("country is required (a two-letter ISO code such as KR)")
    elif not is_country(code):
        problems.append(f"'{value}' is not a two-letter ISO country code (e.g. KR, BR, KE)")
    return code


# ----- entries received outside the portal -------------------------------------------------
@dataclass(frozen=True)
class EntryImportResult:
    entries: list[Entry]


def import_entries(session: Session, edition: Edition, data: bytes | str, *, actor: User,
                   source: str = "", now: datetime | None = None) -> EntryImportResult:
    """Create SUBMITTED entries from a CSV file (columns ENTRY_COLUMNS), each with an audit
    note. Entries received outside the portal have no owner; their answers are the title and
    the summary. Any bad row: nothing is imported (CsvImportError names every bad line)."""
    now = now or utcnow()
    what = "entries"
    if edition.state not in IMPORTABLE_EDITION_STATES:
        raise ServiceError(f"Entries can be imported while the call is open, closed or in "
                           f"screening; {edition.name} is {edition.state.value}.")
    rows = read_csv(data, what=what, required=ENTRY_COLUMNS)
    program = edition.program
    spec = program.spec
    categories = {}
    for category in program.categories:
        if category.entered:
            categories[category.key.lower()] = category
            categories[category.code.lower()] = category
    known_categories = ", ".join(f"{c.key} ({c.code})" for c in program.categories if c.entered)
    known_types = {t.key for t in spec.applicant_types}
    taken = set(session.scalars(sa.select(Entry.reference).where(Entry.reference.is_not(None))))

    def check(row: CsvRow) -> dict:
        problems: list[str] = _too_long(row, {"reference": 40, "applicant_name": 200,
                                              "organisation": 200, "city": 120, "title": 300})
        reference = row["reference"]
        if not reference:
            problems.append("reference is required")
        elif reference in taken:
            problems.append(f"an entry {reference} already exists")
        category = categories.get(row["category"].lower())
        if category is None:
            problems.append(f"unknown category '{row['category']}' (known: {known_categories})")
        applicant_type = row["applicant_type"]
        if applicant_type not in known_types:
            problems.append(f"unknown applicant type '{applicant_type}' (known: "
                            f"{', '.join(sorted(known_types))})")
        elif category is not None and applicant_type not in spec.category(category.key).applicant_types:
            problems.append(f"a {applicant_type} may not enter {category.name}")
        for column in ("applicant_name", "city", "title"):
            if not row[column]:
                problems.append(f"{column} is required")
        country = _country(row["country"], problems)
        email = ""
        if not row["contact_email"]:
            problems.append("contact_email is required")
        else:
            try:
                email = normalise_email(row["contact_email"])
            except ServiceError:
                problems.append(f"'{row['contact_email']}' is not a valid email address")
        if problems:
            raise RowProblem(*problems)
        return {"reference": reference, "category": category, "applicant_type": applicant_type,
                "country": country, "contact_email": email}

    checked = check_rows(rows, check, what=what,
                         extra_errors=_duplicates(rows, "reference"))
    entries = []
    for row, clean in checked:
        entry = Entry(
            edition=edition, category=clean["category"], owner=None,
            reference=clean["reference"], state=EntryState.SUBMITTED,
            applicant_type=clean["applicant_type"], applicant_name=row["applicant_name"],
            organisation=row["organisation"], city=row["city"], country=clean["country"],
            contact_email=clean["contact_email"], title=row["title"],
            answers={"title": row["title"], "summary": row["summary"]},
            submitted_at=now,
        )
        session.add(entry)
        entries.append((row, entry))
    session.flush()
    for row, entry in entries:
        session.add(AuditEvent(
            occurred_at=now, actor_id=actor.id, edition_id=edition.id, subject_type="entry",
            subject_id=entry.id, event="import_entry", from_state=None,
            to_state=EntryState.SUBMITTED.value,
            reason="Received outside the portal; imported from a CSV file.",
            details={"line": row.line, "source": source}))
    session.flush()
    return EntryImportResult([entry for _, entry in entries])


# ----- judges --------------------------------------------------------------------------------
@dataclass(frozen=True)
class JudgeImportResult:
    members: list[PanelMember]
    created_users: int
    existing_users: int


def _categories(value: str, known: set[str], problems: list[str]) -> list[str]:
    keys = [k for k in value.replace(";", " ").replace(",", " ").split() if k]
    unknown = [k for k in keys if k not in known]
    if unknown:
        problems.append(f"unknown categor{'y' if len(unknown) == 1 else 'ies'}: "
                        f"{', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return keys


def import_judges(session: Session, edition: Edition, data: bytes | str, *, actor: User,
                  base_url: str = "", reset_link: Callable[[User], str] | None = None,
                  now: datetime | None = None) -> JudgeImportResult:
    """Invite judges from a CSV file (columns JUDGE_COLUMNS, optional expertise and
    categories): new users without a password, or the judge role added to an existing user;
    each is added to the edition's panel and sent an invitation. Any bad row: nothing."""
    from judging.services.roster import invite_judge

    what = "judges"
    rows = read_csv(data, what=what, required=JUDGE_COLUMNS, optional=JUDGE_OPTIONAL)
    known_categories = {c.key for c in edition.program.categories if c.entered}
    on_panel = set(session.scalars(
        sa.select(User.email).join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.edition_id == edition.id)))

    def check(row: CsvRow) -> dict:
        problems = _too_long(row, {"name": 200, "organisation": 200, "city": 120,
                                   "expertise": 300})
        if not row["name"]:
            problems.append("name is required")
        email = ""
        if not row["email"]:
            problems.append("email is required")
        else:
            try:
                email = normalise_email(row["email"])
            except ServiceError:
                problems.append(f"'{row['email']}' is not a valid email address")
        if email and email in on_panel:
            problems.append(f"{email} is already on the panel of {edition.name}")
        country = _country(row["country"], problems)
        categories = _categories(row["categories"], known_categories, problems)
        if problems:
            raise RowProblem(*problems)
        return {"email": email, "country": country, "categories": categories}

    def normal_email(value: str) -> str:
        return value.strip().lower()

    checked = check_rows(rows, check, what=what,
                         extra_errors=_duplicates(rows, "email", normalise=normal_email))
    members = []
    created = existing = 0
    for row, clean in checked:
        user_before = find_user(session, clean["email"])
        member = invite_judge(
            session, edition, name=row["name"], email=clean["email"],
            organisation=row["organisation"], city=row["city"], country=clean["country"],
            expertise=row["expertise"], categories=clean["categories"], actor=actor,
            base_url=base_url, reset_link=reset_link, now=now)
        members.append(member)
        if user_before is None:
            created += 1
        else:
            existing += 1
    return JudgeImportResult(members, created, existing)


# ----- screening decisions -------------------------------------------------------------------
DECISIONS = ("eligible", "ineligible", "clarification")


@dataclass(frozen=True)
class ScreeningImportResult:
    decided: list[tuple[Entry, str]] = field(default_factory=list)


def import_screening(session: Session, edition: Edition, data: bytes | str, *, actor: User,
                     base_url: str = "", clarification_days: int = 14,
                     now: datetime | None = None) -> ScreeningImportResult:
    """Apply screening decisions from a CSV file (reference,decision,reason; optional
    deadline for a clarification, in the edition's time zone). Every row is checked first,
    including whether the transition is possible from the entry's state; any error: nothing
    changes and every bad line is named."""
    from judging.services.screening import check_decision, decide

    now = now or utcnow()
    what = "screening"
    rows = read_csv(data, what=what, required=SCREENING_COLUMNS, optional=SCREENING_OPTIONAL)
    references = [r["reference"] for r in rows if r["reference"]]
    entries = {e.reference: e for e in session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id, Entry.reference.in_(references))
        .options(sa.orm.selectinload(Entry.attachments), sa.orm.joinedload(Entry.category)))}
    zone = edition.zone
    default_deadline = default_clarification_deadline(now, zone, clarification_days)

    def check(row: CsvRow) -> dict:
        problems: list[str] = []
        entry = entries.get(row["reference"])
        if not row["reference"]:
            problems.append("reference is required")
        elif entry is None:
            problems.append(f"unknown entry {row['reference']} in {edition.name}")
        decision = row["decision"].strip().lower()
        if decision not in DECISIONS:
            problems.append(f"decision must be eligible, ineligible or clarification "
                            f"(not '{row['decision']}')")
        reason = row["reason"]
        if decision in ("ineligible", "clarification") and not reason:
            problems.append("a reason is required for ineligible" if decision == "ineligible"
                            else "a question to the applicant is required for clarification")
        deadline = None
        if decision == "clarification":
            deadline = default_deadline
            if row["deadline"]:
                try:
                    parsed = datetime.fromisoformat(row["deadline"])
                except ValueError:
                    problems.append(f"deadline '{row['deadline']}' is not a date and time like "
                                    "2024-08-01T18:00")
                else:
                    if parsed.tzinfo is None:
                        parsed = parsed.replace(tzinfo=zone)
                    deadline = parsed.astimezone(zone).astimezone(now.tzinfo)
            if deadline is not None and deadline <= now:
                problems.append("the clarification deadline is in the past")
        if entry is not None and decision in DECISIONS and not problems:
            refusal = check_decision(entry, decision, actor=actor, reason=reason, now=now)
            if refusal:
                problems.append(refusal)
        if problems:
            raise RowProblem(*problems)
        return {"entry": entry, "decision": decision, "reason": reason, "deadline": deadline}

    checked = check_rows(rows, check, what=what, extra_errors=_duplicates(rows, "reference"))
    result = ScreeningImportResult()
    for row, clean in checked:
        decide(session, clean["entry"], clean["decision"], actor=actor, reason=clean["reason"],
               deadline_at=clean["deadline"], base_url=base_url, now=now,
               details={"line": row.line, "source": "csv"})
        result.decided.append((clean["entry"], clean["decision"]))
    return result


def default_clarification_deadline(now: datetime, zone, days: int) -> datetime:
    """`days` from now, at 18:00 in the edition's time zone."""
    local = (now.astimezone(zone) + timedelta(days=days)).replace(hour=18, minute=0, second=0,
                                                                  microsecond=0)
    return local.astimezone(now.tzinfo)
