"""Ordered logit for Likert-type outcomes (very poor ... very good).

Treating a 5-point answer as a number assumes equal distances between answers; the proportional
odds model does not. The estimate is the log odds ratio of answering higher rather than lower.
statsmodels' OrderedModel takes no intercept (the thresholds play its part) and stores each
threshold after the first as the log of its increment; `details["thresholds"]` gives them back on
their own scale, as R's polr prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.effect_sizes import safe_exp
from analysis.fitting import captured_warnings, check_model_size, model_result, quiet
from analysis.prepare import INTERCEPT, Prepared, prepare
from analysis.results import AnalysisError, EffectResult, EffectSize
from analysis.small_samples import check_options, switch_if_small


@quiet
def fit_ordinal(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
                cluster: str | None = None, **options: Any) -> EffectResult:
    """Proportional-odds (ordered logit) model; `levels=[...]` gives the order of text answers.

    Options: `levels` (answer order, lowest first), `distr` ("logit" or "probit"), `fit_method`
    ("bfgs" as in statsmodels' own reproduction of R's polr), `maxiter`.
    Raises AnalysisError for text answers without an order, answers outside `levels`, or a model
    that cannot be fitted.
    """
    check_options("ordinal", options, ("levels", "distr", "fit_method", "maxiter"))
    prep = prepare(df, outcome, exposure, covariates, cluster, exposed=options.get("exposed"),
                   outcome_kind="ordinal", method="ordinal")
    ordered = _ordered(prep.y, outcome, options.get("levels"))
    codes = pd.Series(ordered.cat.codes.astype(float), index=prep.y.index)
    if small := switch_if_small(replace(prep, y=codes), "ordinal", options):
        return replace(small, details=dict(small.details, outcome_codes=_codes(ordered)))
    check_model_size(prep, extra_parameters=len(ordered.cat.categories) - 2)
    return _fit(prep, ordered, distr=options.get("distr", "logit"), fit_method=options.get("fit_method", "bfgs"),
                maxiter=int(options.get("maxiter", 1000)), summary=options.get("summary", True))


def _ordered(values: pd.Series, name: str, levels: Sequence[Any] | None) -> pd.Series:
    """The outcome as an ordered categorical with only the answers that occur."""
    if levels is not None:
        levels = list(levels)
        outside = sorted({str(v) for v in values.unique() if v not in levels})
        if outside:
            raise AnalysisError(f"The outcome '{name}' has answers that are not in levels: {', '.join(outside)}.")
        cat = pd.Categorical(values, categories=levels, ordered=True)
    elif isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered:
        cat = values.array
    elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        cat = pd.Categorical(values, categories=sorted(values.unique()), ordered=True)
    else:
        shown = ", ".join(str(v) for v in sorted(map(str, values.unique()))[:8])
        raise AnalysisError(f"The outcome '{name}' has text answers ({shown}) whose order is not known; "
                            "give it with levels=[lowest, ..., highest] or code the answers as numbers.")
    series = pd.Series(cat, index=values.index).cat.remove_unused_categories()
    if len(series.cat.categories) < 2:
        raise AnalysisError(f"The outcome '{name}' has a single answer among the people analysed.")
    return series


def _codes(ordered: pd.Series) -> dict[str, int]:
    return {str(c): i for i, c in enumerate(ordered.cat.categories)}


def _fit(prep: Prepared, ordered: pd.Series, *, distr: str, fit_method: str, maxiter: int,
         summary: bool = True) -> EffectResult:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    if distr not in ("logit", "probit"):
        raise AnalysisError(f"distr must be 'logit' or 'probit', not {distr!r}.")
    X = prep.X.drop(columns=INTERCEPT)
    kwargs: dict[str, Any] = {"method": fit_method, "disp": False, "maxiter": maxiter}
    if prep.groups is not None:
        kwargs.update(cov_type="cluster", cov_kwds={"groups": pd.factorize(prep.groups)[0]}, use_t=True)
    try:
        with captured_warnings() as notes:
            model = _with_analytic_score(OrderedModel)(ordered, X, distr=distr)
            fitted = model.fit(**kwargs)
    except Exception as exc:  # degenerate data makes the optimiser or the Hessian fail
        raise AnalysisError(f"The ordered model could not be fitted ({type(exc).__name__}: {exc}).") from exc
    converged = bool(fitted.mle_retvals.get("converged", True))
    if not converged and not notes:
        notes.append("The ordered model did not converge; treat the numbers with caution.")
    labels = [str(c) for c in ordered.cat.categories]
    cuts = model.transform_threshold_params(np.asarray(fitted.params))[1:-1]
    thresholds = {f"{labels[i]}|{labels[i + 1]}": float(v) for i, v in enumerate(cuts)}
    counts = ordered.value_counts(sort=False)
    sparse = [str(c) for c, k in counts.items() if k < 5]
    if sparse:
        notes.append(f"Few people gave the answer(s) {', '.join(sparse)} (fewer than 5 each); the thresholds "
                     "next to them are imprecise.")
    est = float(fitted.params[prep.exposure])
    ci = fitted.conf_int().loc[prep.exposure]
    sizes = (EffectSize("odds_ratio", safe_exp(est), safe_exp(float(ci.iloc[0])), safe_exp(float(ci.iloc[1]))),)
    details = {
        "thresholds": thresholds,
        "answer_counts": {str(c): int(k) for c, k in counts.items()},
        "link": distr,
        "std_error_type": ("cluster-robust, by " + repr(prep.cluster)) if prep.groups is not None
        else "model-based (inverse information)",
        "interpretation": "log odds ratio of a higher rather than a lower answer (proportional odds)"}
    return model_result(prep, fitted, method="ordinal", scale="log_odds" if distr == "logit" else "probit",
                        effect_sizes=sizes if distr == "logit" else (), warnings_=notes, converged=converged,
                        details=details, summary=summary)


def _with_analytic_score(base: type) -> type:
    """statsmodels' OrderedModel with its score in closed form (and the Hessian from it).

    OrderedModel differentiates its log-likelihood numerically: every gradient costs one
    log-likelihood evaluation per parameter, the Hessian one per pair of parameters, and the
    cluster-robust covariance a numerical Jacobian of the per-row scores. With the score in
    closed form BFGS needs one pass over the rows per step, and the Hessian is the numerical
    Jacobian of the score (one score per parameter), so the fit grows with rows times
    parameters instead of rows times parameters squared. Same likelihood, same optimiser, same
    estimates.
    """

    class OrderedWithScore(base):  # type: ignore[misc, valid-type]
        def _parts(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """Per row f_upp / P and f_low / P, the thresholds' weights w_j, and the answers' codes."""
            params = np.asarray(params, dtype=float)
            low, upp = self._bounds(params)
            prob = self.prob(low, upp) + 1e-20  # as loglikeobs guards the log
            weights = np.concatenate(([1.0], np.exp(params[self.k_vars + 1:])))
            # the densities are 0 at the infinite ends
            return self.pdf(upp) / prob, self.pdf(low) / prob, weights, np.asarray(self.endog, dtype=np.int64)

        def score_obs(self, params: np.ndarray) -> np.ndarray:
            """Per-row derivatives of the log-likelihood in (coefficients, transformed thresholds).

            Row i answered category y: P = F(c_y - x'b) - F(c_(y-1) - x'b), with c_(-1) = -inf,
            c_(K-1) = +inf. In the coefficients: -x (f_upp - f_low) / P. The thresholds are
            c_0 = t_0 and c_m = c_(m-1) + exp(t_m), so dc_m/dt_0 = 1 and dc_m/dt_j = exp(t_j)
            for j <= m: in t_j the derivative is (f_upp [j <= y] - f_low [j <= y - 1]) w_j / P,
            with w_0 = 1 and w_j = exp(t_j).
            """
            upper, lower, weights, y = self._parts(params)
            j = np.arange(len(weights))
            thresholds = ((j <= y[:, None]) * upper[:, None] - (j <= y[:, None] - 1) * lower[:, None]) * weights
            coefficients = -np.asarray(self.exog) * (upper - lower)[:, None]
            return np.column_stack((coefficients, thresholds))

        def score(self, params: np.ndarray) -> np.ndarray:
            """score_obs summed over the rows without forming it: X'g for the coefficients, and
            for the thresholds per-category sums of f_upp / P and f_low / P, cumulated from the top
            (row i adds to t_j when j <= y_i, resp. j <= y_i - 1). BFGS calls this at every step."""
            upper, lower, weights, y = self._parts(params)
            n_categories = len(weights) + 1
            # tail[j] = sum over rows answering j or higher
            upper_tail = np.cumsum(np.bincount(y, weights=upper, minlength=n_categories)[::-1])[::-1]
            lower_tail = np.cumsum(np.bincount(y, weights=lower, minlength=n_categories)[::-1])[::-1]
            j = np.arange(len(weights))
            thresholds = (upper_tail[j] - lower_tail[j + 1]) * weights
            coefficients = -(np.asarray(self.exog).T @ (upper - lower))
            return np.concatenate((coefficients, thresholds))

        def hessian(self, params: np.ndarray) -> np.ndarray:
            from statsmodels.tools.numdiff import approx_fprime

            jacobian = approx_fprime(np.asarray(params, dtype=float), self.score, centered=True)
            return (jacobian + jacobian.T) / 2  # symmetric, as the exact one is

    OrderedWithScore.__name__ = OrderedWithScore.__qualname__ = base.__name__
    return OrderedWithScore
