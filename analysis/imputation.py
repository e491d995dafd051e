"""Multiple imputation by chained equations, and Rubin's rules, as a sensitivity analysis.

The main analyses use complete cases and say how many rows they lost. When values are missing at
random given other variables (people with worse outcomes skip a question on their exposure, say),
complete cases are biased and multiple imputation is not. Each incomplete numeric column is
imputed in turn from all the others, drawing the regression parameters from their posterior before
drawing the values (van Buuren 2018, *Flexible Imputation of Missing Data*, algorithms 3.1 and
3.4: normal linear model, logistic for 0/1 columns), repeated `m` times; the estimates are pooled
by Rubin's rules (Rubin 1987): T = W + (1 + 1/m) B, with Barnard & Rubin's (1999) degrees of
freedom. Written here with numpy rather than statsmodels' MICE so that every draw is explicit,
seeded and free of warnings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.prepare import as_columns
from analysis.results import AnalysisError, EffectResult

RIDGE = 1e-5


@dataclass(frozen=True)
class PooledEstimate:
    """One parameter pooled over m imputations by Rubin's rules."""

    estimate: float
    std_error: float
    within: float  # W, mean of the m variances
    between: float  # B, variance of the m estimates
    total: float  # T = W + (1 + 1/m) B
    m: int
    df: float  # Barnard-Rubin (or Rubin's 1987 value when df_complete is infinite)
    df_complete: float
    riv: float  # relative increase in variance due to non-response, (1 + 1/m) B / W
    lambda_: float  # proportion of the total variance due to missingness, (1 + 1/m) B / T
    fmi: float  # fraction of missing information, (riv + 2/(df + 3)) / (riv + 1)
    ci_low: float
    ci_high: float
    t: float
    p_value: float
    level: float


def rubin_pool(estimates: Sequence[float], variances: Sequence[float], df_complete: float = math.inf,
               level: float = 0.95) -> PooledEstimate:
    """Pool `estimates` with their sampling `variances` from m imputations (Rubin's rules).

    `df_complete` is the complete-data degrees of freedom (n - k for OLS); Barnard & Rubin's
    small-sample degrees of freedom are used when it is finite.
    Raises AnalysisError with fewer than two imputations or a negative variance.
    """
    from scipy import stats

    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = len(q)
    if m < 2 or len(u) != m:
        raise AnalysisError("Rubin's rules need at least two imputations, each with an estimate and a variance.")
    if np.any(u < 0) or not np.all(np.isfinite(np.r_[q, u])):
        raise AnalysisError("Every imputation must give a finite estimate and a non-negative variance.")
    qbar, w, b = float(q.mean()), float(u.mean()), float(q.var(ddof=1))
    total = w + (1 + 1 / m) * b
    riv = (1 + 1 / m) * b / w if w > 0 else math.inf
    lam = (1 + 1 / m) * b / total if total > 0 else 0.0
    df_old = (m - 1) / lam**2 if lam > 0 else math.inf
    if math.isfinite(df_complete):
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        df = df_old * df_obs / (df_old + df_obs) if math.isfinite(df_old) else df_obs
    else:
        df = df_old
    fmi = (riv + 2 / (df + 3)) / (riv + 1) if math.isfinite(df) and math.isfinite(riv) else lam
    se = math.sqrt(total)
    crit = float(stats.t.ppf(0.5 + level / 2, df)) if math.isfinite(df) else float(stats.norm.ppf(0.5 + level / 2))
    t = qbar / se if se > 0 else math.nan
    p = float(2 * (stats.t.sf(abs(t), df) if math.isfinite(df) else stats.norm.sf(abs(t)))) if se > 0 else math.nan
    return PooledEstimate(qbar, se, w, b, total, m, float(df), float(df_complete), float(riv), float(lam),
                          float(fmi), qbar - crit * se, qbar + crit * se, t, p, level)


