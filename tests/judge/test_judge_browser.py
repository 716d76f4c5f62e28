"""The scoring form in a real browser: live weighted total, the rubric level highlighted, work
kept across an expired session (the browser's safety copy), no console or CSP errors, and no
serious accessibility violations."""
from __future__ import annotations

import pytest

from judging.extensions import db
from judging.models import ReviewState
from judging.services import reviews as review_service
from tests.browser_support import screenshot, serious_accessibility_violations
from tests.factories import PASSWORD
from tests.judge.helpers import assign, judging_edition, make_judge, review_entry, review_of

pytestmark = pytest.mark.browser


def sign_in(page, base, email, target=""):
    page.goto(base + "/auth/login" + target)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")


def test_a_judge_scores_in_the_browser_and_loses_nothing(app, live_server, page):
    edition, rnd = judging_edition()
    entry = review_entry(edition, title="Smart flood warnings")
    judge = make_judge(edition, accepted=False, email="browser.judge@example.org")
    assign(rnd, entry, judge)
    db.session.commit()
    keys = [c.key for c in entry.category.criteria]

    sign_in(page, live_server, judge.email)
    page.wait_for_url(live_server + "/judge/")
    assert serious_accessibility_violations(page) == []
    page.click("text=Read the terms")
    assert serious_accessibility_violations(page) == []
    page.check("#accept")
    page.click("#submit")
    page.click(f"a:has-text('Open')")
    assert serious_accessibility_violations(page) == []
    page.check("#has_conflict-0")
    page.click("#submit")
    page.wait_for_selector("#review-form")
    assert serious_accessibility_violations(page) == []

    # The total follows the clicks; the chosen level is highlighted.
    assert page.inner_text("#weighted-total") == f"0 of {len(keys)} criteria scored"
    values = [9, 8, 7, 6, 8, 5]
    for key, value in zip(keys, values):
        page.click(f"label[for=score_{key}-{value}]")
    assert page.inner_text("#weighted-total") == f"{sum(values) / len(values):.2f} out of 10"
    chosen = page.locator(f"#criterion-{keys[0]} tr.judge-level-chosen th").inner_text()
    assert chosen.startswith("9–10")
    page.fill("#overall_comment", "Typed but not saved yet.")
    screenshot(page, "judge-scoring-form")

    # The session expires; Save draft leads to sign-in and back, with the typed work.
    page.context.clear_cookies()
    page.click("button[value=save]")
    page.wait_for_url(lambda url: "/auth/login?next=" in url)
    page.fill("#email", judge.email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_selector("#draft-restore:not(.d-none)")
    assert "restored from this browser" in page.inner_text("#draft-restore")
    assert page.input_value("#overall_comment") == "Typed but not saved yet."
    assert page.inner_text("#weighted-total") == f"{sum(values) / len(values):.2f} out of 10"
    assert review_of(judge, entry, rnd).scores == []  # the server saved nothing meanwhile

    page.click("button[value=save]")
    page.wait_for_selector("text=Draft saved at")
    assert page.locator("#draft-restore.d-none").count() == 1
    review = review_of(judge, entry, rnd)
    assert review_service.scores_by_key(review) == dict(zip(keys, values))

    page.check("#confirm_submit")
    page.click("button[value=submit]")
    page.wait_for_url(live_server + "/judge/")
    assert "1 of 1" in page.inner_text("main")
    assert review_of(judge, entry, rnd).state == ReviewState.SUBMITTED
    assert page.evaluate("Object.keys(window.localStorage).length") == 0
    assert page.console_problems == []


def test_a_refused_form_comes_back_accessible(app, live_server, page):
    edition, rnd = judging_edition()
    entry = review_entry(edition)
    judge = make_judge(edition, email="browser.judge2@example.org")
    assign(rnd, entry, judge)
    from tests.judge.helpers import declared

    declared(judge, entry)
    db.session.commit()
    target = f"/judge/rounds/{rnd.id}/entries/{entry.id}"
    sign_in(page, live_server, judge.email, f"?next={target}")
    page.wait_for_selector("#review-form")
    page.click(f"label[for=score_{entry.category.criteria[0].key}-7]")
    page.click("button[value=submit]")
    page.wait_for_selector("#form-problem")
    assert "Write an overall comment before submitting." in page.inner_text("#form-problem")
    screenshot(page, "judge-scoring-form-errors")
    assert serious_accessibility_violations(page) == []
    assert page.console_problems == []
