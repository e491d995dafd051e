"""Services for staff accounts.

Their errors say why in the language of the page that shows them (English on the command line).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from monitor import audit
from monitor.auth import sessions
from monitor.auth.passwords import WeakPassword, hash_password, verify_password
from monitor.extensions import db
from monitor.models import Role, User


class AccountError(ValueError):
    """Raised when an account cannot be created or changed; the message says why."""


class WrongPassword(AccountError):
    """Raised when the current password given to change it is not the account's."""


def create_user(email: str, role: str, password: str, actor_id: int | None = None) -> User:
    """Create a staff account (flushed, not committed).

    Raises:
        AccountError: bad e-mail, unknown role, weak password, or the e-mail is taken.
    """
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        # email_validator says why in English only, so the page does not repeat it.
        raise AccountError(_("%(email)s is not a valid e-mail address.", email=email)) from exc
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role %(role)s; use admin, officer or evaluator.",
                             role=repr(role)))
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(_("An account for %(email)s already exists.", email=email))
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
        raise AccountError(_("You cannot deactivate your own account."))
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


def change_own_password(user: User, current: str, new: str, session_id: str | None,
                        ip: str | None = None, user_agent: str | None = None) -> str:
    """A staff member changes their own password (flushed, not committed).

    Every session of the account ends, this one included; this one is renewed with a new id
    (returned, for the cookie) that keeps its login's time, so the absolute limit still counts
    from the login. A copy of the old cookie, here or elsewhere, then opens nothing.

    Raises:
        WrongPassword: ``current`` is not the account's password.
        AccountError: the new password is too short or the same as the current one.
    """
    if not verify_password(user.password_hash, current):
        raise WrongPassword(_("The current password is not right."))
    if new == current:
        raise AccountError(_("The new password must differ from the current one."))
    try:
        user.password_hash = hash_password(new)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from exc
    db.session.flush()
    logged_in_at = sessions.login_time(session_id)
    ended = sessions.end_all(user.id, "password")
    renewed = sessions.start(user, ip=ip, user_agent=user_agent, logged_in_at=logged_in_at)
    audit.record("password_changed", target=f"user:{user.id}", user_id=user.id,
                 other_sessions_ended=ended - (1 if logged_in_at else 0))
    return renewed
