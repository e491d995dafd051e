"""The workhorse estimators: difference in means, linear regression and logistic regression.

`diff` is what a reader can check by hand; `ols` adjusts for covariates and, given a cluster
column (the provider who assisted, say), uses cluster-robust CR1 standard errors with G - 1
degrees of freedom, because people assisted by the same provider are not independent; `logit`
answers on the odds scale and, through average marginal effects, on the probability scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.effect_sizes import group_effect_sizes, odds_ratio, safe_exp
from analysis.fitting import SEPARATION, captured_warnings, check_model_size, model_result, quiet
from analysis.prepare import Prepared, prepare
from analysis.results import AnalysisError, EffectResult, EffectSize
from analysis.small_samples import check_options, switch_if_small

FEW_CLUSTERS = 40
#: The normal 97.5% quantile: the average marginal effect's interval is a z interval, as the
#: delta-method margins of statsmodels give it.
_Z975 = 1.959963984540054


@quiet
def fit_diff(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
             cluster: str | None = None, **options: Any) -> EffectResult:
    """Difference in means, exposed minus comparison, with the classical pooled-variance SE.

    Welch's unequal-variance t is given alongside in `details["welch"]`. With a cluster column
    the SE is cluster-robust (CR1) instead. Covariates are not used (a warning says so).
    Raises AnalysisError for a non-binary exposure and the other input problems `prepare` finds.
    """
    check_options("diff", options)
    prep = prepare(df, outcome, exposure, (), cluster, need_binary_exposure=True,
                   exposed=options.get("exposed"), method="diff")
    if covariates:
        prep = prep.with_warning("Method 'diff' compares raw group means; the covariates were not used "
                                 "(use method 'ols' to adjust for them).")
    if small := switch_if_small(prep, "diff", options):
        return small
    if prep.groups is not None:
        return _ols(prep, method="diff", summary=options.get("summary", True))
    return _classical_diff(prep)


@quiet
def fit_ols(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
            cluster: str | None = None, **options: Any) -> EffectResult:
    """Linear regression of the outcome on the exposure and covariates (a linear probability
    model when the outcome is binary); classical SE, or cluster-robust CR1 with df = G - 1."""
    check_options("ols", options)
    prep = prepare(df, outcome, exposure, covariates, cluster, exposed=options.get("exposed"), method="ols")
    if small := switch_if_small(prep, "ols", options):
        return small
    return _ols(prep, method="ols", summary=options.get("summary", True))


@quiet
def fit_logit(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
              cluster: str | None = None, **options: Any) -> EffectResult:
    """Logistic regression; the estimate is a log odds ratio, with the odds ratio, the average
    marginal effect and (for a binary exposure) the covariate-standardised risk difference.

    Raises AnalysisError for a non-binary outcome and for perfect separation.
    """
    check_options("logit", options, ("maxiter",))
    prep = prepare(df, outcome, exposure, covariates, cluster, exposed=options.get("exposed"), method="logit")
    if not prep.outcome_binary:
        values = ", ".join(f"{v:g}" for v in sorted(prep.y.unique())[:6])
        raise AnalysisError(f"Method 'logit' needs a binary outcome coded 0/1 (or true/false); "
                            f"'{outcome}' has the values {values}{', ...' if prep.y.nunique() > 6 else ''}.")
    if small := switch_if_small(prep, "logit", options):
        return small
    check_model_size(prep)
    _check_separation(prep)
    return _logit(prep, maxiter=int(options.get("maxiter", 100)), summary=options.get("summary", True))


def _classical_diff(prep: Prepared) -> EffectResult:
    from scipy.stats import t as t_dist

    y1, y0 = prep.arms()
    n1, n0 = len(y1), len(y0)
    m1, m0, s1, s0 = float(y1.mean()), float(y0.mean()), float(y1.std(ddof=1)), float(y0.std(ddof=1))
    diff = m1 - m0
    df = n1 + n0 - 2
    pooled = math.sqrt(((n1 - 1) * s1**2 + (n0 - 1) * s0**2) / df)
    se = pooled * math.sqrt(1 / n1 + 1 / n0)
    welch_se = math.sqrt(s1**2 / n1 + s0**2 / n0)
    welch_df = (s1**2 / n1 + s0**2 / n0) ** 2 / ((s1**2 / n1) ** 2 / (n1 - 1) + (s0**2 / n0) ** 2 / (n0 - 1))

    def inference(se_: float, df_: float) -> tuple[float, float, float, float]:
        if not se_ > 0:
            return math.nan, math.nan, math.nan, math.nan
        stat = diff / se_
        q = float(t_dist.ppf(0.975, df_))
        return stat, float(2 * t_dist.sf(abs(stat), df_)), diff - q * se_, diff + q * se_

    t_stat, p, low, high = inference(se, df)
    w_stat, w_p, w_low, w_high = inference(welch_se, welch_df)
    notes = [] if se > 0 else ["Both groups have no spread in the outcome, so no standard error can be given."]
    sizes = group_effect_sizes(prep)
    if prep.outcome_binary:
        notes.append("The outcome is binary: the difference in means is a difference in proportions "
                     "(risk difference).")
    summary = "\n".join([
        "Difference in means (two-sample t-test, pooled variance)",
        f"{'':12}{'n':>7}{'mean':>12}{'sd':>12}",
        f"{'exposed':12}{n1:7d}{m1:12.4f}{s1:12.4f}",
        f"{'comparison':12}{n0:7d}{m0:12.4f}{s0:12.4f}",
        f"difference {diff:.4f}, SE {se:.4f}, t = {t_stat:.3f} on {df} df, p = {p:.4g}, "
        f"95% CI {low:.4f} to {high:.4f}",
        f"Welch: SE {welch_se:.4f}, t = {w_stat:.3f} on {welch_df:.1f} df, p = {w_p:.4g}, "
        f"95% CI {w_low:.4f} to {w_high:.4f}",
    ])
    return EffectResult(
        method="diff", outcome=prep.outcome, exposure=prep.exposure, estimate=diff, std_error=se,
        ci_low=low, ci_high=high, p_value=p, n=prep.n, effect_sizes=sizes,
        warnings=tuple(dict.fromkeys([*prep.warnings, *notes])),
        details={"exposure_coding": prep.exposure_info.describe(),
                 "groups": {"exposed": {"n": n1, "mean": m1, "sd": s1},
                            "comparison": {"n": n0, "mean": m0, "sd": s0}},
                 "std_error_type": "classical (pooled variance)",
                 "inference": f"t with {df} degrees of freedom",
                 "t": t_stat, "df": df,
                 "welch": {"std_error": welch_se, "t": w_stat, "df": welch_df, "p_value": w_p,
                           "ci_low": w_low, "ci_high": w_high}},
        summary=summary)


def _ols(prep: Prepared, *, method: str, summary: bool = True) -> EffectResult:
    from statsmodels.regression.linear_model import OLS

    check_model_size(prep)
    model = OLS(prep.y, prep.X)
    with captured_warnings() as notes:
        if prep.groups is not None:
            codes = pd.factorize(prep.groups)[0]
            fitted = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        else:
            fitted = model.fit()
    notes = notes + _few_clusters_note(prep)
    estimate = float(fitted.params[prep.exposure])
    details: dict[str, Any] = {
        "std_error_type": ("cluster-robust CR1 (small-sample corrected), by " + repr(prep.cluster))
        if prep.groups is not None else "classical (homoskedastic)",
        "r_squared": float(fitted.rsquared)}
    sizes: tuple[EffectSize, ...] = ()
    if prep.exposure_info.binary and prep.outcome_binary:
        ci = fitted.conf_int().loc[prep.exposure]
        rd = EffectSize("risk_difference", estimate, float(ci.iloc[0]), float(ci.iloc[1]))
        sizes = (rd, *[s for s in group_effect_sizes(prep) if s.name == "odds_ratio"])
        details["effect_size_notes"] = ("risk difference from the linear probability model (adjusted); "
                                        "odds ratio unadjusted, from the 2x2 table")
    elif prep.exposure_info.binary:
        sizes = group_effect_sizes(prep, difference=estimate)
        details["effect_size_notes"] = "Hedges' g: the model's (adjusted) difference over the unadjusted pooled SD"
    return model_result(prep, fitted, method=method, effect_sizes=sizes, warnings_=notes, details=details,
                        summary=summary)


def _few_clusters_note(prep: Prepared) -> list[str]:
    g = prep.n_clusters
    if g is None or g >= FEW_CLUSTERS:
        return []
    return [f"Only {g} clusters of '{prep.cluster}': cluster-robust standard errors can be too small with "
            f"fewer than {FEW_CLUSTERS} clusters, although the interval uses t with {g - 1} degrees of freedom. "
            "Method 'gee' applies a bias-reduced correction."]


def _check_separation(prep: Prepared) -> None:
    if not prep.exposure_info.binary:
        return
    y1, y0 = prep.arms()
    for values, group in ((y1, "exposed"), (y0, "comparison")):
        if values.nunique() == 1:
            raise AnalysisError(
                f"Everyone in the {group} group has the same outcome ({values.iloc[0]:g}): the exposure "
                "perfectly separates the outcome, so the odds ratio is infinite and logistic regression "
                "cannot estimate it. Use method 'diff' for the difference in proportions, or Fisher's exact test.")


def _logit(prep: Prepared, *, maxiter: int, summary: bool = True) -> EffectResult:
    from statsmodels.discrete.discrete_model import Logit

    model = Logit(prep.y, prep.X)
    try:
        with captured_warnings() as notes:
            if prep.groups is not None:
                codes = pd.factorize(prep.groups)[0]
                fitted = model.fit(disp=0, maxiter=maxiter, cov_type="cluster", cov_kwds={"groups": codes},
                                   use_t=True)
            else:
                fitted = model.fit(disp=0, maxiter=maxiter)
            fitted_p = np.asarray(fitted.predict(), dtype=float)
    except Exception as exc:  # statsmodels raises LinAlgError and others on degenerate data
        raise AnalysisError(f"The logistic model could not be fitted ({type(exc).__name__}: {exc}).") from exc
    perfect = bool(np.all(np.abs(fitted_p - prep.y.to_numpy()) < 1e-4))
    if perfect or SEPARATION in notes:
        raise AnalysisError(
            "The outcome is perfectly predicted by the exposure and covariates (perfect separation): "
            "the odds ratio is not identified, so no estimate is given. Use fewer covariates, or method 'diff'.")
    converged = bool(fitted.mle_retvals.get("converged", True))
    binary = prep.exposure_info.binary
    with captured_warnings() as me_notes:
        ame, ame_se = average_marginal_effect(
            np.asarray(fitted.params, dtype=float), np.asarray(fitted.cov_params(), dtype=float),
            prep.X.to_numpy(dtype=float), list(prep.X.columns).index(prep.exposure), binary=binary)
        ame_low, ame_high = ame - _Z975 * ame_se, ame + _Z975 * ame_se
    est = float(fitted.params[prep.exposure])
    ci = fitted.conf_int().loc[prep.exposure]
    sizes = [EffectSize("odds_ratio", safe_exp(est), safe_exp(float(ci.iloc[0])), safe_exp(float(ci.iloc[1]))),
             EffectSize("average_marginal_effect", ame, float(ame_low), float(ame_high))]
    if binary:
        sizes.append(EffectSize("risk_difference", ame, float(ame_low), float(ame_high)))
    details = {
        "std_error_type": ("cluster-robust (CR1), by " + repr(prep.cluster)) if prep.groups is not None
        else "model-based (inverse information)",
        "average_marginal_effect": {
            "value": ame, "std_error": ame_se,
            "kind": "discrete change 0 to 1, averaged over everyone (standardised risk difference)" if binary
            else "derivative of the probability, averaged over everyone"},
        "unadjusted_odds_ratio": _unadjusted_or(prep) if binary else None,
        "pseudo_r_squared": float(fitted.prsquared)}
    return model_result(prep, fitted, method="logit", scale="log_odds", effect_sizes=tuple(sizes),
                        warnings_=notes + me_notes + _few_clusters_note(prep), converged=converged,
                        details=details, summary=summary)


def average_marginal_effect(params: np.ndarray, cov: np.ndarray, X: np.ndarray, k: int, *,
                            binary: bool) -> tuple[float, float]:
    """The average marginal effect of column ``k`` of ``X`` in a logistic model, and its SE.

    For a binary (0/1) column, the discrete change: the mean over everyone of P(y | x, column
    set to 1) - P(y | x, column set to 0), a covariate-standardised risk difference; otherwise
    the derivative of P(y | x) in the column, averaged over everyone. The SE is the delta
    method's, sqrt(g' V g), with the analytic gradient g of that mean in the coefficients and
    ``cov`` as V, so it is cluster-robust when the fit's covariance is. These are the estimate
    and SE of statsmodels' ``get_margeff(at="overall")`` for this one column, computed without
    its numerical Jacobian over every regressor: memory is a few vectors of length n.
    """
    xb = X @ params
    n = len(xb)
    if binary:
        t = X[:, k]
        p1 = _expit(xb + (1.0 - t) * params[k])
        p0 = _expit(xb - t * params[k])
        d1, d0 = p1 * (1.0 - p1), p0 * (1.0 - p0)
        estimate = float(np.mean(p1 - p0))
        # d/db of F(x1'b) - F(x0'b) is f1 x1 - f0 x0: x1 and x0 are x with column k at 1 and at 0.
        gradient = X.T @ (d1 - d0) / n
        gradient[k] = float(np.mean(d1))
    else:
        p = _expit(xb)
        density = p * (1.0 - p)
        estimate = float(params[k] * np.mean(density))
        # d/db of b_k f(x'b) is b_k f'(x'b) x + f(x'b) e_k, with f' = f (1 - 2p) for the logistic.
        gradient = params[k] * (X.T @ (density * (1.0 - 2.0 * p))) / n
        gradient[k] += float(np.mean(density))
    variance = float(gradient @ cov @ gradient)
    return estimate, math.sqrt(variance) if variance > 0 else math.nan


def _expit(values: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(values)


def _unadjusted_or(prep: Prepared) -> dict[str, float]:
    y1, y0 = prep.arms()
    e1, e0 = int(y1.sum()), int(y0.sum())
    ratio = odds_ratio(e1, len(y1) - e1, e0, len(y0) - e0)
    return {"value": ratio.value, "ci_low": ratio.ci_low, "ci_high": ratio.ci_high}

