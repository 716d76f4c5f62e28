"""Who may use each route, decided once for every rule of the app.

Every (endpoint, method) of `app.url_map` has an entry here; test_authorisation_matrix fails
for a rule without one, so a new route cannot be added without deciding who may see it.

Expected answers per principal:
- an int: the status code (200; 302 where the route redirects by design; 403 for a wrong
  role; 404 for an object that is not the user's, so its existence is not revealed);
- LOGIN: a redirect to the sign-in page (a visitor who is not signed in);
- ALLOWED (POST only): the principal may use the route. The matrix does not try to make
  every POST succeed: it checks the refusals, and test_csrf sends each allowed principal's
  POST without its CSRF token (400, nothing changed).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.security.helpers import (
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    CHAIR,
    JUDGE_A,
    JUDGE_B,
    PRINCIPALS,
    SECRETARIAT,
    SIGNED_IN,
    World,
)

LOGIN = "login"
ALLOWED = "allowed"
SKIPPED_ENDPOINTS = {"static", "bootstrap.static"}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: Callable[[World], str]
    expect: dict[str, int | str]
    data: Callable[[World], dict] | None = None  # what a POST sends (something destructive)
    download: bool = False  # an uploaded file or a certificate: never inline
    export: bool = False  # a generated file (CSV, XLSX, JSON): an attachment too

    @property
    def key(self) -> tuple[str, str]:
        return self.endpoint, self.method


def who(allowed: dict[str, int | str], *, default: int = 403,
        anonymous: int | str = LOGIN) -> dict[str, int | str]:
    """Expected answers: `allowed` for the principals it names, `default` for every other
    signed-in principal, `anonymous` for a visitor."""
    unknown = set(allowed) - set(PRINCIPALS)
    assert not unknown, unknown
    expect = {ANONYMOUS: anonymous}
    for principal in SIGNED_IN:
        expect[principal] = allowed.get(principal, default)
    return expect


def everyone(status: int | str = 200, *, signed_in: int | str | None = None) -> dict[str, int | str]:
    """A public route: `status` for everyone (`signed_in` for signed-in users when it differs)."""
    return {p: (status if p == ANONYMOUS or signed_in is None else signed_in) for p in PRINCIPALS}


APPLICANTS = {APPLICANT_A: 200, APPLICANT_B: 200}
JUDGES = {JUDGE_A: 200, JUDGE_B: 200}
OWNER_A = {APPLICANT_A: 200, APPLICANT_B: 404}  # applicant A's entry
ASSIGNED_A = {JUDGE_A: 200, JUDGE_B: 404}  # judge A's assignment
SECRETARIAT_ONLY = {SECRETARIAT: 200}
READERS = {SECRETARIAT: 200, CHAIR: 200}  # the secretariat's pages the chair reads too
CHAIR_ONLY = {CHAIR: 200}


def post(allowed: dict[str, int | str]) -> dict[str, int | str]:
    """POST: 200 in a GET table means ALLOWED here (404 stays 404)."""
    return who({p: (ALLOWED if s == 200 else s) for p, s in allowed.items()})


def _entry(w: World) -> str:
    return f"/applicant/entries/{w.entry_a.id}"


def _judge_entry(w: World) -> str:
    return f"/judge/rounds/{w.round.id}/entries/{w.entry_a.id}"


def _scores(w: World) -> dict:
    data = {"action": "submit", "confirm_submit": "y", "overall_comment": "overwritten",
            "version": "0"}
    for criterion in w.entry_a.category.criteria:
        data[f"score_{criterion.key}"] = str(criterion.scale_min)
        data[f"comment_{criterion.key}"] = "overwritten"
    return data


def _entry_form(w: World) -> dict:
    spec = w.entry_a.edition.program.spec.form_for(w.entry_a.category.key, w.entry_a.applicant_type)
    data = {"answer_" + f.key: "overwritten" for f in spec.fields}
    data.update(applicant_name="Overwritten", action=f"remove:{w.attachment_a.id}")
    return data


def _year(w: World) -> int:
    return w.edition.year


ROUTE_LIST: list[Route] = [
    # ----- public ----------------------------------------------------------------------------
    Route("main.index", "GET", lambda w: "/", everyone(200, signed_in=302)),
    Route("auth.login", "GET", lambda w: "/auth/login", everyone(200, signed_in=302)),
    Route("auth.login", "POST", lambda w: "/auth/login", everyone(ALLOWED),
          data=lambda w: {"email": w.applicant_a.email, "password": "wrong password"}),
    Route("auth.register", "GET", lambda w: "/auth/register", everyone(200, signed_in=302)),
    Route("auth.register", "POST", lambda w: "/auth/register", everyone(ALLOWED),
          data=lambda w: {"email": "new.person@example.org", "name": "New Person",
                          "password": "a long enough password", "password_again":
                          "a long enough password", "country": "BR", "city": "Natal",
                          "organisation": "Natal", "applicant_type": "city_government"}),
    Route("auth.forgot_password", "GET", lambda w: "/auth/forgot-password", everyone(200)),
    Route("auth.forgot_password", "POST", lambda w: "/auth/forgot-password", everyone(ALLOWED),
          data=lambda w: {"email": w.applicant_a.email}),
    Route("auth.reset_password", "GET", lambda w: f"/auth/reset-password/{w.reset_token}",
          everyone(200)),
    Route("auth.reset_password", "POST", lambda w: f"/auth/reset-password/{w.reset_token}",
          everyone(ALLOWED),
          data=lambda w: {"password": "taken over password", "password_again":
                          "taken over password"}),
    Route("auth.logout", "POST", lambda w: "/auth/logout", who({p: ALLOWED for p in SIGNED_IN})),
    Route("public.results", "GET", lambda w: "/results", everyone(200)),
    Route("public.results_year", "GET", lambda w: f"/results/{w.published.year}", everyone(200)),
    Route("certificates.verify_form", "GET", lambda w: "/verify", everyone(200)),
    Route("certificates.verify", "GET", lambda w: f"/verify/{w.certificate.serial}", everyone(200)),

    # ----- applicant -------------------------------------------------------------------------
    Route("applicant.home", "GET", lambda w: "/applicant/", who(APPLICANTS)),
    Route("applicant.account", "GET", lambda w: "/applicant/account", who(APPLICANTS)),
    Route("applicant.account", "POST", lambda w: "/applicant/account", post(APPLICANTS),
          data=lambda w: {"name": "Renamed", "organisation": "x", "city": "x", "country": "BR",
                          "time_zone": ""}),
    Route("applicant.new_entry", "GET", lambda w: "/applicant/entries/new", who(APPLICANTS)),
    Route("applicant.new_entry", "POST", lambda w: "/applicant/entries/new", post(APPLICANTS),
          data=lambda w: {"category": "human_centricity", "applicant_name": "New"}),
    Route("applicant.entry", "GET", _entry, who(OWNER_A)),
    Route("applicant.entry_post", "POST", _entry, post(OWNER_A), data=_entry_form),
    Route("applicant.entry_status", "GET", lambda w: _entry(w) + "/status", who(OWNER_A)),
    Route("applicant.receipt", "GET", lambda w: _entry(w) + "/receipt", who(OWNER_A)),
    Route("applicant.withdraw", "GET", lambda w: _entry(w) + "/withdraw", who(OWNER_A)),
    Route("applicant.withdraw", "POST", lambda w: _entry(w) + "/withdraw", post(OWNER_A),
          data=lambda w: {"reason": "withdrawn by someone else", "confirm": "y"}),
    # The entry's documents: its owner, and the secretariat and chair who see every entry;
    # for anyone else (another applicant, a judge: judges use their own route) it does not exist.
    Route("applicant.download", "GET",
          lambda w: _entry(w) + f"/documents/{w.attachment_a.id}",
          who({**OWNER_A, **READERS}, default=404), download=True),
    # A certificate: its owner's only, once the results are published.
    Route("certificates.applicant_download", "GET",
          lambda w: f"/applicant/entries/{w.published_entry.id}/certificate",
          who({APPLICANT_A: 200}, default=404), download=True),

    # ----- judge -----------------------------------------------------------------------------
    Route("judge.home", "GET", lambda w: "/judge/", who(JUDGES)),
    Route("judge.terms", "GET", lambda w: f"/judge/editions/{w.edition.id}/terms", who(JUDGES)),
    Route("judge.terms", "POST", lambda w: f"/judge/editions/{w.edition.id}/terms", post(JUDGES),
          data=lambda w: {"accept": "y"}),
    Route("judge.declare", "GET", lambda w: _judge_entry(w) + "/declare", who(ASSIGNED_A)),
    Route("judge.declare", "POST", lambda w: _judge_entry(w) + "/declare", post(ASSIGNED_A),
          data=lambda w: {"has_conflict": "yes", "reason": "declared by someone else"}),
    Route("judge.entry", "GET", _judge_entry, who(ASSIGNED_A)),
    Route("judge.entry", "POST", _judge_entry, post(ASSIGNED_A), data=_scores),
    Route("judge.attachment", "GET",
          lambda w: _judge_entry(w) + f"/attachments/{w.attachment_a.id}", who(ASSIGNED_A),
          download=True),
    Route("judge.reopen", "GET", lambda w: f"/judge/reviews/{w.review_a.id}/reopen",
          who(SECRETARIAT_ONLY)),
    Route("judge.reopen", "POST", lambda w: f"/judge/reviews/{w.review_a.id}/reopen",
          post(SECRETARIAT_ONLY), data=lambda w: {"reason": "reopened"}),

    # ----- secretariat -----------------------------------------------------------------------
    Route("secretariat.dashboard", "GET", lambda w: "/secretariat/", who(SECRETARIAT_ONLY)),
    Route("secretariat.edition_event", "POST",
          lambda w: f"/secretariat/editions/{w.edition.id}/event", post(SECRETARIAT_ONLY),
          data=lambda w: {"event": "start_deliberation", "reason": "x", "confirm": "yes"}),
    Route("secretariat.settings", "GET",
          lambda w: f"/secretariat/editions/{w.edition.id}/settings", who(SECRETARIAT_ONLY)),
    Route("secretariat.settings", "POST",
          lambda w: f"/secretariat/editions/{w.edition.id}/settings", post(SECRETARIAT_ONLY),
          data=lambda w: {"ceremony_place": "Elsewhere", "reason": "x"}),
    Route("secretariat.screening", "GET", lambda w: "/secretariat/screening",
          who(SECRETARIAT_ONLY)),
    Route("secretariat.screening_import", "POST",
          lambda w: f"/secretariat/editions/{w.edition.id}/screening/import",
          post(SECRETARIAT_ONLY)),
    Route("secretariat.entries_import", "POST",
          lambda w: f"/secretariat/editions/{w.edition.id}/entries/import",
          post(SECRETARIAT_ONLY)),
    Route("secretariat.entry", "GET", lambda w: f"/secretariat/entries/{w.entry_a.id}",
          who(SECRETARIAT_ONLY)),
    Route("secretariat.screen", "POST", lambda w: f"/secretariat/entries/{w.entry_a.id}/screen",
          post(SECRETARIAT_ONLY),
          data=lambda w: {"decision": "ineligible", "reason": "screened by someone else"}),
    Route("secretariat.attachment", "GET",
          lambda w: f"/secretariat/attachments/{w.attachment_a.id}", who(SECRETARIAT_ONLY),
          download=True),
    Route("secretariat.judges", "GET", lambda w: "/secretariat/judges", who(SECRETARIAT_ONLY)),
    Route("secretariat.invite", "POST", lambda w: f"/secretariat/editions/{w.edition.id}/judges",
          post(SECRETARIAT_ONLY),
          data=lambda w: {"name": "Intruder", "email": "intruder@example.org", "country": "DK"}),
    Route("secretariat.judges_import", "POST",
          lambda w: f"/secretariat/editions/{w.edition.id}/judges/import", post(SECRETARIAT_ONLY)),
    Route("secretariat.member_categories", "POST",
          lambda w: f"/secretariat/panel/{w.member_a.id}/categories", post(SECRETARIAT_ONLY),
          data=lambda w: {"categories": ["leadership"]}),
    Route("secretariat.remove_member", "POST",
          lambda w: f"/secretariat/panel/{w.member_a.id}/remove", post(SECRETARIAT_ONLY)),
    Route("secretariat.conflicts", "GET", lambda w: "/secretariat/conflicts",
          who(SECRETARIAT_ONLY)),
    Route("secretariat.conflicts_csv", "GET",
          lambda w: f"/secretariat/editions/{w.edition.id}/conflicts.csv", who(SECRETARIAT_ONLY),
          export=True),
    Route("secretariat.waive", "POST",
          lambda w: f"/secretariat/declarations/{w.declaration_a.id}/waive",
          post(SECRETARIAT_ONLY), data=lambda w: {"reason": "waived by someone else"}),
    Route("secretariat.assignments", "GET", lambda w: "/secretariat/assignments",
          who(SECRETARIAT_ONLY)),
    Route("secretariat.assign", "POST", lambda w: f"/secretariat/rounds/{w.round.id}/assign",
          post(SECRETARIAT_ONLY), data=lambda w: {"per_entry": "1", "seed": "0"}),
    Route("secretariat.assignments_csv", "GET",
          lambda w: f"/secretariat/rounds/{w.round.id}/assignments.csv", who(SECRETARIAT_ONLY),
          export=True),
    Route("secretariat.entry_assignments", "GET",
          lambda w: f"/secretariat/rounds/{w.round.id}/entries/{w.entry_a.id}",
          who(SECRETARIAT_ONLY)),
    Route("secretariat.add_assignment", "POST",
          lambda w: f"/secretariat/rounds/{w.round.id}/entries/{w.entry_a.id}/add",
          post(SECRETARIAT_ONLY), data=lambda w: {"judge": str(w.judge_b.id)}),
    Route("secretariat.remove_assignment", "POST",
          lambda w: f"/secretariat/assignments/{w.assignment_a.id}/remove",
          post(SECRETARIAT_ONLY), data=lambda w: {"reason": "removed by someone else"}),
    Route("secretariat.progress", "GET", lambda w: "/secretariat/progress", who(SECRETARIAT_ONLY)),
    Route("secretariat.remind", "POST", lambda w: f"/secretariat/rounds/{w.round.id}/remind",
          post(SECRETARIAT_ONLY)),
    Route("secretariat.outbox", "GET", lambda w: "/secretariat/outbox", who(SECRETARIAT_ONLY)),
    Route("secretariat.send_outbox", "POST", lambda w: "/secretariat/outbox/send",
          post(SECRETARIAT_ONLY)),

    # ----- certificates (the chair reads, the secretariat issues) ------------------------------
    Route("certificates.index", "GET", lambda w: "/secretariat/certificates", who(READERS)),
    Route("certificates.issue_all_view", "POST",
          lambda w: f"/secretariat/certificates/issue-all?edition={w.published.year}",
          post(SECRETARIAT_ONLY)),
    Route("certificates.issue", "POST", lambda w: "/secretariat/certificates/issue",
          post(SECRETARIAT_ONLY), data=lambda w: {"entry_id": str(w.published_entry.id)}),
    Route("certificates.reissue", "POST",
          lambda w: f"/secretariat/certificates/{w.certificate.id}/reissue",
          post(SECRETARIAT_ONLY), data=lambda w: {"reason": "reissued by someone else"}),
    Route("certificates.download", "GET",
          lambda w: f"/secretariat/certificates/{w.certificate.id}/download", who(READERS),
          download=True),
    Route("certificates.download_zip", "GET",
          lambda w: f"/secretariat/certificates/all.zip?edition={w.published.year}",
          who(READERS), download=True),

    # ----- ranking and decisions (the chair reads, the secretariat acts) ------------------------
    Route("ranking.index", "GET", lambda w: "/secretariat/ranking/", who(READERS)),
    Route("ranking.category", "GET",
          lambda w: f"/secretariat/ranking/{_year(w)}/rounds/1/human_centricity", who(READERS)),
    Route("ranking.export", "GET",
          lambda w: f"/secretariat/ranking/{_year(w)}/rounds/1/human_centricity/export.csv",
          who(READERS), export=True),
    Route("ranking.workbook", "GET", lambda w: f"/secretariat/ranking/{_year(w)}/workbook.xlsx",
          who(READERS), export=True),
    Route("ranking.close", "POST", lambda w: f"/secretariat/ranking/{_year(w)}/rounds/1/close",
          post(SECRETARIAT_ONLY), data=lambda w: {"confirm": "y"}),
    Route("ranking.open_", "POST", lambda w: f"/secretariat/ranking/{_year(w)}/rounds/2/open",
          post(SECRETARIAT_ONLY)),
    Route("ranking.awards", "GET", lambda w: f"/secretariat/ranking/{_year(w)}/awards",
          who(READERS)),
    Route("ranking.allocate", "POST",
          lambda w: f"/secretariat/ranking/{_year(w)}/awards/allocate", post(SECRETARIAT_ONLY),
          data=lambda w: {"confirm": "y"}),
    Route("ranking.mentions", "POST",
          lambda w: f"/secretariat/ranking/{_year(w)}/awards/mentions", post(SECRETARIAT_ONLY)),

    # ----- the committee chair ---------------------------------------------------------------
    Route("committee.home", "GET", lambda w: "/committee/", who(CHAIR_ONLY)),
    Route("committee.edition_event", "POST",
          lambda w: f"/committee/editions/{w.edition.id}/event", post(CHAIR_ONLY),
          data=lambda w: {"event": "approve", "reason": "x", "confirm": "yes"}),
    Route("committee.awards", "GET", lambda w: "/committee/awards", who(CHAIR_ONLY)),
    Route("committee.mentions", "POST", lambda w: f"/committee/{w.published.year}/mentions",
          post(CHAIR_ONLY)),
    Route("committee.change", "GET", lambda w: f"/committee/decisions/{w.decision.id}/change",
          who(CHAIR_ONLY)),
    Route("committee.change", "POST", lambda w: f"/committee/decisions/{w.decision.id}/change",
          post(CHAIR_ONLY), data=lambda w: {"entry": "", "reason": "changed by someone else"}),
]

ROUTES: dict[tuple[str, str], Route] = {}
for _route in ROUTE_LIST:
    assert _route.key not in ROUTES, f"{_route.key} is listed twice"
    ROUTES[_route.key] = _route


def rule_keys(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every rule of the app, static files left out."""
    keys = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            keys.append((rule.endpoint, method, rule.rule))
    return keys
