"""Staff sessions on the server: started at login, checked on every request, ended at logout,
password change and deactivation.

The rules, in order, for the session id a request's cookie carries:

1. It must name a row of ``staff_session`` (by the SHA-256 of the id) that has not ended, of an
   active account.
2. It is refused, and its row ended as ``expired``, once more than ``STAFF_SESSION_MAX_HOURS``
   have passed since the login. The limit counts from the login stored in the database, so
   neither activity nor a rewritten cookie moves it.
3. It is refused, and its row ended as ``idle``, when no request was seen for more than
   ``STAFF_SESSION_IDLE_MINUTES``.
4. Otherwise ``last_seen_at`` becomes now, but only when it is at least ``touch_every()`` old,
   to save a write per request. The recorded time then lags the last request by less than
   that, so a session is refused after at most the idle limit and at least the idle limit
   minus ``touch_every()`` without a request: never later than the limit, at most a minute
   early.

Times are naive UTC, as the database stores them. Functions here flush (or execute) and never
commit: the request edge commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from monitor.extensions import db
from monitor.models import StaffSession, User

#: Random bytes in a session id (``secrets.token_urlsafe``: 43 characters).
SESSION_ID_BYTES = 32
_ID_LENGTH = 43
#: How often ``last_seen_at`` is written at most (less when the idle limit is very short).
TOUCH_EVERY = timedelta(minutes=1)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def session_hash(session_id: str) -> str:
    """The SHA-256 hex digest stored in place of ``session_id``."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _looks_like_id(value: str) -> bool:
    """A cheap shape check so that an old or forged identity never reaches the database."""
    return len(value) == _ID_LENGTH and all(c.isalnum() or c in "-_" for c in value)


def idle_limit() -> timedelta:
    """How long a session may go without a request."""
    return timedelta(minutes=current_app.config["STAFF_SESSION_IDLE_MINUTES"])


def max_age() -> timedelta:
    """How long a session may last from its login, whatever the activity."""
    return timedelta(hours=current_app.config["STAFF_SESSION_MAX_HOURS"])


def touch_every() -> timedelta:
    """How often ``last_seen_at`` is written at most: a minute, or a tenth of the idle limit."""
    return min(TOUCH_EVERY, idle_limit() / 10)


def start(user: User, ip: str | None = None, user_agent: str | None = None,
          logged_in_at: datetime | None = None) -> str:
    """Open a new session for ``user`` (flushed) and return its random id for the cookie.

    The id is also set on ``user.session_id`` so that Flask-Login's ``login_user`` stores it.
    ``logged_in_at`` carries an earlier login's time into a renewed session (password change),
    so the absolute limit still counts from that login.
    """
    session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
    now = _now()
    db.session.add(StaffSession(
        session_hash=session_hash(session_id), user_id=user.id,
        created_at=logged_in_at or now, last_seen_at=now,
        ip=ip[:64] if ip else None, user_agent=user_agent[:255] if user_agent else None))
    db.session.flush()
    user.session_id = session_id
    return session_id


def load(session_id: str) -> tuple[User | None, bool]:
    """The user of a live session, and whether loading it wrote to the database.

    Returns ``(None, ...)`` for an unknown, ended, expired or idle session or an inactive
    account (the rules in this module's docstring); a session found expired or idle is ended
    here, which is a write. Refreshing ``last_seen_at`` is a write too.
    """
    if not isinstance(session_id, str) or not _looks_like_id(session_id):
        return None, False
    row = db.session.execute(
        select(User, StaffSession.id, StaffSession.created_at, StaffSession.last_seen_at)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(StaffSession.session_hash == session_hash(session_id),
               StaffSession.ended_at.is_(None))).first()
    if row is None:
        return None, False
    user, row_id = row[0], row.id
    if not user.active:
        return None, False  # deactivation ends the rows; an account switched off otherwise
    now = _now()
    reason = None
    if now - row.created_at > max_age():
        reason = "expired"
    elif now - row.last_seen_at > idle_limit():
        reason = "idle"
    if reason:
        _end(StaffSession.id == row_id, reason, now)
        return None, True
    wrote = False
    if now - row.last_seen_at >= touch_every():
        db.session.execute(update(StaffSession)
                           .where(StaffSession.id == row_id, StaffSession.ended_at.is_(None))
                           .values(last_seen_at=now)
                           .execution_options(synchronize_session=False))
        wrote = True
    user.session_id = session_id
    return user, wrote


def login_time(session_id: str | None) -> datetime | None:
    """When the login of a live session happened, or None."""
    if not session_id:
        return None
    return db.session.scalar(select(StaffSession.created_at).where(
        StaffSession.session_hash == session_hash(session_id), StaffSession.ended_at.is_(None)))


def end(session_id: str | None, reason: str) -> None:
    """End one session (logout): its cookie then opens nothing, on any host."""
    if session_id:
        _end(StaffSession.session_hash == session_hash(session_id), reason, _now())


def end_all(user_id: int, reason: str) -> int:
    """End every live session of a user (password change or reset, deactivation); returns how
    many were ended."""
    return _end(StaffSession.user_id == user_id, reason, _now())


def _end(which, reason: str, now: datetime) -> int:
    """One conditional UPDATE: a session already ended keeps its first end and reason."""
    result = db.session.execute(update(StaffSession)
                                .where(which, StaffSession.ended_at.is_(None))
                                .values(ended_at=now, end_reason=reason)
                                .execution_options(synchronize_session=False))
    return result.rowcount
