"""Who answered the follow-up: response rates by exposure, and weights that make the respondents
stand for everyone invited.

Follow-up surveys of assisted persons lose many people, and not at random. If trained providers'
clients answer more often, a comparison of respondents is biased before any model is fitted; so
the report shows response by exposure with a test. Inverse-probability-of-response weights from a
logit of responded ~ covariates (Robins, Rotnitzky & Zhao 1995) re-weight respondents to the
invited population under "missing at random given the covariates"; they are stabilised (the
response rate in the numerator, so they average about 1) and truncated at percentiles (Cole &
Hernan 2008) so that no single respondent dominates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.prepare import INTERCEPT, as_columns
from analysis.propensity import fit_propensity, kish_ess
from analysis.results import AnalysisError

MAX_CATEGORIES = 20
DEFAULT_TRUNCATE = (0.01, 0.99)


@dataclass(frozen=True)
class ArmResponse:
    level: Any
    invited: int
    responded: int
    rate: float
    ci_low: float  # Wilson score interval
    ci_high: float


@dataclass(frozen=True)
class ResponseByExposure:
    """Response rates per exposure group and a test that they are equal."""

    responded: str
    exposure: str
    arms: tuple[ArmResponse, ...]
    test: str
    statistic: float
    df: int | None
    p_value: float
    difference: float  # rate of the last group minus the first (two groups only), else NaN
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseWeights:
    """Weights for respondents (NaN for non-respondents and rows with missing covariates)."""

    weights: pd.Series
    probability: pd.Series
    covariates: tuple[str, ...]
    n: int
    n_responded: int
    stabilised: bool
    truncation: tuple[float, float] | None
    n_truncated: int
    effective_sample_size: float
    coefficients: dict[str, float]
    balance: tuple[dict[str, float | str], ...]
    warnings: tuple[str, ...] = ()


def _responded(values: pd.Series, name: str) -> pd.Series:
    """The response indicator as 0/1 floats (missing stays missing)."""
    present = values.dropna()
    if pd.api.types.is_bool_dtype(present) or set(pd.unique(present)) <= {0, 1}:
        return values.astype(float)
    raise AnalysisError(f"'{name}' must say whether each person responded, as 0/1 or True/False; it holds "
                        f"values such as {present.iloc[0]!r}.")


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def response_by_exposure(df: pd.DataFrame, responded: str, exposure: str) -> ResponseByExposure:
    """Response rate per exposure group with Pearson's chi-square test (Fisher's exact test for a
    2x2 table with an expected count below 5).

    Raises AnalysisError for unknown columns, a response column that is not 0/1, or an exposure with
    more than 20 groups (bin it first).
    """
    from scipy import stats

    for col in (responded, exposure):
        if col not in df.columns:
            raise AnalysisError(f"No column named '{col}' in the data.")
    r = _responded(df[responded], responded)
    data = pd.DataFrame({"r": r, "x": df[exposure]}).dropna()
    notes: list[str] = []
    if len(data) < len(df):
        notes.append(f"{len(df) - len(data)} rows with no response status or no '{exposure}' were left out.")
    if data.empty:
        raise AnalysisError("No row has both a response status and an exposure.")
    levels = sorted(data.x.unique(), key=lambda v: (str(type(v)), v))
    if len(levels) > MAX_CATEGORIES:
        raise AnalysisError(f"'{exposure}' has {len(levels)} different values; group it (for example hours into "
                            "bands) before comparing response rates.")
    arms = []
    table = []
    for level in levels:
        part = data.r[data.x == level]
        k, n = int(part.sum()), int(len(part))
        low, high = _wilson(k, n)
        arms.append(ArmResponse(level.item() if hasattr(level, "item") else level, n, k, k / n, low, high))
        table.append([k, n - k])
    counts = np.array(table)
    difference = arms[-1].rate - arms[0].rate if len(arms) == 2 else math.nan
    if len(arms) < 2:
        notes.append(f"Everyone analysed has the same '{exposure}'; there is nothing to compare.")
        return ResponseByExposure(responded, exposure, tuple(arms), "none", math.nan, None, math.nan, math.nan,
                                  tuple(notes))
    if counts[:, 0].sum() in (0, counts.sum()):
        notes.append("Everyone (or no one) responded, so response cannot differ by exposure.")
        return ResponseByExposure(responded, exposure, tuple(arms), "none", math.nan, None, math.nan, difference,
                                  tuple(notes))
    expected = stats.contingency.expected_freq(counts)
    if counts.shape == (2, 2) and expected.min() < 5:
        res = stats.fisher_exact(counts)
        return ResponseByExposure(responded, exposure, tuple(arms), "Fisher's exact test", math.nan, None,
                                  float(res.pvalue), difference, tuple(notes))
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    if expected.min() < 5:
        notes.append("Some groups are small (an expected count below 5): the chi-square p-value is approximate.")
    return ResponseByExposure(responded, exposure, tuple(arms), "Pearson's chi-square test", float(chi2), int(dof),
                              float(p), difference, tuple(notes))


def _design(data: pd.DataFrame, covariates: tuple[str, ...], notes: list[str]) -> pd.DataFrame:
    parts = [pd.DataFrame({INTERCEPT: np.ones(len(data))}, index=data.index)]
    for col in covariates:
        values = data[col]
        if values.nunique() < 2:
            notes.append(f"The covariate '{col}' has the same value for everyone; it was left out.")
            continue
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            parts.append(pd.DataFrame({col: values.astype(float)}))
        else:
            parts.append(pd.get_dummies(values, prefix=col, prefix_sep="[", drop_first=True, dtype=float)
                         .rename(columns=lambda c: f"{c}]"))
    design = pd.concat(parts, axis=1)
    if np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        raise AnalysisError("Some covariates are determined by others (for example two codings of the same "
                            "thing); leave the duplicates out.")
    return design


def response_weights(df: pd.DataFrame, responded: str, covariates: str | Sequence[str], *, stabilise: bool = True,
                     truncate: tuple[float, float] | None = DEFAULT_TRUNCATE, link: str = "logit"
                     ) -> ResponseWeights:
    """Inverse-probability-of-response weights from a logit (or probit) of `responded` on `covariates`.

    Stabilised weights are (response rate) / P(respond | covariates); `truncate` clips them at the
    given percentiles of the respondents' weights (None: no truncation). Use them for weighted means
    or weighted models of respondents' outcomes.
    Raises AnalysisError for unknown columns, a response column that is not 0/1, no respondents,
    or covariates that predict response perfectly.
    """
    cov = as_columns(covariates)
    unknown = [c for c in (responded, *cov) if c not in df.columns]
    if unknown:
        raise AnalysisError(f"No column named {', '.join(repr(c) for c in unknown)} in the data.")
    r_all = _responded(df[responded], responded)
    data = df[list(cov)].assign(__r=r_all).dropna()
    notes: list[str] = []
    if len(data) < len(df):
        notes.append(f"{len(df) - len(data)} of {len(df)} rows with a missing covariate or response status get no "
                     "weight.")
    r = data["__r"].to_numpy(float)
    if len(r) == 0 or r.sum() == 0:
        raise AnalysisError("No one responded (among rows with all covariates): there is no one to weight.")
    design = _design(data, cov, notes)
    n_resp = int(r.sum())
    if n_resp == len(r):
        notes.append("Everyone responded: every weight is 1.")
        ones = pd.Series(1.0, index=data.index).reindex(df.index)
        return ResponseWeights(ones, ones, cov, len(r), n_resp, stabilise, None, 0, float(n_resp), {}, (),
                               tuple(notes))
    fit = fit_propensity(design, r, link, what=f"who responded ('{responded}')")
    notes.extend(fit.notes)
    p = fit.p
    w = np.where(r == 1, (r.mean() if stabilise else 1.0) / p, np.nan)
    n_trunc = 0
    if truncate is not None:
        lo, hi = truncate
        if not 0 <= lo < hi <= 1:
            raise AnalysisError(f"truncate percentiles must satisfy 0 <= low < high <= 1 (got {lo}, {hi}).")
        resp_w = w[r == 1]
        a, b = np.quantile(resp_w, [lo, hi])
        n_trunc = int(((resp_w < a) | (resp_w > b)).sum())
        w[r == 1] = np.clip(resp_w, a, b)
    ess = kish_ess(w[r == 1])
    if ess < 0.5 * n_resp:
        notes.append(f"The weights are very unequal: the {n_resp} respondents count as only {ess:.0f} after weighting "
                     "(Kish's effective sample size).")
    if p.min() < 0.05:
        notes.append(f"{int((p < 0.05).sum())} people had less than a 5% chance of responding; estimates for people "
                     "like them rest on very few respondents.")
    balance = _balance(design.drop(columns=[INTERCEPT]), r, w)
    return ResponseWeights(
        weights=pd.Series(w, index=data.index).reindex(df.index),
        probability=pd.Series(p, index=data.index).reindex(df.index),
        covariates=cov, n=len(r), n_responded=n_resp, stabilised=stabilise, truncation=truncate,
        n_truncated=n_trunc, effective_sample_size=ess, coefficients=fit.coefficients(), balance=balance,
        warnings=tuple(notes))


def _balance(X: pd.DataFrame, r: np.ndarray, w: np.ndarray) -> tuple[dict[str, float | str], ...]:
    """Respondents against everyone invited, before and after weighting (SMD in SDs of everyone)."""
    rows = []
    for col in X.columns:
        x = X[col].to_numpy(float)
        sd = x.std(ddof=1)
        target = x.mean()
        before = x[r == 1].mean()
        after = float(np.average(x[r == 1], weights=w[r == 1]))
        rows.append({"covariate": str(col), "mean_everyone": float(target), "mean_respondents": float(before),
                     "mean_respondents_weighted": after,
                     "smd_before": float((before - target) / sd) if sd > 0 else math.nan,
                     "smd_after": float((after - target) / sd) if sd > 0 else math.nan})
    return tuple(rows)
