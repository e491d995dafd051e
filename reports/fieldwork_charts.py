"""Fieldwork charts as SVG (a matplotlib Figure, never pyplot), for the officers' response-rate
page. No Flask here: a DataFrame in, an SVG string out."""

from __future__ import annotations

import pandas as pd

from reports.charts import PILOT_COLOUR, _empty, _svg


def response_rate_by_wave(df: pd.DataFrame) -> str:
    """Horizontal bars of the response rate per wave, annotated ``rate · completed/eligible``.

    ``df`` has one row per (survey, wave) in the order to draw, with ``survey``, ``wave``,
    ``rate`` (NaN where nothing is eligible yet), ``completed_eligible`` and ``eligible``.
    With several surveys each bar is labelled ``survey · wave``.
    """
    if df.empty:
        return _empty("No invitations yet")
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    several = df["survey"].nunique() > 1
    labels = [f"{s[:28]} · {w}" if several else str(w) for s, w in zip(df["survey"], df["wave"], strict=True)]
    rates = df["rate"].fillna(0).to_numpy(dtype=float) * 100
    fig = Figure(figsize=(5.2 if several else 4.2, 0.7 + 0.4 * len(df)))
    ax = fig.add_subplot()
    positions = range(len(df))[::-1]
    ax.barh(list(positions), rates, color=PILOT_COLOUR, height=0.6)
    ax.set_yticks(list(positions), labels)
    for y, rate, done, eligible in zip(positions, df["rate"], df["completed_eligible"], df["eligible"],
                                       strict=True):
        text = f"{rate * 100:.0f}% · {int(done)}/{int(eligible)}" if eligible else "not open yet"
        ax.text((0 if pd.isna(rate) else rate * 100) + 2, y, text, va="center", fontsize=9, color="#1d2433")
    ax.set_xlim(0, 135)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.tick_params(labelsize=9, length=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return _svg(fig)
