"""HTTP under load: the app under gunicorn (2 sync workers) on an edition at real scale,
16 concurrent clients, against a bare Flask "hello" endpoint under the same set-up.

The data: benchmarks.scale (240 entries in review, 16 judges, 3 judges per entry, round 1
fully scored), in a temporary SQLite file built by the migrations; then a few of each
judge's reviews are put back to draft, so that the judges have scoring forms to edit.

The pages, each driven on its own by 16 clients, each client with its own cookies, for 400
requests (and at least 3 s) or 20 s, whichever comes first (100 requests, 1.5 s, 5 s with
quick=True), after a short untimed warm-up:
- judge home (`/judge/`), each client signed in as its own judge;
- scoring form GET: each judge opens their draft reviews in turn;
- scoring form POST: each judge saves a draft of one of their reviews (all fields, the
  form's version and CSRF token, as a browser sends them; the 302 answer is timed, not the
  page it leads to);
- the secretariat's ranking page of a category (16 sessions of the secretariat, the four
  categories in turn);
- the public verify page of a certificate (anonymous).
The baseline is `benchmarks/hello_app.py` under the same gunicorn command, driven by the
same kind of clients, before the first page, between the pages and after the last; each page
run is compared with the two baseline runs around it, so that the machine's load at that
moment weighs on both sides of the ratio. The pages are driven in ROUNDS rounds (one with
quick=True); a page's throughput is that of its round with the median share of the baseline
(the table lists every round's share), so that one burst of other work on a shared machine
does not decide the verdict either way. Figures: requests per second (completed requests /
wall time), p50 and p95 latency as the clients saw them over all rounds (the driver runs on
the same machine), and the CPU time the server's workers used per request (from /proc: it
hardly depends on what else the machine is doing, unlike the other three). Goals (issue #9):
every page at least 25% of the baseline's throughput, and p95 at most 100 ms. They are
measured, not asserted.

Only 127.0.0.1 is used; the servers are stopped at the end, whatever happens.

Run from the repository root: .venv/bin/python -m benchmarks.bench_http [--quick]
"""
from __future__ import annotations

import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
CLIENTS = 16
WORKERS = 2
ROUNDS = 5  # every page is driven this many times, each time between two baseline runs
DRAFTS_PER_JUDGE = 4
THROUGHPUT_SHARE = 0.25  # goal: at least 25% of the baseline's requests per second
P95_LIMIT_MS = 100.0  # goal: p95 latency at most 100 ms
CHEAP_HASH = "pbkdf2:sha256:1000"  # building speed only; sign-in checks it like any hash
BASELINE_NAME = "bare Flask hello endpoint, same gunicorn and clients"


def bench_app():
    """The app as gunicorn serves it in production (configured from the environment), with
    the sign-in and verify rate limits raised: every benchmark client comes from 127.0.0.1,
    and 32 sign-ins or thousands of checks a minute are the point here, not an attack."""
    from judging import create_app

    app = create_app()
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    app.config["VERIFY_RATE_LIMIT"] = "1000000 per minute"
    return app


# ----- the data ---------------------------------------------------------------------------------
def prepare_database(folder: Path, n_entries: int = 240) -> dict:
    """Migrate a new SQLite file, build the scale edition, put some reviews back to draft.
    Returns what the clients need: emails, the round, each judge's draft entries, ..."""
    import sqlalchemy as sa

    from benchmarks import scale
    from benchmarks.bench_queries import migrate_quietly
    from judging import create_app
    from judging.extensions import db
    from judging.models import Review, ReviewState, Round, User

    url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_DIR": str(folder / "uploads"),
                      "CERTIFICATE_DIR": str(folder / "certificates")})
    with app.app_context():
        migrate_quietly()
        info = scale.build(n_entries, password_method=CHEAP_HASH)
        round_id = db.session.scalar(sa.select(Round.id).where(Round.number == info["round"]))
        drafts: dict[str, list[int]] = {}
        for email in info["judges"]:
            reviews = db.session.scalars(
                sa.select(Review).join(User, User.id == Review.judge_id)
                .where(User.email == email, Review.round_id == round_id)
                .order_by(Review.entry_id).limit(DRAFTS_PER_JUDGE)).all()
            for review in reviews:  # data for the benchmark, not a workflow: set directly
                review.state = ReviewState.DRAFT
                review.submitted_at = None
            drafts[email] = [r.entry_id for r in reviews]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {**info, "url": url, "round_id": round_id, "drafts": drafts}


