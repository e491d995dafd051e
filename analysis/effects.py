"""`estimate_effect`: one entry point for every effect estimator, chosen by name.

The dispatcher only looks methods up and imports them when asked, so importing it costs nothing
(the CLI imports it at start-up for its list of methods) and methods written elsewhere (`ipw`,
`did`) are found once they exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from analysis.results import AnalysisError, EffectResult

if TYPE_CHECKING:
    import pandas as pd

METHODS: tuple[str, ...] = ("diff", "ols", "logit", "ordinal", "mixed", "gee", "ipw", "did")

_IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "diff": ("analysis.linear", "fit_diff"),
    "ols": ("analysis.linear", "fit_ols"),
    "logit": ("analysis.linear", "fit_logit"),
    "ordinal": ("analysis.ordinal", "fit_ordinal"),
    "mixed": ("analysis.mixed", "fit_mixed"),
    "gee": ("analysis.gee", "fit_gee"),
    "ipw": ("analysis.ipw", "fit_ipw"),
    "did": ("analysis.did", "fit_did"),
}


def estimate_effect(
    df: pd.DataFrame,
    outcome: str,
    exposure: str,
    covariates: str | Sequence[str] = (),
    cluster: str | None = None,
    method: str = "ols",
    **options: Any,
) -> EffectResult:
    """Estimate the effect of `exposure` on `outcome` in `df` with `method` (one of METHODS).

    `covariates` may be a sequence of column names or "a,b". `options` go to the method (for
    example `family=` for gee, `groups=`/`nested=` for mixed, `levels=` for ordinal, `exposed=` for
    any method with a two-group exposure). Groups too small for a model get an exact or simple
    test instead, and the result says so.
    Raises AnalysisError, in plain words, when the data cannot answer the question.
    """
    name = (method or "").strip().lower()
    if name not in _IMPLEMENTATIONS:
        raise AnalysisError(f"Unknown method {method!r}; choose one of: {', '.join(METHODS)}.")
    from analysis.prepare import as_columns

    fit = _implementation(name)
    try:
        return fit(df, outcome, exposure, as_columns(covariates), cluster, **options)
    except (ArithmeticError, _linalg_error()) as exc:  # numerical breakdown deep in a library
        raise AnalysisError(f"Method '{name}' could not be computed on these data "
                            f"({type(exc).__name__}: {exc}).") from exc


def _implementation(name: str) -> Any:
    module_name, function = _IMPLEMENTATIONS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise AnalysisError(f"Method '{name}' is not available in this installation yet.") from exc
    try:
        return getattr(module, function)
    except AttributeError as exc:
        raise AnalysisError(f"Method '{name}' is not available in this installation yet.") from exc


def _linalg_error() -> type[Exception]:
    import numpy as np

    return np.linalg.LinAlgError
