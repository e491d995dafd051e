"""Charts as SVG, drawn with matplotlib's object API (a Figure, never pyplot: no global state,
safe in a threaded server)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

PILOT_COLOUR = "#1f5fa8"
LATER_COLOUR = "#d9822b"
#: The last year a region could join and count as a pilot region.
PILOT_UNTIL = 2013


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()


def _empty(message: str) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 1.2))
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#5b6577")
    ax.set_axis_off()
    return _svg(fig)


def coverage_heatmap(df: pd.DataFrame, empty: str = "No training recorded yet") -> str:
    """Training coverage by region and year as an SVG heat map; ``empty`` is what it says
    without data (the caller gives it in the reader's language).

    ``df`` has region, joined_year, year and coverage (cumulative share of the region's
    providers trained by the end of each year, NaN for a cell left empty); regions keep the
    order they come in.
    """
    if df.empty:
        return _empty(empty)
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    order = df.drop_duplicates("region")[["region", "joined_year"]]
    table = df.pivot(index="region", columns="year", values="coverage").loc[order["region"]]
    values = table.to_numpy(dtype=float) * 100
    fig = Figure(figsize=(1.6 + 0.62 * len(table.columns), 0.9 + 0.36 * len(table.index)))
    ax = fig.add_subplot()
    # An empty cell (no providers, or a share hidden from an evaluator) is grey, not white.
    ax.imshow(values, aspect="auto", cmap=colormaps["Blues"].with_extremes(bad="#e4e7ec"),
              vmin=0, vmax=100)
    ax.set_xticks(range(len(table.columns)), [str(y) for y in table.columns])
    labels = [f"{r} ({int(j)})" if pd.notna(j) else r for r, j in order.itertuples(index=False)]
    ax.set_yticks(range(len(table.index)), labels)
    for (i, j), v in pd.DataFrame(values).stack().items():
        if np.isnan(v):
            continue
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=9,
                color="white" if v > 55 else "#1d2433")
    ax.tick_params(labelsize=9, length=0)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    return _svg(fig)


def trained_over_time(df: pd.DataFrame, pilot_until: int = PILOT_UNTIL, *,
                      pilot_label: str | None = None, later_label: str = "Later regions",
                      empty: str = "No training recorded yet") -> str:
    """Cumulative people trained per year, pilot regions against later regions, as SVG.

    ``df`` has joined_year, year and trained (cumulative trained providers per region). The
    legend's labels and what the chart says without data are the caller's, in the reader's
    language (by default English; ``pilot_label`` "Pilot regions (joined to <pilot_until>)").
    """
    if df.empty:
        return _empty(empty)
    if pilot_label is None:
        pilot_label = f"Pilot regions (joined to {pilot_until})"
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    pilot = df["joined_year"].fillna(9999).le(pilot_until)
    fig = Figure(figsize=(5.2, 3.2))
    ax = fig.add_subplot()
    for mask, label, colour in ((pilot, pilot_label, PILOT_COLOUR), (~pilot, later_label, LATER_COLOUR)):
        series = df[mask].groupby("year")["trained"].sum()
        if not series.empty:
            ax.plot(series.index, series.to_numpy(), marker="o", color=colour, label=label)
    # Below the axes: a long label (Ukrainian, Russian) never covers the lines.
    ax.legend(fontsize=9, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.1))
    ax.tick_params(labelsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig)
