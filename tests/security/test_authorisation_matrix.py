"""Every route, requested by everyone: a visitor, each role, and the wrong owner (another
applicant; a judge not assigned to the entry). Each answer is the one tests/security/routes.py
decides, no page shown to applicant B or judge B holds applicant A's entry or judge A's
review, every response carries the security headers, and nothing the refused requests
touched has changed."""
from __future__ import annotations

from judging.extensions import db
from tests.security.checks import (
    download_problems,
    export_problems,
    header_problems,
    inline_code_problems,
)
from tests.security.helpers import (
    ANONYMOUS,
    APPLICANT_B,
    JUDGE_B,
    PRINCIPALS,
    SECRETARIAT,
    build_world,
    changes,
    clients,
    is_login_redirect,
    row_counts,
    states,
    text_of,
)
from tests.security.routes import ALLOWED, LOGIN, ROUTE_LIST, ROUTES, rule_keys


def request(client, route, world):
    url = route.url(world)
    if route.method == "GET":
        return client.get(url)
    return client.post(url, data=route.data(world) if route.data else {})


def answer(response) -> str:
    if is_login_redirect(response):
        return LOGIN
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} to {response.headers.get('Location')}"
    return str(response.status_code)


def test_every_route_of_the_app_has_a_decision_on_who_may_use_it(app):
    rules = rule_keys(app)
    undecided = [f"{method} {rule} ({endpoint})" for endpoint, method, rule in rules
                 if (endpoint, method) not in ROUTES]
    assert not undecided, ("Routes nobody has decided access for; add them to "
                           "tests/security/routes.py: " + "; ".join(undecided))
    existing = {(endpoint, method) for endpoint, method, _ in rules}
    stale = [key for key in ROUTES if key not in existing]
    assert not stale, f"tests/security/routes.py lists routes the app no longer has: {stale}"
    for route in ROUTE_LIST:
        assert set(route.expect) == set(PRINCIPALS), route.key
        if route.method == "GET":
            assert ALLOWED not in route.expect.values(), route.key


def test_every_route_answers_each_principal_as_decided_and_leaks_nothing(app, login_as):
    world = build_world()
    signed_in = clients(app, login_as, world)
    markers = world.leak_markers
    counts_before, states_before = row_counts(), states(world)
    failures: list[str] = []
    checks = 0
    for route in ROUTE_LIST:
        for principal in PRINCIPALS:
            expected = route.expect[principal]
            if expected == ALLOWED:
                continue  # test_csrf sends these without their token
            response = request(signed_in[principal], route, world)
            checks += 1
            where = f"{route.method} {route.url(world)} as {principal}"
            got = answer(response)
            if str(expected) != got and not (expected == 302 and got.startswith("302")):
                failures.append(f"{where}: expected {expected}, got {got}")
            failures += [f"{where}: {p}" for p in header_problems(response)]
            if response.status_code != 200:
                continue
            if route.download:
                failures += [f"{where}: {p}" for p in download_problems(response)]
            elif route.export:
                failures += [f"{where}: {p}" for p in export_problems(response)]
            elif response.mimetype == "text/html":
                failures += [f"{where}: {p}" for p in inline_code_problems(
                    response.get_data(as_text=True))]
                if principal in (APPLICANT_B, JUDGE_B, ANONYMOUS):
                    page = text_of(response)
                    failures += [f"{where}: the page shows {what} ({value!r})"
                                 for what, value in markers.items() if value in page]
            else:
                failures.append(f"{where}: a {response.mimetype} response that is not a "
                                "download or an export")
    db.session.rollback()
    failures += [f"a refused request changed the database: {c}"
                 for c in changes(counts_before, row_counts()) + changes(states_before,
                                                                          states(world))]
    assert checks > 300
    assert not failures, f"{len(failures)} of {checks} checks failed:\n" + "\n".join(failures)


def test_the_world_has_what_the_matrix_needs(app, login_as):
    """The allowed principals really reach the pages (so the refusals above mean something):
    the owner, the assigned judge and the secretariat see applicant A's entry."""
    world = build_world()
    signed_in = clients(app, login_as, world)
    for principal, url in (
        ("applicant A", f"/applicant/entries/{world.entry_a.id}/status"),
        ("judge A", f"/judge/rounds/{world.round.id}/entries/{world.entry_a.id}"),
        (SECRETARIAT, f"/secretariat/entries/{world.entry_a.id}"),
    ):
        page = text_of(signed_in[principal].get(url))
        assert world.entry_a.title in page, (principal, url)
    judge_page = text_of(signed_in["judge A"].get(
        f"/judge/rounds/{world.round.id}/entries/{world.entry_a.id}"))
    assert world.review_a.overall_comment in judge_page
    assert world.attachment_a.original_name in judge_page
    # and the second judge and applicant have pages of their own, so the leak check reads them
    assert world.entry_b.title in text_of(signed_in[APPLICANT_B].get("/applicant/"))
    assert world.entry_b.reference in text_of(signed_in[JUDGE_B].get("/judge/"))


