"""Staff authentication and authorisation."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from monitor.auth import views  # noqa: E402,F401  (attaches the routes to ``bp``)
