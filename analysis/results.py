"""The result every estimator returns, and the error it raises when it cannot give one.

One frozen shape for all methods so that reports, the CLI's JSON and tests read estimates the same
way whichever model made them. A number is only ever shown with its n, its clusters, its interval,
the method that made it and the warnings that qualify it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


class AnalysisError(ValueError):
    """The data cannot answer the question asked; the message says why in plain words."""


@dataclass(frozen=True)
class EffectSize:
    """A standardised or ratio effect size with its 95% interval (bounds may be NaN if unknown)."""

    name: str  # "hedges_g", "odds_ratio", "risk_difference", "average_marginal_effect", ...
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan


@dataclass(frozen=True)
class EffectResult:
    """The estimated effect of an exposure on an outcome, with everything needed to judge it.

    `estimate` is on the scale named by `scale` ("difference" for means and linear models,
    "log_odds" for logit and ordinal models, ...); effect sizes on other scales are in
    `effect_sizes`. `details` holds method-specific tables (balance, event-study coefficients,
    variance components, thresholds) as plain dicts and lists so that it serialises to JSON.
    """

    method: str
    outcome: str
    exposure: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    n_clusters: int | None = None
    scale: str = "difference"
    effect_sizes: tuple[EffectSize, ...] = ()
    warnings: tuple[str, ...] = ()
    converged: bool = True
    covariates: tuple[str, ...] = ()
    cluster: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    summary: str = ""

    def effect_size(self, name: str) -> EffectSize | None:
        """The effect size called `name`, or None if this method does not give it."""
        return next((e for e in self.effect_sizes if e.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN and infinities become None), the `monitor analyze --json` shape."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value
