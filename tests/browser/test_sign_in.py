"""Sign-in in a real browser: keyboard only, accessible, no console or CSP errors."""
from __future__ import annotations

from judging.extensions import db
from judging.models import Role
from tests.browser_support import screenshot, serious_accessibility_violations
from tests.factories import PASSWORD, make_edition, make_user


def test_sign_in_with_the_keyboard_alone(app, live_server, page):
    make_edition()
    judge = make_user(Role.JUDGE, email="judge@example.org")
    db.session.commit()
    page.goto(live_server + "/auth/login")
    assert serious_accessibility_violations(page) == []
    page.keyboard.press("Tab")  # skip link first
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.focus("#email")
    page.keyboard.type(judge.email)
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password!")
    page.keyboard.press("Enter")
    page.wait_for_selector("#password-error")
    error = page.locator("#password-error").inner_text()
    assert "not correct" in error
    assert page.get_attribute("#password", "aria-describedby") == "password-error"
    assert serious_accessibility_violations(page) == []
    page.focus("#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/judge/")
    assert page.locator("h1").inner_text() == "My reviews"
    screenshot(page, "judge-home-empty")
    assert [p for p in page.console_problems if "Content Security Policy" in p] == []
    assert page.console_problems == []
