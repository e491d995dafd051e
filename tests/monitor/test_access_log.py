"""No respondent's link token reaches a log: the development server's request log and
gunicorn's access log, each from a real server answering a real request, show the link's
path as /r/[token] and every other path as it is."""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from monitor.extensions import db
from tests.conftest import Factory, _empty_tables, make_app
from tests.monitor.respondent_support import make_link

ROOT = Path(__file__).resolve().parents[2]


class _Lines(logging.Handler):
    """Keeps every line logged, formatted as the logger's own handler would write it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _get(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture
def served_app(database_url, _schema):
    """(app, link): an app whose database holds one invitation link; emptied afterwards."""
    app = make_app(database_url)
    with app.app_context():
        try:
            yield app, make_link(Factory())
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def test_the_dev_server_request_log_shows_the_link_without_its_token(served_app):
    app, link = served_app
    logger = logging.getLogger("werkzeug")
    lines, level = _Lines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        opened = _get(server.server_port, f"/r/{link.token}")
        assert opened.status == 303 and opened.getheader("Location") == "/r/consent"
        cookie = opened.getheader("Set-Cookie").split(";", 1)[0]
        assert _get(server.server_port, "/r/consent", cookie).status == 200
    finally:
        server.shutdown()
        thread.join()
        logger.removeHandler(lines)
        logger.setLevel(level)
    log = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(lines.lines))  # without its colours
    assert link.token not in log
    assert re.search(r'"GET /r/\[token\] HTTP/1\.1" 303', log), log
    assert re.search(r'"GET /r/consent HTTP/1\.1" 200', log), log


def test_gunicorns_access_log_shows_the_link_without_its_token(served_app, database_url, tmp_path):
    _, link = served_app
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "MONITOR_ENV": "development", "ARGON2_PROFILE": "test", "PYTHONPATH": str(ROOT),
           "HOME": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
         "--no-control-socket", "--access-logfile", str(tmp_path / "access.log"),
         "--error-logfile", str(tmp_path / "error.log"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = _listening_port(tmp_path / "error.log", server)
        opened = _get(port, f"/r/{link.token}")
        assert opened.status == 303 and opened.getheader("Location") == "/r/consent"
        assert _get(port, "/r/consent").status == 303  # no session: back to where to start
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    log = (tmp_path / "access.log").read_text()
    assert link.token not in log
    assert re.search(r'"GET /r/\[token\] HTTP/1\.1" 303', log), log
    assert re.search(r'"GET /r/consent HTTP/1\.1" 303', log), log


def _listening_port(error_log: Path, server: subprocess.Popen) -> int:
    """The port gunicorn bound, from its "Listening at" line, once its worker has started."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        text = error_log.read_text() if error_log.exists() else ""
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if match and "Booting worker" in text:
            port = int(match.group(1))
            try:
                _get(port, "/login")
            except OSError:
                pass
            else:
                return port
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start: " + error_log.read_text())
