"""Helpers for the end-to-end browser test: pages for several people at once, the keyboard
(Tab until a control has the focus, then type), accessibility checks collected over a whole
path, and the check that a refused field's error is announced next to it."""
from __future__ import annotations

from dataclasses import dataclass, field

from tests.browser_support import screenshot, serious_accessibility_violations
from tests.factories import PASSWORD

# Enough Tab presses to cross the longest page on the path (the entry form) and wrap around.
MAX_TABS = 160


def new_page(browser):
    """A page in its own browser context (its own cookies: one person), recording console
    errors and CSP violations like the `page` fixture does."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/Madrid", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []

    def on_console(msg):
        # A refused form answers 422 by design; the browser logs that as a failed load.
        if msg.type == "error" and "status of 422" not in msg.text:
            problems.append(f"{page.url}: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    page.console_problems = problems
    return page


def go(page, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    go(page, "main button:has-text('Sign in')")


# ----- the keyboard -----------------------------------------------------------------------------
def focus_matches(page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector)


def describe_focus(page) -> str:
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'nothing';
        return el.outerHTML.slice(0, 160);
    }""")


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = MAX_TABS) -> None:
    """Press Tab (Shift+Tab) until the focused element matches `selector`: proof that the
    control is reachable with the keyboard. Fails naming what had the focus last."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if focus_matches(page, selector):
            return
        page.keyboard.press(key)
    if focus_matches(page, selector):
        return
    raise AssertionError(f"{selector} was not reached with {key} on {page.url} "
                         f"(focus ended on {describe_focus(page)})")


def type_into(page, selector: str, text: str, *, replace: bool = False) -> None:
    """Tab to a text field and type into it (select what is there first if `replace`)."""
    tab_to(page, selector)
    if replace:
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
    page.keyboard.type(text)


def press_and_wait(page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def choose_radio(page, name: str, value: str) -> None:
    """Choose a radio button of a group with the keyboard: Tab into the group, then the arrow
    keys (how a radio group is operated: one Tab stop per group) or Space on the first one."""
    tab_to(page, f"input[type=radio][name='{name}']")
    for _ in range(40):
        if focus_matches(page, f"input[type=radio][name='{name}'][value='{value}']"):
            break
        page.keyboard.press("ArrowRight")
    else:
        raise AssertionError(f"no radio button {name}={value} on {page.url}")
    if not page.is_checked(f"input[type=radio][name='{name}'][value='{value}']"):
        page.keyboard.press("Space")
    assert page.is_checked(f"input[type=radio][name='{name}'][value='{value}']")


# ----- accessibility over a whole path -----------------------------------------------------------
@dataclass
class PathAudit:
    """axe-core on every page reached; failures collected with the URL so that one run shows
    them all. Screenshots of the main pages."""

    pages: list = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def check(self, page, shot: str | None = None) -> None:
        if page not in self.pages:
            self.pages.append(page)
        self.visited.append(page.url)
        for violation in serious_accessibility_violations(page):
            self.failures.append(f"{page.url}: {violation}")
        unlabelled = unlabelled_fields(page)
        if unlabelled:
            self.failures.append(f"{page.url}: fields without a label: {unlabelled}")
        if shot:
            screenshot(page, shot)

    def console_problems(self) -> list[str]:
        return [p for page in self.pages for p in page.console_problems]


def unlabelled_fields(page) -> list[str]:
    """Visible form fields with no accessible label (label element, aria-label(ledby))."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('input, select, textarea')) {
            if (['hidden', 'submit', 'button'].includes(el.type)) continue;
            const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label')
                || el.getAttribute('aria-labelledby') || el.getAttribute('title');
            if (!labelled) out.push(el.id || el.name);
        }
        return out;
    }""")


def error_announcement_problems(page, described: str, error: str) -> list[str]:
    """What is wrong with how the error `error` (a selector) of the control `described` is
    announced: it must exist, be visible, sit next to the control (inside the control's own
    group), be named in the control's aria-describedby, and have role=alert or sit inside an
    aria-live region."""
    return page.evaluate("""([describedSel, errorSel]) => {
        const problems = [];
        const el = document.querySelector(describedSel);
        const err = document.querySelector(errorSel);
        if (!el) return [`no ${describedSel}`];
        if (!err) return [`no error ${errorSel}`];
        if (!err.textContent.trim() || err.offsetParent === null) problems.push('the error is not visible');
        const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/);
        if (!err.id || !ids.includes(err.id)) problems.push(`aria-describedby of ${describedSel} does not name ${err.id}`);
        const box = el.parentElement;
        if (!(el.contains(err) || box.contains(err) || box.parentElement.contains(err)))
            problems.push('the error is not next to its field');
        if (err.getAttribute('role') !== 'alert' && !err.closest('[aria-live]'))
            problems.push('the error is neither role=alert nor inside an aria-live region');
        return problems;
    }""", [described, error])
