"""What every model-based estimator shares: catching the fitting library's warnings and turning a
fitted model into an EffectResult.

statsmodels speaks through Python warnings (ConvergenceWarning, PerfectSeparationWarning, ...).
They must neither escape (the tests run with warnings as errors, and a report reader never sees a
console) nor be lost: they are caught here and rewritten as plain sentences on the result.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from analysis.prepare import Prepared
from analysis.results import AnalysisError, EffectResult, EffectSize

SEPARATION = ("The outcome is perfectly predicted by the exposure or covariates (perfect separation), so the "
              "effect is not identified.")
OPTIMISER_FAILED = "The optimiser stopped before it converged; treat the numbers with caution."
BOUNDARY_NOTE = ("A variance component was estimated at or near zero (the boundary of what is possible); the "
                 "model may be simpler than it looks and its standard errors less reliable.")
RETRIED = "The first optimiser did not converge, so the model was refitted with another one."
GAVE_UP = ("None of the optimisers tried converged: the numbers are where the last one stopped and may be "
           "wrong.")


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect warnings raised inside the block; after it, the list holds them in plain words.

    Callers compare with the module's constants (SEPARATION, ...) where they must act on one.
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    for w in caught:
        text = plain_warning(w.category.__name__, str(w.message))
        if text and text not in messages:
            messages.append(text)


def quiet(fit: Callable[..., EffectResult]) -> Callable[..., EffectResult]:
    """Decorate an estimator so that no warning escapes it: any not already turned into words
    inside is caught here and added to the result's warnings."""

    @functools.wraps(fit)
    def wrapper(*args: Any, **kwargs: Any) -> EffectResult:
        with captured_warnings() as notes:
            result = fit(*args, **kwargs)
        if not notes:
            return result
        return replace(result, warnings=tuple(dict.fromkeys([*result.warnings, *notes])))

    return wrapper


def plain_warning(category: str, message: str) -> str:
    """A statsmodels/numpy warning rewritten for a reader of the report."""
    low = message.lower()
    if category == "PerfectSeparationWarning" or "perfect separation" in low:
        return SEPARATION
    if "boundary" in low:
        return BOUNDARY_NOTE
    if "hessian" in low and "positive definite" in low:
        return ("The model's information matrix is not positive definite at the estimate: the "
                "standard errors may be unreliable.")
    if "retrying mixedlm optimization" in low:
        return RETRIED
    if "maximum likelihood optimization failed to converge" in low:
        return OPTIMISER_FAILED
    if "mixedlm optimization failed" in low or "gradient optimization failed" in low:
        return GAVE_UP
    if category == "ConvergenceWarning" or "converge" in low:
        return ("The fitting routine did not converge (it reported: " + message.strip().rstrip(".")
                + "). Treat the numbers with caution.")
    if category == "HessianInversionWarning":
        return "The standard errors could not be computed reliably (the information matrix is near singular)."
    if category == "RuntimeWarning" and any(k in low for k in ("overflow", "divide", "invalid value")):
        return "Numerical problems (overflow or division by zero) occurred while fitting; check the estimates."
    if category in ("DeprecationWarning", "FutureWarning", "PendingDeprecationWarning"):
        return ""  # about the library, not about the data
    return f"The model reported: {message.strip()}"


def check_model_size(prep: Prepared, extra_parameters: int = 0) -> None:
    """Refuse a model with no degrees of freedom left, or cluster-robust errors from one cluster."""
    k = prep.X.shape[1] + extra_parameters
    if prep.n <= k:
        raise AnalysisError(f"{prep.n} complete rows are too few for a model with {k} parameters "
                            "(the exposure, the covariates and the intercept): there is nothing left to "
                            "estimate the uncertainty from.")
    if prep.groups is not None and prep.n_clusters is not None and prep.n_clusters < 2:
        raise AnalysisError(f"All rows belong to one cluster of '{prep.cluster}': cluster-robust standard "
                            "errors need at least two clusters.")


def coefficient_table(params: Any, bse: Any, pvalues: Any) -> dict[str, dict[str, float]]:
    """Every coefficient with its standard error and p-value, as plain floats (for `details`)."""
    return {str(name): {"estimate": _f(params[name]), "std_error": _f(bse[name]), "p_value": _f(pvalues[name])}
            for name in params.index}


def model_result(
    prep: Prepared,
    fitted: Any,
    *,
    method: str,
    scale: str = "difference",
    effect_sizes: tuple[EffectSize, ...] = (),
    warnings_: list[str] | tuple[str, ...] = (),
    converged: bool = True,
    details: dict[str, Any] | None = None,
    term: str | None = None,
    summary: bool = True,
) -> EffectResult:
    """An EffectResult for the exposure's coefficient in a fitted statsmodels results object."""
    term = term or prep.exposure
    ci = fitted.conf_int()
    ci_low, ci_high = (ci.loc[term].tolist() if hasattr(ci, "loc") else ci[list(fitted.params.index).index(term)])
    info = {"exposure_coding": prep.exposure_info.describe(),
            "coefficients": coefficient_table(fitted.params, fitted.bse, fitted.pvalues)}
    inference = getattr(fitted, "use_t", False)
    df_inf = getattr(fitted, "df_resid_inference", None) or getattr(fitted, "df_resid", None)
    info["inference"] = f"t with {_f(df_inf):g} degrees of freedom" if inference and df_inf else "normal (z)"
    info.update(details or {})
    return EffectResult(
        method=method, outcome=prep.outcome, exposure=prep.exposure,
        estimate=_f(fitted.params[term]), std_error=_f(fitted.bse[term]),
        ci_low=_f(ci_low), ci_high=_f(ci_high), p_value=_f(fitted.pvalues[term]),
        n=prep.n, n_clusters=prep.n_clusters, scale=scale, effect_sizes=effect_sizes,
        warnings=tuple(dict.fromkeys([*prep.warnings, *warnings_])), converged=converged,
        covariates=prep.covariates, cluster=prep.cluster, details=info, summary=summary_text(fitted) if summary else "",
    )


def summary_text(fitted: Any) -> str:
    """The fitted model's own summary table, or '' if it cannot make one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(fitted.summary())
    except Exception:  # a summary is a courtesy, never a reason to fail
        return ""


def _f(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
