"""Fieldwork charts as SVG (a matplotlib Figure, never pyplot), for the officers' response-rate
page. No Flask here: a DataFrame in, an SVG string out."""

from __future__ import annotations

import textwrap

import pandas as pd

from reports.charts import PILOT_COLOUR, _empty, _svg

#: The rate chart is drawn for a phone's width and shown at about that size on any screen (the
#: page caps it), so its text stays legible: no smaller than this, in points.
RATE_CHART_FONT_PT = 12.0
#: Its width in inches (about 380 CSS pixels with the margins).
RATE_CHART_WIDTH_IN = 3.8
#: Characters per line of a survey's title above its bars.
_TITLE_WIDTH = 38
_TRACK = "#e3e8f0"
_INK = "#1d2433"


def response_rate_by_wave(df: pd.DataFrame) -> str:
    """Bars of the response rate per wave, each under a line with the wave's name and
    ``rate · completed of eligible``.

    ``df`` has one row per (survey, wave) in the order to draw, with ``survey``, ``wave``,
    ``rate`` (NaN where nothing is eligible yet), ``completed_eligible`` and ``eligible``.
    With several surveys the bars are grouped under each survey's full title. Labels sit above
    the bars rather than beside them, so nothing is cut however long a name is and the chart
    keeps a phone's width.
    """
    if df.empty:
        return _empty("No invitations yet")
    from matplotlib.figure import Figure

    several = df["survey"].nunique() > 1
    # Lay the chart out top-down in text lines: a title line per wrapped line of a survey's
    # title, then per wave a label line and a bar.
    items: list[tuple[str, float, object]] = []
    y = 0.0
    for survey, group in df.groupby("survey", sort=False):
        if several:
            if items:
                y += 0.5
            for line in textwrap.wrap(str(survey), _TITLE_WIDTH) or [""]:
                items.append(("title", y, line))
                y += 1.0
            y += 0.15
        for row in group.itertuples(index=False):
            items.append(("wave", y, row))
            y += 2.25
    fig = Figure(figsize=(RATE_CHART_WIDTH_IN, y * RATE_CHART_FONT_PT * 1.4 / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(y, 0)
    ax.set_axis_off()
    for kind, top, payload in items:
        if kind == "title":
            ax.text(0, top, payload, va="top", fontsize=RATE_CHART_FONT_PT, fontweight="bold", color=_INK)
            continue
        rate, done, eligible = payload.rate, payload.completed_eligible, payload.eligible
        value = (f"{rate * 100:.0f}% · {int(done)} of {int(eligible)}"
                 if eligible and not pd.isna(rate) else "not open yet")
        ax.text(0, top, str(payload.wave), va="top", fontsize=RATE_CHART_FONT_PT, color=_INK)
        ax.text(100, top, value, va="top", ha="right", fontsize=RATE_CHART_FONT_PT, color=_INK)
        middle = top + 1.45
        ax.barh(middle, 100, height=0.75, color=_TRACK)
        if eligible and not pd.isna(rate):
            ax.barh(middle, rate * 100, height=0.75, color=PILOT_COLOUR)
    return _svg(fig)
