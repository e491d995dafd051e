"""Fieldwork for officers: follow-up plans, due lists, invitation links, response rates and the
response viewer."""

from flask import Blueprint

bp = Blueprint("fieldwork", __name__, url_prefix="/fieldwork")

from monitor.fieldwork import views  # noqa: E402,F401  (attaches the routes to ``bp``)
