"""Deny by default: one place decides who may reach each endpoint.

Every view either carries ``@public`` (a short list: login, static, respondent pages) or
``@allow(*roles)``. A view with neither is refused to everyone, so a forgotten decorator fails
closed. The check runs in ``before_request`` so it also covers views added by blueprints later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from monitor.models import Role

F = TypeVar("F", bound=Callable)

STAFF = (Role.admin, Role.officer, Role.evaluator)
REGISTRY = (Role.admin, Role.officer)

#: Endpoints of Flask itself that must stay reachable without login.
PUBLIC_ENDPOINTS = frozenset({"static"})


def public(view: F) -> F:
    """Mark a view as reachable without login."""
    view._access_public = True  # type: ignore[attr-defined]
    return view


def allow(*roles: Role) -> Callable[[F], F]:
    """Mark a view as reachable by logged-in staff holding one of ``roles``."""
    allowed = frozenset(str(r) for r in roles)

    def mark(view: F) -> F:
        view._access_roles = allowed  # type: ignore[attr-defined]
        return view

    return mark


def rule_access(app: Flask, endpoint: str) -> str | frozenset[str]:
    """Return 'public' or the set of roles allowed on ``endpoint`` (empty: nobody)."""
    if endpoint in PUBLIC_ENDPOINTS:
        return "public"
    view = app.view_functions.get(endpoint)
    if view is None:
        return frozenset()
    if getattr(view, "_access_public", False):
        return "public"
    return getattr(view, "_access_roles", frozenset())


def enforce_access():
    """before_request hook: 404 for unknown, login for anonymous, 403 for the wrong role."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # routing failed; Flask answers 404/405 itself
    access = rule_access(current_app, endpoint)
    if access == "public":
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if current_user.role not in access:
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_access)
