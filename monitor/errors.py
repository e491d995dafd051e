"""Error pages in the site's layout, and the domain errors views turn into them."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from monitor.staff_input import NulInForm

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    401: ("Please log in", "You need to log in to do this."),
    403: ("Not allowed", "Your account is not allowed to see this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("File too large", "The file is larger than this server accepts."),
    500: ("Something went wrong", "The error has been logged. Nothing you saved was lost."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        title, text = MESSAGES.get(code, (exc.name, exc.description))
        if code == 400 and exc.description and "CSRF" in exc.description:
            text = "The form expired or was sent twice. Please reload the page and try again."
        elif isinstance(exc, NulInForm):
            title, text = "Not saved", exc.description
        return render_template("monitor/errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(500)
    def server_error(exc):  # noqa: ARG001
        title, text = MESSAGES[500]
        return render_template("monitor/errors/error.html", code=500, title=title, text=text), 500


class DomainError(Exception):
    """A change the rules refuse, in words the user can act on; ``field`` names the form field
    at fault, if any (see ``monitor.web.show_error``). Every service's errors derive from it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
