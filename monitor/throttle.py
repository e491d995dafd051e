"""Limits on repeated failures (wrong passwords, later wrong invitation tokens).

Counted in the database with one atomic upsert per failure, so the limit holds however many
gunicorn workers or hosts serve the app; an in-process counter would let an attacker multiply
their tries by the number of workers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from monitor.extensions import db
from monitor.models.throttle import ThrottleCounter


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def is_blocked(key: str, limit: int, window: timedelta) -> bool:
    """True when ``key`` has ``limit`` or more failures in the current window."""
    row = db.session.execute(select(ThrottleCounter.window_start, ThrottleCounter.failures)
                             .where(ThrottleCounter.key == key)).first()
    return bool(row and row.window_start > _now() - window and row.failures >= limit)


def record_failure(key: str, window: timedelta) -> None:
    """Count one failure for ``key``; a window that has passed starts again at one."""
    now = _now()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ThrottleCounter).values(key=key, window_start=now, failures=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ThrottleCounter.key],
        set_={
            "failures": case((ThrottleCounter.window_start < now - window, 1),
                             else_=ThrottleCounter.failures + 1),
            "window_start": case((ThrottleCounter.window_start < now - window, now),
                                 else_=ThrottleCounter.window_start),
        },
    )
    db.session.execute(stmt)


def clear(key: str) -> None:
    """Forget the failures of ``key`` (after a success)."""
    db.session.execute(ThrottleCounter.__table__.delete().where(ThrottleCounter.key == key))
