"""The overview page: the programme at a glance, per role."""

from __future__ import annotations

from flask import Blueprint, render_template

from monitor.auth.access import STAFF, allow

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(*STAFF)
def index():
    return render_template("monitor/home/index.html")
