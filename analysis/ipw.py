"""Inverse probability weighting: the effect of training among the trained (ATT) or among everyone
(ATE), with the propensity to be trained modelled where training was decided.

Training is assigned to providers (or regions), not to the persons they assist, so the propensity
model can be fitted at that level (`assignment_level=`): covariates are averaged per provider,
P(trained) is fitted per provider and handed back to each person. The effect is the difference in
weighted means, i.e. a weighted regression of the outcome on the exposure (normalised, "Hajek"
weights, as Stata's `teffects ipw`). Its default standard error comes from stacking the propensity
model's score equations with the weighted regression's (M-estimation), so that estimating the
propensity is accounted for, as Stata does; clustered by the assignment level or `cluster`.
Trimming, balance, effective sample sizes and overlap are reported because weights can look
precise while resting on a handful of people.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.effect_sizes import group_effect_sizes
from analysis.fitting import quiet
from analysis.prepare import INTERCEPT, Prepared, independent_columns, prepare
from analysis.propensity import PropensityFit, balance_table, crump_bounds, fit_propensity, heaviest_share, kish_ess
from analysis.results import AnalysisError, EffectResult, EffectSize
from analysis.small_samples import MIN_PER_ARM, check_options, switch_if_small

ESTIMANDS = ("att", "ate")
SE_TYPES = ("mestimation", "robust", "bootstrap")
DEFAULT_TRIM = (0.01, 0.99)
OPTIONS = ("estimand", "assignment_level", "link", "trim", "se", "n_boot")
SMD_LIMIT = 0.1
LOW_ESS_SHARE = 0.3
HEAVY_SHARE = 0.1


@dataclass(frozen=True)
class _Layout:
    """Where the propensity lives (units) and where the outcome lives (persons)."""

    design: pd.DataFrame  # one row per unit: intercept and (averaged) covariates
    t_units: np.ndarray
    unit_of: np.ndarray  # person -> unit row
    cluster_of: np.ndarray | None  # person -> cluster code; None = persons independent
    unit_cluster: np.ndarray | None  # unit -> cluster code
    cluster_name: str | None
    level: str | None
    notes: tuple[str, ...]


@quiet
def fit_ipw(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
            cluster: str | None = None, **options: Any) -> EffectResult:
    """Inverse-probability-weighted effect of a binary exposure on `outcome`.

    Options: `estimand` "att" (default, the effect among the exposed) or "ate"; `assignment_level`
    a column (provider, region) at which the exposure was assigned; `link` "logit" (default) or
    "probit"; `trim` (low, high) bounds on the propensity (default (0.01, 0.99)), "crump" for
    Crump et al.'s rule, or None; `se` "mestimation" (default), "robust" (weights taken as known)
    or "bootstrap" (`n_boot`, `seed`); and the common `exposed`, `min_per_arm`, `summary`.
    Raises AnalysisError when the groups do not overlap, every person of a group is trimmed, the
    exposure varies within an assignment unit, or the data are otherwise unusable.
    """
    check_options("ipw", options, OPTIONS)
    estimand = _choice(options.get("estimand", "att"), ESTIMANDS, "estimand")
    se_type = _choice(options.get("se", "mestimation"), SE_TYPES, "se")
    level = options.get("assignment_level")
    prep = prepare(df, outcome, exposure, covariates, cluster, extra=(level,) if level else (),
                   need_binary_exposure=True, exposed=options.get("exposed"), method="ipw")
    small = switch_if_small(prep, "ipw", options)
    if small is not None:
        return small
    layout = _layout(prep, level)
    what = f"who was exposed ('{exposure}')" + (f" among units of '{level}'" if level else "")
    ps = fit_propensity(layout.design, layout.t_units, options.get("link", "logit"), what=what)
    bounds, trim_note = _bounds(options.get("trim", DEFAULT_TRIM), ps.p)
    t = prep.t.to_numpy(dtype=float)
    y = prep.y.to_numpy(dtype=float)
    kept_units = (ps.p >= bounds[0]) & (ps.p <= bounds[1])
    kept = kept_units[layout.unit_of]
    _check_arms_left(t, kept, bounds, exposure)
    _check_enough_left(t, kept, bounds, exposure, options.get("min_per_arm", MIN_PER_ARM))
    p = ps.p[layout.unit_of]
    w, dw = _weights(p, t, estimand)
    w = np.where(kept, w, 0.0)
    estimate = _weighted_difference(y, t, w)

    notes: list[str] = [*layout.notes, *ps.notes, *([trim_note] if trim_note else [])]
    if not ps.converged:
        notes.append("The propensity model did not converge; the weights may be unreliable.")
    if not prep.covariates:
        notes.append("No covariates: the propensity is just the share exposed, so the weighted estimate "
                     "equals the unadjusted difference in means.")
    if se_type == "bootstrap":
        inf = _bootstrap(prep, layout, ps, options, estimand, bounds, estimate)
    else:
        inf = _sandwich_inference(ps, layout, t, y, w, dw, kept, estimate, estimand, se_type)
    notes.extend(inf.pop("notes"))

    balance = balance_table(prep.X.drop(columns=[INTERCEPT, exposure]), t, w, kept,
                            "exposed" if estimand == "att" else "pooled")
    ess = {"exposed": kish_ess(w[(t == 1) & kept]), "comparison": kish_ess(w[(t == 0) & kept])}
    n_arm = {"exposed": int(((t == 1) & kept).sum()), "comparison": int(((t == 0) & kept).sum())}
    notes.extend(_overlap_notes(prep, t, w, kept, ps, layout, bounds, ess, n_arm, balance, estimand))

    sizes = _effect_sizes(prep, estimate, inf)
    details = {
        "exposure_coding": prep.exposure_info.describe(),
        "estimand": estimand,
        "estimand_description": ("average effect among the exposed (ATT)" if estimand == "att"
                                 else "average effect in the whole population (ATE)"),
        "propensity_model": {"link": ps.link, "level": level or "row",
                             "n_units": int(len(ps.p)), "covariates": list(prep.covariates),
                             "coefficients_standardised": ps.coefficients(),
                             "note": "coefficients are per standard deviation of each covariate"
                                     + (f" (covariates averaged per '{level}')" if level else "")},
        "propensity_by_group": _propensity_summary(p, t),
        "trim": {"bounds": list(bounds), "rule": _trim_rule(options.get("trim", DEFAULT_TRIM)),
                 "trimmed_exposed": int(((t == 1) & ~kept).sum()),
                 "trimmed_comparison": int(((t == 0) & ~kept).sum()),
                 "trimmed_units": int((~kept_units).sum())},
        "effective_sample_size": ess, "n_by_group": n_arm,
        "weights": {"max_exposed": float(w[(t == 1) & kept].max()),
                    "max_comparison": float(w[(t == 0) & kept].max()),
                    "heaviest_share_comparison": heaviest_share(w[(t == 0) & kept]),
                    "heaviest_share_exposed": heaviest_share(w[(t == 1) & kept])},
        "balance": balance,
        "smd_denominator": "SD of the exposed group" if estimand == "att" else "pooled SD of both groups",
        "assignment_level": level,
        **{k: v for k, v in inf.items() if k not in ("std_error", "ci_low", "ci_high", "p_value", "n_clusters")},
    }
    result = EffectResult(
        method="ipw", outcome=outcome, exposure=exposure, estimate=estimate, std_error=inf["std_error"],
        ci_low=inf["ci_low"], ci_high=inf["ci_high"], p_value=inf["p_value"], n=int(kept.sum()),
        n_clusters=inf["n_clusters"], effect_sizes=sizes,
        warnings=tuple(dict.fromkeys([*prep.warnings, *notes])), converged=ps.converged,
        covariates=prep.covariates, cluster=layout.cluster_name, details=details)
    if options.get("summary", True):
        from dataclasses import replace

        result = replace(result, summary=_summary(result))
    return result


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise AnalysisError(f"{name}={value!r} is not known; choose one of: {', '.join(allowed)}.")
    return text


def _layout(prep: Prepared, level: str | None) -> _Layout:
    """Units for the propensity model, and clusters for the standard errors."""
    design = prep.X.drop(columns=[prep.exposure])
    notes: list[str] = []
    cluster = prep.cluster
    if level is None:
        unit_of = np.arange(prep.n)
        t_units = prep.t.to_numpy(dtype=float)
        units = design.reset_index(drop=True)
    else:
        codes, uniques = pd.factorize(prep.data[level], sort=True)
        varies = prep.t.groupby(codes).nunique()
        if (varies > 1).any():
            bad = [str(uniques[i]) for i in varies.index[varies > 1][:5]]
            raise AnalysisError(
                f"The exposure '{prep.exposure}' differs between rows of the same '{level}' (for example "
                f"{', '.join(bad)}), so it was not assigned at that level: choose another assignment_level "
                "or leave it out.")
        units = design.groupby(codes).mean().reset_index(drop=True)
        units = _independent_columns(units, notes, level)
        t_units = prep.t.groupby(codes).first().to_numpy(dtype=float)
        unit_of = codes
        if len(units) <= units.shape[1] + 1:
            raise AnalysisError(f"Only {len(units)} units of '{level}' for a propensity model with "
                                f"{units.shape[1]} parameters: use fewer covariates.")
        if cluster is None:
            cluster = level
            notes.append(f"The exposure was assigned per '{level}', so the standard errors are clustered "
                         f"by '{level}'.")
    if cluster is None:
        return _Layout(units, t_units, unit_of, None, None, None, level, tuple(notes))
    cluster_codes = pd.factorize(prep.data[cluster], sort=True)[0]
    unit_cluster = np.full(len(units), -1)
    unit_cluster[unit_of] = cluster_codes
    if level is not None and level != cluster:
        spread = pd.Series(cluster_codes).groupby(unit_of).nunique()
        if (spread > 1).any():
            raise AnalysisError(f"Some units of '{level}' belong to more than one '{cluster}': the clusters "
                                f"must contain whole units of '{level}' (or cluster by '{level}').")
    if len(np.unique(cluster_codes)) < 2:
        raise AnalysisError(f"All rows belong to one cluster of '{cluster}': cluster-robust standard errors "
                            "need at least two clusters.")
    return _Layout(units, t_units, unit_of, cluster_codes, unit_cluster, cluster, level, tuple(notes))


def _independent_columns(units: pd.DataFrame, notes: list[str], level: str) -> pd.DataFrame:
    keep = independent_columns(units.to_numpy(dtype=float))
    for j, col in enumerate(units.columns):
        if j not in keep:
            notes.append(f"Averaged per '{level}', the covariate column '{col}' adds nothing (it is constant "
                         "or determined by the others at that level); it was left out of the propensity model.")
    return units.iloc[:, keep]


def _bounds(trim: Any, p: np.ndarray) -> tuple[tuple[float, float], str]:
    if trim is None or trim is False:
        return (0.0, 1.0), ""
    if isinstance(trim, str):
        if trim.strip().lower() != "crump":
            raise AnalysisError(f"trim={trim!r} is not known; give (low, high) bounds, 'crump' or None.")
        low, high = crump_bounds(p)
        return (low, high), (f"Crump et al.'s rule chose to keep propensities between {low:.3f} and {high:.3f}."
                             if low > 0 else "")
    try:
        low, high = (float(v) for v in trim)
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"trim={trim!r} must be two numbers (low, high), 'crump' or None.") from exc
    if not 0 <= low < high <= 1:
        raise AnalysisError(f"trim bounds must satisfy 0 <= low < high <= 1 (got {low}, {high}).")
    return (low, high), ""


def _trim_rule(trim: Any) -> str:
    if trim is None or trim is False:
        return "none"
    return "crump" if isinstance(trim, str) else "fixed bounds"


def _check_arms_left(t: np.ndarray, kept: np.ndarray, bounds: tuple[float, float], exposure: str) -> None:
    for arm, name in ((1, "exposed"), (0, "comparison")):
        if not ((t == arm) & kept).any():
            raise AnalysisError(
                f"Every person in the {name} group of '{exposure}' has a propensity outside the trimming "
                f"bounds [{bounds[0]:.3g}, {bounds[1]:.3g}], so all were trimmed: the groups do not overlap "
                "enough to compare. Use fewer covariates or wider bounds.")


def _check_enough_left(t: np.ndarray, kept: np.ndarray, bounds: tuple[float, float], exposure: str,
                       min_per_arm: int) -> None:
    """Refuse an estimate from a handful of people left inside the trimming bounds: when the
    propensity model (nearly) separates the groups, everyone else is trimmed and the 'effect' would
    be the difference between one or two people, not a comparison of like with like."""
    n1, n0 = int(((t == 1) & kept).sum()), int(((t == 0) & kept).sum())
    floor = max(int(min_per_arm), 2)
    if min(n1, n0) < floor:
        raise AnalysisError(
            f"After trimming to propensities in [{bounds[0]:.3g}, {bounds[1]:.3g}], only {n1} exposed and {n0} "
            f"comparison people are left (fewer than {floor} in a group): the covariates (nearly) predict who was "
            f"exposed ('{exposure}'), so weighting has almost no one to compare. Use fewer or coarser covariates, "
            "or a regression method.")


def _weights(p: np.ndarray, t: np.ndarray, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights and their derivative with respect to the propensity."""
    if estimand == "ate":
        return t / p + (1 - t) / (1 - p), -t / p**2 + (1 - t) / (1 - p) ** 2
    return t + (1 - t) * p / (1 - p), (1 - t) / (1 - p) ** 2


