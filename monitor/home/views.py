"""The overview page: the programme at a glance, per role.

Officers and admins see exact counts; evaluators see the same aggregates with small cells of
assisted persons suppressed (they never see the registry itself).
"""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from monitor import dashboard
from monitor.auth.access import STAFF, allow
from reports.charts import coverage_chart
from reports.disclosure import suppress_counts, suppressed_total

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(*STAFF)
def index():
    totals = dashboard.totals()
    regions = dashboard.region_table()
    svg = coverage_chart(dashboard.coverage_by_year())
    chart = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    rows = regions.to_dict("records")
    suppressed = current_user.role == "evaluator"
    if suppressed:
        threshold = current_app.config["SUPPRESSION_THRESHOLD"]
        for column in ("persons", "episodes", "ongoing"):
            for row, value in zip(rows, suppress_counts(regions[column].tolist(), threshold),
                                  strict=True):
                row[column] = value
        person_total = suppressed_total(regions["persons"].tolist(), threshold)
    else:
        threshold = None
        person_total = totals.persons
    return render_template("monitor/home/index.html", totals=totals, rows=rows, chart=chart,
                           suppressed=suppressed, threshold=threshold, person_total=person_total)
