"""Ten parallel submits of one response give exactly one submitted response and the same
thank-you page for all; ten parallel opens of one link create one response. Runs on SQLite,
and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork.models import Response
from tests.monitor.respondent_support import consent, invitation_of, make_link, open_link

PARALLEL = 10


def _in_parallel(work, n: int = PARALLEL) -> list:
    """Run ``work(i)`` in ``n`` threads released together; return results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _ready_to_submit(app, factory):
    link = make_link(factory)
    first = app.test_client()
    open_link(first, link)
    consent(first, "yes")
    first.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    first.post("/r/s/work", data={"action": "next", "works": "no"})
    first.post("/r/s/closing", data={"action": "next"})
    return link, first


def _submit(client):
    response = client.post("/r/submit")
    location = response.headers.get("Location")
    thanks = client.get(location).get_data(as_text=True) if location else ""
    return response.status_code, location, "Дякуємо!" in thanks


def _one_submitted(link) -> None:
    db.session.expire_all()
    rows = db.session.execute(select(Response.status, Response.submitted_at)).all()
    assert len(rows) == 1 and rows[0].status == "submitted"
    assert invitation_of(link).status == "completed"


def test_ten_browsers_of_one_link_submit_at_once(app, factory):
    link, first = _ready_to_submit(app, factory)
    clients = [first] + [app.test_client() for _ in range(PARALLEL - 1)]
    for c in clients[1:]:
        open_link(c, link)
    results = _in_parallel(lambda i: _submit(clients[i]))
    assert all(r == (303, "/r/done", True) for r in results), results
    _one_submitted(link)


def test_ten_replays_with_the_same_cookie_submit_once(app, factory):
    link, first = _ready_to_submit(app, factory)
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(PARALLEL):
        c = app.test_client()
        c.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
        clients.append(c)
    results = _in_parallel(lambda i: _submit(clients[i]))
    assert all(r == (303, "/r/done", True) for r in results), results
    _one_submitted(link)


def test_ten_parallel_opens_create_one_response(app, factory):
    link = make_link(factory)
    clients = [app.test_client() for _ in range(PARALLEL)]
    results = _in_parallel(lambda i: clients[i].get(link.url).status_code)
    assert results == [303] * PARALLEL, results
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert invitation_of(link).status == "opened"
