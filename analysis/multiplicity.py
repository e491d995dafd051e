"""Adjusting a family of p-values for testing many outcomes at once.

An evaluation looks at several outcomes, waves and subgroups; among twenty true nulls one will
come out "significant" by chance. Holm (1979) controls the chance of any false finding
(family-wise error) and is never worse than Bonferroni; Benjamini & Hochberg (1995) control the
expected share of false findings among those declared (false discovery rate), which suits a
screening of many outcomes. Both are simple enough to check by hand, so they are written out here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.results import AnalysisError

METHODS = {"holm": "Holm (1979) step-down, family-wise error rate",
           "bh": "Benjamini & Hochberg (1995) step-up, false discovery rate"}


@dataclass(frozen=True)
class AdjustedPValues:
    """Raw and adjusted p-values of a family, in the order given, and which are rejected at `alpha`."""

    method: str
    description: str
    labels: tuple[str, ...]
    p_values: tuple[float, ...]
    adjusted: tuple[float, ...]
    reject: tuple[bool, ...]
    alpha: float
    m: int  # size of the family (p-values that are not missing)
    warnings: tuple[str, ...] = ()

    def as_rows(self) -> list[dict[str, object]]:
        return [{"label": lab, "p_value": p, "adjusted": a, "reject": r}
                for lab, p, a, r in zip(self.labels, self.p_values, self.adjusted, self.reject, strict=True)]


def holm(p_values: Sequence[float] | Mapping[str, float], alpha: float = 0.05) -> AdjustedPValues:
    """Holm's step-down adjustment: sorted p_(i) is multiplied by (m - i + 1), made monotone."""
    return adjust(p_values, "holm", alpha)


def benjamini_hochberg(p_values: Sequence[float] | Mapping[str, float], alpha: float = 0.05) -> AdjustedPValues:
    """Benjamini-Hochberg step-up: sorted p_(i) times m / i, made monotone from the largest down."""
    return adjust(p_values, "bh", alpha)


def adjust(p_values: Sequence[float] | Mapping[str, float], method: str = "holm",
           alpha: float = 0.05) -> AdjustedPValues:
    """Adjust a family of p-values (a sequence, or a mapping label -> p) by `method` "holm" or "bh".

    Missing p-values (None or NaN) stay missing and do not count in the family (a warning says so).
    Raises AnalysisError for an unknown method, a p-value outside [0, 1] or alpha outside (0, 1).
    """
    if method not in METHODS:
        raise AnalysisError(f"Unknown adjustment {method!r}; choose 'holm' or 'bh'.")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be between 0 and 1 (got {alpha}).")
    if isinstance(p_values, Mapping):
        labels = tuple(str(k) for k in p_values)
        raw = [p_values[k] for k in p_values]
    else:
        raw = list(p_values)
        labels = tuple(str(i + 1) for i in range(len(raw)))
    p = np.array([math.nan if v is None else float(v) for v in raw], dtype=float)
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        bad = ", ".join(f"{labels[i]}: {p[i]:g}" for i in np.flatnonzero(present & ((p < 0) | (p > 1))))
        raise AnalysisError(f"A p-value must lie between 0 and 1 ({bad}).")
    notes: list[str] = []
    if not present.all():
        notes.append(f"{int((~present).sum())} of {len(p)} p-values are missing; the adjustment is over the other "
                     f"{int(present.sum())}.")
    adjusted = np.full(len(p), math.nan)
    if present.any():
        adjusted[present] = _holm(p[present]) if method == "holm" else _bh(p[present])
    reject = tuple(bool(a <= alpha) if not math.isnan(a) else False for a in adjusted)
    return AdjustedPValues(method=method, description=METHODS[method], labels=labels,
                           p_values=tuple(float(v) for v in p), adjusted=tuple(float(v) for v in adjusted),
                           reject=reject, alpha=alpha, m=int(present.sum()), warnings=tuple(notes))


def _holm(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    out = np.empty(m)
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = m / np.arange(1, m + 1) * p[order]
    out = np.empty(m)
    out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out
