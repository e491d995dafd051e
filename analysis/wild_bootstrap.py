"""Wild cluster bootstrap with the null imposed (WCR) for one coefficient of a linear model.

With few clusters (regions: a roll-out over 13 regions has 13) cluster-robust t-tests over-reject;
the restricted wild cluster bootstrap of Cameron, Gelbach & Miller (2008) keeps close to its level
down to a handful of clusters (MacKinnon & Webb 2017/2018). With 12 clusters or fewer, Rademacher
weights allow too few distinct draws (2^G), so Webb's six-point weights are used instead.

The computation follows Roodman, MacKinnon, Nielsen & Webb (2019, "Fast and wild", Stata Journal
19:4-60): after partialling out the other regressors once, every bootstrap numerator and
cluster score is a product of the G-vector of weights with small precomputed G x G matrices, so
999 replications cost almost nothing and the confidence interval can be found by inverting the
test (solving p(beta0) = 1 - level on each side).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
WEBB_MAX_CLUSTERS = 12


@dataclass(frozen=True)
class WildBootstrap:
    """The bootstrap p-value of H0: coefficient = 0 and the test-inversion confidence interval."""

    estimate: float
    std_error: float  # analytic CR1
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    reps: int
    weights: str
    seed: int
    n_clusters: int
    level: float


def weight_draws(n_clusters: int, reps: int, kind: str, seed: int) -> np.ndarray:
    """reps x G matrix of bootstrap weights: "rademacher" (+-1) or "webb" (six points)."""
    rng = np.random.default_rng(seed)
    if kind == "webb":
        return WEBB[rng.integers(0, 6, size=(reps, n_clusters))]
    return rng.choice(np.array([-1.0, 1.0]), size=(reps, n_clusters))


def auto_weights(n_clusters: int) -> str:
    return "webb" if n_clusters <= WEBB_MAX_CLUSTERS else "rademacher"


class _Problem:
    """The pieces of the fast WCR that do not depend on the null value beta0."""

    def __init__(self, y: np.ndarray, X: np.ndarray, column: int, clusters: np.ndarray) -> None:
        n, k = X.shape
        self.d = X[:, column]
        Xr = np.delete(X, column, axis=1)
        pinv = np.linalg.pinv(Xr.T @ Xr)
        self.dt = self.d - Xr @ (pinv @ (Xr.T @ self.d))  # d partialled out of the other regressors
        self.yt = y - Xr @ (pinv @ (Xr.T @ y))
        self.dd = float(self.dt @ self.dt)
        if self.dd <= 1e-12 * max(1.0, float(self.d @ self.d)):
            raise ValueError("the tested regressor is a combination of the others")
        self.beta = float(self.dt @ self.yt) / self.dd
        G = int(clusters.max()) + 1
        self.G = G
        rank = np.linalg.matrix_rank(X)
        self.factor = G / (G - 1) * (n - 1) / (n - rank)

        def by_cluster(rows: np.ndarray) -> np.ndarray:
            out = np.zeros((G,) + rows.shape[1:])
            np.add.at(out, clusters, rows)
            return out

        self.dd_g = by_cluster(self.dt**2)
        self.s_y = by_cluster(self.dt * self.yt)  # d~_g' y~_g
        self.s_d = by_cluster(self.dt * self.dt)  # d~_g' d~_g (= dd_g)
        A = by_cluster(Xr * self.dt[:, None])  # X_g' d~_g
        self.AW = A @ pinv
        self.c_y = by_cluster(Xr * self.yt[:, None])  # X_g' y~_g
        self.c_d = by_cluster(Xr * self.dt[:, None])
        resid = self.yt - self.dt * self.beta
        score = by_cluster(self.dt * resid)
        self.se = math.sqrt(self.factor * float(score @ score)) / self.dd

    def p_value(self, beta0: float, V: np.ndarray) -> float:
        """Symmetric bootstrap p-value of H0: beta = beta0 with the null imposed."""
        t_obs = (self.beta - beta0) / self.se
        s = self.s_y - beta0 * self.s_d  # d~_g' u_g with u the restricted residuals
        c = self.c_y - beta0 * self.c_d
        M = np.diag(s) - self.AW @ c.T  # M[g, h]: effect of cluster h's weight on cluster g's score
        delta = V @ s / self.dd  # bootstrap beta* - beta0
        scores = V @ M.T - delta[:, None] * self.dd_g[None, :]
        se_star = np.sqrt(self.factor * (scores**2).sum(axis=1)) / self.dd
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.where(se_star > 0, delta / se_star, 0.0)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - 1e-12)))


def wild_cluster_bootstrap(y: np.ndarray, X: np.ndarray, column: int, clusters: np.ndarray, *,
                           reps: int = 999, seed: int = 2012, weights: str = "auto", level: float = 0.95,
                           ci: bool = True) -> WildBootstrap:
    """WCR bootstrap test of X[:, column]'s coefficient = 0, with the CI by test inversion.

    `clusters` are integer codes 0..G-1. Raises ValueError if the coefficient is not identified.
    """
    problem = _Problem(np.asarray(y, float), np.asarray(X, float), column, np.asarray(clusters))
    kind = auto_weights(problem.G) if weights == "auto" else weights
    V = weight_draws(problem.G, reps, kind, seed)
    p0 = problem.p_value(0.0, V)
    low = high = math.nan
    if ci:
        alpha = 1 - level
        low = _invert(problem, V, alpha, -1)
        high = _invert(problem, V, alpha, +1)
    return WildBootstrap(estimate=problem.beta, std_error=problem.se, t_stat=problem.beta / problem.se,
                         p_value=p0, ci_low=low, ci_high=high, reps=reps, weights=kind, seed=seed,
                         n_clusters=problem.G, level=level)


def _invert(problem: _Problem, V: np.ndarray, alpha: float, side: int) -> float:
    """The null value beyond which the test rejects at `alpha`, on one side of the estimate."""
    inside = problem.beta
    step = problem.se
    outside = inside + side * step
    for _ in range(60):
        if problem.p_value(outside, V) <= alpha:
            break
        inside, step = outside, step * 2
        outside = inside + side * step
    else:
        return side * math.inf
    for _ in range(50):
        mid = (inside + outside) / 2
        if problem.p_value(mid, V) > alpha:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) < 1e-6 * problem.se:
            break
    return (inside + outside) / 2
