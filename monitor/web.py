"""The small web glue every feature's views share, so that each is written once.

What lives here knows no registry, fieldwork or survey: a confirmation form, select options,
the 404 look-up, the acting user's id, SVG charts as image sources, and putting a domain error
on the form field it names. Services raise :class:`monitor.errors.DomainError`; views catch it
and call :func:`show_error`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any, TypeVar

from flask import abort, flash
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from monitor.errors import DomainError
from monitor.extensions import db

Model = TypeVar("Model")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token (delete, revoke, start a draft)."""


def options(pairs: Iterable[Any]) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs or plain values; values as text, so that
    a posted value matches whatever its type was."""
    return [SelectChoice(str(p[0]), p[1]) if isinstance(p, tuple) else SelectChoice(str(p), str(p))
            for p in pairs]


def get_or_404(model: type[Model], obj_id: int) -> Model:
    """The row of ``model`` with ``obj_id``.

    Raises:
        werkzeug.exceptions.NotFound: there is none.
    """
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def acting_user_id() -> int | None:
    """The id of the signed-in staff member (None outside a request, e.g. the CLI)."""
    return getattr(current_user, "id", None)


def svg_data_uri(svg: str) -> str:
    """An SVG as an <img> source: the CSP allows data: images, never inline styles."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put ``error`` on the form field it names, else above the form (a flashed message)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # A field's errors are a tuple until the form is validated, a list after.
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
