"""Shared fixtures: a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
the app, a client, a CLI runner and factories for registry records and staff accounts."""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import Pool

from monitor import create_app
from monitor.extensions import db

TEST_PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ARG001
    """Browser tests are slow by nature: ``make test-fast`` leaves them out with the others."""
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


def _create_postgres_database(server_url: str) -> tuple[str, str]:
    """Create a throw-away database on the server of ``server_url``; return (url, name)."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"nrm_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(server_url: str, name: str) -> None:
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database for this test run; dropped at the end."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        url, name = _create_postgres_database(server)
        yield url
        _drop_postgres_database(server, name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "ARGON2_PROFILE": "test",
        "WTF_CSRF_ENABLED": False,
        # Links are built on the public address; the test client's host, as before it was set.
        "PUBLIC_URL": "http://localhost",
    }
    config.update(overrides)
    app = create_app(config)

    @app.teardown_request
    def _forget_cached_user(exc=None) -> None:  # noqa: ARG001
        # The tests hold one app context across requests, so Flask-Login's per-context cache
        # of the user (g._login_user) would outlive a request; in production each request has
        # its own context. Dropping it makes every test request load the user afresh.
        from flask import g

        g.pop("_login_user", None)

    return app


@pytest.fixture(scope="session")
def _session_app(database_url):
    """One app for the whole run, on a database with every table created.

    Building an app costs about a tenth of a second and emptying the tables with TRUNCATE half
    a second on PostgreSQL; the suite did both for every test. Now each test gets this app in a
    fresh app context with its configuration restored afterwards, and the tables are emptied
    with DELETE (see ``_empty_tables``). A test that needs other settings builds its own app
    with ``make_app(database_url, ...)``.
    """
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _schema(_session_app) -> None:
    """The tables exist: for tests that build their own app on the test database."""


#: Every connection pool the process opens, so that the pools of apps a test built for itself
#: are closed when it ends instead of whenever the garbage collector gets to them.
_POOLS: weakref.WeakSet[Pool] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_pool(connection) -> None:
    _POOLS.add(connection.engine.pool)


@pytest.fixture(autouse=True)
def _close_other_apps_connections(_session_app):
    """After each test, close the connections of every app but the shared one."""
    yield
    with _session_app.app_context():
        shared = db.engine.pool
    for pool in list(_POOLS):
        if pool is not shared:
            pool.dispose()
            _POOLS.discard(pool)


@pytest.fixture
def app(_session_app):
    """The app bound to the test database; every table is emptied after the test."""
    app = _session_app
    config = dict(app.config)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
    app.config.clear()
    app.config.update(config)


def _empty_tables() -> None:
    """Delete every row and restart the ids, as if the schema were new.

    DELETE on the few rows a test leaves is far cheaper than TRUNCATE, which on PostgreSQL makes
    new files for every table (0.7 s a test on a busy machine, against a few milliseconds). It
    sees rows written by any connection (threads, the demo's COPY, a subprocess) because it
    does not try to know which tables were touched.
    """
    from surveys.models import immutability_guard_lifted

    with db.engine.begin() as conn, immutability_guard_lifted(conn):
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            sequences = conn.exec_driver_sql(
                "SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'S' "
                "AND relnamespace = current_schema()::regnamespace").scalars().all()
            if sequences:
                conn.exec_driver_sql("SELECT " + ", ".join(f"setval('{name}', 1, false)"
                                                          for name in sequences))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Creates records with sensible defaults; every call commits."""

    def __init__(self) -> None:
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role: str = "officer", email: str | None = None):
        from monitor.accounts import create_user

        user = create_user(email or f"{role}{self._next()}@example.org", role, TEST_PASSWORD)
        db.session.commit()
        return user

    def region(self, name: str | None = None, code: str | None = None, joined_year: int = 2012):
        from monitor.models import Region

        n = self._next()
        region = Region(name=name or f"Region {n}", code=code or f"UA-T{n}", joined_year=joined_year)
        db.session.add(region)
        db.session.commit()
        return region

    def organisation(self, region=None, name: str | None = None, kind: str = "ngo"):
        from monitor.models import Organisation

        region = region or self.region()
        org = Organisation(name=name or f"Organisation {self._next()}", kind=kind, region=region)
        db.session.add(org)
        db.session.commit()
        return org

    def provider(self, region=None, code: str | None = None, profession: str = "social_worker",
                 organisation=None):
        from monitor.models import Provider

        region = region or self.region()
        provider = Provider(code=code or f"P{self._next():05d}", profession=profession,
                            region=region, organisation=organisation)
        db.session.add(provider)
        db.session.commit()
        return provider

    def session(self, held_on: date, region=None, hours: float = 16.0,
                modules: str = "identification,referral", code: str | None = None):
        from monitor.models import TrainingSession

        region = region or self.region()
        session = TrainingSession(code=code or f"S{self._next():05d}", held_on=held_on,
                                  region=region, hours=hours, modules=modules)
        db.session.add(session)
        db.session.commit()
        return session

    def attend(self, provider, session, hours: float | None = None):
        from monitor.models import TrainingAttendance

        row = TrainingAttendance(provider=provider, session=session,
                                 hours_attended=session.hours if hours is None else hours)
        db.session.add(row)
        db.session.commit()
        return row

    def person(self, region=None, code: str | None = None, **covariates):
        from monitor.models import AssistedPerson

        region = region or self.region()
        person = AssistedPerson(code=code or f"V{self._next():05d}", region=region, **covariates)
        db.session.add(person)
        db.session.commit()
        return person

    def episode(self, person, provider, started_on: date, ended_on: date | None = None,
                services: str = "social"):
        from monitor.models import AssistanceEpisode

        episode = AssistanceEpisode(person=person, provider=provider, started_on=started_on,
                                    ended_on=ended_on, services=services)
        db.session.add(episode)
        db.session.commit()
        return episode


