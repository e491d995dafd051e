"""Fieldwork charts as SVG (a matplotlib Figure, never pyplot), for the officers' response-rate
page. No Flask here: a DataFrame in, an SVG string out; the words come in translated
(:class:`RateChartText`), English by default."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from reports.charts import PILOT_COLOUR, _empty, _svg

#: The rate chart is drawn for a phone's width and shown at about that size on any screen (the
#: page caps it), so its text stays legible: no smaller than this, in points.
RATE_CHART_FONT_PT = 12.0
#: Its width in inches (about 380 CSS pixels with the margins).
RATE_CHART_WIDTH_IN = 3.8
#: Characters per line of a survey's title above its bars.
_TITLE_WIDTH = 38
#: About how many characters of 12 pt text fit across the chart: a wave's label, its name and
#: its value longer than this put the value on a line of its own, so they never overlap.
_LINE_CHARS = 38
_TRACK = "#e3e8f0"
_INK = "#1d2433"
_MUTED = "#5b6577"


@dataclass(frozen=True)
class RateChartText:
    """The words of the rate chart, in the reader's language (the caller translates them).

    ``rate`` is formatted with ``percent`` (e.g. "86%"), ``completed`` and ``eligible`` (each
    through ``number``); ``wave_names`` gives a wave's readable label by its name, and a wave
    with a label is drawn with its name beside it, the name being what exports and the command
    line know it by.
    """

    no_invitations: str = "No invitations yet"
    not_open_yet: str = "not open yet"
    rate: str = "{percent} · {completed} of {eligible}"
    wave_names: Mapping[str, str] = field(default_factory=dict)
    number: Callable[[int], str] = str


def response_rate_by_wave(df: pd.DataFrame, text: RateChartText | None = None) -> str:
    """Bars of the response rate per wave, each under a line with the wave's label (and name)
    and ``rate · completed of eligible``, in the words of ``text``.

    ``df`` has one row per (survey, wave) in the order to draw, with ``survey``, ``wave``,
    ``rate`` (NaN where nothing is eligible yet), ``completed_eligible`` and ``eligible``.
    With several surveys the bars are grouped under each survey's full title. Labels sit above
    the bars rather than beside them, so nothing is cut however long a name is and the chart
    keeps a phone's width.
    """
    text = text or RateChartText()
    if df.empty:
        return _empty(text.no_invitations)
    from matplotlib.figure import Figure

    several = df["survey"].nunique() > 1
    # Lay the chart out top-down in text lines: a title line per wrapped line of a survey's
    # title, then per wave a label line (its value on a line of its own when both would not fit
    # side by side) and a bar.
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
            name = str(row.wave)
            label = text.wave_names.get(name, name)
            rate, done, eligible = row.rate, row.completed_eligible, row.eligible
            value = (text.rate.format(percent=f"{rate * 100:.0f}%", completed=text.number(int(done)),
                                      eligible=text.number(int(eligible)))
                     if eligible and not pd.isna(rate) else text.not_open_yet)
            shown = len(label) + (len(name) + 1 if label != name else 0)
            apart = shown + 2 + len(value) > _LINE_CHARS  # the value on a line of its own
            items.append(("wave", y, (row, name, label, value, apart)))
            y += 3.25 if apart else 2.25
    fig = Figure(figsize=(RATE_CHART_WIDTH_IN, y * RATE_CHART_FONT_PT * 1.4 / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(y, 0)
    ax.set_axis_off()
    for kind, top, payload in items:
        if kind == "title":
            ax.text(0, top, payload, va="top", fontsize=RATE_CHART_FONT_PT, fontweight="bold", color=_INK)
            continue
        row, name, label, value, apart = payload
        drawn = ax.text(0, top, label, va="top", fontsize=RATE_CHART_FONT_PT, color=_INK)
        if label != name:
            # The name just after the label, wherever the label ends.
            ax.annotate(name, xy=(1, 1), xycoords=drawn, xytext=(4, 0), textcoords="offset points",
                        va="top", fontsize=RATE_CHART_FONT_PT, color=_MUTED)
        if apart:
            top += 1.0
        ax.text(100, top, value, va="top", ha="right", fontsize=RATE_CHART_FONT_PT, color=_INK)
        middle = top + 1.45
        ax.barh(middle, 100, height=0.75, color=_TRACK)
        if row.eligible and not pd.isna(row.rate):
            ax.barh(middle, row.rate * 100, height=0.75, color=PILOT_COLOUR)
    return _svg(fig)
