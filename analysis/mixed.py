"""Linear mixed model: random intercepts for the provider and, when given, for the region.

People assisted by the same provider (and providers in the same region) resemble each other; a
mixed model says how much (variance components, ICCs) and gives the exposure effect with that
taken into account. Fitted by REML with statsmodels' MixedLM: the region is the top-level group
and providers are a variance component within it, which is what lme4 writes as
(1 | region) + (1 | region:provider).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.effect_sizes import group_effect_sizes
from analysis.fitting import (
    OPTIMISER_FAILED,
    captured_warnings,
    check_model_size,
    coefficient_table,
    model_result,
    quiet,
)
from analysis.prepare import Prepared, prepare
from analysis.results import AnalysisError, EffectResult
from analysis.small_samples import check_options, switch_if_small

FEW_GROUPS = 5


@quiet
def fit_mixed(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
              cluster: str | None = None, **options: Any) -> EffectResult:
    """Random-intercept model; the grouping is `groups=` (or `cluster`), `nested=` an outer level.

    Options: `groups` (column of the random intercept, e.g. the provider; defaults to `cluster`),
    `nested` (column of an outer random intercept the groups sit in, e.g. the region),
    `reml` (default True), `maxiter`.
    Convergence problems become warnings on the result (and `converged=False`), never exceptions.
    Raises AnalysisError without a grouping column or when the model cannot be fitted at all.
    """
    check_options("mixed", options, ("groups", "nested", "reml", "maxiter"))
    group_col = options.get("groups") or cluster
    nested = options.get("nested")
    if not group_col:
        raise AnalysisError("The mixed model needs a grouping column for its random intercept "
                            "(the provider, say): give cluster= or groups=.")
    if nested and nested == group_col:
        raise AnalysisError("groups and nested must be different columns.")
    prep = prepare(df, outcome, exposure, covariates, group_col, extra=(nested,) if nested else (),
                   exposed=options.get("exposed"), method="mixed")
    if small := switch_if_small(prep, "mixed", options):
        return small
    check_model_size(prep, extra_parameters=2 if nested else 1)
    return _fit(prep, nested, reml=bool(options.get("reml", True)), maxiter=options.get("maxiter"),
                summary=options.get("summary", True))


def _fit(prep: Prepared, nested: str | None, *, reml: bool, maxiter: int | None,
         summary: bool = True) -> EffectResult:
    from statsmodels.regression.mixed_linear_model import MixedLM

    group_col = prep.cluster
    assert group_col is not None and prep.groups is not None
    ones = np.ones((prep.n, 1))
    if nested:
        outer = pd.Series(pd.factorize(prep.data[nested], sort=True)[0], index=prep.y.index)
        model_kwargs: dict[str, Any] = {"groups": outer, "exog_re": ones,
                                        "exog_vc": _vc_spec(outer, prep.groups, group_col)}
    else:
        model_kwargs = {"groups": pd.factorize(prep.groups, sort=True)[0], "exog_re": ones}
    # statsmodels' fallback L-BFGS can stop at nonsense when a variance is near zero; Powell and
    # Nelder-Mead, derivative-free, reach the boundary safely (seen on simulated data).
    fit_kwargs: dict[str, Any] = {"reml": reml, "method": ["bfgs", "powell", "nm"]}
    if nested:
        fit_kwargs["start_params"] = _moment_start(prep, outer)
    if maxiter:
        fit_kwargs["maxiter"] = int(maxiter)
    try:
        with captured_warnings() as notes:
            model = MixedLM(prep.y, prep.X, **model_kwargs)
            fitted = model.fit(**fit_kwargs)
    except Exception as exc:  # singular designs and failed optimisers raise from inside statsmodels
        raise AnalysisError(f"The mixed model could not be fitted ({type(exc).__name__}: {exc}).") from exc
    converged = bool(getattr(fitted, "converged", True))
    if converged:  # an optimiser that failed before the one that converged is history, not a caveat
        notes = [n for n in notes if n != OPTIMISER_FAILED]
    elif not any("converge" in n for n in notes):
        notes.append("The mixed model did not converge; treat the numbers with caution.")

    if nested:
        components = {nested: float(np.asarray(fitted.cov_re)[0, 0]), group_col: float(fitted.vcomp[0]),
                      "residual": float(fitted.scale)}
    else:
        components = {group_col: float(np.asarray(fitted.cov_re)[0, 0]), "residual": float(fitted.scale)}
    components = {k: max(v, 0.0) for k, v in components.items()}
    total = sum(components.values())
    icc = {}
    if total > 0:
        icc[group_col] = (components[group_col] + (components[nested] if nested else 0.0)) / total
        if nested:
            icc[nested] = components[nested] / total
    if nested and (prep.data.groupby(group_col)[nested].nunique() > 1).any():
        notes.append(f"Some groups of '{group_col}' appear in more than one '{nested}'; each pair was given its "
                     "own random intercept.")
    for name in (group_col, nested):
        if name and prep.data[name].nunique() < FEW_GROUPS:
            notes.append(f"Only {prep.data[name].nunique()} groups of '{name}': its variance is poorly "
                         "estimated from so few.")
    sizes = group_effect_sizes(prep, difference=float(fitted.fe_params[prep.exposure])) \
        if prep.exposure_info.binary and not prep.outcome_binary else ()
    details = {
        "variance_components": components,
        "icc": icc,
        "icc_meaning": ("share of the outcome's variance shared by people of the same "
                        + group_col + (f" (which includes the share of the same {nested})" if nested else "")),
        "n_groups": {name: int(prep.data[name].nunique()) for name in (group_col, nested) if name},
        "estimation": "REML" if reml else "maximum likelihood",
        "log_likelihood": float(fitted.llf) if np.isfinite(fitted.llf) else None,
    }
    fixed = list(prep.X.columns)  # the variance parameters are in `variance_components`
    details["coefficients"] = coefficient_table(fitted.params[fixed], fitted.bse[fixed], fitted.pvalues[fixed])
    return model_result(prep, fitted, method="mixed", effect_sizes=sizes, warnings_=notes,
                        converged=converged, details=details, summary=summary)


def _moment_start(prep: Prepared, outer: pd.Series) -> Any:
    """Starting values near the REML optimum, from ANOVA-type moments of the OLS residuals.

    statsmodels starts every variance at the residual variance (ratios of 1); with providers as a
    variance component within the region each likelihood evaluation solves a system the size of
    the region's providers, so the iterations spent walking from there to ratios of 0.05-0.3
    were most of the fit. The moments (residual variance within providers, between providers
    within regions, between regions) are one pass over the rows; the optimiser then only
    refines them, and its optimum is the same (the likelihood, not the start, defines it).
    """
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    X = prep.X.to_numpy(dtype=float)
    y = prep.y.to_numpy(dtype=float)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = pd.Series(y - X @ beta)
    inner = pd.Series(pd.factorize(pd.MultiIndex.from_arrays([outer.to_numpy(), prep.groups.to_numpy()]))[0])
    within = resid.groupby(inner).transform("mean")
    sigma2 = float(((resid - within) ** 2).sum() / max(len(resid) - inner.nunique(), 1))
    region_mean = resid.groupby(outer.to_numpy()).transform("mean").to_numpy()
    provider = pd.DataFrame({"mean": within.to_numpy() - region_mean, "inner": inner})
    per = provider.groupby("inner")["mean"].agg(["first", "size"])
    tau_inner = float(np.mean(per["first"] ** 2) - sigma2 * np.mean(1.0 / per["size"]))
    regions = pd.Series(region_mean).groupby(outer.to_numpy()).first()
    tau_outer = float(np.var(regions.to_numpy()))
    floor = 0.01 * sigma2  # never start on the boundary, where the gradient is useless
    start = MixedLMParams.from_components(
        fe_params=beta, cov_re=np.array([[max(tau_outer, floor) / sigma2]]),
        vcomp=np.array([max(tau_inner, floor) / sigma2]))
    return start


def _vc_spec(outer: pd.Series, inner: pd.Series, name: str) -> Any:
    """Indicator matrices of the inner groups within each outer group, as MixedLM wants them.

    One pass over the rows sorted by outer group (stable, so each group keeps the rows' order, as
    MixedLM does), not a scan of every row per outer group: with hundreds of providers the scan
    cost more than the fit.
    """
    from statsmodels.regression.mixed_linear_model import VCSpec

    codes = outer.to_numpy()
    n_outer = int(codes.max()) + 1  # MixedLM orders groups by sorted label
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_outer + 1))
    values = inner.to_numpy()
    names, mats = [], []
    for label in range(n_outer):
        rows = order[bounds[label]:bounds[label + 1]]
        member, levels = pd.factorize(values[rows], sort=True)
        matrix = np.zeros((len(rows), len(levels)))
        matrix[np.arange(len(rows)), member] = 1.0
        names.append([f"{name}[{c}]" for c in levels])
        mats.append(matrix)
    return VCSpec([name], [names], [mats])
