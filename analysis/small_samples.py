"""Exact and simple methods for groups too small for a model's large-sample approximations.

Below about ten people per group (or fewer than two clusters per group when the data are
clustered), regression standard errors and cluster-robust corrections are unreliable. Pilots are
that small, so instead of printing a confident-looking number we switch, and say so: Fisher's exact
test for a binary outcome, a permutation test of the difference in means otherwise (on cluster
means when the exposure is assigned by cluster, so the clustering is respected).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.effect_sizes import group_effect_sizes
from analysis.prepare import Prepared
from analysis.results import AnalysisError, EffectResult, EffectSize

MIN_PER_ARM = 10
MIN_CLUSTERS_PER_ARM = 2
SEED = 2012
N_RESAMPLES = 9999


def too_small(prep: Prepared, *, min_per_arm: int = MIN_PER_ARM,
              min_clusters_per_arm: int = MIN_CLUSTERS_PER_ARM) -> str | None:
    """Why the groups are too small for a model, in words, or None if they are large enough."""
    if not prep.exposure_info.binary:
        return None
    min_per_arm = max(int(min_per_arm), 2)  # a group of one has no spread: a model cannot be fitted
    t = prep.t
    n1, n0 = int((t == 1).sum()), int((t == 0).sum())
    if min(n1, n0) < min_per_arm:
        return (f"Only {n1} people in the exposed group and {n0} in the comparison group "
                f"(fewer than {min_per_arm} in a group)")
    if prep.groups is not None:
        c1 = prep.groups[t == 1].nunique()
        c0 = prep.groups[t == 0].nunique()
        if min(c1, c0) < min_clusters_per_arm:
            return (f"Only {c1} cluster(s) of '{prep.cluster}' in the exposed group and {c0} in the "
                    f"comparison group (fewer than {min_clusters_per_arm} in a group)")
    return None


def exact_result(prep: Prepared, *, requested: str, reason: str, seed: int = SEED,
                 n_resamples: int = N_RESAMPLES) -> EffectResult:
    """Fisher's exact test or a permutation test in place of the `requested` model."""
    notes: list[str] = []
    level = "person"
    if prep.groups is not None:
        if _assigned_by_cluster(prep):
            level = "cluster"
        else:
            notes.append(f"The exposure varies within clusters of '{prep.cluster}', so the exact test "
                         "treats people as independent and ignores the clustering.")
    if prep.outcome_binary and level == "person":
        result = _fisher(prep)
    else:
        result = _permutation(prep, level, seed, n_resamples)
    what = {"fisher_exact": "Fisher's exact test",
            "permutation": "a permutation test of the difference in "
                           + ("cluster means" if level == "cluster" else "means")}[result.method]
    notes.insert(0, f"{reason}: instead of the '{requested}' model, {what} was used, because a model's "
                    "approximations are unreliable with so few. Covariates were not adjusted for.")
    details = dict(result.details, requested_method=requested, reason=reason, level=level,
                   exposure_coding=prep.exposure_info.describe())
    return replace(result, warnings=tuple(dict.fromkeys([*prep.warnings, *notes, *result.warnings])),
                   details=details, covariates=(), cluster=prep.cluster, n_clusters=prep.n_clusters)


def _assigned_by_cluster(prep: Prepared) -> bool:
    return bool((prep.t.groupby(prep.groups).nunique() == 1).all())


def _fisher(prep: Prepared) -> EffectResult:
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio
    from statsmodels.stats.proportion import confint_proportions_2indep

    y1, y0 = prep.arms()
    n1, n0, e1, e0 = len(y1), len(y0), int(y1.sum()), int(y0.sum())
    table = np.array([[e1, n1 - e1], [e0, n0 - e0]])
    p_value = float(fisher_exact(table).pvalue)
    rd = e1 / n1 - e0 / n0
    low, high = confint_proportions_2indep(e1, n1, e0, n0, method="newcomb", compare="diff")
    cond = odds_ratio(table, kind="conditional")
    or_ci = cond.confidence_interval(0.95)
    sizes = (EffectSize("risk_difference", rd, float(low), float(high)),
             EffectSize("odds_ratio", float(cond.statistic), float(or_ci.low), float(or_ci.high)))
    summary = (f"Fisher's exact test (two-sided)\n"
               f"             events  total  proportion\n"
               f"exposed      {e1:6d} {n1:6d}  {e1 / n1:10.3f}\n"
               f"comparison   {e0:6d} {n0:6d}  {e0 / n0:10.3f}\n"
               f"risk difference {rd:.4f} (Newcombe 95% CI {low:.4f} to {high:.4f}), p = {p_value:.4g}\n"
               f"conditional odds ratio {cond.statistic:.4g} (exact 95% CI {or_ci.low:.4g} to {or_ci.high:.4g})")
    return EffectResult(
        method="fisher_exact", outcome=prep.outcome, exposure=prep.exposure, estimate=rd,
        std_error=math.nan, ci_low=float(low), ci_high=float(high), p_value=p_value, n=prep.n,
        scale="difference", effect_sizes=sizes,
        details={"test": "Fisher's exact test, two-sided", "table": table.tolist(),
                 "ci_method": "Newcombe hybrid score interval for the risk difference",
                 "std_error": "an exact test has no standard error"},
        summary=summary)