@pytest.fixture
def factory(app) -> Factory:
    return Factory()


@pytest.fixture
def login(client, factory):
    """Log the test client in as a new user of ``role``; returns the user."""

    def _login(role: str = "officer"):
        user = factory.user(role)
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.data
        return user

    return _login


# --- the small demo, built once per module --------------------------------------------------

#: The seed of the shared demo; a module may set ``DEMO_SEED`` to use another.
DEMO_SEED = 2012


@dataclass
class SharedDemo:
    """The small demo in a database of its own: the app bound to it, what ``build_demo``
    returned, the links file it wrote, and the last id of each table after loading."""

    app: Any
    summary: Any
    links_path: Path
    last_ids: dict[str, int]


def _last_ids() -> dict[str, int]:
    """The largest id of every table with a single integer id column."""
    last = {}
    for table in db.metadata.sorted_tables:
        if "id" in table.c and len(table.primary_key.columns) == 1:
            last[table.name] = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return last


@pytest.fixture(scope="module")
def _shared_demo(request, tmp_path_factory) -> Iterator[SharedDemo]:
    from monitor.demo import build_demo

    server = os.environ.get("TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp("demo")
    if server:
        url, name = _create_postgres_database(server)
    else:
        url, name = f"sqlite:///{folder / 'demo.sqlite3'}", None
    app = make_app(url, DEMO_LINKS_PATH=str(folder / "demo-links.csv"))
    with app.app_context():
        db.create_all()
        summary = build_demo(size="small", seed=getattr(request.module, "DEMO_SEED", DEMO_SEED))
        demo = SharedDemo(app, summary, folder / "demo-links.csv", _last_ids())
        db.session.remove()
    yield demo
    with app.app_context():
        db.engine.dispose()
    if name:
        _drop_postgres_database(server, name)


@pytest.fixture
def small_demo(_shared_demo) -> Iterator[SharedDemo]:
    """The small demo, built once for the module in a database of its own, for tests that
    only read it (the demo takes longer to build than most tests take to run). What a test
    adds (an audit entry, a sign-in) is deleted after it; a test that changes the demo's own
    rows must load a demo of its own instead."""
    with _shared_demo.app.app_context():
        yield _shared_demo
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name in _shared_demo.last_ids:
                    conn.execute(table.delete().where(table.c.id > _shared_demo.last_ids[table.name]))


@pytest.fixture
def demo_client(small_demo):
    return small_demo.app.test_client()


@pytest.fixture
def demo_runner(small_demo):
    return small_demo.app.test_cli_runner()
