"""The applicant's pages in a real browser: live word counts that follow the server's rule
(CJK too), the deadline in the browser's own time zone with a countdown, upload and submit,
no console or CSP errors, and no serious accessibility violations."""
from __future__ import annotations

import pytest

from judging.extensions import db
from judging.models import Entry, EntryState
from judging.program.answers import count_words
from tests.applicant.helpers import PASSWORD, pdf, registration_data
from tests.browser_support import screenshot, serious_accessibility_violations
from tests.factories import make_edition

pytestmark = pytest.mark.browser



SAMPLES = [
    "Smart city for everyone",
    "서울특별시 스마트 도시 프로젝트",
    "智慧城市，以人为本。",
    "東京Tower is 大きい。",
    "A - B — C e.g. 2024 well-being",
]


def test_an_applicant_registers_drafts_and_submits_in_the_browser(app, live_server, page, tmp_path):
    make_edition(year=2024)
    db.session.commit()
    data = registration_data("institution")

    page.goto(live_server + "/auth/register")
    assert serious_accessibility_violations(page) == []
    page.fill("#name", data["name"])
    page.fill("#email", data["email"])
    page.check("label:has-text('Institution')")
    page.fill("#organisation", data["organisation"])
    page.fill("#city", data["city"])
    page.select_option("#country", data["country"])
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("button:has-text('Register')")
    page.wait_for_url(live_server + "/applicant/")

    # The deadline in the browser's time zone (Europe/Madrid), and a running countdown.
    assert "(Europe/Madrid)" in page.inner_text(".deadline-box")
    first = page.inner_text(".deadline-countdown")
    assert first.endswith(" left")
    assert serious_accessibility_violations(page) == []

    page.click("text=Start a new entry")
    page.check("#category-tech_innovacity")
    page.click("button:has-text('Start the entry')")
    page.wait_for_selector("#entry-form")
    assert serious_accessibility_violations(page) == []

    # Live word counts agree with the server's rule in every script.
    for text in SAMPLES:
        page.fill("#answer_summary", text)
        assert page.inner_text("#answer_summary-count") == f"{count_words(text)} of 150 words"
    page.fill("#answer_summary", " ".join(["word"] * 152))
    assert page.inner_text("#answer_summary-count") == "152 of 150 words: 2 too many"
    assert "over" in page.get_attribute("#answer_summary-count", "class")

    # The server refuses it too, and gives everything back with the error in place.
    page.fill("#answer_title", "Open Data for Informal Settlements")
    page.click("#applicant button[value=save]")
    page.wait_for_selector("#error-summary")
    assert "Keep this under 150 words (now 152)." in page.inner_text("#error-summary")
    assert page.input_value("#answer_title") == "Open Data for Informal Settlements"
    assert serious_accessibility_violations(page) == []
    screenshot(page, "applicant-entry-errors")

    # Fix it, fill every answer, attach a PDF and submit.
    entry = db.session.scalars(db.select(Entry)).one()
    spec = entry.edition.program.spec.form_for(entry.category.key, entry.applicant_type)
    from judging.services.demo import demo_answers

    for key, value in demo_answers(spec, "Open Data for Informal Settlements", data["email"]).items():
        selector = f"#answer_{key}"
        if page.get_attribute(selector, "class").startswith("form-select"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    brief = tmp_path / "evidence.pdf"
    brief.write_bytes(pdf())
    page.set_input_files("#file", str(brief))
    page.click("button[value=upload]")
    page.wait_for_selector("text=evidence.pdf was added")
    page.check("#confirm")
    page.click("button[value=submit]")
    page.wait_for_selector("text=Receipt for entry SSCP-2024-TI-0001")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "applicant-receipt")
    db.session.expire_all()
    entry = db.session.scalars(db.select(Entry)).one()
    assert entry.state == EntryState.SUBMITTED and entry.reference == "SSCP-2024-TI-0001"

    page.click("text=Status and history")
    assert "Submitted with reference SSCP-2024-TI-0001" in page.inner_text("main")
    assert serious_accessibility_violations(page) == []
    assert page.console_problems == []


def test_a_file_over_the_limit_is_stopped_before_it_is_sent(app, live_server, page, tmp_path):
    make_edition(year=2024)
    app.config["ATTACHMENT_MAX_FILE_BYTES"] = 10_000
    db.session.commit()
    data = registration_data("city_government")
    page.goto(live_server + "/auth/register")
    page.fill("#name", data["name"])
    page.fill("#email", data["email"])
    page.check("label:has-text('City government')")
    page.fill("#organisation", data["organisation"])
    page.fill("#city", data["city"])
    page.select_option("#country", data["country"])
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("button:has-text('Register')")
    page.click("text=Start a new entry")
    page.check("#category-human_centricity")
    page.click("button:has-text('Start the entry')")
    page.fill("#answer_summary", "Typed before choosing a big file")
    big = tmp_path / "big.pdf"
    big.write_bytes(pdf() + b"%" + b"x" * 20_000)
    page.set_input_files("#file", str(big))
    assert "each file may be at most" in page.inner_text("#file-size")
    page.click("button[value=upload]")
    # Nothing was sent: the page and what was typed are still there.
    assert page.input_value("#answer_summary") == "Typed before choosing a big file"
    assert page.console_problems == []


def test_typed_answers_survive_leaving_the_page_unsaved(app, live_server, page):
    from judging.models import Role
    from tests.factories import PASSWORD as FACTORY_PASSWORD
    from tests.factories import make_entry, make_user

    edition = make_edition(year=2024)
    owner = make_user(Role.APPLICANT, email="safety.copy@example.org")
    entry = make_entry(edition, owner=owner)
    db.session.commit()
    page.goto(live_server + "/auth/login")
    page.fill("#email", owner.email)
    page.fill("#password", FACTORY_PASSWORD)
    page.press("#password", "Enter")
    page.goto(f"{live_server}/applicant/entries/{entry.id}")
    saved = page.input_value("#answer_summary")
    page.fill("#answer_summary", "Typed, then the session expired before saving.")
    page.on("dialog", lambda dialog: dialog.accept())  # the leave-page warning
    page.goto(f"{live_server}/applicant/entries/{entry.id}")
    assert page.input_value("#answer_summary") == saved
    assert page.is_visible("#draft-restore")
    page.click("#draft-restore-apply")
    assert page.input_value("#answer_summary") == "Typed, then the session expired before saving."
    assert page.inner_text("#answer_summary-count") == "7 of 150 words"
    page.click("#applicant button[value=save]")
    page.wait_for_selector("text=Draft saved")
    assert not page.is_visible("#draft-restore")
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).answers["summary"] == "Typed, then the session expired before saving."
    assert page.console_problems == []
