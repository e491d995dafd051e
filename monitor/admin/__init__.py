"""Administration: staff accounts and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from monitor.admin import views  # noqa: E402,F401  (attaches the routes to ``bp``)
