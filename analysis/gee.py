"""Generalised estimating equations: population-average effects for clustered data.

An exchangeable working correlation (everyone assisted by one provider equally alike) and robust
(sandwich) standard errors that stay valid if that guess is wrong. The sandwich is biased downward
when clusters are few, as in a regional pilot: below FEW_CLUSTERS we use the bias-reduced
(Mancl-DeRouen) covariance and t with G - 1 degrees of freedom, and say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.effect_sizes import group_effect_sizes, safe_exp
from analysis.fitting import captured_warnings, check_model_size, coefficient_table, model_result, quiet
from analysis.prepare import Prepared, prepare
from analysis.results import AnalysisError, EffectResult, EffectSize
from analysis.small_samples import check_options, switch_if_small

FEW_CLUSTERS = 40
FAMILIES = ("gaussian", "binomial", "poisson")
SCALES = {"gaussian": "difference", "binomial": "log_odds", "poisson": "log_rate"}


@quiet
def fit_gee(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
            cluster: str | None = None, **options: Any) -> EffectResult:
    """GEE with exchangeable working correlation, clustered by `cluster`.

    Options: `family` ("gaussian", "binomial" or "poisson"; by default binomial for a 0/1 outcome,
    gaussian otherwise), `few_clusters` (threshold for the bias-reduced covariance, default 40),
    `maxiter`. Raises AnalysisError without a cluster column or for an outcome the family cannot
    take (a binomial outcome must be 0/1, a Poisson one non-negative).
    """
    check_options("gee", options, ("family", "few_clusters", "maxiter"))
    if not cluster:
        raise AnalysisError("GEE needs a cluster column (the provider, say): give cluster=.")
    prep = prepare(df, outcome, exposure, covariates, cluster, exposed=options.get("exposed"), method="gee")
    family = _family_name(prep, options.get("family"))
    if small := switch_if_small(prep, "gee", options):
        return small
    check_model_size(prep)
    return _fit(prep, family, few=int(options.get("few_clusters", FEW_CLUSTERS)),
                maxiter=int(options.get("maxiter", 100)), summary=options.get("summary", True))


def _family_name(prep: Prepared, family: str | None) -> str:
    name = (family or ("binomial" if prep.outcome_binary else "gaussian")).lower()
    if name not in FAMILIES:
        raise AnalysisError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}.")
    if name == "binomial" and not prep.outcome_binary:
        raise AnalysisError(f"family 'binomial' needs an outcome coded 0/1; '{prep.outcome}' has other values.")
    if name == "poisson" and ((prep.y < 0).any() or not (prep.y == prep.y.round()).all()):
        raise AnalysisError(f"family 'poisson' needs counts (whole numbers from 0); '{prep.outcome}' has others.")
    return name


def _fit(prep: Prepared, family: str, *, few: int, maxiter: int, summary: bool = True) -> EffectResult:
    from statsmodels.genmod import families
    from statsmodels.genmod.cov_struct import Exchangeable
    from statsmodels.genmod.generalized_estimating_equations import GEE

    fam = {"gaussian": families.Gaussian, "binomial": families.Binomial, "poisson": families.Poisson}[family]()
    g = int(prep.n_clusters or 0)
    bias_reduced = g < few
    try:
        with captured_warnings() as notes:
            model = GEE(prep.y, prep.X, groups=pd.factorize(prep.groups)[0], family=fam,
                        cov_struct=Exchangeable())
            fitted = model.fit(maxiter=maxiter, cov_type="bias_reduced" if bias_reduced else "robust")
    except Exception as exc:  # singular designs raise from inside statsmodels
        raise AnalysisError(f"The GEE model could not be fitted ({type(exc).__name__}: {exc}).") from exc
    converged = bool(getattr(fitted, "converged", True))
    details: dict[str, Any] = {
        "family": family, "working_correlation": "exchangeable",
        "within_cluster_correlation": float(model.cov_struct.dep_params),
        "std_error_type": "bias-reduced (Mancl-DeRouen) sandwich" if bias_reduced else "robust sandwich"}
    if bias_reduced:
        notes.append(f"Only {g} clusters of '{prep.cluster}' (fewer than {few}): the standard errors use the "
                     f"bias-reduced (Mancl-DeRouen) correction and the interval and p-value use t with "
                     f"{g - 1} degrees of freedom.")
    result = model_result(prep, fitted, method="gee", scale=SCALES[family], warnings_=notes,
                          converged=converged, details=details, summary=summary)
    if bias_reduced:
        result = _t_inference(result, fitted, g - 1)
    return _with_effect_sizes(result, prep, family)


def _t_inference(result: EffectResult, fitted: Any, df: int) -> EffectResult:
    """Interval and p-value from t with `df` degrees of freedom instead of the normal."""
    from dataclasses import replace

    from scipy.stats import t as t_dist

    q = float(t_dist.ppf(0.975, df))
    est, se = result.estimate, result.std_error
    p = float(2 * t_dist.sf(abs(est / se), df)) if se > 0 else math.nan
    pvalues = pd.Series(2 * t_dist.sf((fitted.params / fitted.bse).abs(), df), index=fitted.params.index)
    details = dict(result.details, inference=f"t with {df} degrees of freedom",
                   coefficients=coefficient_table(fitted.params, fitted.bse, pvalues))
    return replace(result, ci_low=est - q * se, ci_high=est + q * se, p_value=p, details=details)


def _with_effect_sizes(result: EffectResult, prep: Prepared, family: str) -> EffectResult:
    from dataclasses import replace

    est, low, high = result.estimate, result.ci_low, result.ci_high
    if family == "binomial":
        sizes: tuple[EffectSize, ...] = (EffectSize("odds_ratio", safe_exp(est), safe_exp(low), safe_exp(high)),)
    elif family == "poisson":
        sizes = (EffectSize("rate_ratio", safe_exp(est), safe_exp(low), safe_exp(high)),)
    else:
        sizes = group_effect_sizes(prep, difference=est) if prep.exposure_info.binary else ()
    return replace(result, effect_sizes=sizes)
