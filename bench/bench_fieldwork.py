"""Fieldwork benchmark: completed multi-page responses per second under gunicorn, next to a bare
endpoint that saves the same answers into the same database.

Set-up (not timed): a fresh database (a SQLite file, or a throw-away PostgreSQL database) migrated
to head, one published survey of four pages (five questions each, relevance across pages), one
follow-up plan, and one invitation with a fresh link per simulated response (twice: one set for
the platform, one for the bare endpoint).

Each case serves the database with gunicorn (2 sync workers, loopback) and drives it with 16
concurrent simulated respondents (threads, one connection per request, cookies kept per
respondent):

* ``platform``: the respondent's whole path as a browser walks it: open the link (303 to a URL
  without the token), the consent page and "yes", then for each page a GET (the form, its CSRF
  token) and a POST of the answers (validated, relevance settled, saved as a draft), the review
  page, the submit and the thank-you page. 14 requests per response.
* ``bare``: a minimal Flask app (no sessions, CSRF, templates or validation) with the same
  database: one POST per page inserting that page's answers (delete + insert by key, as a draft
  save does) and one POST submitting (the same conditional UPDATE). Five requests per response.
* ``ceiling``: the platform's path (the same 14 requests, 303s and page sizes) answered by a
  Flask app that does nothing: no database, session, CSRF check or template. No platform can
  beat it.

Printed: completed responses per second for each, the ratio platform/bare (the issue's target:
at least half) and platform/ceiling, the server's CPU per response (gunicorn master and
workers, from /proc: steadier than the rates when other work shares the machine), and p50/p95
latency per kind of request.

Why the ratio is where it is (November 2026, 2 cores; the rates move by a third with other work
on the machine, the CPU per response much less):

* The ceiling runs at only 1.0-1.4x bare: 14 requests through gunicorn and Flask with nothing
  behind them (about 5 ms of server CPU per response, 0.35 ms a request) cost about what the
  bare endpoint's 5 requests cost with their database writes (5-7 ms). The request count alone
  puts the platform near the bare endpoint's rate, before it does any work.
* 16 clients keep both sync workers busy, so a rate is about 2 workers / (worker time per
  response): CPU plus the waits for a commit, a lock or a core. Half of bare (88 responses/s
  on SQLite when bare runs at 176) leaves the platform about 23 ms of worker time per
  response, its 7 synced commits (bare: 5) and the ceiling's 5 ms included, i.e. roughly 1 ms
  of CPU per request for everything a respondent page does.
* The platform spends 35-38 ms of server CPU per response (38-41 before the form parts were
  kept per published version: 5-10 % less, about as much as the noise). Measured in one
  process with the test client it is about 20 ms (21-22 before); the rest is gunicorn, HTTP
  parsing, and two workers and the client sharing two cores and their caches.
* In one process a request costs 0.9-1.9 ms: about 30 % Flask and Werkzeug around the view
  (request context, the signed session cookie read and written, the CSRF check, hooks,
  headers, the database session's teardown), 20 % Jinja, 25 % SQL (30 statements a response,
  SQLAlchemy Core adding about 25 us a statement over the driver, and 7 commits), 8 % forms,
  the rest the views' own logic. No single part is large: the remaining cost is spread over
  every layer of every request.
* So 0.5x needs the platform's server CPU per response cut by about half again, without
  dropping a request (PRG, consent, review and thanks are the product). That means leaving the
  general stack on this path: page skeletons pre-rendered per published version, page and
  language with only the answers, the CSRF token and the position filled in, driver-level
  statements instead of SQLAlchemy's execution layer, a cheaper session cookie. Each saves a
  few percent at the price of a second way of doing what the rest of the app does; together
  they might reach 0.35-0.4x, not 0.5x on this machine.

gunicorn serves the bare and the empty app as ``bench.bench_fieldwork:bare_app`` and
``bench.bench_fieldwork:empty_app``.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.support import (
    REPO,
    SECRET_KEY,
    Outcome,
    Row,
    create_postgres_database,
    make_app,
    postgres_databases,
)

NAME = "fieldwork"
CLIENTS = 16
WORKERS = 2
#: Respondents sent at once before timing, on each server: every worker must have served.
WARM_UP = 6
PAGES = 4
#: What every simulated respondent answers, per page (the same for the bare endpoint).
ANSWERS: dict[str, dict[str, str]] = {
    "p0": {"p0_age": "34", "p0_housing": "rented", "p0_note": "fine", "p0_works": "yes", "p0_feel": "4"},
    "p1": {"p1_hours": "30", "p1_kind": "rented", "p1_text": "at a bakery", "p1_paid": "yes", "p1_feel": "3"},
    "p2": {"p2_count": "2", "p2_where": "own", "p2_text": "nothing", "p2_safe": "yes", "p2_feel": "5"},
    "p3": {"p3_count": "1", "p3_what": "other", "p3_text": "thank you", "p3_more": "no", "p3_feel": "4"},
}


def bench_survey():
    """Four pages of five questions; page 1 is shown only to those who work (page 0)."""
    from surveys import schema as s

    def tri(text: str) -> dict[str, str]:
        return {"uk": text, "ru": text, "en": text}

    places = s.ChoiceList("places", [s.Choice(v, tri(v)) for v in ("own", "rented", "shelter", "other")])
    feel = s.ChoiceList("feel", [s.Choice(str(v), tri(f"level {v}"), score=v) for v in range(1, 6)])
    kinds = ["integer", "select_one", "text", "yes_no", "likert"]
    sections = []
    for page, answers in ANSWERS.items():
        questions = []
        for key, kind in zip(answers, kinds, strict=True):
            q = s.Question(key, s.QuestionType(kind), tri(f"Question {key}"), required=kind != "text")
            if kind == "integer":
                q.minimum, q.maximum = 0, 120
            if kind == "select_one":
                q.choices = "places"
            if kind == "likert":
                q.choices = "feel"
            questions.append(q)
        relevant = "${p0_works} = 'yes'" if page == "p1" else None
        sections.append(s.Section(page, tri(f"Page {page}"), relevant=relevant, questions=questions))
    return s.Survey(title=tri("Benchmark follow-up"), sections=sections,
                    choice_lists={"places": places, "feel": feel})


def prepare(database_url: str, responses: int) -> tuple[list[str], list[int]]:
    """Migrate, publish the survey, and make the invitations; return the platform's tokens and
    the bare endpoint's response ids."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from monitor.extensions import db
    from monitor.fieldwork.models import FollowUpPlan, Invitation, PlanWave, Response
    from monitor.fieldwork.tokens import new_token, token_hash
    from monitor.models import AssistedPerson, Region
    from surveys import versions

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        region = Region(code="BEN", name="Bench region", joined_year=2012)
        db.session.add(region)
        survey = versions.create_survey(bench_survey())
        db.session.flush()
        version = versions.draft(survey)
        versions.publish(version)
        plan = FollowUpPlan(title="Bench", survey_version_id=version.id, anchor="episode_start")
        plan.waves = [PlanWave(name="m3", offset_months=3)]
        db.session.add(plan)
        db.session.flush()
        db.session.execute(insert(AssistedPerson), [
            {"id": i, "code": f"BEN-{i:06d}", "region_id": region.id} for i in range(1, 2 * responses + 1)])
        today = date.today()
        tokens = [new_token() for _ in range(2 * responses)]
        db.session.execute(insert(Invitation), [
            {"id": i, "plan_id": plan.id, "survey_version_id": version.id, "wave": "m3", "person_id": i,
             "respondent_key": f"person:{i}", "region_id": region.id, "anchor_date": today,
             "due_on": today, "opens_on": today - timedelta(days=7), "closes_on": today + timedelta(days=30),
             "token_hash": token_hash(tokens[i - 1]), "token_issued_at": None, "status": "pending"}
            for i in range(1, 2 * responses + 1)])
        bare_ids = list(range(responses + 1, 2 * responses + 1))
        db.session.execute(insert(Response), [
            {"id": i, "invitation_id": i, "survey_version_id": version.id, "wave": "m3", "status": "draft",
             "consent": "given", "language": "uk"} for i in bare_ids])
        db.session.commit()
        db.engine.dispose()
    return tokens[:responses], bare_ids


