"""Internal consistency of a scale: Cronbach's alpha with its interval and item statistics, per
group (wave, language) because a translation or a later wave can behave differently.

Alpha = k/(k-1) (1 - sum of item variances / variance of the total) (Cronbach 1951). Its
interval is Feldt's: under parallel items (1 - alpha)/(1 - alpha-hat) follows F with n - 1 and
(n - 1)(k - 1) degrees of freedom (Feldt, Woodruff & Salih 1987, formulas 6-7), or a percentile
bootstrap when that assumption is doubtful. The corrected item-total correlation (item against the
sum of the other items) and alpha-if-item-deleted show which item pulls the scale down, typically
one that needs reverse scoring or does not translate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.prepare import as_columns
from analysis.results import AnalysisError

MIN_RESPONDENTS = 3


@dataclass(frozen=True)
class ItemStatistic:
    item: str
    mean: float
    sd: float
    item_rest_correlation: float  # corrected item-total: the item against the sum of the others
    alpha_if_deleted: float


@dataclass(frozen=True)
class Reliability:
    """Alpha of one group (`group` holds the values of the `by` columns; () for everyone)."""

    group: tuple[Any, ...]
    alpha: float
    ci_low: float
    ci_high: float
    ci_method: str
    level: float
    standardised_alpha: float
    n: int
    n_items: int
    n_dropped: int
    items: tuple[ItemStatistic, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReliabilityReport:
    """Alpha for every group of `by` (or one row for everyone)."""

    items: tuple[str, ...]
    by: tuple[str, ...]
    groups: tuple[Reliability, ...]

    def group(self, *key: Any) -> Reliability:
        """The result for one group, e.g. report.group("m3", "uk"); AnalysisError if there is none."""
        for g in self.groups:
            if g.group == tuple(key):
                return g
        raise AnalysisError(f"No group {key!r}; the groups are {[g.group for g in self.groups]}.")

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for g in self.groups for w in g.warnings))


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) interval: 1 - (1 - alpha) F_{1-c/2} and 1 - (1 - alpha) F_{c/2},
    F with n - 1 and (n - 1)(k - 1) degrees of freedom."""
    from scipy.stats import f

    if not math.isfinite(alpha) or n < 2 or k < 2:
        return math.nan, math.nan
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return 1 - (1 - alpha) * float(f.ppf(1 - tail, df1, df2)), 1 - (1 - alpha) * float(f.ppf(tail, df1, df2))


def cronbach_alpha(df: pd.DataFrame, items: str | Sequence[str], *, by: str | Sequence[str] | None = None,
                   ci: str = "feldt", level: float = 0.95, n_boot: int = 1000, seed: int = 2012
                   ) -> ReliabilityReport:
    """Cronbach's alpha of `items` with a Feldt (`ci="feldt"`) or bootstrap (`ci="bootstrap"`)
    interval, item statistics, for everyone or per group of the `by` columns.

    Respondents missing any item are left out of their group (listwise), and counted.
    Raises AnalysisError for unknown columns, fewer than two items, text items or an unknown `ci`.
    """
    item_cols = as_columns(items)
    by_cols = as_columns(by)
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError("The data must be a table (a pandas DataFrame).")
    unknown = [c for c in (*item_cols, *by_cols) if c not in df.columns]
    if unknown:
        raise AnalysisError(f"No column named {', '.join(repr(c) for c in unknown)} in the data.")
    if len(item_cols) < 2:
        raise AnalysisError("Alpha measures how items of a scale hang together, so it needs at least two items.")
    text = [c for c in item_cols if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))]
    if text:
        raise AnalysisError(f"The items must hold scored numbers; {', '.join(repr(c) for c in text)} hold text. "
                            "Score the answers first.")
    if ci not in ("feldt", "bootstrap"):
        raise AnalysisError(f"ci={ci!r} is not known; use 'feldt' or 'bootstrap'.")
    if by_cols:
        groups = [(key if isinstance(key, tuple) else (key,), part)
                  for key, part in df.groupby(list(by_cols), sort=True, dropna=False)]
    else:
        groups = [((), df)]
    results = tuple(_one_group(key, part[list(item_cols)].astype(float), ci, level, n_boot, seed)
                    for key, part in groups)
    return ReliabilityReport(items=item_cols, by=by_cols, groups=results)