def test_judges_who_may_not_see_the_entry_yet_and_objects_reached_through_the_wrong_parent(
        app, login_as):
    """Beyond the table: an assigned judge sees applicant A's entry only after the terms and
    the declaration, never with a conflict; a document or an edition reached through
    another's entry, round or panel does not exist."""
    world = build_world()
    entry = f"/judge/rounds/{world.round.id}/entries/{world.entry_a.id}"
    terms = f"/judge/editions/{world.edition.id}/terms"
    declare = f"{entry}/declare"
    no_terms = login_as(world.judge_no_terms)
    undeclared = login_as(world.judge_undeclared)
    conflicted = login_as(world.judge_conflicted)
    applicant_a = login_as(world.applicant_a)
    judge_a = login_as(world.judge_a)
    judge_b = login_as(world.judge_b)
    visitor = app.test_client()
    cases = [
        # terms first: every entry page sends the judge to them, the document is refused
        (no_terms, "judge without terms", "GET", entry, f"302 to {terms}"),
        (no_terms, "judge without terms", "GET", declare, f"302 to {terms}"),
        (no_terms, "judge without terms", "POST", declare, f"302 to {terms}"),
        (no_terms, "judge without terms", "POST", entry, f"302 to {terms}"),
        (no_terms, "judge without terms", "GET", f"{entry}/attachments/{world.attachment_a.id}",
         "403"),
        # then the declaration
        (undeclared, "judge not declared yet", "GET", entry, f"302 to {declare}"),
        (undeclared, "judge not declared yet", "POST", entry, f"302 to {declare}"),
        (undeclared, "judge not declared yet", "GET", declare, "200"),
        (undeclared, "judge not declared yet", "GET",
         f"{entry}/attachments/{world.attachment_a.id}", "403"),
        # an automatic conflict (same city): nothing of the entry, ever
        (conflicted, "conflicted judge", "GET", entry, "403"),
        (conflicted, "conflicted judge", "GET", declare, "403"),
        (conflicted, "conflicted judge", "POST", entry, "403"),
        (conflicted, "conflicted judge", "GET", f"{entry}/attachments/{world.attachment_a.id}",
         "403"),
        # the wrong parent
        (applicant_a, "applicant A", "GET",
         f"/applicant/entries/{world.entry_a.id}/documents/{world.attachment_b.id}", "404"),
        (applicant_a, "applicant A", "GET", f"/applicant/entries/{world.entry_b.id}/certificate",
         "404"),
        (judge_a, "judge A", "GET", f"{entry}/attachments/{world.attachment_b.id}", "404"),
        (judge_a, "judge A", "GET",
         f"/judge/rounds/{world.round.id}/entries/{world.entry_b.id}", "404"),
        (judge_b, "judge B", "GET",
         f"/judge/rounds/{world.round.id}/entries/{world.entry_b.id}/attachments/"
         f"{world.attachment_a.id}", "404"),
        (judge_a, "judge A", "GET", f"/judge/editions/{world.published.id}/terms", "404"),
        (judge_a, "judge A", "GET",
         f"/judge/rounds/{world.edition.round(2).id}/entries/{world.entry_a.id}", "404"),
        # an edition whose results are not published does not exist for the public
        (visitor, "visitor", "GET", f"/results/{world.edition.year}", "404"),
        (applicant_a, "applicant A", "GET", f"/results/{world.edition.year}", "404"),
        (visitor, "visitor", "GET", "/verify/SSCP-0000-XX-0000", "404"),
        # objects that do not exist answer exactly like objects that are not yours
        (applicant_a, "applicant A", "GET", "/applicant/entries/999999/status", "404"),
        (judge_a, "judge A", "GET", f"/judge/rounds/{world.round.id}/entries/999999", "404"),
    ]
    markers = world.leak_markers
    failures = []
    counts_before, states_before = row_counts(), states(world)
    for client, name, method, url, expected in cases:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"has_conflict": "yes", "reason": "x",
                                              "action": "submit"})
        got = answer(response).split("?")[0]
        where = f"{method} {url} as {name}"
        if got != expected:
            failures.append(f"{where}: expected {expected}, got {got}")
        failures += [f"{where}: {p}" for p in header_problems(response)]
        page = text_of(response)
        shown = {what: value for what, value in markers.items() if value in page}
        if name == "judge not declared yet" and url == declare:
            # the declaration names the entry (the judge must know what to declare on), but
            # shows none of its content, documents or others' reviews
            shown.pop("A's entry title", None)
            shown.pop("A's entry reference", None)
            shown.pop("A's applicant name", None)
        if name not in ("applicant A", "judge A") and shown:  # A's own data is A's to see
            failures.append(f"{where}: the response shows {shown}")
    db.session.rollback()
    failures += [f"a refused request changed the database: {c}"
                 for c in changes(counts_before, row_counts()) + changes(states_before,
                                                                          states(world))]
    assert not failures, "\n".join(failures)