# ----- the servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    pid: int  # gunicorn's master process

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's worker processes (Linux /proc;
        NaN elsewhere). Unlike wall time, it hardly depends on what else the machine runs."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            ticks = 0
            for child in children:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
            return ticks / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], log: Path, ready_path: str) -> Iterator[Server]:
    """Serve `app_spec` with gunicorn (WORKERS sync workers) on a free local port; yields the
    server once it answers, and stops it (SIGTERM, then SIGKILL) afterwards."""
    port = free_port()
    command = [str(GUNICORN), "-w", str(WORKERS), "-b", f"{HOST}:{port}", "--log-level",
               "warning", app_spec]
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                   stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(process, base + ready_path, log)
        yield Server(base, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_until_up(process: subprocess.Popen, url: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {process.returncode}): "
                               + log.read_text(errors="replace")[-2000:])
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


# ----- the clients ------------------------------------------------------------------------------
_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')
_SCORE = re.compile(r'<input[^>]*name="(score_[^"]+)"[^>]*value="(\d+)"')


def _input_value(pattern: re.Pattern, html: str, what: str) -> str:
    tag = pattern.search(html)
    value = _VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError(f"no {what} in the page")
    return value.group(1)


@dataclass
class Client:
    """One browser: its own connection pool and cookies."""

    base: str
    email: str | None = None
    http: httpx.Client = field(init=False)
    state: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, follow_redirects=False, timeout=60.0,
                                 headers={"User-Agent": "judging-bench"})

    def sign_in(self, email: str, password: str) -> None:
        page = self.http.get("/auth/login")
        token = _input_value(_TOKEN, page.text, "CSRF token")
        answer = self.http.post("/auth/login", data={"email": email, "password": password,
                                                     "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in as {email} failed: HTTP {answer.status_code}")
        self.email = email

    def close(self) -> None:
        self.http.close()


@dataclass
class Load:
    """What the clients saw on one page."""

    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]  # seconds
    cpu_seconds: float = float("nan")  # the server's workers, over the timed part

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")

    @property
    def cpu_ms(self) -> float:
        """The server's CPU time per request, in milliseconds."""
        return self.cpu_seconds / self.requests * 1000 if self.requests else float("nan")

    def percentile(self, p: int) -> float:
        """In milliseconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


def drive(name: str, server: Server, clients: list[Client], request: Callable[[Client], bool],
          *, total: int, seconds: float, at_least: float, warmup: int = 2) -> Load:
    """All clients at once, each in its own thread, one request after another, until `total`
    requests were started (and `at_least` seconds passed, so that a fast page is measured
    long enough too) or `seconds` passed. `request` returns whether the answer was the
    expected one. A few untimed requests per client first."""
    _all(clients, lambda c: [request(c) for _ in range(warmup)])
    lock = threading.Lock()
    started = 0
    results: list[tuple[float, bool, float]] = []
    gate = threading.Barrier(len(clients) + 1)
    clock: dict[str, float] = {}

    def work(client: Client) -> None:
        nonlocal started
        mine = []
        gate.wait()
        while True:
            with lock:
                now = time.perf_counter()
                if now >= clock["deadline"] or (started >= total and now >= clock["minimum"]):
                    break
                started += 1
            t0 = time.perf_counter()
            try:
                ok = request(client)
            except httpx.HTTPError:
                ok = False
            t1 = time.perf_counter()
            mine.append((t1 - t0, ok, t1))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    clock["start"] = time.perf_counter()
    clock["deadline"] = clock["start"] + seconds
    clock["minimum"] = clock["start"] + at_least
    cpu_before = server.cpu_seconds()
    gate.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    cpu = server.cpu_seconds() - cpu_before
    end = max((r[2] for r in results), default=clock["start"])
    return Load(name, requests=len(results), errors=sum(1 for r in results if not r[1]),
                seconds=end - clock["start"], latencies=[r[0] for r in results],
                cpu_seconds=cpu)


def _all(clients: list[Client], action: Callable[[Client], object]) -> None:
    """Run `action` for every client at once (threads); re-raise the first failure."""
    failures: list[BaseException] = []

    def run(c: Client) -> None:
        try:
            action(c)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if failures:
        raise failures[0]


# ----- the pages --------------------------------------------------------------------------------
def _get(path_of: Callable[[Client], str], expect: int = 200) -> Callable[[Client], bool]:
    def request(client: Client) -> bool:
        return client.http.get(path_of(client)).status_code == expect

    return request


def _cycle_paths(paths_of: Callable[[Client], list[str]]) -> Callable[[Client], str]:
    def path(client: Client) -> str:
        if "paths" not in client.state:
            client.state["paths"] = itertools.cycle(paths_of(client))
        return next(client.state["paths"])

    return path


def _load_form(client: Client, path: str) -> None:
    """Read the scoring form as the browser has it: CSRF token, version, score choices."""
    html = client.http.get(path).text
    choices: dict[str, list[str]] = {}
    for name, value in _SCORE.findall(html):
        choices.setdefault(name, []).append(value)
    if not choices:
        raise RuntimeError(f"no editable scores on {path} (is the review a draft?)")
    client.state.update(post_path=path, token=_input_value(_TOKEN, html, "CSRF token"),
                        version=int(_input_value(_VERSION, html, "version")), choices=choices,
                        rng=random.Random(hash(path)))


def _save_draft(client: Client) -> bool:
    """POST the whole scoring form with "Save draft"; the review's version goes up by one."""
    s = client.state
    data = {"csrf_token": s["token"], "version": str(s["version"]), "action": "save",
            "overall_comment": "Clear problem, credible plan; outcomes measured over two years.",
            "special_mention_theme": ""}
    for name, values in s["choices"].items():
        data[name] = s["rng"].choice(values)
        data["comment_" + name.removeprefix("score_")] = ""
    answer = client.http.post(s["post_path"], data=data)
    location = answer.headers.get("location", "").partition("?")[0]
    if answer.status_code == 302 and location.endswith(s["post_path"]):
        s["version"] += 1  # saved: back to the form (a sign-in page would mean nothing saved)
        return True
    _load_form(client, s["post_path"])  # out of step: read the form again
    return False