def _weighted_difference(y: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    return float(np.average(y[t == 1], weights=w[t == 1]) - np.average(y[t == 0], weights=w[t == 0]))


def _sandwich_inference(ps: PropensityFit, layout: _Layout, t: np.ndarray, y: np.ndarray, w: np.ndarray,
                        dw: np.ndarray, kept: np.ndarray, estimate: float, estimand: str,
                        se_type: str) -> dict[str, Any]:
    """Sandwich variance of the weighted difference; with se_type 'mestimation' the propensity
    model's score equations are stacked in, so its estimation error is accounted for."""
    Xo = np.column_stack([np.ones_like(t), t])
    b = np.linalg.solve(Xo.T @ (w[:, None] * Xo), Xo.T @ (w * y))
    e = np.where(kept, y - Xo @ b, 0.0)
    outcome_scores = (w * e)[:, None] * Xo
    bread_bb = -(Xo.T @ (w[:, None] * Xo))
    clustered = layout.cluster_of is not None
    person_cluster = layout.cluster_of if clustered else np.arange(len(y))
    n_groups = int(person_cluster.max()) + 1
    if se_type == "mestimation":
        k = ps.Z.shape[1]
        gamma_scores = ps.model.score_obs(ps.params)
        dens = ps.density()[layout.unit_of]
        bread = np.zeros((k + 2, k + 2))
        bread[:k, :k] = ps.model.hessian(ps.params)
        bread[k:, :k] = ((dw * dens * e * (w > 0))[:, None] * Xo).T @ ps.Z[layout.unit_of]
        bread[k:, k:] = bread_bb
        sums = np.zeros((n_groups, k + 2))
        unit_cluster = layout.unit_cluster if clustered else np.arange(len(ps.p))  # unclustered: units are rows
        np.add.at(sums[:, :k], unit_cluster, gamma_scores)
        np.add.at(sums[:, k:], person_cluster, outcome_scores)
        factor = n_groups / (n_groups - 1) if clustered else 1.0
        kind = ("M-estimation sandwich (accounts for the estimated propensity, as Stata's teffects)"
                + (f", clustered by '{layout.cluster_name}'" if clustered else ""))
    else:
        bread = bread_bb
        sums = np.zeros((n_groups, 2))
        np.add.at(sums, person_cluster, outcome_scores)
        n_used = int(kept.sum())
        factor = (n_groups / (n_groups - 1) * (n_used - 1) / (n_used - 2)) if clustered else n_used / (n_used - 2)
        kind = ("robust sandwich of the weighted regression, weights taken as known ("
                + (f"CR1, clustered by '{layout.cluster_name}')" if clustered else "HC1)"))
    inv = np.linalg.inv(bread)
    cov = factor * inv @ (sums.T @ sums) @ inv.T
    se = float(math.sqrt(cov[-1, -1]))
    out = _finish(estimate, se, n_groups if clustered else None, kind)
    out["comparison_potential_outcome_mean"] = {
        "estimate": float(b[0]), "std_error": float(math.sqrt(cov[-2, -2])),
        "meaning": "weighted mean outcome of the comparison group: what the "
                   + ("exposed" if estimand == "att" else "whole population") + " would average without the exposure"}
    return out


def _finish(estimate: float, se: float, n_clusters: int | None, kind: str) -> dict[str, Any]:
    from scipy import stats

    if n_clusters is not None:
        df = n_clusters - 1
        q = float(stats.t.ppf(0.975, df))
        p = float(2 * stats.t.sf(abs(estimate / se), df)) if se > 0 else math.nan
        inference = f"t with {df} degrees of freedom (clusters - 1)"
    else:
        q = float(stats.norm.ppf(0.975))
        p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else math.nan
        inference = "normal (z)"
    return {"std_error": se, "ci_low": estimate - q * se, "ci_high": estimate + q * se, "p_value": p,
            "n_clusters": n_clusters, "std_error_type": kind, "inference": inference, "notes": []}


def _bootstrap(prep: Prepared, layout: _Layout, ps: PropensityFit, options: dict[str, Any], estimand: str,
               bounds: tuple[float, float], estimate: float) -> dict[str, Any]:
    """Resample clusters (or units, or persons), refit the propensity, re-trim and re-weight."""
    n_boot = int(options.get("n_boot", 999))
    seed = int(options.get("seed", 2012))
    crump = isinstance(options.get("trim", DEFAULT_TRIM), str)
    if n_boot < 50:
        raise AnalysisError("n_boot must be at least 50 for a bootstrap standard error.")
    rng = np.random.default_rng(seed)
    t = prep.t.to_numpy(dtype=float)
    y = prep.y.to_numpy(dtype=float)
    groups = layout.cluster_of if layout.cluster_of is not None else layout.unit_of
    group_units = layout.unit_cluster if layout.unit_cluster is not None else np.arange(len(ps.p))
    n_groups = int(groups.max()) + 1
    person_order, person_start, person_count = _grouped(groups, n_groups)
    unit_order, unit_start, unit_count = _grouped(group_units, n_groups)
    local_unit = np.empty(len(ps.p), dtype=int)  # a unit's position among its group's units
    local_unit[unit_order] = np.arange(len(unit_order)) - np.repeat(unit_start, unit_count)
    draws: list[float] = []
    for _ in range(n_boot):
        chosen = rng.integers(0, n_groups, n_groups)
        unit_rows = _take(unit_order, unit_start, unit_count, chosen)
        rows = _take(person_order, person_start, person_count, chosen)
        offsets = np.cumsum(unit_count[chosen]) - unit_count[chosen]
        unit_idx = np.repeat(offsets, person_count[chosen]) + local_unit[layout.unit_of[rows]]
        try:
            fit = fit_propensity(layout.design.iloc[unit_rows], layout.t_units[unit_rows], ps.link)
        except AnalysisError:
            continue
        low, high = crump_bounds(fit.p) if crump else bounds
        p = fit.p[unit_idx]
        tb, keep = t[rows], (p >= low) & (p <= high)
        if not (((tb == 1) & keep).any() and ((tb == 0) & keep).any()):
            continue
        w = np.where(keep, _weights(p, tb, estimand)[0], 0.0)
        draws.append(_weighted_difference(y[rows], tb, w))
    if len(draws) < 0.9 * n_boot:
        raise AnalysisError(f"Only {len(draws)} of {n_boot} bootstrap samples could be analysed (in the others "
                            "a group vanished or the propensity model separated): the groups overlap too little "
                            "for a bootstrap.")
    from scipy import stats

    arr = np.asarray(draws)
    se = float(arr.std(ddof=1))
    p_value = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else math.nan
    unit = f"clusters of '{layout.cluster_name}'" if layout.cluster_name else (
        f"units of '{layout.level}'" if layout.level else "rows")
    notes = [f"Standard error and 95% CI from a bootstrap of {len(draws)} resamples of {unit} (seed {seed}), "
             "refitting the propensity model each time; the CI is the percentile interval and the p-value uses "
             "the normal approximation with the bootstrap standard error."]
    if len(draws) < n_boot:
        notes.append(f"{n_boot - len(draws)} of {n_boot} bootstrap samples could not be analysed and were skipped.")
    return {"std_error": se, "ci_low": float(np.quantile(arr, 0.025)), "ci_high": float(np.quantile(arr, 0.975)),
            "p_value": p_value, "n_clusters": n_groups if layout.cluster_name else None,
            "std_error_type": f"bootstrap ({len(draws)} resamples of {unit}, seed {seed})",
            "inference": "bootstrap percentile interval", "bootstrap_replicates": len(draws), "notes": notes}


def _grouped(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by group, where each group starts in that order, and its size."""
    order = np.argsort(codes, kind="stable")
    count = np.bincount(codes, minlength=n_groups)
    return order, np.cumsum(count) - count, count


def _take(order: np.ndarray, start: np.ndarray, count: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The rows of the chosen groups, in the order chosen (repeats included), without a Python loop."""
    lengths = count[chosen]
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return order[np.repeat(start[chosen], lengths) + within]


def _overlap_notes(prep: Prepared, t: np.ndarray, w: np.ndarray, kept: np.ndarray, ps: PropensityFit,
                   layout: _Layout, bounds: tuple[float, float], ess: dict[str, float], n_arm: dict[str, int],
                   balance: list[dict[str, Any]], estimand: str) -> list[str]:
    notes: list[str] = []
    dropped = int((~kept).sum())
    if dropped:
        d1, d0 = int(((t == 1) & ~kept).sum()), int(((t == 0) & ~kept).sum())
        where = f" ({int((ps.p < bounds[0]).sum() + (ps.p > bounds[1]).sum())} units of '{layout.level}')" \
            if layout.level else ""
        notes.append(f"{dropped} of {len(t)} people ({d1} exposed, {d0} comparison){where} had a propensity "
                     f"outside [{bounds[0]:.3g}, {bounds[1]:.3g}] and were left out (trimmed): the estimate "
                     "describes the people for whom the groups overlap, not everyone.")
    for arm, name in ((1, "exposed"), (0, "comparison")):
        if estimand == "att" and arm == 1:
            continue  # the exposed all weigh 1 for the ATT
        share = heaviest_share(w[(t == arm) & kept])
        if share > HEAVY_SHARE:
            notes.append(f"One person in the {name} group carries {share:.0%} of that group's total weight: "
                         "the estimate leans heavily on a few people whose propensity is extreme.")
        if ess[name] < LOW_ESS_SHARE * n_arm[name]:
            notes.append(f"After weighting, the {n_arm[name]} people of the {name} group count as only "
                         f"{ess[name]:.0f} (Kish's effective sample size): the groups overlap poorly and the "
                         "estimate is less precise than the numbers suggest.")
    p = ps.p[layout.unit_of]
    p1, p0 = p[(t == 1) & kept], p[(t == 0) & kept]
    outside = int(((t == 1) & kept & (p > p0.max())).sum())
    if estimand == "ate":  # for the ATT, comparison people unlike any exposed one just get little weight
        outside += int(((t == 0) & kept & (p < p1.min())).sum())
    if outside:
        notes.append(f"{outside} people have a propensity beyond the range of the other group (no one comparable "
                     "there); their comparison rests on extrapolation.")
    poor = [row for row in balance if abs(row["smd_after"]) > SMD_LIMIT]
    for row in poor[:5]:
        notes.append(f"After weighting, '{row['covariate']}' is still imbalanced (standardised difference "
                     f"{row['smd_after']:.2f}, above {SMD_LIMIT}): the propensity model may need an interaction "
                     "or a non-linear term.")
    return notes


def _propensity_summary(p: np.ndarray, t: np.ndarray) -> dict[str, dict[str, float]]:
    out = {}
    for arm, name in ((1, "exposed"), (0, "comparison")):
        q = np.quantile(p[t == arm], [0, 0.25, 0.5, 0.75, 1])
        out[name] = dict(zip(("min", "q25", "median", "q75", "max"), (float(v) for v in q), strict=True))
    return out


def _effect_sizes(prep: Prepared, estimate: float, inf: dict[str, Any]) -> tuple[EffectSize, ...]:
    if prep.outcome_binary:
        return (EffectSize("risk_difference", estimate, inf["ci_low"], inf["ci_high"]),)
    return tuple(s for s in group_effect_sizes(prep, difference=estimate) if s.name == "hedges_g")


def _summary(result: EffectResult) -> str:
    d = result.details
    bal = d["balance"]
    worst_before = max((abs(r["smd_before"]) for r in bal), default=math.nan)
    worst_after = max((abs(r["smd_after"]) for r in bal), default=math.nan)
    return "\n".join([
        f"Inverse probability weighting, {d['estimand_description']}",
        f"propensity: {d['propensity_model']['link']} at the level of {d['propensity_model']['level']}, "
        f"{d['propensity_model']['n_units']} units; trimmed to [{d['trim']['bounds'][0]:.3g}, "
        f"{d['trim']['bounds'][1]:.3g}]: {d['trim']['trimmed_exposed']} exposed and "
        f"{d['trim']['trimmed_comparison']} comparison left out",
        f"{'':12}{'n':>7}{'ESS':>10}",
        f"{'exposed':12}{d['n_by_group']['exposed']:7d}{d['effective_sample_size']['exposed']:10.1f}",
        f"{'comparison':12}{d['n_by_group']['comparison']:7d}{d['effective_sample_size']['comparison']:10.1f}",
        f"largest |standardised difference|: {worst_before:.3f} before, {worst_after:.3f} after weighting",
        f"effect {result.estimate:.4f}, SE {result.std_error:.4f} ({d['std_error_type']}), "
        f"95% CI {result.ci_low:.4f} to {result.ci_high:.4f}, p = {result.p_value:.4g}",
    ])
