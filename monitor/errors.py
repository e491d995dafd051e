"""Error pages in the site's layout, and the domain errors views turn into them."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from monitor.i18n import N_

#: Title and text of each error page, in English; gettext translates them at request time.
MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be understood. Please go back and try again.")),
    401: (N_("Please log in"), N_("You need to log in to do this.")),
    403: (N_("Not allowed"), N_("Your account is not allowed to see this page.")),
    404: (N_("Not found"), N_("There is no page at this address.")),
    405: (N_("Not allowed"), N_("This page cannot be used that way.")),
    413: (N_("File too large"), N_("The file is larger than this server accepts.")),
    500: (N_("Something went wrong"), N_("The error has been logged. Nothing you saved was lost.")),
}


def init_app(app: Flask) -> None:
    # Imported here: the staff-input check sits on the fieldwork blueprint, whose services
    # import DomainError from this module.
    from monitor.staff_input import NulInForm

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        title, text = MESSAGES.get(code, (exc.name, exc.description))
        if code == 400 and exc.description and "CSRF" in exc.description:
            text = N_("The form expired or was sent twice. Please reload the page and try again.")
        elif isinstance(exc, NulInForm):
            title, text = N_("Not saved"), exc.description
        # An HTTP error without a page of its own keeps Werkzeug's English; gettext passes it on.
        title, text = gettext(title), gettext(text)
        return render_template("monitor/errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(500)
    def server_error(exc):  # noqa: ARG001
        title, text = (gettext(message) for message in MESSAGES[500])
        return render_template("monitor/errors/error.html", code=500, title=title, text=text), 500


class DomainError(Exception):
    """A change the rules refuse, in words the user can act on; ``field`` names the form field
    at fault, if any (see ``monitor.web.show_error``). Every service's errors derive from it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
