"""Staff requests holding a NUL character are refused before any view or form reads them.

Nobody types NUL; it comes with text pasted from some programs, or from someone probing.
SQLite stores it, PostgreSQL refuses text holding it (the request failed with a 500 after the
view had done its work), and an export carrying it breaks the programs that read it. So every
staff form is checked here, in one place, rather than in each form: the posted fields and
file names and the query string (search boxes), before the views run. The respondent pages
strip control characters instead (``monitor.fieldwork.respondent.inputs``): there a changed
answer costs less than a lost one.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from monitor.fieldwork.respondent import bp as respondent_bp
from monitor.i18n import N_

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class NulInForm(BadRequest):
    """A staff request whose form or query string holds a NUL character; nothing was saved."""

    description = N_("A field holds a NUL character (\\0), which cannot be stored, so nothing "
                     "was saved. It usually comes with text pasted from another program: go "
                     "back, type that text again and send the form.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)


def refuse_nul() -> None:
    """Refuse a staff request whose fields, file names or query string hold NUL.

    Raises:
        NulInForm: shown as a 400 page that says what to do.
    """
    if request.blueprint == respondent_bp.name:
        return
    values = list(request.args.items(multi=True))
    if request.mimetype in _FORM_TYPES:
        values += request.form.items(multi=True)
        values += ((name, upload.filename or "") for name, upload in
                   request.files.items(multi=True))
    if any("\x00" in name or "\x00" in value for name, value in values):
        raise NulInForm()