# --- the bare endpoint -------------------------------------------------------------------------

def _make_bare_app():
    """The floor: the same answers into the same tables, with nothing around them."""
    import json

    from flask import Flask, request
    from sqlalchemy import create_engine, delete, insert, update

    from monitor.fieldwork.models import Answer, Response

    flask_app = Flask("bare")
    url = os.environ["DATABASE_URL"]
    # The app's own SQLite settings (WAL, foreign keys, busy timeout, synchronous=FULL) come
    # with the models: monitor.extensions' "connect" listener applies to every engine.
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})

    answer, response = Answer.__table__, Response.__table__

    @flask_app.post("/page/<int:response_id>")
    def page(response_id: int):
        values = json.loads(request.get_data())
        with engine.begin() as conn:
            conn.execute(delete(answer).where(answer.c.response_id == response_id,
                                              answer.c.question_key.in_(list(values))))
            conn.execute(insert(answer), [{"response_id": response_id, "question_key": k, "value": v}
                                          for k, v in values.items()])
        return "", 204

    @flask_app.post("/submit/<int:response_id>")
    def submit(response_id: int):
        with engine.begin() as conn:
            conn.execute(update(response).where(response.c.id == response_id, response.c.status == "draft")
                         .values(status="submitted"))
        return "", 204

    return flask_app