@dataclass(frozen=True)
class Page:
    name: str
    audience: str  # "judge", "secretariat" or "public"
    request: Callable[[Client], bool]
    prepare: Callable[[Client], None] | None = None


def pages(setup: dict) -> list[Page]:
    entry_path = f"/judge/rounds/{setup['round_id']}/entries/{{}}"
    ranking = [f"/secretariat/ranking/{setup['edition_year']}/rounds/{setup['round']}/{key}"
               for key in setup["categories"]]
    return [
        Page("judge home", "judge", _get(lambda c: "/judge/")),
        Page("scoring form GET", "judge", _get(_cycle_paths(
            lambda c: [entry_path.format(e) for e in setup["drafts"][c.email]]))),
        Page("scoring form POST (save draft)", "judge", _save_draft,
             prepare=lambda c: _load_form(c, entry_path.format(setup["drafts"][c.email][0]))),
        Page("ranking page (secretariat)", "secretariat", _get(_cycle_paths(lambda c: ranking))),
        Page("verify page (public)", "public", _get(lambda c: f"/verify/{setup['serial']}")),
    ]


# ----- the run ----------------------------------------------------------------------------------
def run(quick: bool = False) -> list[dict]:
    limits = ({"total": 100, "seconds": 5.0, "at_least": 1.5} if quick
              else {"total": 400, "seconds": 20.0, "at_least": 3.0})
    rounds = 1 if quick else ROUNDS
    baseline_limits = {**limits, "at_least": limits["at_least"] / 1.5}
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    log = work / "gunicorn.log"
    try:
        setup = prepare_database(work)
        env = {"JUDGING_DATABASE_URL": setup["url"], "JUDGING_SECRET_KEY": secrets.token_hex(32),
               "JUDGING_ENV": "production", "JUDGING_COOKIE_SECURE": "0",
               "JUDGING_RATELIMIT_STORAGE_URI": "memory://"}
        # Both servers run for the whole benchmark; only one is driven at a time. The baseline
        # is driven before the first page, between pages and after the last one; each page is
        # compared with the two baseline runs around it (pooled), so that a change in the
        # machine's load during the run weighs on both sides of each ratio.
        with gunicorn("benchmarks.hello_app:create_app()", {}, log, "/hello") as hello_server, \
                gunicorn("benchmarks.bench_http:bench_app()", env, log, "/") as app_server:
            hello = [Client(hello_server.base) for _ in range(CLIENTS)]
            audiences = {"judge": [Client(app_server.base) for _ in range(CLIENTS)],
                         "secretariat": [Client(app_server.base) for _ in range(CLIENTS)],
                         "public": [Client(app_server.base) for _ in range(CLIENTS)]}
            try:
                for client, email in zip(audiences["judge"], setup["judges"]):
                    client.email = email
                _all(audiences["judge"], lambda c: c.sign_in(c.email, _password()))
                _all(audiences["secretariat"],
                     lambda c: c.sign_in(setup["secretariat"], _password()))

                def baseline() -> Load:
                    return drive("hello", hello_server, hello, _get(lambda c: "/hello"),
                                 **baseline_limits)

                baselines = [baseline()]
                runs: dict[str, list[tuple[Load, Load]]] = {}
                for _round in range(rounds):
                    for page in pages(setup):
                        clients = audiences[page.audience]
                        for c in clients:
                            c.state.clear()
                        if page.prepare is not None:
                            _all(clients, page.prepare)
                        load = drive(page.name, app_server, clients, page.request, **limits)
                        baselines.append(baseline())
                        runs.setdefault(page.name, []).append(
                            (load, pooled(baselines[-2:])))
            finally:
                for c in [*hello, *itertools.chain.from_iterable(audiences.values())]:
                    c.close()
        return [row for page_runs in runs.values() for row in rows(page_runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pooled(loads: list[Load]) -> Load:
    """Several runs of the same page as one: all requests over all the time."""
    return Load(loads[0].name, requests=sum(x.requests for x in loads),
                errors=sum(x.errors for x in loads), seconds=sum(x.seconds for x in loads),
                latencies=[t for x in loads for t in x.latencies],
                cpu_seconds=sum(x.cpu_seconds for x in loads))


def _password() -> str:
    from benchmarks.scale import PASSWORD

    return PASSWORD


def rows(page_runs: list[tuple[Load, Load]]) -> list[dict]:
    """Throughput, p50 and p95 of one page beside the baseline's. Throughput: the round with
    the median share of the baseline (each round's page run against the baseline runs just
    before and after it); latencies and CPU: all rounds pooled."""
    ordered = sorted(page_runs, key=lambda run: run[0].rps / run[1].rps if run[1].rps else 0)
    load, baseline = ordered[len(ordered) // 2]
    everything = pooled([run[0] for run in page_runs])
    baselines = pooled([run[1] for run in page_runs])
    errors = sum(run[0].errors for run in page_runs)
    shares = [run[0].rps / run[1].rps for run in page_runs if run[1].rps]
    share = load.rps / baseline.rps if baseline.rps else float("nan")
    ok = share >= THROUGHPUT_SHARE and not errors
    p95 = everything.percentile(95)
    rounds = ("" if len(page_runs) == 1 else
              f"; median of {len(page_runs)} rounds: " + ", ".join(f"{x:.0%}" for x in shares))
    return [
        _row(f"{load.name}: throughput ({everything.requests} requests"
             + (f"; {errors} unexpected answers" if errors else "") + rounds + ")",
             load.rps, "req/s", baseline.rps, goal=f">= {THROUGHPUT_SHARE:.0%} of baseline",
             verdict="PASS" if ok else "MISS"),
        _row(f"{load.name}: p50 latency", everything.percentile(50), "ms",
             baselines.percentile(50)),
        _row(f"{load.name}: p95 latency", p95, "ms", baselines.percentile(95),
             goal=f"<= {P95_LIMIT_MS:g} ms", verdict="PASS" if p95 <= P95_LIMIT_MS else "MISS"),
        _row(f"{load.name}: server CPU per request", everything.cpu_ms, "ms", baselines.cpu_ms),
    ]


def _row(case: str, value: float, unit: str, base: float, *, goal: str = "",
         verdict: str = "") -> dict:
    return {"benchmark": "http", "case": case, "value": value, "unit": unit, "baseline": base,
            "baseline_name": BASELINE_NAME, "ratio": value / base if base else float("nan"),
            "goal": goal, "verdict": verdict}


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv[1:]):
        print(f"{r['case']:<70} {r['value']:>9.1f} {r['unit']:<6} {r['baseline']:>9.1f} "
              f"{r['ratio']:>7.3f}  {r['goal']} {r['verdict']}")
