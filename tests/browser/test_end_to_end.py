"""One edition from call to certificate, in a real browser (Playwright driving Debian's
Chromium against the app served on 127.0.0.1).

An applicant registers and submits an entry with a PDF, with the keyboard alone; the
secretariat closes the call, screens and assigns; three judges accept the terms, declare no
conflict and score (one with the keyboard alone); the secretariat closes round 1 (shortlist),
runs round 2 and starts deliberation; the chair records the special mentions and approves;
the secretariat publishes and issues the certificates; a member of the public checks one.

Every page on the way is checked with axe-core (no serious or critical violation) and for
fields without a label; the failures are collected with their URL and asserted at the end,
so one run shows them all. Refused forms on the path (a word limit exceeded, a score
missing) must show their error next to the field, linked by aria-describedby and announced.
Screenshots of each role's main pages go to test-artifacts/screenshots/e2e-*.png.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    Certificate,
    Edition,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Role,
    utcnow,
)
from judging.services.demo import demo_answers, demo_pdf
from tests.browser.e2e_helpers import (
    PathAudit,
    choose_radio,
    error_announcement_problems,
    go,
    new_page,
    press_and_wait,
    sign_in,
    tab_to,
    type_into,
)
from tests.browser_support import serious_accessibility_violations
from tests.factories import PASSWORD, add_to_panel, make_edition, make_entry, make_user

pytestmark = pytest.mark.browser

APPLICANT = dict(name="Sarah Nabukenya", email="sarah.nabukenya@kcca.example.org",
                 organisation="Kampala Capital City Authority", city="Kampala", country="UG",
                 country_name="Uganda", password="a long applicant password")
TITLE = "Safe Return Home: smart street care"
JUDGES = [("Johan Nielsen", "DK", "Odense"), ("Aoife Byrne", "IE", "Dublin"),
          ("Tama Ngata", "NZ", "Wellington")]
OTHER_ENTRIES = [("Barrier-free routes for wheelchair users", 4),
                 ("Digital literacy buses for villages", 5),
                 ("Smart water meters that find leaks", 6),
                 ("Heat-wave shelters found by an app", 7)]
APPLICANT_SCORE = 9


def flash_text(page) -> str:
    return " ".join(page.locator("main .alert").all_inner_texts())


@pytest.fixture
def people(chromium):
    """people() -> a page in a browser context of its own (one person each); closed after."""
    pages = []

    def open_page():
        pages.append(new_page(chromium))
        return pages[-1]

    yield open_page
    for p in pages:
        p.context.close()


def test_one_edition_from_call_to_verified_certificate(app, live_server, page, people,
                                                       tmp_path):
    base = live_server
    audit = PathAudit()

    # ----- what exists before: an open call, staff, a panel of three, four other entries ------
    edition = make_edition(year=2024)
    edition.ceremony_date = date(2024, 10, 10)
    edition.ceremony_place = "Seoul"
    secretariat = make_user(Role.SECRETARIAT, email="secretariat@example.org", name="Kim Ji-won")
    chair = make_user(Role.CHAIR, email="chair@example.org", name="Amina Odhiambo",
                      country="KE", city="Nairobi")
    judges = []
    for n, (name, country, city) in enumerate(JUDGES, start=1):
        judge = make_user(Role.JUDGE, email=f"judge{n}@example.org", name=name,
                          country=country, city=city, organisation=f"Judging body {n}")
        add_to_panel(edition, judge, accepted=False)
        judges.append(judge)
    for title, _score in OTHER_ENTRIES:
        make_entry(edition, title=title, state=EntryState.SUBMITTED)
    edition_id = edition.id
    db.session.commit()
    spec = edition.program.spec.form_for("human_centricity", "city_government")
    answers = demo_answers(spec, TITLE, APPLICANT["email"])
    brief = tmp_path / "project-brief.pdf"
    brief.write_bytes(demo_pdf(TITLE))

    # ----- the applicant, with the keyboard alone ---------------------------------------------
    # File choosers are intercepted from the start: switching that on only when the key that
    # opens one is pressed races with the key (the chooser is then missed).
    page.on("filechooser", lambda chooser: None)
    page.goto(base + "/auth/register")
    audit.check(page)
    type_into(page, "#name", APPLICANT["name"])
    type_into(page, "#email", APPLICANT["email"])
    choose_radio(page, "applicant_type", "city_government")
    type_into(page, "#organisation", APPLICANT["organisation"])
    type_into(page, "#city", APPLICANT["city"])
    tab_to(page, "#country")
    page.keyboard.type(APPLICANT["country_name"])  # a closed select chooses as one types
    assert page.input_value("#country") == APPLICANT["country"]
    type_into(page, "#password", APPLICANT["password"])
    type_into(page, "#password_again", APPLICANT["password"])
    press_and_wait(page)  # Enter in a field submits the form
    assert page.url == base + "/applicant/"
    audit.check(page, "e2e-applicant-home")

    tab_to(page, "main a[href='/applicant/entries/new']")
    press_and_wait(page)
    audit.check(page)
    choose_radio(page, "category", "human_centricity")
    tab_to(page, "main button[type=submit]")
    press_and_wait(page)
    page.wait_for_selector("#entry-form")
    audit.check(page)

    # Every answer typed; the summary first over its 150-word limit.
    too_long = " ".join(["word"] * 152)
    for f in spec.fields:
        selector = f"#answer_{f.key}"
        if f.kind == "select":
            tab_to(page, selector)
            page.keyboard.type(answers[f.key])
            assert page.input_value(selector) == answers[f.key]
        else:
            type_into(page, selector, too_long if f.key == "summary" else answers[f.key],
                      replace=True)
    assert page.inner_text("#answer_summary-count") == "152 of 150 words: 2 too many"
    tab_to(page, "button[value=save]")
    press_and_wait(page)

    # Refused: the error is next to the field, linked to it and announced; nothing is lost.
    assert "Keep this under 150 words (now 152)." in page.inner_text("#error-summary")
    assert "Keep this under 150 words" in page.inner_text("#answer_summary-error")
    assert error_announcement_problems(page, "#answer_summary", "#answer_summary-error") == []
    assert page.input_value("#answer_title") == TITLE
    assert page.input_value("#answer_outcomes") == answers["outcomes"]
    audit.check(page, "e2e-applicant-entry-refused")
    # The summary of problems has the focus; its link leads to the field.
    tab_to(page, "#error-summary a[href='#answer_summary']")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'answer_summary'")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(answers["summary"])

    # The supporting document: the file chooser opened from the keyboard, then Upload.
    tab_to(page, "#file")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(brief))
    tab_to(page, "button[value=upload]")
    press_and_wait(page)
    assert "project-brief.pdf was added" in flash_text(page)
    audit.check(page)
    tab_to(page, "#confirm")
    page.keyboard.press("Space")
    assert page.is_checked("#confirm")
    tab_to(page, "button[value=submit]")
    press_and_wait(page)
    assert "Receipt for entry SSCP-2024-HC-" in page.inner_text("h1")
    reference = page.inner_text(".reference-number")
    audit.check(page)
    tab_to(page, "main a[href$='/status']")
    press_and_wait(page)
    assert f"Status of entry {reference}" in page.inner_text("h1")
    audit.check(page, "e2e-applicant-status")
    entry = db.session.scalar(sa.select(Entry).where(Entry.reference == reference))
    assert entry.state == EntryState.SUBMITTED and [a.original_name for a in entry.attachments] == [
        "project-brief.pdf"]
    entry_id = entry.id

    # Test-side step: the deadline passes (moved into the past rather than waited for).
    edition = db.session.get(Edition, edition_id)
    edition.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    # ----- the secretariat: close the call, screen, start judging, assign --------------------
    office = people()
    sign_in(office, base, secretariat.email)
    assert office.url == base + "/secretariat/"
    audit.check(office)
    for step in ("Close the call", "Start eligibility screening"):
        go(office, f"main button:has-text('{step}')")
        assert f"Done: {step}." in flash_text(office)
    go(office, "nav[aria-label='Secretariat tools'] a:has-text('Screening')")
    assert office.locator("main tbody tr").count() == 5
    audit.check(office, "e2e-secretariat-screening-queue")
    for _ in range(5):
        go(office, "main tbody tr th a")
        audit.check(office)
        go(office, "form:has(input[name=decision][value=eligible]) button[type=submit]")
        assert "eligible recorded" in flash_text(office)
    assert "Nothing to screen." in office.inner_text("main")
    go(office, "nav[aria-label='Secretariat tools'] a:has-text('Dashboard')")
    go(office, "main button:has-text('Start judging')")
    assert "Done: Start judging." in flash_text(office)
    audit.check(office, "e2e-secretariat-dashboard")
    go(office, "nav[aria-label='Secretariat tools'] a:has-text('Assignments')")
    audit.check(office)
    go(office, "main button:has-text('Assign judges')")
    assert "15 new assignments" in flash_text(office)
    audit.check(office)

    # ----- three judges score round 1; the first with the keyboard alone ----------------------
    keyboard_judge = people()
    keyboard_judge.goto(base + "/auth/login")
    type_into(keyboard_judge, "#email", judges[0].email)
    type_into(keyboard_judge, "#password", PASSWORD)
    press_and_wait(keyboard_judge)
    assert keyboard_judge.url == base + "/judge/"
    assert "Before you start" in keyboard_judge.inner_text("main")
    audit.check(keyboard_judge)
    tab_to(keyboard_judge, "main a[href*='/terms']")
    press_and_wait(keyboard_judge)
    audit.check(keyboard_judge)
    tab_to(keyboard_judge, "#accept")
    keyboard_judge.keyboard.press("Space")
    tab_to(keyboard_judge, "#submit")
    press_and_wait(keyboard_judge)
    assert "you accepted the terms" in flash_text(keyboard_judge)
    for n in range(5):
        score_with_keyboard(keyboard_judge, audit, refuse_first=(n == 0))
    assert "5 of 5" in keyboard_judge.inner_text("main")
    audit.check(keyboard_judge, "e2e-judge-home")

    judge_pages = [keyboard_judge]
    for judge in judges[1:]:
        bench = people()
        sign_in(bench, base, judge.email)
        go(bench, "main a:has-text('Read the terms')")
        bench.check("#accept")
        go(bench, "#submit")
        for _ in range(5):
            score_with_mouse(bench, audit)
        assert "5 of 5" in bench.inner_text("main")
        judge_pages.append(bench)
    submitted = sa.select(sa.func.count()).select_from(Review).where(
        Review.state == ReviewState.SUBMITTED)
    assert db.session.scalar(submitted) == 15

    # ----- the secretariat closes round 1 (shortlisting) and runs round 2 ---------------------
    go(office, "header a:has-text('Ranking')")
    audit.check(office)
    office.check("#confirm-close-1")
    go(office, "main button:has-text('Close Round 1')")
    assert "1 shortlisted" in flash_text(office), flash_text(office)
    go(office, "main a:has-text('Human-CentriCity (5)')")
    ranking_rows = office.locator("main table tbody tr").all_inner_texts()
    assert reference in ranking_rows[0]
    audit.check(office, "e2e-ranking-round-1")
    office.go_back()
    go(office, "main button:has-text('Open Round 2')")
    assert "is open" in flash_text(office)
    go(office, "header a:has-text('Dashboard')")
    go(office, "nav[aria-label='Secretariat tools'] a:has-text('Assignments')")
    go(office, "nav[aria-label='Rounds'] a:has-text('Round 2')")
    office.fill("#per_entry", "3")  # the panel has three judges
    go(office, "main button:has-text('Assign judges')")
    assert "3 new assignments" in flash_text(office)
    audit.check(office)

    # Round 2 in the browser too (one finalist: the applicant's entry).
    for judge_page in judge_pages:
        judge_page.goto(base + "/judge/")
        score_with_mouse(judge_page, audit)

    go(office, "header a:has-text('Ranking')")
    office.check("#confirm-close-2")
    go(office, "main button:has-text('Close Round 2')")
    go(office, "main button:has-text('Start deliberation')")
    assert "Done: Start deliberation." in flash_text(office), flash_text(office)
    audit.check(office)

    # ----- the chair names no special mention and approves ------------------------------------
    chair_page = people()
    sign_in(chair_page, base, chair.email)
    assert chair_page.url == base + "/committee/"
    audit.check(chair_page, "e2e-chair-committee-home")
    go(chair_page, "main a:has-text('Review the proposed allocation')")
    gold = chair_page.locator("table:has(caption:has-text('Human-CentriCity')) tbody tr").first
    assert reference in gold.inner_text() and "Gold" in gold.inner_text()
    audit.check(chair_page, "e2e-chair-award-decisions")
    go(chair_page, "main button:has-text('Record the special mentions')")
    assert "Special mentions recorded." in flash_text(chair_page)
    chair_page.check("#confirm-approve")
    go(chair_page, "main button:has-text('Approve the winners')")
    assert "Done: Approve the winners." in flash_text(chair_page), flash_text(chair_page)
    audit.check(chair_page)

    # ----- the secretariat publishes and issues the certificates ------------------------------
    go(office, "header a:has-text('Dashboard')")
    office.check("#confirm-publish")
    go(office, "main button:has-text('Publish the results')")
    assert "Done: Publish the results." in flash_text(office)
    go(office, "header a:has-text('Certificates')")
    audit.check(office)
    go(office, "main button:has-text('Issue all certificates')")
    assert "issued" in flash_text(office).lower()
    audit.check(office, "e2e-secretariat-certificates")
    with office.expect_download() as download:
        office.click("section[aria-labelledby=issued-heading] a:has-text('Download PDF')")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.entry_id == entry_id))
    serial = certificate.serial
    assert db.session.get(Entry, entry_id).state == EntryState.CERTIFIED
    assert db.session.scalar(submitted) == 18
    assert download.value.suggested_filename == f"{serial}.pdf"

    # ----- the public: the winners, and the certificate checked by its number -----------------
    public = people()
    public.goto(base + "/results")
    assert APPLICANT["organisation"] in public.inner_text("main")
    audit.check(public, "e2e-public-results")
    public.goto(base + "/verify")
    audit.check(public)
    public.fill("#serial", serial)
    go(public, "main button:has-text('Check')")
    public.wait_for_url(f"{base}/verify/{serial}")
    assert public.inner_text(".verify-status") == "Valid"
    assert APPLICANT["organisation"] in public.inner_text(".verify-facts")
    audit.check(public, "e2e-public-verify")

    # The applicant's status page now offers the certificate.
    page.goto(f"{base}/applicant/entries/{entry_id}/status")
    assert page.locator("a:has-text('Download your certificate (PDF)')").count() == 1
    audit.check(page)

    # Every kind of page on the path was checked (and each check found nothing serious).
    checked = {url.removeprefix(base).split("?")[0] for url in audit.visited}
    for path in ("/auth/register", "/applicant/", "/applicant/entries/new", "/secretariat/",
                 "/secretariat/screening", "/secretariat/assignments", "/judge/",
                 "/secretariat/ranking/", "/committee/", "/committee/awards",
                 "/secretariat/certificates", "/results", "/verify", f"/verify/{serial}"):
        assert path in checked, path
    assert audit.failures == []
    assert audit.console_problems() == []


# ----- a judge's part -----------------------------------------------------------------------------
def _score_for(title: str) -> int:
    return dict(OTHER_ENTRIES).get(title, APPLICANT_SCORE)


def score_with_keyboard(page, audit: PathAudit, *, refuse_first: bool) -> None:
    """From the judge's home: open the next entry, declare no conflict, score every criterion
    and submit, all with the keyboard. With `refuse_first`, first submit with the last score
    missing and check the refusal is announced next to it."""
    tab_to(page, "main a[href$='/declare']")
    press_and_wait(page)
    if refuse_first:
        audit.check(page)
    choose_radio(page, "has_conflict", "no")
    tab_to(page, "#submit")
    press_and_wait(page)
    page.wait_for_selector("#review-form")
    title = page.inner_text("h1").split(": ", 1)[1]
    value = str(_score_for(title))
    keys = page.eval_on_selector_all("fieldset[data-criterion]",
                                     "els => els.map(e => e.dataset.criterion)")
    if refuse_first:
        audit.check(page, "e2e-judge-scoring-form")
    for key in keys[:-1] if refuse_first else keys:
        choose_radio(page, f"score_{key}", value)
    type_into(page, "#overall_comment", f"Scored {value} on every criterion.")
    tab_to(page, "#confirm_submit")
    page.keyboard.press("Space")
    tab_to(page, "button[value=submit]")
    press_and_wait(page)
    if refuse_first:
        missing = keys[-1]
        page.wait_for_selector("#form-problem")
        assert error_announcement_problems(page, f"#criterion-{missing}",
                                           f"#score_{missing}-error") == []
        assert page.input_value("#overall_comment") == f"Scored {value} on every criterion."
        audit.check(page, "e2e-judge-scoring-form-refused")
        choose_radio(page, f"score_{missing}", value)
        if not page.is_checked("#confirm_submit"):
            tab_to(page, "#confirm_submit")
            page.keyboard.press("Space")
        tab_to(page, "button[value=submit]")
        press_and_wait(page)
    assert page.url.endswith("/judge/"), page.url
    assert "is submitted and locked" in flash_text(page)


def score_with_mouse(page, audit: PathAudit) -> None:
    """From the judge's home: the next entry to score (declaring no conflict first when the
    judge has not declared on it yet), every criterion scored, submitted."""
    go(page, "main table a.btn-primary")  # Open (declare first) or Score
    if page.url.endswith("/declare"):
        page.check("#has_conflict-0")
        go(page, "#submit")
    page.wait_for_selector("#review-form")
    title = page.inner_text("h1").split(": ", 1)[1]
    value = _score_for(title)
    keys = page.eval_on_selector_all("fieldset[data-criterion]",
                                     "els => els.map(e => e.dataset.criterion)")
    for key in keys:
        page.click(f"label[for=score_{key}-{value}]")
    page.fill("#overall_comment", f"Scored {value} on every criterion.")
    page.check("#confirm_submit")
    page.click("button[value=submit]")
    page.wait_for_url(lambda url: url.endswith("/judge/"))
    assert "is submitted and locked" in flash_text(page)


def test_a_file_too_large_is_announced_next_to_the_file_field(app, live_server, page, tmp_path):
    """The entry form's check before uploading (a file over the limit) is an error like the
    server's: next to the file field, named by its aria-describedby, announced."""
    edition = make_edition(year=2024)
    owner = make_user(Role.APPLICANT, email="big.file@example.org")
    entry = make_entry(edition, owner=owner, with_attachment=False)
    app.config["ATTACHMENT_MAX_FILE_BYTES"] = 10_000
    db.session.commit()
    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server}/applicant/entries/{entry.id}")
    big = tmp_path / "big.pdf"
    big.write_bytes(demo_pdf("Big") + b"%" + b"x" * 20_000)
    page.set_input_files("#file", str(big))
    assert "each file may be at most" in page.inner_text("#file-size")
    assert error_announcement_problems(page, "#file", "#file-size") == []
    assert serious_accessibility_violations(page) == []
    assert page.console_problems == []
