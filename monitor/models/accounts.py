"""Staff accounts. Respondents never have accounts; they come in through invitation links."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.clock import utcnow
from monitor.extensions import db


class Role(enum.StrEnum):
    """What a staff member may do. Evaluators see aggregates only, never the registry."""

    admin = "admin"
    officer = "officer"
    evaluator = "evaluator"


class User(UserMixin, db.Model):
    """A staff member who logs in with e-mail and password."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'officer', 'evaluator')", name="role_known"),
        CheckConstraint("language IS NULL OR language IN ('uk', 'ru', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: The language of this person's pages (uk, ru or en); NULL until the first sign-in sets it
    #: from the browser's.
    language: Mapped[str | None] = mapped_column(String(8))

    #: The random id of the server-side session (monitor.models.StaffSession) this object was
    #: loaded or logged in with, for this request only; never stored (the database keeps its
    #: hash). Set by monitor.auth.sessions.
    session_id = None

    def get_id(self) -> str:
        """Flask-Login identity: the random id of this login's server-side session.

        Raises:
            RuntimeError: no session was started (log in through ``monitor.auth.sessions.start``).
        """
        if not self.session_id:
            raise RuntimeError("No staff session: start one with monitor.auth.sessions.start.")
        return self.session_id

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, *roles: Role | str) -> bool:
        """True when this user holds one of ``roles``."""
        return self.role in {str(r) for r in roles}