def _encode(data: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as they are, text columns as indicators (first level left out)."""
    parts = []
    for col in data.columns:
        values = data[col]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float).rename(col).to_frame())
        else:
            parts.append(pd.get_dummies(values, prefix=col, prefix_sep="[", drop_first=True, dtype=float)
                         .rename(columns=lambda c: f"{c}]"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=data.index)


def _standardised_design(X: np.ndarray) -> np.ndarray:
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    return np.column_stack([np.ones(len(X)), (X - X.mean(axis=0)) / sd])


def _draw_normal(X: np.ndarray, y: np.ndarray, X_mis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bayesian linear regression imputation (van Buuren 2018, algorithm 3.1)."""
    k = X.shape[1]
    xtx = X.T @ X + RIDGE * np.eye(k) * max(1.0, float(np.trace(X.T @ X)) / k)
    inv = np.linalg.inv(xtx)
    beta = inv @ X.T @ y
    resid = y - X @ beta
    df = max(len(y) - k, 1)
    sigma = math.sqrt(float(resid @ resid) / rng.chisquare(df))
    chol = np.linalg.cholesky((inv + inv.T) / 2)
    beta_star = beta + sigma * chol @ rng.standard_normal(k)
    return X_mis @ beta_star + sigma * rng.standard_normal(len(X_mis))


def _draw_logistic(X: np.ndarray, y: np.ndarray, X_mis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Logistic regression imputation (van Buuren 2018, algorithm 3.4), lightly ridged so that a
    separated column still gives finite draws."""
    k = X.shape[1]
    beta = np.zeros(k)
    penalty = 1e-4 * np.eye(k)
    for _ in range(25):
        p = 1 / (1 + np.exp(-np.clip(X @ beta, -30, 30)))
        hess = X.T @ (X * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, X.T @ (y - p) - penalty @ beta)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    p = 1 / (1 + np.exp(-np.clip(X @ beta, -30, 30)))
    cov = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]) + penalty)
    beta_star = beta + np.linalg.cholesky((cov + cov.T) / 2) @ rng.standard_normal(k)
    p_mis = 1 / (1 + np.exp(-np.clip(X_mis @ beta_star, -30, 30)))
    return (rng.random(len(X_mis)) < p_mis).astype(float)


def impute_chained(data: pd.DataFrame, *, m: int = 20, iterations: int = 10, seed: int = 2012
                   ) -> list[pd.DataFrame]:
    """`m` completed copies of `data`: every incomplete numeric column imputed from all the others.

    Raises AnalysisError when a text column has missing values (impute or drop those first) or a
    column has no observed values.
    """
    missing = data.isna()
    targets = [c for c in data.columns if missing[c].any()]
    for col in targets:
        if not (pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col])):
            raise AnalysisError(f"'{col}' holds text and has missing values; this imputation handles numbers and "
                                "0/1 columns only. Recode it or leave its incomplete rows out.")
        if missing[col].all():
            raise AnalysisError(f"'{col}' has no values at all: there is nothing to impute it from.")
    targets.sort(key=lambda c: int(missing[c].sum()))
    binary = {c: set(np.unique(data[c].dropna())) <= {0.0, 1.0} for c in targets}
    root = np.random.SeedSequence(seed)
    completed = []
    for stream in root.spawn(m):
        rng = np.random.default_rng(stream)
        current = data.copy()
        for col in targets:
            observed = data[col].dropna().to_numpy(dtype=float)
            current.loc[missing[col], col] = rng.choice(observed, int(missing[col].sum()))
        for _ in range(iterations):
            for col in targets:
                predictors = _encode(current.drop(columns=[col])).to_numpy(dtype=float)
                X = _standardised_design(predictors)
                obs = ~missing[col].to_numpy()
                y = current[col].to_numpy(dtype=float)
                draw = _draw_logistic if binary[col] else _draw_normal
                current.loc[missing[col], col] = draw(X[obs], y[obs], X[~obs], rng)
        completed.append(current)
    return completed


def _ols(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, their variances (classical, or CR1 by `groups`) and the complete-data df."""
    n, k = X.shape
    inv = np.linalg.inv(X.T @ X)
    beta = inv @ X.T @ y
    resid = y - X @ beta
    if groups is None:
        cov = inv * float(resid @ resid) / (n - k)
        return beta, np.diag(cov), float(n - k)
    G = int(groups.max()) + 1
    scores = np.zeros((G, k))
    np.add.at(scores, groups, X * resid[:, None])
    cov = G / (G - 1) * (n - 1) / (n - k) * inv @ scores.T @ scores @ inv
    return beta, np.diag(cov), float(G - 1)


def fit_mi_ols(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
               cluster: str | None = None, *, auxiliary: str | Sequence[str] = (), m: int = 20, iterations: int = 10,
               seed: int = 2012, level: float = 0.95) -> EffectResult:
    """OLS effect of `exposure` on `outcome` adjusted for `covariates`, after multiple imputation of
    the missing values of all of them (and of `auxiliary` columns that only help the imputation),
    pooled by Rubin's rules; complete-case results are in `details` for comparison.

    Raises AnalysisError for unknown columns, an all-missing or constant outcome or exposure, a
    text exposure with more than two values, and the problems `impute_chained` finds.
    """
    cov, aux = as_columns(covariates), as_columns(auxiliary)
    columns = list(dict.fromkeys([outcome, exposure, *cov, *aux]))
    unknown = [c for c in (*columns, *([cluster] if cluster else [])) if c not in df.columns]
    if unknown:
        raise AnalysisError(f"No column named {', '.join(repr(c) for c in unknown)} in the data.")
    if m < 2:
        raise AnalysisError("Multiple imputation needs m of at least 2 (20 or more is usual).")
    data = df[columns].copy()
    for col, role in ((outcome, "outcome"), (exposure, "exposure")):
        if data[col].notna().sum() == 0:
            raise AnalysisError(f"The {role} column '{col}' has no values: every row is missing.")
        if data[col].nunique() < 2:
            raise AnalysisError(f"The {role} '{col}' has the same value for everyone: there is nothing to estimate.")
    data[exposure], coding = _exposure(data[exposure], exposure)
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        raise AnalysisError(f"The outcome '{outcome}' must be numeric.")
    groups = None
    if cluster:
        keep = df[cluster].notna()
        data = data[keep]
        groups = pd.factorize(df.loc[keep, cluster], sort=True)[0]
    counts = {c: int(v) for c, v in data.isna().sum().items() if v}
    notes = [f"Sensitivity analysis: missing values were multiply imputed (m = {m}, {iterations} iterations of chained "
             f"equations, seed {seed}) and the estimates pooled by Rubin's rules. This assumes the values are missing "
             "at random given the variables in the imputation model; it cannot correct for reasons for missingness "
             "that those variables do not capture."]
    if not counts:
        notes.append("No value is missing: the imputations equal the data and the result is the complete-case one.")
    completed = impute_chained(data, m=m, iterations=iterations, seed=seed) if counts else [data] * 2
    estimates, variances, dfc = [], [], math.inf
    for filled in completed:
        design = _encode(filled[[exposure, *cov]])
        X = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=float)])
        if np.linalg.matrix_rank(X) < X.shape[1]:
            raise AnalysisError("The covariates determine the exposure or each other in the imputed data; leave the "
                                "redundant ones out.")
        beta, var, dfc = _ols(filled[outcome].to_numpy(dtype=float), X, groups)
        estimates.append(beta[1])
        variances.append(var[1])
    pooled = rubin_pool(estimates, variances, dfc, level)
    complete_case = _complete_case(data, outcome, exposure, cov, groups)
    if pooled.fmi > 0.5:
        notes.append(f"The fraction of missing information is {pooled.fmi:.0%}: the result depends heavily on the "
                     "imputation model.")
    return EffectResult(
        method="mi_ols", outcome=outcome, exposure=exposure, estimate=pooled.estimate, std_error=pooled.std_error,
        ci_low=pooled.ci_low, ci_high=pooled.ci_high, p_value=pooled.p_value, n=len(data),
        n_clusters=(int(groups.max()) + 1) if groups is not None else None, covariates=cov, cluster=cluster,
        warnings=tuple(notes),
        details={"exposure_coding": coding, "imputations": m, "iterations": iterations, "seed": seed,
                 "missing_values": counts, "auxiliary": list(aux),
                 "rubin": {"within": pooled.within, "between": pooled.between, "total": pooled.total,
                           "df": pooled.df, "df_complete": pooled.df_complete, "riv": pooled.riv,
                           "lambda": pooled.lambda_, "fmi": pooled.fmi},
                 "complete_case": complete_case,
                 "std_error_type": ("cluster-robust CR1 by " + repr(cluster)) if cluster else "classical (OLS)",
                 "inference": f"t with {pooled.df:.1f} degrees of freedom (Barnard-Rubin)",
                 "imputation_model": "chained equations: Bayesian normal linear regression for numeric columns, "
                                     "logistic regression for 0/1 columns, every other analysis column as predictor"})


