"""The overview page: the programme at a glance, per role.

Officers and admins see exact counts; evaluators see the same aggregates with small cells
suppressed, of providers as of assisted persons (they never see the registry itself).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from monitor import dashboard
from monitor.auth.access import STAFF, allow
from monitor.home import bp
from monitor.web import svg_data_uri
from reports.charts import PILOT_UNTIL, coverage_heatmap, trained_over_time
from reports.disclosure import suppress_columns, suppressed_total

#: The counts per region of the overview; evaluators see each suppressed when small.
_COUNTS = ("providers", "trained", "persons", "episodes", "ongoing")


@bp.route("/")
@allow(*STAFF)
def index():
    totals = dashboard.totals()
    regions = dashboard.region_table()
    by_year = dashboard.coverage_by_year()
    suppressed = current_user.role == "evaluator"
    if suppressed:
        threshold = current_app.config["SUPPRESSION_THRESHOLD"]
        rows, by_year, stats = _for_evaluators(regions, by_year, threshold)
    else:
        threshold = None
        rows = regions.to_dict("records")
        stats = {"trained": totals.trained_providers, "providers": totals.providers,
                 "coverage": totals.coverage, "persons": totals.persons}
    charts = {"coverage": svg_data_uri(coverage_heatmap(by_year, empty=_("No training recorded yet"))),
              "trained": svg_data_uri(trained_over_time(
                  by_year, PILOT_UNTIL, empty=_("No training recorded yet"),
                  pilot_label=_("Pilot regions (joined to %(year)s)", year=PILOT_UNTIL),
                  later_label=_("Later regions")))}
    return render_template("monitor/home/index.html", totals=totals, rows=rows, charts=charts,
                           suppressed=suppressed, threshold=threshold, stats=stats)


def _for_evaluators(regions: pd.DataFrame, by_year: pd.DataFrame, threshold: int
                    ) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """The overview's rows, coverage by year and headline figures with small cells hidden:
    every count per region, the totals, and each share that would give a hidden count away
    (a region's coverage with its providers or trained hidden; a year's coverage in the
    heat map where fewer than ``threshold`` were trained by then)."""
    rows = suppress_columns(regions.to_dict("records"), _COUNTS, threshold)
    for row in rows:
        if row["providers"] is None or row["trained"] is None:
            row["coverage"] = None
    if not by_year.empty:
        hidden = {row["region_id"] for row in rows if row["coverage"] is None}
        small = by_year["trained"].between(1, threshold - 1)
        by_year = by_year.copy()
        by_year.loc[small | by_year["region_id"].isin(hidden), "coverage"] = float("nan")
    trained = suppressed_total(regions["trained"].tolist(), threshold)
    providers = suppressed_total(regions["providers"].tolist(), threshold)
    coverage = (trained / providers if trained is not None and providers else None)
    return rows, by_year, {"trained": trained, "providers": providers, "coverage": coverage,
                           "persons": suppressed_total(regions["persons"].tolist(), threshold)}
