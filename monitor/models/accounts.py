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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or deactivation: every cookie issued before stops working,
    # without keeping session state in a process.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    def get_id(self) -> str:
        """Flask-Login identity: the id and the session version, so old cookies lapse."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, *roles: Role | str) -> bool:
        """True when this user holds one of ``roles``."""
        return self.role in {str(r) for r in roles}
