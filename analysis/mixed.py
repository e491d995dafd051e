"""Linear mixed model: random intercepts for the provider and, when given, for the region.

People assisted by the same provider (and providers in the same region) resemble each other; a
mixed model says how much (variance components, ICCs) and gives the exposure effect with that
taken into account. Fitted by REML (analysis.nested_reml, which says why it is not statsmodels'
MixedLM): what lme4 writes as (1 | region) + (1 | region:provider).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.effect_sizes import group_effect_sizes
from analysis.fitting import (
    BOUNDARY_NOTE,
    check_model_size,
    model_result,
    quiet,
)
from analysis.nested_reml import InterceptsFit, fit_random_intercepts
from analysis.prepare import Prepared, prepare
from analysis.results import AnalysisError, EffectResult
from analysis.small_samples import check_options, switch_if_small

FEW_GROUPS = 5
#: A variance component below this share of the total is "at the boundary" (lme4 and statsmodels
#: warn likewise when a variance is estimated at zero).
BOUNDARY = 1e-6


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
    group_col = prep.cluster
    assert group_col is not None and prep.groups is not None
    outer = pd.factorize(prep.data[nested], sort=True)[0] if nested else None
    # A provider seen in two regions gets an intercept per (region, provider) pair, as lme4's
    # (1 | region:provider) does.
    inner = pd.factorize(pd.MultiIndex.from_arrays([outer, prep.groups.to_numpy()]) if nested
                         else prep.groups.to_numpy())[0]
    X = prep.X.to_numpy(dtype=float)
    y = prep.y.to_numpy(dtype=float)
    try:
        fit = fit_random_intercepts(X, y, inner, outer, reml=reml, start=_moment_start(X, y, inner, outer),
                                    maxiter=maxiter)
    except np.linalg.LinAlgError as exc:
        raise AnalysisError("The mixed model could not be fitted: its fixed effects are not identified "
                            "(a covariate is a combination of the others).") from exc
    except (ValueError, FloatingPointError) as exc:  # the optimiser on values it cannot use
        raise AnalysisError(f"The mixed model could not be fitted ({exc}).") from exc
    notes: list[str] = []
    if not fit.converged:
        notes.append("The mixed model did not converge; treat the numbers with caution.")

    components = ({nested: fit.outer, group_col: fit.inner, "residual": fit.residual} if nested
                  else {group_col: fit.inner, "residual": fit.residual})
    components = {k: max(float(v or 0.0), 0.0) for k, v in components.items()}
    total = sum(components.values())
    if any(value <= BOUNDARY * total for name, value in components.items() if name != "residual"):
        notes.append(BOUNDARY_NOTE)
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
    details = {
        "variance_components": components,
        "icc": icc,
        "icc_meaning": ("share of the outcome's variance shared by people of the same "
                        + group_col + (f" (which includes the share of the same {nested})" if nested else "")),
        "n_groups": {name: int(prep.data[name].nunique()) for name in (group_col, nested) if name},
        "estimation": "REML" if reml else "maximum likelihood",
        "log_likelihood": fit.log_likelihood if np.isfinite(fit.log_likelihood) else None,
    }
    fitted = _Fitted(prep, fit, nested, details)
    sizes = group_effect_sizes(prep, difference=float(fitted.params[prep.exposure])) \
        if prep.exposure_info.binary and not prep.outcome_binary else ()
    return model_result(prep, fitted, method="mixed", effect_sizes=sizes, warnings_=notes,
                        converged=fit.converged, details=details, summary=summary)


def _moment_start(X: np.ndarray, y: np.ndarray, inner: np.ndarray, outer: np.ndarray | None) -> tuple[float, float]:
    """Variance ratios (inner, outer) to the residual variance near the optimum, from ANOVA-type
    moments of the OLS residuals: within providers, between providers within regions, between
    regions. One pass over the rows; the optimiser then only refines them (the likelihood, not
    the start, defines the optimum).
    """
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = pd.Series(y - X @ beta)
    within = resid.groupby(inner).transform("mean")
    sigma2 = float(((resid - within) ** 2).sum() / max(len(resid) - len(np.unique(inner)), 1))
    top = outer if outer is not None else np.zeros(len(y), dtype=np.int64)
    region_mean = resid.groupby(top).transform("mean").to_numpy()
    provider = pd.DataFrame({"mean": within.to_numpy() - region_mean, "inner": inner})
    per = provider.groupby("inner")["mean"].agg(["first", "size"])
    tau_inner = float(np.mean(per["first"] ** 2) - sigma2 * np.mean(1.0 / per["size"]))
    tau_outer = float(np.var(pd.Series(region_mean).groupby(top).first().to_numpy()))
    floor = 0.01 * sigma2  # never start on the boundary, where the gradient says little
    sigma2 = max(sigma2, np.finfo(float).tiny)
    return max(tau_inner, floor) / sigma2, max(tau_outer, floor) / sigma2


class _Fitted:
    """The fit as model_result reads a statsmodels result: named coefficients, z inference, a summary."""

    use_t = False

    def __init__(self, prep: Prepared, fit: InterceptsFit, nested: str | None, details: dict[str, Any]) -> None:
        names = list(prep.X.columns)
        self.params = pd.Series(fit.beta, index=names)
        self.bse = pd.Series(np.sqrt(np.clip(np.diag(fit.cov_beta), 0.0, None)), index=names)
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(self.params / self.bse)), index=names)
        self._fit, self._prep, self._nested, self._details = fit, prep, nested, details

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({0: self.params - z * self.bse, 1: self.params + z * self.bse})

    def summary(self) -> str:
        fit, details = self._fit, self._details
        groups = ", ".join(f"{name} {count}" for name, count in details["n_groups"].items())
        lines = [f"Linear mixed model, {details['estimation']}; random intercepts: "
                 + (f"{self._nested}, {self._prep.cluster} within {self._nested}" if self._nested
                    else str(self._prep.cluster)),
                 f"Rows: {self._prep.n}   Groups: {groups}   "
                 f"Converged: {'yes' if fit.converged else 'no'} ({fit.iterations} iterations)",
                 f"Log-likelihood: {fit.log_likelihood:.4f}", "",
                 f"{'':24} {'estimate':>12} {'std.error':>12} {'z':>8} {'p-value':>9} {'[0.025':>12} {'0.975]':>12}"]
        ci = self.conf_int()
        for name in self.params.index:
            lines.append(f"{str(name)[:24]:24} {self.params[name]:12.6g} {self.bse[name]:12.6g} "
                         f"{self.params[name] / self.bse[name]:8.3f} {self.pvalues[name]:9.4g} "
                         f"{ci.loc[name, 0]:12.6g} {ci.loc[name, 1]:12.6g}")
        lines += ["", "Variance components: " + ", ".join(
            f"{name} {value:.6g}" for name, value in details["variance_components"].items())]
        return "\n".join(lines)