def _exposure(values: pd.Series, name: str) -> tuple[pd.Series, dict[str, Any]]:
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype(float), {"kind": "numeric"}
    levels = sorted(values.dropna().unique(), key=str)
    if len(levels) != 2:
        raise AnalysisError(f"The exposure '{name}' is text with {len(levels)} values; give a numeric or two-group "
                            "exposure.")
    return (values == levels[1]).astype(float).where(values.notna()), {"kind": "binary", "0": levels[0],
                                                                        "1": levels[1]}


def _complete_case(data: pd.DataFrame, outcome: str, exposure: str, cov: tuple[str, ...],
                   groups: np.ndarray | None) -> dict[str, float]:
    keep = data[[outcome, exposure, *cov]].notna().all(axis=1).to_numpy()
    design = _encode(data.loc[keep, [exposure, *cov]])
    X = np.column_stack([np.ones(int(keep.sum())), design.to_numpy(dtype=float)])
    if keep.sum() <= X.shape[1] or np.linalg.matrix_rank(X) < X.shape[1]:
        return {"n": int(keep.sum()), "estimate": math.nan, "std_error": math.nan}
    g = pd.factorize(groups[keep])[0] if groups is not None else None
    beta, var, _ = _ols(data.loc[keep, outcome].to_numpy(dtype=float), X, g)
    return {"n": int(keep.sum()), "estimate": float(beta[1]), "std_error": float(math.sqrt(var[1]))}
