"""Exports: the ranking's columns in CSV, JSON and XLSX (read back with openpyxl), the
results workbook, and the command-line exports."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from judging.extensions import db
from judging.models import ConflictDeclaration
from judging.services.decisions import allocate_awards
from judging.services.exports import (
    RANKING_COLUMNS,
    export_ranking,
    ranking_csv,
    ranking_json,
    ranking_xlsx,
    results_workbook,
)
from judging.services.ranking import rank_round_category
from tests.decisions.helpers import (
    entry_in_review,
    finalists_in_deliberation,
    judging_edition,
    make_judges,
    rank_by_values,
    secretariat,
)

COLUMNS = ["rank", "reference", "applicant_name", "city", "country", "raw_mean", "score",
           "n_judges", "tie_break"]


@pytest.fixture
def ranked(app):
    edition = judging_edition()
    rnd = edition.rounds[0]
    judges = make_judges(edition, 3)
    entries = [entry_in_review(edition, name=name, city=city, country=country)
               for name, city, country in [("Almaty City Akimat", "Almaty", "KZ"),
                                           ("=HYPERLINK(\"http://x\")", "São Paulo", "BR"),
                                           ("Đà Nẵng People's Committee", "Đà Nẵng", "VN")]]
    rank_by_values(rnd, entries, judges, [8, 6, 7])
    db.session.commit()
    ranking = rank_round_category(db.session, rnd, edition.program.category_by_key("human_centricity"))
    return edition, entries, ranking


def test_the_columns_are_exactly_the_agreed_ones():
    assert list(RANKING_COLUMNS) == COLUMNS


def test_csv_has_the_columns_and_one_row_per_entry(ranked):
    _, entries, ranking = ranked
    rows = list(csv.reader(io.StringIO(ranking_csv(ranking))))
    assert rows[0] == COLUMNS
    assert len(rows) == 4
    first = dict(zip(COLUMNS, rows[1]))
    assert first == {"rank": "1", "reference": entries[0].reference,
                     "applicant_name": "Almaty City Akimat", "city": "Almaty", "country": "KZ",
                     "raw_mean": "8.0", "score": first["score"], "n_judges": "3", "tie_break": ""}
    assert float(first["score"]) == pytest.approx(8.0, abs=0.01)
    assert [r[8] for r in rows[2:]] == ["score", "score"]
    assert rows[2][2] == "Đà Nẵng People's Committee"


def test_csv_and_xlsx_never_write_a_formula(ranked):
    _, _, ranking = ranked
    rows = list(csv.reader(io.StringIO(ranking_csv(ranking))))
    assert rows[3][2] == "'=HYPERLINK(\"http://x\")"
    sheet = openpyxl.load_workbook(io.BytesIO(ranking_xlsx(ranking))).active
    assert sheet.cell(row=4, column=3).value == "'=HYPERLINK(\"http://x\")"
    assert sheet.cell(row=4, column=3).data_type == "s"


def test_json_rows_have_exactly_the_columns_and_say_which_method(ranked):
    _, entries, ranking = ranked
    document = json.loads(ranking_json(ranking))
    assert document["columns"] == COLUMNS
    assert all(list(row) == COLUMNS for row in document["rows"])
    assert [row["reference"] for row in document["rows"]] == [entries[0].reference,
                                                              entries[2].reference,
                                                              entries[1].reference]
    assert document["method_used"] == ranking.method_used
    assert document["rows"][0]["raw_mean"] == 8.0


def test_xlsx_reads_back_with_the_columns(ranked):
    _, entries, ranking = ranked
    book = openpyxl.load_workbook(io.BytesIO(export_ranking(ranking, "xlsx")))
    sheet = book["Ranking"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    assert values[1][:5] == (1, entries[0].reference, "Almaty City Akimat", "Almaty", "KZ")
    assert values[1][7] == 3
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["method used"] == ranking.method_used


def test_unknown_format_is_refused(ranked):
    with pytest.raises(ValueError, match="Unknown export format 'pdf'"):
        export_ranking(ranked[2], "pdf")


def test_the_results_workbook_has_every_sheet(app):
    edition, entries = finalists_in_deliberation([("city_government", 9), ("corporation", 7)])
    judge = make_judges(edition, 1)[0]
    db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judge.id,
                                       entry_id=entries[0].id, has_conflict=True, reason="Advised it"))
    allocate_awards(db.session, edition, actor=secretariat())
    book = openpyxl.load_workbook(io.BytesIO(results_workbook(db.session, edition)))
    assert book.sheetnames == ["entries", "reviews", "rankings", "conflicts", "awards"]
    entries_sheet = list(book["entries"].iter_rows(values_only=True))
    assert entries_sheet[0][:4] == ("reference", "category", "applicant_type", "applicant_name")
    assert {row[0] for row in entries_sheet[1:]} == {e.reference for e in entries}
    reviews = list(book["reviews"].iter_rows(values_only=True))
    assert "problem_recognition" in reviews[0] and len(reviews) == 1 + 6
    rankings = list(book["rankings"].iter_rows(values_only=True))
    assert rankings[1][:4] == (2, "Human-CentriCity", 1, entries[0].reference)
    conflicts = list(book["conflicts"].iter_rows(values_only=True))
    assert conflicts[1][2:5] == (entries[0].reference, "declared", "Advised it")
    awards = list(book["awards"].iter_rows(values_only=True))
    header = awards[0]
    gold = next(r for r in awards[1:] if r[1] == "Human-CentriCity" and r[2] == "Gold")
    assert gold[header.index("reference")] == entries[0].reference
    assert gold[header.index("current")] == "yes"
    assert len(awards) == 1 + 18  # every ranked slot (special mentions not chosen yet)


def test_cli_ranking_csv_to_stdout_json_and_xlsx_to_files(ranked, runner, tmp_path):
    edition, entries, _ = ranked
    result = runner.invoke(args=["ranking", "--round", "1", "--category", "human_centricity",
                                 "--format", "csv", "--edition", str(edition.year)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].startswith(f"1,{entries[0].reference},Almaty City Akimat,Almaty,KZ,8.0,")
    out = tmp_path / "r.json"
    result = runner.invoke(args=["ranking", "--round", "1", "--category", "HC", "--method", "raw",
                                 "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["method_used"] == "raw" and len(document["rows"]) == 3
    out = tmp_path / "r.xlsx"
    result = runner.invoke(args=["ranking", "--round", "1", "--category", "HC", "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    header = next(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert list(header) == COLUMNS


@pytest.mark.parametrize(("args", "message"), [
    (["--category", "nope"], "Unknown category 'nope'"),
    (["--category", "SM"], "Special Mention is not entered"),
    (["--category", "HC", "--round", "7"], "has no round 7"),
    (["--category", "HC", "--format", "xlsx"], "--out FILE.xlsx is required"),
])
def test_cli_ranking_refusals_are_one_line(ranked, runner, args, message):
    base = ["ranking"] + (["--round", "1"] if "--round" not in args else [])
    result = runner.invoke(args=base + args)
    assert result.exit_code != 0
    assert message in result.output


def test_cli_results_workbook(app, runner, tmp_path):
    edition, _ = finalists_in_deliberation([("city_government", 9)])
    db.session.commit()
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["results-workbook", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["entries", "reviews", "rankings",
                                                      "conflicts", "awards"]
