"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from monitor.extensions import db
from tests.conftest import _create_postgres_database, _drop_postgres_database, make_app


def _fresh_url(tmp_path):
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        return _create_postgres_database(server)
    return f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None


def test_models_and_migration_head_agree(tmp_path):
    url, pg_name = _fresh_url(tmp_path)
    try:
        app = make_app(url)
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == [], f"models differ from the migrations; run 'monitor db migrate': {diff}"
            downgrade(revision="base")
            tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            db.engine.dispose()
    finally:
        if pg_name:
            _drop_postgres_database(os.environ["TEST_DATABASE_URL"], pg_name)
        else:
            create_engine(url).dispose()