def _permutation(prep: Prepared, level: str, seed: int, n_resamples: int) -> EffectResult:
    from scipy.stats import permutation_test

    if level == "cluster":
        by = pd.DataFrame({"y": prep.y, "t": prep.t}).groupby(prep.groups)
        means = by.agg(y=("y", "mean"), t=("t", "first"))
        x1, x0 = means.y[means.t == 1].to_numpy(), means.y[means.t == 0].to_numpy()
    else:
        a1, a0 = prep.arms()
        x1, x0 = a1.to_numpy(float), a0.to_numpy(float)
    n1, n0 = len(x1), len(x0)
    diff = float(x1.mean() - x0.mean())

    def distance(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
        # two-sided as "a difference at least this large either way", not scipy's doubled one-sided p
        return np.abs(np.mean(a, axis=axis) - np.mean(b, axis=axis))

    partitions = math.comb(n1 + n0, n1)
    exact = partitions <= n_resamples or min(n1, n0) == 1
    if min(n1, n0) == 1:  # scipy wants two per group; one against the rest is n1 + n0 splits
        pooled = np.r_[x1, x0]
        stats = [distance(pooled[[i]], np.delete(pooled, i), 0) for i in range(len(pooled))]
        p_value = float(np.mean(np.asarray(stats) >= distance(x1, x0, 0) * (1 - 1e-12)))
        partitions = len(pooled)
    else:
        test = permutation_test((x1, x0), distance, permutation_type="independent", vectorized=True,
                                n_resamples=n_resamples, alternative="greater", rng=np.random.default_rng(seed))
        p_value = float(test.pvalue)
    se, df = _welch(x1, x0)
    notes: list[str] = []
    if math.isfinite(se) and se > 0:
        from scipy.stats import t as t_dist

        q = float(t_dist.ppf(0.975, df))
        low, high = diff - q * se, diff + q * se
    else:
        low = high = math.nan
        notes.append("No confidence interval can be given: a group has a single "
                     + ("cluster" if level == "cluster" else "person") + " or no spread.")
    if exact and partitions < 40:
        notes.append(f"With only {partitions} possible ways to split the groups, the smallest p-value "
                     f"the test can give is about {min(1.0, 2 / partitions):.3g}.")
    unit = "cluster" if level == "cluster" else "person"
    summary = (f"Permutation test of the difference in {'cluster ' if level == 'cluster' else ''}means "
               f"({'all ' + str(partitions) + ' splits' if exact else f'{n_resamples} random splits, seed {seed}'})\n"
               f"             {unit + 's':>9}   mean\n"
               f"exposed      {n1:9d}  {x1.mean():.4f}\n"
               f"comparison   {n0:9d}  {x0.mean():.4f}\n"
               f"difference {diff:.4f} (Welch 95% CI {low:.4f} to {high:.4f}), p = {p_value:.4g}")
    return EffectResult(
        method="permutation", outcome=prep.outcome, exposure=prep.exposure, estimate=diff,
        std_error=se, ci_low=low, ci_high=high, p_value=p_value, n=prep.n,
        scale="difference", effect_sizes=group_effect_sizes(prep), warnings=tuple(notes),
        details={"test": "permutation test of the difference in means, two-sided (|difference| at least "
                         "as large as observed)",
                 "permutations": "exact (all splits)" if exact else f"{n_resamples} random, seed {seed}",
                 "units": {"exposed": n1, "comparison": n0},
                 "ci_method": "Welch t interval", "std_error": "Welch"},
        summary=summary)


def _welch(x1: np.ndarray, x0: np.ndarray) -> tuple[float, float]:
    """Welch's standard error of the difference in means and its Satterthwaite degrees of freedom."""
    n1, n0 = len(x1), len(x0)
    if n1 < 2 or n0 < 2:
        return math.nan, math.nan
    v1, v0 = x1.var(ddof=1) / n1, x0.var(ddof=1) / n0
    se = math.sqrt(v1 + v0)
    if se == 0:
        return 0.0, math.nan
    df = (v1 + v0) ** 2 / (v1**2 / (n1 - 1) + v0**2 / (n0 - 1))
    return se, df



COMMON_OPTIONS = frozenset({"exposed", "min_per_arm", "min_clusters_per_arm", "seed", "n_resamples", "summary"})


def check_options(method: str, options: dict, allowed: tuple[str, ...] = ()) -> None:
    """Refuse options a method does not know, so a misspelt option is not silently ignored."""
    unknown = sorted(set(options) - COMMON_OPTIONS - set(allowed))
    if unknown:
        known = ", ".join(sorted(COMMON_OPTIONS | set(allowed)))
        raise AnalysisError(f"Method '{method}' has no option {', '.join(repr(u) for u in unknown)} "
                            f"(its options are: {known}).")


def switch_if_small(prep: Prepared, requested: str, options: dict) -> EffectResult | None:
    """The exact or simple result when the groups are too small for `requested`, else None."""
    reason = too_small(prep, min_per_arm=options.get("min_per_arm", MIN_PER_ARM),
                       min_clusters_per_arm=options.get("min_clusters_per_arm", MIN_CLUSTERS_PER_ARM))
    if reason is None:
        return None
    return exact_result(prep, requested=requested, reason=reason, seed=options.get("seed", SEED),
                        n_resamples=options.get("n_resamples", N_RESAMPLES))
