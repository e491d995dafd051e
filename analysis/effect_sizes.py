"""Effect sizes a reader can compare across studies: Hedges' g for a continuous outcome, the odds
ratio and the risk difference for a binary one.

Formulas follow Borenstein, Hedges, Higgins & Rothstein, *Introduction to Meta-Analysis* (2009),
chapters 4-5: d = difference / pooled SD, V(d) = (n1+n0)/(n1 n0) + d^2 / (2 (n1+n0)),
J = 1 - 3 / (4 df - 1), g = J d, V(g) = J^2 V(d); the log odds ratio has Woolf's variance
1/a + 1/b + 1/c + 1/d.
"""

from __future__ import annotations

import math

from analysis.prepare import Prepared
from analysis.results import EffectSize

Z95 = 1.959963984540054


def safe_exp(x: float) -> float:
    """exp(x), infinite rather than an OverflowError for a runaway log odds ratio."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def hedges_g(mean1: float, mean0: float, sd1: float, sd0: float, n1: int, n0: int,
             difference: float | None = None) -> EffectSize:
    """Hedges' g with its 95% interval from group summaries.

    `difference` replaces mean1 - mean0 when the numerator is a covariate-adjusted difference
    (it is then standardised by the same unadjusted pooled SD).
    """
    df = n1 + n0 - 2
    if df < 1:
        return EffectSize("hedges_g", math.nan)
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n0 - 1) * sd0**2) / df)
    if not pooled > 0:
        return EffectSize("hedges_g", math.nan)
    diff = mean1 - mean0 if difference is None else difference
    d = diff / pooled
    j = 1 - 3 / (4 * df - 1)
    var_d = (n1 + n0) / (n1 * n0) + d**2 / (2 * (n1 + n0))
    g, se = j * d, j * math.sqrt(var_d)
    return EffectSize("hedges_g", g, g - Z95 * se, g + Z95 * se)


def risk_difference(events1: int, n1: int, events0: int, n0: int) -> EffectSize:
    """Difference in proportions with the Wald interval."""
    p1, p0 = events1 / n1, events0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    rd = p1 - p0
    return EffectSize("risk_difference", rd, rd - Z95 * se, rd + Z95 * se)


def odds_ratio(a: float, b: float, c: float, d: float) -> EffectSize:
    """Odds ratio of a 2x2 table [[a, b], [c, d]] (exposed events, exposed non-events; comparison
    events, comparison non-events) with Woolf's interval; 0.5 is added to every cell when one is
    empty (Haldane-Anscombe), so the ratio stays finite."""
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    log_or = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return EffectSize("odds_ratio", math.exp(log_or), math.exp(log_or - Z95 * se), math.exp(log_or + Z95 * se))


def group_effect_sizes(prep: Prepared, difference: float | None = None) -> tuple[EffectSize, ...]:
    """Unadjusted effect sizes for a two-group exposure: g for continuous outcomes, RD and OR for
    binary ones; `difference` (an adjusted mean difference) sets the numerator of g."""
    if not prep.exposure_info.binary:
        return ()
    y1, y0 = prep.arms()
    n1, n0 = len(y1), len(y0)
    if n1 < 2 or n0 < 2:
        return ()
    if prep.outcome_binary:
        e1, e0 = int(y1.sum()), int(y0.sum())
        return (risk_difference(e1, n1, e0, n0), odds_ratio(e1, n1 - e1, e0, n0 - e0))
    return (hedges_g(float(y1.mean()), float(y0.mean()), float(y1.std(ddof=1)), float(y0.std(ddof=1)),
                     n1, n0, difference),)