def _alpha(X: np.ndarray) -> float:
    k = X.shape[1]
    total = X.sum(axis=1).var(ddof=1)
    if total <= 0:
        return math.nan
    return k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / total)


def _one_group(key: tuple[Any, ...], data: pd.DataFrame, ci: str, level: float, n_boot: int,
               seed: int) -> Reliability:
    label = "everyone" if not key else ", ".join(str(k) for k in key)
    complete = data.dropna()
    dropped = len(data) - len(complete)
    notes: list[str] = []
    if dropped:
        notes.append(f"{label}: {dropped} of {len(data)} respondents missed at least one item and were left out.")
    X = complete.to_numpy(dtype=float)
    n, k = X.shape
    empty = Reliability(key, math.nan, math.nan, math.nan, ci, level, math.nan, n, k, dropped, (), ())
    if n < MIN_RESPONDENTS:
        notes.append(f"{label}: only {n} complete respondents; alpha needs at least {MIN_RESPONDENTS}.")
        return _with(empty, notes)
    sd = X.std(axis=0, ddof=1)
    constant = [c for c, s in zip(data.columns, sd, strict=True) if s == 0]
    if constant:
        notes.append(f"{label}: {', '.join(repr(c) for c in constant)} had the same answer from everyone; such an "
                     "item carries no information about consistency.")
    alpha = _alpha(X)
    if math.isnan(alpha):
        notes.append(f"{label}: every respondent has the same total score, so alpha is undefined.")
        return _with(empty, notes)
    if ci == "feldt":
        low, high = feldt_interval(alpha, n, k, level)
    else:
        low, high = _bootstrap(X, level, n_boot, seed)
    stats = _item_statistics(X, [str(c) for c in data.columns])
    if alpha < 0:
        notes.append(f"{label}: alpha is negative ({alpha:.2f}): the items disagree more than chance; some may need "
                     "reverse scoring.")
    negative = [s.item for s in stats if s.item_rest_correlation < 0]
    if negative:
        notes.append(f"{label}: {', '.join(repr(i) for i in negative)} correlate negatively with the rest of the "
                     "scale; check whether they are reverse-keyed.")
    best = max(stats, key=lambda s: s.alpha_if_deleted if math.isfinite(s.alpha_if_deleted) else -math.inf)
    if k > 2 and best.alpha_if_deleted > alpha + 0.05:
        notes.append(f"{label}: without '{best.item}' alpha would rise from {alpha:.2f} to "
                     f"{best.alpha_if_deleted:.2f}.")
    if n < 30:
        notes.append(f"{label}: with {n} respondents alpha is imprecise; read the interval.")
    corr = np.corrcoef(X, rowvar=False) if not constant else np.full((k, k), math.nan)
    mean_r = float(corr[np.triu_indices(k, 1)].mean())
    std_alpha = k * mean_r / (1 + (k - 1) * mean_r) if math.isfinite(mean_r) else math.nan
    return Reliability(key, float(alpha), low, high, ci, level, float(std_alpha), n, k, dropped, stats,
                       tuple(notes))


def _with(result: Reliability, notes: list[str]) -> Reliability:
    from dataclasses import replace

    return replace(result, warnings=tuple(notes))


def _item_statistics(X: np.ndarray, names: list[str]) -> tuple[ItemStatistic, ...]:
    total = X.sum(axis=1)
    out = []
    for j, name in enumerate(names):
        rest = total - X[:, j]
        x = X[:, j]
        r = float(np.corrcoef(x, rest)[0, 1]) if x.std() > 0 and rest.std() > 0 else math.nan
        others = np.delete(X, j, axis=1)
        deleted = _alpha(others) if others.shape[1] >= 2 else math.nan
        out.append(ItemStatistic(name, float(x.mean()), float(x.std(ddof=1)), r, float(deleted)))
    return tuple(out)


def _bootstrap(X: np.ndarray, level: float, n_boot: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = len(X)
    values = []
    for _ in range(n_boot):
        a = _alpha(X[rng.integers(0, n, n)])
        if math.isfinite(a):
            values.append(a)
    if len(values) < n_boot / 2:
        return math.nan, math.nan
    tail = (1 - level) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))
