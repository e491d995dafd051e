"""The respondent's path: a one-time link exchanged for a server-side session, consent, one page
per section, drafts saved on the server, review, a single submit, and a quick exit."""

from flask import Blueprint

bp = Blueprint("respondent", __name__, url_prefix="/r")

from monitor.fieldwork.respondent import views  # noqa: E402,F401  (registers the routes on bp)
