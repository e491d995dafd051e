"""Services for staff accounts."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from monitor import audit
from monitor.auth import sessions
from monitor.auth.passwords import WeakPassword, hash_password
from monitor.extensions import db
from monitor.models import Role, User


class AccountError(ValueError):
    """Raised when an account cannot be created or changed; the message says why."""


def create_user(email: str, role: str, password: str, actor_id: int | None = None) -> User:
    """Create a staff account (flushed, not committed).

    Raises:
        AccountError: bad e-mail, unknown role, weak password, or the e-mail is taken.
    """
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"Not a valid e-mail address: {exc}") from exc
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}; use admin, officer or evaluator.")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(f"An account for {email} already exists.")
    try:
        password_hash = hash_password(password)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from exc
    user = User(email=email, role=role, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", target=f"user:{user.id}", user_id=actor_id, role=role)
    return user


def set_active(user: User, active: bool, actor_id: int | None = None) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once.

    Raises:
        AccountError: an admin deactivating their own account (nobody would be left to undo it).
    """
    if not active and user.id == actor_id:
        raise AccountError("You cannot deactivate your own account.")
    if user.active != active:
        user.active = active
        db.session.flush()
        ended = 0 if active else sessions.end_all(user.id, "deactivated")
        audit.record("user_activated" if active else "user_deactivated", target=f"user:{user.id}",
                     user_id=actor_id, **({} if active else {"sessions_ended": ended}))


def set_password(user: User, password: str, actor_id: int | None = None) -> None:
    """Give an account a new password and end its existing sessions.

    Raises:
        AccountError: the password is too short.
    """
    try:
        user.password_hash = hash_password(password)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from exc
    db.session.flush()
    ended = sessions.end_all(user.id, "password")
    audit.record("password_set", target=f"user:{user.id}", user_id=actor_id, sessions_ended=ended)