def _make_empty_app():
    """The ceiling: the platform's 14 requests, answered by a Flask app that does no work at
    all (no database, session, CSRF check or template): the same URLs, the same 303s, and pages
    of about the platform's size carrying a ``csrf_token`` field for the client to find. What
    the platform cannot beat whatever it stops doing: a request's cost in gunicorn, Werkzeug
    and Flask, and the simulated respondents' own CPU on the same two cores."""
    from flask import Flask, redirect

    flask_app = Flask("empty")
    field = '<input type="hidden" name="csrf_token" value="empty-app-token">'
    # About the size of the platform's pages (4-6 KB), so the transport costs the same.
    page = "<!doctype html><title>empty</title><form method=post>" + field + "x" * 5000 + "</form>"
    pages = list(ANSWERS)

    @flask_app.get("/r/<token>")
    def open_link(token: str):  # noqa: ARG001
        return redirect("/r/consent", 303)

    @flask_app.route("/r/consent", methods=["GET", "POST"])
    def consent():
        return page if _is_get() else redirect(f"/r/s/{pages[0]}", 303)

    @flask_app.route("/r/s/<key>", methods=["GET", "POST"])
    def section(key: str):
        if _is_get():
            return page
        following = pages.index(key) + 1
        return redirect(f"/r/s/{pages[following]}" if following < len(pages) else "/r/review", 303)

    @flask_app.get("/r/review")
    def review():
        return page

    @flask_app.post("/r/submit")
    def submit():
        return redirect("/r/done", 303)

    @flask_app.get("/r/done")
    def done():
        return page

    return flask_app


def _is_get() -> bool:
    from flask import request

    return request.method == "GET"


class _Lazy:
    """gunicorn imports ``bench.bench_fieldwork:bare_app`` (or ``empty_app``); build the app in
    the worker, not here."""

    def __init__(self, make) -> None:
        self._make = make
        self._app = None

    def __call__(self, environ, start_response):
        if self._app is None:
            self._app = self._make()
        return self._app(environ, start_response)


bare_app = _Lazy(_make_bare_app)
empty_app = _Lazy(_make_empty_app)


# --- the simulated respondents -----------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """Just enough of a browser: cookies, 303s followed with GET, form posts, timings by kind."""

    def __init__(self, port: int, timings: dict[str, list[float]]) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.timings = timings

    def request(self, kind: str, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "uk"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        text = reply.read().decode("utf-8", "replace")
        self.timings[kind].append(time.perf_counter() - started)
        for name, value in reply.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val
        conn.close()
        return reply.status, reply.getheader("Location") or "", text

    def follow(self, kind: str, method: str, path: str, body: bytes | None = None) -> tuple[str, str]:
        status, location, text = self.request(kind, method, path, body)
        while status in (302, 303):
            path = location.replace("http://localhost", "").replace(f"http://127.0.0.1:{self.port}", "")
            status, location, text = self.request("redirect", "GET", path)
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}")
        return path, text


