"""REML (or ML) for a linear model with random intercepts at one level or two nested levels.

    y = X beta + a[region] + b[provider within region] + e,   a ~ N(0, s2 ga), b ~ N(0, s2 gb), e ~ N(0, s2)

Written here rather than taken from statsmodels' MixedLM because MixedLM holds a variance component
as dense indicator matrices per top-level group and solves a system the size of a region's
providers at every evaluation: 25 s and 300 MB on the large demo, a projected 26 GB at 100 times
its answers. With random intercepts only, the covariance of a region's rows has a closed-form
inverse and determinant (Sherman-Morrison twice: providers' blocks I + gb J, then the region's
rank-one term), so the likelihood, its gradient and the fixed effects need nothing but the
within-provider cross-products (one pass over the rows) and each provider's means. An
evaluation then costs O(providers x columns^2) whatever the number of rows.

The estimates are lme4's: tests/analysis reproduces lmer's dietox fit and statsmodels' MixedLM
on nested simulated data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

#: The optimiser's target: the relative change of the criterion between iterations, and the
#: projected gradient, both well below what the reported digits need.
FTOL = 1e-14
GTOL = 1e-9
DEFAULT_MAXITER = 200
#: Converged also when the optimiser's line search gives up at the limit of floating point (which
#: these tolerances invite) with the projected gradient of -2 log-likelihood below this per unit of
#: a variance ratio: moving on could not change the criterion by a meaningful amount.
GRADIENT_AT_OPTIMUM = 1e-3


@dataclass(frozen=True)
class InterceptsFit:
    """Fixed effects with their covariance, the variance components, and how the fit ended."""

    beta: np.ndarray
    cov_beta: np.ndarray
    residual: float
    inner: float
    outer: float | None
    log_likelihood: float
    converged: bool
    iterations: int


class _Statistics:
    """What the likelihood needs of the rows: within-provider cross-products and provider means."""

    def __init__(self, X: np.ndarray, y: np.ndarray, inner: np.ndarray, outer: np.ndarray | None) -> None:
        Z = np.column_stack([X, y]).astype(float, copy=False)
        self.n, self.k = X.shape
        self.sizes = np.bincount(inner).astype(float)
        n_inner = len(self.sizes)
        means = np.column_stack([np.bincount(inner, weights=Z[:, j], minlength=n_inner) for j in range(Z.shape[1])])
        means /= self.sizes[:, None]
        # Deviations from the provider's means: exact, where M - sum(n zbar zbar') would cancel.
        deviations = Z - means[inner]
        self.within = deviations.T @ deviations
        self.means = means
        self.member: sparse.csr_matrix | None = None
        self.outer_of = np.zeros(n_inner, dtype=np.int64)
        if outer is not None:
            self.outer_of[inner] = outer  # every row of an inner group has the same outer group
            n_outer = int(self.outer_of.max()) + 1
            self.member = sparse.csr_matrix((np.ones(n_inner), (self.outer_of, np.arange(n_inner))),
                                            shape=(n_outer, n_inner))


def fit_random_intercepts(X: np.ndarray, y: np.ndarray, inner: np.ndarray, outer: np.ndarray | None = None, *,
                          reml: bool = True, start: tuple[float, float] | None = None,
                          maxiter: int | None = None) -> InterceptsFit:
    """Fit the model; `inner` holds each row's inner-group code (0..G-1, each inner group inside one
    outer group), `outer` the outer-group codes or None for one level; `start` the variance ratios
    (inner, outer) to the residual variance to start from.

    Raises numpy.linalg.LinAlgError when the fixed effects are not identified (collinear X).
    """
    stats = _Statistics(X, y, inner, outer)
    two = outer is not None
    x0 = np.array(start if start is not None else (1.0, 1.0), dtype=float)[: 2 if two else 1]
    x0 = np.maximum(x0, 1e-4)

    def objective(ratios: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient, _ = _criterion(stats, ratios, reml)
        return value, gradient

    solution = optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * len(x0),
                                 options={"maxiter": maxiter or DEFAULT_MAXITER, "ftol": FTOL, "gtol": GTOL})
    ratios = np.maximum(solution.x, 0.0)
    value, gradient, parts = _criterion(stats, ratios, reml)
    # At a bound (a variance of zero) only a gradient pointing out of the feasible set is stationarity's failure.
    projected = np.where(ratios > 0, np.abs(gradient), np.maximum(-gradient, 0.0))
    converged = bool(solution.success) or (solution.nit < (maxiter or DEFAULT_MAXITER)
                                           and float(projected.max()) < GRADIENT_AT_OPTIMUM)
    beta, a_inv, sigma2 = parts
    return InterceptsFit(beta=beta, cov_beta=sigma2 * a_inv, residual=sigma2, inner=float(ratios[0] * sigma2),
                         outer=float(ratios[1] * sigma2) if two else None, log_likelihood=-0.5 * value,
                         converged=converged, iterations=int(solution.nit))


def _criterion(stats: _Statistics, ratios: np.ndarray, reml: bool
               ) -> tuple[float, np.ndarray, tuple[np.ndarray, np.ndarray, float]]:
    """-2 log-likelihood (REML or ML) with the residual variance profiled out, its gradient in the
    variance ratios, and (beta, (X'H^-1 X)^-1, residual variance) at these ratios.

    H = V / s2. Per provider p of size n: d = 1 + gb n. Within a region with g = ga,
    s = sum(n / d), c = g / (1 + g s):  Z'H^-1 Z = W + sum n/d zbar zbar' - sum_regions c T T',
    T = sum_p n/d zbar_p, and log|H| = sum log d + sum log(1 + g s).
    """
    gb = float(ratios[0])
    ga = float(ratios[1]) if len(ratios) > 1 else 0.0
    k = stats.k
    weight = stats.sizes / (1.0 + gb * stats.sizes)  # n / d
    weighted = stats.means * weight[:, None]  # rows: n/d zbar_p
    C = stats.within + stats.means.T @ weighted
    logdet = float(np.sum(np.log1p(gb * stats.sizes)))
    # Per provider: 1_p' H^-1 z for every column z (the region's correction applied below).
    q = weighted.copy()
    # 1_p' H^-1 1_p, for the trace in the inner gradient.
    trace_inner = weight.copy()
    if stats.member is not None:
        s = stats.member @ weight
        T = stats.member @ weighted
        c = ga / (1.0 + ga * s)
        C -= T.T @ (T * c[:, None])
        logdet += float(np.sum(np.log1p(ga * s)))
        q -= (weight * c[stats.outer_of])[:, None] * T[stats.outer_of]
        trace_inner -= c[stats.outer_of] * weight**2
        u = T / (1.0 + ga * s)[:, None]  # 1_r' H^-1 z per region
        trace_outer = float(np.sum(s / (1.0 + ga * s)))
    A = C[:k, :k]
    b = C[:k, k]
    chol = np.linalg.cholesky(A)
    a_inv = np.linalg.inv(A)
    a_inv = (a_inv + a_inv.T) / 2
    beta = a_inv @ b
    r = float(C[k, k] - b @ beta)
    dof = stats.n - k if reml else stats.n
    r = max(r, np.finfo(float).tiny)
    sigma2 = r / dof
    value = dof * (1.0 + np.log(2.0 * np.pi * sigma2)) + logdet
    if reml:
        value += 2.0 * float(np.sum(np.log(np.diag(chol))))

    coef = np.append(-beta, 1.0)  # residual e = Z @ coef
    gradient = [_component_gradient(q, coef, k, dof, r, float(np.sum(trace_inner)), a_inv, reml)]
    if stats.member is not None:
        gradient.append(_component_gradient(u, coef, k, dof, r, trace_outer, a_inv, reml))
    return float(value), np.array(gradient), (beta, a_inv, sigma2)


def _component_gradient(proj: np.ndarray, coef: np.ndarray, k: int, dof: int, r: float, trace: float,
                        a_inv: np.ndarray, reml: bool) -> float:
    """d(-2 loglik)/d(ratio) for a component dH = sum_g 1_g 1_g': from the groups' 1_g' H^-1 Z (`proj`).

    dof * dlog(r) + tr(H^-1 dH) [- tr(A^-1 X'H^-1 dH H^-1 X) under REML]; the fixed effects are
    profiled out, so dr = -e'H^-1 dH H^-1 e.
    """
    e_part = proj @ coef
    value = -dof * float(e_part @ e_part) / r + trace
    if reml:
        x_part = proj[:, :k]
        value -= float(np.sum((x_part @ a_inv) * x_part))
    return value
