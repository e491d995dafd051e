"""The overview page each role lands on."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from monitor.home import views  # noqa: E402,F401  (attaches the routes to ``bp``)
