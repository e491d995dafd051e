"""Charts as SVG, drawn with matplotlib's object API (a Figure, never pyplot: no global state,
safe in a threaded server)."""

from __future__ import annotations

import io

import pandas as pd

PALETTE_PILOT = "#1f5fa8"
PALETTE_LATER = "#d9822b"


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()


def coverage_chart(df: pd.DataFrame, pilot_until: int = 2013) -> str:
    """Training coverage by region over time, as an SVG document.

    ``df`` has region, joined_year, year, trained, coverage (cumulative share of the region's
    providers trained by the end of each year). Left: a heat map of coverage, one row per region
    (pilots first). Right: the cumulative number of people trained, pilots against later regions.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 0.42 * max(df["region"].nunique(), 4) + 1.6), dpi=100)
    if df.empty:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "No training recorded yet", ha="center", va="center")
        ax.set_axis_off()
        return _svg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=[3, 2], wspace=0.35)
    heat = fig.add_subplot(grid[0])
    order = df.drop_duplicates("region")[["region", "joined_year"]]
    table = df.pivot(index="region", columns="year", values="coverage").loc[order["region"]]
    values = table.to_numpy(dtype=float) * 100
    image = heat.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=100)
    heat.set_xticks(range(len(table.columns)), [str(y) for y in table.columns])
    labels = [f"{r} ({int(j)})" if pd.notna(j) else r for r, j in order.itertuples(index=False)]
    heat.set_yticks(range(len(table.index)), labels)
    for (i, j), v in pd.DataFrame(values).stack().items():
        heat.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8,
                  color="white" if v > 55 else "#1d2433")
    heat.set_title("Providers trained, % of the region's providers (cumulative)", fontsize=10,
                   loc="left")
    fig.colorbar(image, ax=heat, fraction=0.04, pad=0.02).ax.tick_params(labelsize=8)
    heat.tick_params(labelsize=8)

    lines = fig.add_subplot(grid[1])
    df = df.assign(group=df["joined_year"].fillna(9999).le(pilot_until)
                   .map({True: f"Pilot regions (to {pilot_until})", False: "Later regions"}))
    for (name, part), colour in zip(df.groupby("group", sort=False),
                                    (PALETTE_PILOT, PALETTE_LATER), strict=False):
        series = part.groupby("year")["trained"].sum()
        lines.plot(series.index, series.to_numpy(), marker="o", color=colour, label=name)
    lines.set_title("People trained (cumulative)", fontsize=10, loc="left")
    lines.legend(fontsize=8, frameon=False)
    lines.tick_params(labelsize=8)
    lines.xaxis.get_major_locator().set_params(integer=True)
    lines.spines[["top", "right"]].set_visible(False)
    lines.grid(axis="y", alpha=0.3)
    return _svg(fig)
