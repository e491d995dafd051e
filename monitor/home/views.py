"""The overview page: the programme at a glance, per role.

Officers and admins see exact counts; evaluators see the same aggregates with small cells of
assisted persons suppressed (they never see the registry itself).
"""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from monitor import dashboard
from monitor.auth.access import STAFF, allow
from reports.charts import PILOT_UNTIL, coverage_heatmap, trained_over_time
from reports.disclosure import suppress_counts, suppressed_total

bp = Blueprint("home", __name__)


def _data_uri(svg: str) -> str:
    """An SVG as an <img> source: the CSP allows data: images, never inline styles."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/")
@allow(*STAFF)
def index():
    totals = dashboard.totals()
    regions = dashboard.region_table()
    by_year = dashboard.coverage_by_year()
    charts = {"coverage": _data_uri(coverage_heatmap(by_year, empty=_("No training recorded yet"))),
              "trained": _data_uri(trained_over_time(
                  by_year, PILOT_UNTIL, empty=_("No training recorded yet"),
                  pilot_label=_("Pilot regions (joined to %(year)s)", year=PILOT_UNTIL),
                  later_label=_("Later regions")))}
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
    return render_template("monitor/home/index.html", totals=totals, rows=rows, charts=charts,
                           suppressed=suppressed, threshold=threshold, person_total=person_total)
