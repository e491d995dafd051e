"""Outcome against hours of training: a smooth curve with a confidence band, not just a slope.

More hours may help less and less (or only past a threshold), which a straight line hides. The
curve is a regression spline in hours, adjusted for covariates, with cluster-robust errors (the
persons a provider assisted share that provider's hours): a natural cubic spline (Harrell's
restricted cubic spline, linear beyond the outer knots) or a cubic B-spline. What is shown is the
difference from a reference dose (0 hours by default) with its pointwise band; because that
difference is linear in the coefficients, the delta method is exact: var = L V L'. Two tests go
with it: the slope of a straight line (is there a trend at all?) and the spline's non-linear terms
(is a straight line enough?).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.fitting import captured_warnings
from analysis.prepare import prepare
from analysis.results import AnalysisError

HARRELL_QUANTILES = {3: (0.10, 0.5, 0.90), 4: (0.05, 0.35, 0.65, 0.95), 5: (0.05, 0.275, 0.5, 0.725, 0.95),
                     6: (0.05, 0.23, 0.41, 0.59, 0.77, 0.95),
                     7: (0.025, 0.1833, 0.3417, 0.5, 0.6583, 0.8167, 0.975)}
SPLINES = ("natural", "bspline")


@dataclass(frozen=True)
class TrendTest:
    name: str
    statistic: float
    df_num: int
    df_denom: float
    p_value: float
    estimate: float = math.nan  # the slope, for the linear trend
    std_error: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    description: str = ""


@dataclass(frozen=True)
class DoseResponse:
    """The adjusted difference in outcome between each dose on `grid` and `reference`, with its band."""

    outcome: str
    dose: str
    covariates: tuple[str, ...]
    cluster: str | None
    spline: str
    knots: tuple[float, ...]
    reference: float
    grid: tuple[float, ...]
    curve: tuple[float, ...]
    std_error: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    level: float
    n: int
    n_clusters: int | None
    linear_trend: TrendTest
    nonlinearity: TrendTest
    std_error_type: str
    inference: str
    warnings: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def as_rows(self) -> list[dict[str, float]]:
        return [{"dose": g, "difference": c, "std_error": s, "ci_low": lo, "ci_high": hi}
                for g, c, s, lo, hi in zip(self.grid, self.curve, self.std_error, self.ci_low, self.ci_high,
                                           strict=True)]


class _Basis:
    """The non-linear columns of a spline in x (the linear term is kept apart, for the tests)."""

    def __init__(self, kind: str, knots: np.ndarray, x: np.ndarray) -> None:
        self.kind, self.knots = kind, knots
        self.lo, self.hi = float(x.min()), float(x.max())
        if kind == "bspline":
            raw = self._bspline(x)
            base = np.column_stack([np.ones_like(x), x])
            self.gamma = np.linalg.lstsq(base, raw, rcond=None)[0]
            _, s, vt = np.linalg.svd(raw - base @ self.gamma, full_matrices=False)
            self.rotation = vt[: int((s > s[0] * 1e-10).sum())].T

    def _bspline(self, x: np.ndarray) -> np.ndarray:
        from scipy.interpolate import BSpline

        t = np.r_[[self.lo] * 4, self.knots[1:-1], [self.hi] * 4]
        return BSpline.design_matrix(np.clip(x, self.lo, self.hi), t, 3).toarray()

    def nonlinear(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "bspline":
            return (self._bspline(x) - np.column_stack([np.ones_like(x), x]) @ self.gamma) @ self.rotation
        t = self.knots
        k = len(t)
        scale = (t[-1] - t[0]) ** 2

        def cube(v: np.ndarray) -> np.ndarray:
            return np.maximum(v, 0.0) ** 3

        cols = [(cube(x - t[j]) - cube(x - t[k - 2]) * (t[k - 1] - t[j]) / (t[k - 1] - t[k - 2])
                 + cube(x - t[k - 1]) * (t[k - 2] - t[j]) / (t[k - 1] - t[k - 2])) / scale for j in range(k - 2)]
        return np.column_stack(cols)


def _knots(x: np.ndarray, knots: int | Sequence[float], notes: list[str]) -> np.ndarray:
    if not isinstance(knots, int):
        chosen = np.unique(np.asarray(list(knots), dtype=float))
        if len(chosen) < 3:
            raise AnalysisError("Give at least three distinct knots for a spline.")
        return chosen
    if knots not in HARRELL_QUANTILES:
        raise AnalysisError(f"knots={knots} is not supported; use 3 to 7 knots or give their positions.")
    chosen = np.unique(np.quantile(x, HARRELL_QUANTILES[knots]))
    if len(chosen) < knots:
        chosen = np.unique(np.quantile(np.unique(x), HARRELL_QUANTILES[knots]))
        notes.append("Many people share the same dose (for example 0 hours), so the knots were placed at quantiles "
                     "of the distinct doses instead of the people.")
    if len(chosen) < 3:
        raise AnalysisError(f"The dose takes only {len(np.unique(x))} different values: too few for a curve (a "
                            "spline needs at least three distinct knots).")
    return chosen


def fit_dose_response(df: pd.DataFrame, outcome: str, dose: str, covariates: str | Sequence[str] = (),
                      cluster: str | None = None, *, spline: str = "natural", knots: int | Sequence[float] = 4,
                      grid: Sequence[float] | None = None, n_grid: int = 25, reference: float = 0.0,
                      level: float = 0.95) -> DoseResponse:
    """Fit outcome ~ spline(dose) + covariates and return the curve minus its value at `reference`.

    `spline` "natural" (restricted cubic, default) or "bspline"; `knots` a count (3-7, at Harrell's
    quantiles) or positions; `grid` the doses to report (default `n_grid` points over the data range).
    Raises AnalysisError for a dose with too few distinct values and the input problems `prepare` finds.
    """
    from scipy import stats

    if spline not in SPLINES:
        raise AnalysisError(f"spline={spline!r} is not known; use 'natural' or 'bspline'.")
    prep = prepare(df, outcome, dose, covariates, cluster, method="dose-response")
    notes = list(prep.warnings)
    x = prep.data[dose].astype(float).to_numpy()
    if len(np.unique(x)) < 4:
        raise AnalysisError(f"The dose '{dose}' takes only {len(np.unique(x))} different values: too few for a "
                            "curve; compare the groups with estimate_effect instead.")
    knot_positions = _knots(x, knots, notes)
    basis = _Basis(spline, knot_positions, x)
    Z = basis.nonlinear(x)
    z_names = [f"spline{j + 1}" for j in range(Z.shape[1])]
    covariate_block = prep.X.drop(columns=[dose])
    X = pd.concat([covariate_block.iloc[:, :1], pd.DataFrame({dose: x}, index=prep.X.index),
                   pd.DataFrame(Z, columns=z_names, index=prep.X.index), covariate_block.iloc[:, 1:]], axis=1)
    if prep.n <= X.shape[1] + 1:
        raise AnalysisError(f"{prep.n} complete rows are too few for a spline with {X.shape[1]} parameters.")
    groups = pd.factorize(prep.groups, sort=True)[0] if prep.groups is not None else None
    if groups is not None and prep.n_clusters < 3:
        raise AnalysisError(f"Only {prep.n_clusters} cluster(s) of '{prep.cluster}': too few for a cluster-robust "
                            "band; leave the cluster out or gather more.")
    fitted, fit_notes = _fit(prep.y, X, groups)
    linear, lin_notes = _fit(prep.y, X.drop(columns=z_names), groups)
    notes.extend(fit_notes + lin_notes)

    lo, hi = float(x.min()), float(x.max())
    if not lo <= reference <= hi:
        notes.append(f"The reference dose {reference:g} is outside the doses observed ({lo:g} to {hi:g}); the curve "
                     f"is shown relative to the smallest dose, {lo:g}.")
        reference = lo
    points = np.linspace(lo, hi, n_grid) if grid is None else np.asarray(list(grid), dtype=float)
    outside = (points < lo) | (points > hi)
    if outside.any():
        notes.append(f"{int(outside.sum())} requested doses lie outside the doses observed ({lo:g} to {hi:g}) and "
                     "were left out: a spline says nothing beyond its data.")
        points = points[~outside]
    L = np.zeros((len(points), X.shape[1]))
    L[:, 1] = points - reference
    L[:, 2:2 + Z.shape[1]] = basis.nonlinear(points) - basis.nonlinear(np.array([reference]))
    beta = fitted.params.to_numpy()
    cov = fitted.cov_params().to_numpy()
    curve = L @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", L, cov, L))
    df_inf = (prep.n_clusters - 1) if groups is not None else float(fitted.df_resid)
    q = float(stats.t.ppf(0.5 + level / 2, df_inf))

    slope = float(linear.params[dose])
    slope_se = float(linear.bse[dose])
    slope_ci = linear.conf_int(alpha=1 - level).loc[dose]
    trend = TrendTest("linear trend", float(linear.tvalues[dose]) ** 2, 1, df_inf, float(linear.pvalues[dose]),
                      slope, slope_se, float(slope_ci.iloc[0]), float(slope_ci.iloc[1]),
                      f"slope of a straight line in '{dose}' (change in '{outcome}' per unit), Wald test")
    theta = fitted.params[z_names].to_numpy()
    V = fitted.cov_params().loc[z_names, z_names].to_numpy()
    f_stat = float(theta @ np.linalg.solve(V, theta)) / len(z_names)
    nonlin = TrendTest("non-linearity", f_stat, len(z_names), df_inf, float(stats.f.sf(f_stat, len(z_names), df_inf)),
                       description="joint Wald F test that the spline's non-linear terms are zero "
                                   "(a straight line is enough)")
    if groups is not None and prep.n_clusters < 30:
        notes.append(f"Only {prep.n_clusters} clusters of '{prep.cluster}': the cluster-robust band may be too "
                     "narrow.")
    kind = (f"cluster-robust CR1 by '{prep.cluster}'" if groups is not None else "heteroskedasticity-robust HC1")
    return DoseResponse(
        outcome=outcome, dose=dose, covariates=prep.covariates, cluster=prep.cluster, spline=spline,
        knots=tuple(float(k) for k in knot_positions), reference=float(reference),
        grid=tuple(float(v) for v in points), curve=tuple(float(v) for v in curve),
        std_error=tuple(float(v) for v in se), ci_low=tuple(float(v) for v in curve - q * se),
        ci_high=tuple(float(v) for v in curve + q * se), level=level, n=prep.n, n_clusters=prep.n_clusters,
        linear_trend=trend, nonlinearity=nonlin, std_error_type=kind,
        inference=f"t with {df_inf:g} degrees of freedom; pointwise band (delta method, exact for a linear contrast)",
        warnings=tuple(dict.fromkeys(notes)),
        details={"coefficients": {c: float(fitted.params[c]) for c in X.columns},
                 "spline": "restricted (natural) cubic spline, Harrell's parametrisation" if spline == "natural"
                 else "cubic B-spline, non-linear part orthogonalised against a straight line",
                 "r_squared": float(fitted.rsquared)})


def _fit(y: pd.Series, X: pd.DataFrame, groups: np.ndarray | None) -> tuple[Any, list[str]]:
    from statsmodels.regression.linear_model import OLS

    with captured_warnings() as notes:
        model = OLS(y.to_numpy(float), X)
        if groups is not None:
            fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        else:
            fitted = model.fit(cov_type="HC1", use_t=True)
    return fitted, notes