def _form(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


def respond(port: int, token: str, timings: dict[str, list[float]]) -> None:
    """One respondent's whole path, from the link to the thank-you page."""
    browser = Browser(port, timings)
    path, text = browser.follow("open link", "GET", f"/r/{token}")
    if not path.endswith("/consent"):
        raise RuntimeError(f"the link led to {path}, not the consent page")
    csrf = _CSRF.search(text).group(1)
    path, text = browser.follow("consent", "POST", "/r/consent", _form({"csrf_token": csrf, "choice": "yes"}))
    while "/r/s/" in path:
        page = path.rsplit("/", 1)[1].split("?")[0]
        csrf = _CSRF.search(text).group(1)
        path, text = browser.follow("page save", "POST", f"/r/s/{page}",
                                    _form({"csrf_token": csrf, "action": "next", **ANSWERS[page]}))
    if not path.endswith("/review"):
        raise RuntimeError(f"expected the review page, reached {path}")
    csrf = _CSRF.search(text).group(1)
    path, _ = browser.follow("submit", "POST", "/r/submit", _form({"csrf_token": csrf}))
    if not path.endswith("/done"):
        raise RuntimeError(f"the submit led to {path}")


def respond_bare(port: int, response_id: int, timings: dict[str, list[float]]) -> None:
    import json

    browser = Browser(port, timings)
    for answers in ANSWERS.values():
        browser.request("bare page", "POST", f"/page/{response_id}", json.dumps(answers).encode(),
                        "application/json")
    browser.request("bare submit", "POST", f"/submit/{response_id}", b"")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process (Linux; empty elsewhere)."""
    out = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                head, tail = fh.read().rsplit(")", 1)
            out.append((int(entry), int(tail.split()[1]), head.split("(", 1)[1]))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _server_cpu(master: int, postgres: bool) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn master ``master`` and its workers, and (when
    ``postgres``) by the PostgreSQL server's processes (every database on it: others' work on
    the same server counts too)."""
    server = _process_cpu(master)
    database = 0.0
    for pid, parent, name in _processes():
        if parent == master:
            server += _process_cpu(pid)
        elif postgres and name == "postgres":
            database += _process_cpu(pid)
    return server, database


@dataclass
class Load:
    """Who used the CPU during a timed phase: the simulated respondents (this process, all
    its threads) and the server (gunicorn's master and workers), in CPU seconds."""

    wall: float
    client: float
    server: float
    database: float = 0.0

    def describe(self) -> str:
        text = (f"CPU: server {self.server / self.wall:.2f} cores, "
                f"client {self.client / self.wall:.2f} cores")
        if self.database:
            text += f", postgres {self.database / self.wall:.2f} cores"
        return text


def _drive(work, items: list, server: int | None = None, postgres: bool = False
           ) -> tuple[float, dict[str, list[float]], list[str], Load]:
    """Run ``work(item, timings)`` for every item on CLIENTS threads; wall time, timings,
    errors, and the CPU the client, the server (gunicorn master pid ``server``) and PostgreSQL
    used."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    queue = list(items)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            try:
                work(item, timings)
            except Exception as exc:  # counted, the others go on
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    server_before = _server_cpu(server, postgres) if server else (0.0, 0.0)
    client_before = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server_after = _server_cpu(server, postgres) if server else (0.0, 0.0)
    load = Load(wall=wall, client=time.process_time() - client_before,
                server=server_after[0] - server_before[0],
                database=server_after[1] - server_before[1])
    return wall, timings, errors, load


def _warm_up(work, items: list) -> None:
    errors = _drive(work, items)[2]
    if errors:
        raise RuntimeError(f"the warm-up failed: {errors[0]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(target: str, database_url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, MONITOR_ENV="production",
               PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", target],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {proc.stderr.read()[-300:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (n={len(ordered)})"


def _serve(target: str, database_url: str, work, items: list, postgres: bool
           ) -> tuple[float, dict[str, list[float]], list[str], Load]:
    """Serve ``target`` with gunicorn, warm both workers up (untimed: a few respondents at once,
    so that each worker has imported, connected and cached before the clock starts), then time
    ``work`` over the rest of ``items``; see :func:`_drive`."""
    items = list(items)
    port = _free_port()
    server = _gunicorn(target, database_url, port)
    try:
        _warm_up(lambda item, tm: work(port, item, tm), [items.pop() for _ in range(WARM_UP)])
        return _drive(lambda item, tm: work(port, item, tm), items, server.pid, postgres)
    finally:
        _stop(server)


def _rate_note(done: int, seconds: float, load: Load, errors: list[str]) -> str:
    """Responses per second, the server's CPU per response, who used the CPU, failures."""
    note = (f"{done / seconds:.1f} responses/s; server CPU {load.server / max(done, 1) * 1000:.1f} ms"
            f"/response; {load.describe()}")
    return note + (f"; {len(errors)} failed: {errors[0][:80]}" if errors else "")


def _case(database_url: str, responses: int, backend: str) -> list[Row]:
    tokens, bare_ids = prepare(database_url, responses)
    postgres = backend == "PostgreSQL"
    platform_s, platform_t, platform_err, platform_load = _serve(
        "wsgi:app", database_url, respond, tokens, postgres)
    bare_s, bare_t, bare_err, bare_load = _serve(
        "bench.bench_fieldwork:bare_app", database_url, respond_bare, bare_ids, postgres)
    # The ceiling: the platform's requests answered by an app that does nothing (any token).
    empty_s, _, empty_err, empty_load = _serve(
        "bench.bench_fieldwork:empty_app", database_url, respond,
        [f"empty-{i}" for i in range(responses)], False)
    timed = responses - WARM_UP
    done_platform, done_bare, done_empty = (timed - len(platform_err), timed - len(bare_err),
                                            timed - len(empty_err))
    rate_platform, rate_bare, rate_empty = (done_platform / platform_s, done_bare / bare_s,
                                            done_empty / empty_s)
    size = f"{CLIENTS} clients, {backend}"
    rows = [
        Row(NAME, "platform responses", size, seconds=platform_s, rows=done_platform,
            note=f"{rate_platform / rate_bare:.2f}x bare, {rate_platform / rate_empty:.2f}x ceiling; "
                 + _rate_note(done_platform, platform_s, platform_load, platform_err)),
        Row(NAME, "bare endpoint responses", size, seconds=bare_s, rows=done_bare,
            note=_rate_note(done_bare, bare_s, bare_load, bare_err)),
        Row(NAME, "ceiling: empty app, same path", size, seconds=empty_s, rows=done_empty,
            note=f"{rate_empty / rate_bare:.2f}x bare; "
                 + _rate_note(done_empty, empty_s, empty_load, empty_err)),
    ]
    for kind in ("open link", "consent", "redirect", "page save", "submit", "bare page", "bare submit"):
        timings = platform_t.get(kind) or bare_t.get(kind) or []
        rows.append(Row(NAME, f"  {kind}", backend, note=_percentiles(timings)))
    return rows


def run(quick: bool = False, database_url: str | None = None) -> Outcome:
    outcome = Outcome()
    responses = 48 if quick else 240
    if database_url:
        with postgres_databases(database_url) as created:
            url, name = create_postgres_database(database_url)
            created.append(name)
            outcome.rows.extend(_case(url, responses, "PostgreSQL"))
    else:
        with tempfile.TemporaryDirectory(prefix="nrm-bench-fieldwork-") as tmp:
            outcome.rows.extend(_case(f"sqlite:///{Path(tmp) / 'fieldwork.sqlite3'}", responses, "SQLite"))
    outcome.notes.append(
        f"fieldwork: gunicorn with {WORKERS} sync workers on loopback, {CLIENTS} simulated respondents "
        "(threads, a new connection per request). A platform response is the whole path: link, consent, "
        f"{PAGES} pages (GET + POST each, a page hidden by relevance skipped only if so answered), review, "
        "submit, thanks. The bare endpoint saves the same answers page by page and submits with the same "
        "UPDATE, without sessions, CSRF, validation or templates. 'redirect' is every GET that follows a 303 "
        "(the page forms, the review, the thanks). The ceiling serves the platform's path from an app that "
        "does nothing (no database, session, CSRF or template): no platform can be faster than it. Read the "
        "server CPU per response against the ceiling's: this module's docstring says why 0.5x bare is out of "
        "reach for 14 requests through the full stack against 5 bare ones.")
    return outcome
