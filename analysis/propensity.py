"""Propensity models and the weight diagnostics that go with them, shared by `ipw` (who was
trained) and `attrition` (who answered the follow-up).

A weight is only as good as the overlap behind it, so every fit here comes with what a reader
needs to judge it: balance before and after weighting, the effective sample size and the share of
the weight carried by the heaviest few. Covariates are standardised before fitting, because
statsmodels' optimisers were seen to be unstable on badly scaled ones; the fitted probabilities do
not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.fitting import SEPARATION, captured_warnings
from analysis.results import AnalysisError

LINKS = ("logit", "probit")


@dataclass(frozen=True)
class PropensityFit:
    """A fitted binary model P(t = 1 | Z): probabilities, the model (for scores and Hessian) and
    the standardised design it was fitted on."""

    p: np.ndarray
    params: np.ndarray
    names: tuple[str, ...]
    link: str
    model: Any
    Z: np.ndarray
    notes: tuple[str, ...]
    converged: bool

    def density(self) -> np.ndarray:
        """dp/d(linear predictor) at each row (for the delta method and M-estimation)."""
        if self.link == "logit":
            return self.p * (1 - self.p)
        from scipy.stats import norm

        return norm.pdf(self.Z @ self.params)

    def coefficients(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.names, self.params, strict=True)}


def standardised(design: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    """The design with every non-constant column centred and scaled to SD 1 (intercept kept)."""
    Z = design.to_numpy(dtype=float).copy()
    for j in range(Z.shape[1]):
        sd = Z[:, j].std()
        if sd > 0:
            Z[:, j] = (Z[:, j] - Z[:, j].mean()) / sd
    return Z, tuple(str(c) for c in design.columns)


def fit_propensity(design: pd.DataFrame, t: np.ndarray, link: str = "logit", *, what: str = "the exposure"
                   ) -> PropensityFit:
    """Fit P(t = 1) on `design` (intercept first) by logit or probit maximum likelihood.

    Raises AnalysisError in plain words when the covariates predict `what` perfectly (no overlap)
    or the model cannot be fitted.
    """
    from statsmodels.discrete.discrete_model import Logit, Probit

    if link not in LINKS:
        raise AnalysisError(f"link={link!r} is not known; choose 'logit' or 'probit'.")
    Z, names = standardised(design)
    model = (Logit if link == "logit" else Probit)(np.asarray(t, dtype=float), Z)
    try:
        with captured_warnings() as notes:
            fitted = model.fit(disp=0, maxiter=200)
            p = np.asarray(fitted.predict(), dtype=float)
    except Exception as exc:  # statsmodels raises LinAlgError and others on degenerate designs
        raise AnalysisError(f"The model for {what} could not be fitted ({type(exc).__name__}: {exc}); "
                            "use fewer covariates.") from exc
    t = np.asarray(t, dtype=float)
    separated = SEPARATION in notes or _no_overlap(p, t)
    if separated:
        raise AnalysisError(
            f"The covariates predict {what} perfectly: the groups have no overlap (no one in one group "
            "looks like anyone in the other), so weighting cannot compare like with like. Use fewer or "
            "coarser covariates, or restrict the analysis to people who could have been in either group.")
    converged = bool(fitted.mle_retvals.get("converged", True))
    return PropensityFit(p=p, params=np.asarray(fitted.params, dtype=float), names=names, link=link,
                         model=model, Z=Z, notes=tuple(notes), converged=converged)


def _no_overlap(p: np.ndarray, t: np.ndarray) -> bool:
    p1, p0 = p[t == 1], p[t == 0]
    if len(p1) == 0 or len(p0) == 0:
        return True
    saturated = bool(np.all((p < 1e-8) | (p > 1 - 1e-8)))
    return saturated or p1.min() > p0.max() or p0.min() > p1.max()


def crump_bounds(p: np.ndarray) -> tuple[float, float]:
    """Crump, Hotz, Imbens & Mitnik (2009, Biometrika 96:187-199) optimal trimming [a, 1 - a]:
    a solves 1/(a(1-a)) = 2 E[1/(e(1-e)) | 1/(e(1-e)) <= 1/(a(1-a))]; a = 0 when no trimming helps."""
    g = np.sort(1.0 / (p * (1.0 - p)))
    if g[-1] <= 2 * g.mean():
        return 0.0, 1.0
    running = 2 * np.cumsum(g) / np.arange(1, len(g) + 1)
    k = int(np.nonzero(g <= running)[0].max())
    gamma = running[k]
    a = 0.5 - math.sqrt(max(0.25 - 1.0 / gamma, 0.0))
    return float(a), float(1 - a)


def kish_ess(w: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: how many equally weighted people the
    weighted group is worth."""
    w = np.asarray(w, dtype=float)
    s2 = float((w**2).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    if w.sum() <= 0:
        return math.nan, math.nan
    m = float(np.average(x, weights=w))
    return m, float(np.average((x - m) ** 2, weights=w))


def balance_table(X: pd.DataFrame, t: np.ndarray, weights: np.ndarray, kept: np.ndarray,
                  denominator: str = "pooled") -> list[dict[str, Any]]:
    """Standardised mean differences and variance ratios of every column of `X`, before weighting
    (everyone, equal weights) and after (the kept rows, weighted).

    The SMD's denominator is fixed from the unweighted sample so that before and after are on one
    scale: the pooled SD sqrt((s1^2 + s0^2)/2), or the exposed group's SD when `denominator` is
    "exposed" (the usual choice for effects on the exposed).
    """
    rows: list[dict[str, Any]] = []
    t = np.asarray(t, dtype=float)
    ones = np.ones(len(t))
    for col in X.columns:
        x = X[col].to_numpy(dtype=float)
        m1, v1 = _wmean_var(x[t == 1], ones[t == 1])
        m0, v0 = _wmean_var(x[t == 0], ones[t == 0])
        sd = math.sqrt(v1) if denominator == "exposed" and v1 > 0 else math.sqrt((v1 + v0) / 2)
        a = kept & (t == 1)
        b = kept & (t == 0)
        wm1, wv1 = _wmean_var(x[a], weights[a])
        wm0, wv0 = _wmean_var(x[b], weights[b])
        rows.append({
            "covariate": str(col),
            "mean_exposed_before": m1, "mean_comparison_before": m0,
            "smd_before": (m1 - m0) / sd if sd > 0 else math.nan,
            "variance_ratio_before": v1 / v0 if v0 > 0 else math.nan,
            "mean_exposed_after": wm1, "mean_comparison_after": wm0,
            "smd_after": (wm1 - wm0) / sd if sd > 0 else math.nan,
            "variance_ratio_after": wv1 / wv0 if wv0 > 0 else math.nan,
        })
    return rows


def heaviest_share(w: np.ndarray) -> float:
    """The share of a group's total weight carried by its single heaviest member."""
    w = np.asarray(w, dtype=float)
    total = w.sum()
    return float(w.max() / total) if len(w) and total > 0 else math.nan
