"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from monitor.extensions import db
from monitor.models import AuditEvent


def record(action: str, target: str | None = None, user_id: int | None = None, **detail: Any) -> AuditEvent:
    """Add an audit event to the session (flushed, not committed: the caller's commit keeps it).

    The acting user is the logged-in user unless ``user_id`` is given (the CLI has none).
    """
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    event = AuditEvent(
        action=action,
        target=target,
        user_id=user_id,
        detail=detail or None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    db.session.flush()
    return event
