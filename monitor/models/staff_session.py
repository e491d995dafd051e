"""Staff sessions, kept on the server.

A staff member's browser holds a random session id in Flask's signed cookie (as Flask-Login's
identity); the database keeps only its SHA-256, so a copy of the database opens no session.
Every request looks the row up, so logging out, a password change or a deactivation ends a
session at once on every host, and the idle and absolute limits are measured from timestamps
the cookie cannot move.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.extensions import db

#: Why a session ended: logged out, the password was changed or reset, the account was
#: deactivated, idle too long, or older than the absolute limit.
END_REASONS = ("logout", "password", "deactivated", "idle", "expired")


class StaffSession(db.Model):
    """One login of a staff member, from the login until it ended (or lapses)."""

    __tablename__ = "staff_session"
    __table_args__ = (
        CheckConstraint("end_reason IN ('logout', 'password', 'deactivated', 'idle', 'expired')",
                        name="end_reason_known"),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 hex of the random id in the browser's cookie.
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    #: When the staff member logged in (naive UTC). A session renewed after a password change
    #: keeps its login's time, so the absolute limit is never extended.
    created_at: Mapped[datetime]
    #: Last request seen (naive UTC), written at most once a minute.
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
