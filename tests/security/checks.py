"""What every response must carry, and what a download and a page must not do.

Each check returns a list of problems (empty: fine), so a test can collect every problem of
every response into one message."""
from __future__ import annotations

import re

REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                     "strict-origin-when-cross-origin"}


def csp_directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in (response.headers.get("Content-Security-Policy") or "").split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    """Security headers every response carries: a CSP that allows no inline script, no
    framing, a referrer policy, no MIME sniffing."""
    problems = []
    csp = csp_directives(response)
    if not csp:
        problems.append("no Content-Security-Policy")
    elif "sandbox" in csp:
        # A download: the browser gives the document no origin and runs no script at all.
        if any(source.startswith("allow-scripts") for source in csp["sandbox"]):
            problems.append("the sandbox allows scripts")
    else:
        script = csp.get("script-src") or csp.get("default-src")
        if script is None:
            problems.append("the CSP has no script-src (nor default-src)")
        else:
            if "'self'" not in script and "'none'" not in script:
                problems.append(f"script-src is not 'self': {script}")
            bad = [s for s in script if s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:",
                                               "http:", "https:")]
            if bad:
                problems.append(f"script-src allows {bad}")
    framing = csp.get("frame-ancestors") == ["'none'"] or (
        response.headers.get("X-Frame-Options", "").upper() == "DENY")
    if not framing:
        problems.append("framing is not refused (frame-ancestors 'none' / X-Frame-Options DENY)")
    if response.headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    return problems


def download_problems(response) -> list[str]:
    """An uploaded file or a certificate: always an attachment, in a sandbox, never sniffed."""
    problems = []
    disposition = response.headers.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        problems.append(f"Content-Disposition is {disposition!r}, not attachment")
    if "sandbox" not in csp_directives(response):
        problems.append("the download has no CSP sandbox")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("the download may be sniffed (no nosniff)")
    if response.mimetype in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"):
        problems.append(f"the download is served as {response.mimetype}")
    cache = response.headers.get("Cache-Control", "")
    if "no-store" not in cache or "public" in cache:
        problems.append(f"the download may be kept by shared caches (Cache-Control: {cache!r})")
    return problems


def export_problems(response) -> list[str]:
    """A generated file (CSV, XLSX, JSON): an attachment, never shown inline."""
    disposition = response.headers.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        return [f"Content-Disposition is {disposition!r}, not attachment"]
    return []


TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>", re.S)
EVENT_HANDLER = re.compile(r"""(?:^|\s)on[a-z]+\s*=""", re.I)
STYLE_ATTRIBUTE = re.compile(r"""(?:^|\s)style\s*=""", re.I)
INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code_problems(markup: str) -> list[str]:
    """What the CSP would block (so it must not be there): inline <script> with content,
    on...= event handlers, style="" attributes, javascript: URLs."""
    problems = []
    for attributes, body in INLINE_SCRIPT.findall(markup):
        if body.strip():
            problems.append(f"inline <script> with content: {body.strip()[:60]!r}")
        if "src=" not in attributes.replace(" ", "") and not body.strip():
            problems.append("a <script> without src")
    for name, attributes in TAG.findall(markup):
        if not attributes:
            continue
        if EVENT_HANDLER.search(attributes):
            problems.append(f"an event handler attribute on <{name}{attributes[:80]}>")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"a style attribute on <{name}{attributes[:80]}>")
    if JS_URL.search(markup):
        problems.append("a javascript: URL")
    return problems
