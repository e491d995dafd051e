"""Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """Every SQLite connection: WAL, enforced foreign keys, a busy timeout, and full sync.

    WAL lets respondents save while an officer reads; without ``foreign_keys`` SQLite ignores
    every ON DELETE rule the models declare.

    ``synchronous=FULL``: every commit is on disk (the WAL is synced) before the respondent is
    told the page is saved, as PostgreSQL's default does. ``NORMAL`` (what this was before)
    keeps the database intact and survives a crash of the application, but loses the commits
    since the last checkpoint if the machine loses power or the OS crashes, i.e. answers the
    respondent was already shown as saved: "nothing a respondent typed may be lost" rules that
    out. The cost is one sync per write transaction (a page save, a submit): invisible on the
    respondent path, whose time goes to the CPU (bench ``fieldwork``: the same responses per
    second with either setting), and felt only by write-bound work on a slow disk.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()
