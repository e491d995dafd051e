"""The command-line-free core of `monitor analyze`: read a CSV, estimate, format.

Kept out of the click command so that it is tested without the app and so that the command
itself stays a thin shell: every failure here is an AnalysisError with a message fit to print.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from analysis.effects import estimate_effect
from analysis.prepare import as_columns
from analysis.results import AnalysisError, EffectResult


def read_csv(path: str | Path) -> Any:
    """The CSV at `path` as a DataFrame; AnalysisError if it is missing, empty or not a table."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"No CSV file at '{path}'.")
    if path.stat().st_size == 0:
        raise AnalysisError(f"The file '{path}' is empty.")
    try:
        df = pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except pd.errors.EmptyDataError as exc:
        raise AnalysisError(f"The file '{path}' is empty.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, csv_error()) as exc:
        raise AnalysisError(f"The file '{path}' could not be read as a CSV table ({exc}).") from exc
    if df.empty:
        raise AnalysisError(f"The file '{path}' has a header but no rows.")
    return df


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def analyze_csv(path: str | Path, outcome: str, exposure: str, covariates: str = "",
                cluster: str | None = None, method: str = "ols") -> EffectResult:
    """Read the CSV and estimate; every problem is an AnalysisError."""
    df = read_csv(path)
    return estimate_effect(df, outcome, exposure, as_columns(covariates), cluster or None, method=method)


def to_json(result: EffectResult) -> str:
    """One JSON object, NaN and infinities as null (the `--json` contract)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)


def format_table(result: EffectResult) -> str:
    """A readable summary: the estimate, its interval, n, clusters, effect sizes and warnings."""
    rows = [
        ("method", result.method + (f" (asked: {result.details['requested_method']})"
                                    if result.details.get("requested_method") else "")),
        ("outcome", result.outcome),
        ("exposure", result.exposure),
        ("covariates", ", ".join(result.covariates) or "none"),
        ("cluster", result.cluster or "none"),
        (f"estimate ({result.scale.replace('_', ' ')})", _num(result.estimate)),
        ("standard error", _num(result.std_error)),
        ("95% interval", f"{_num(result.ci_low)} to {_num(result.ci_high)}"),
        ("p-value", _num(result.p_value)),
        ("n", str(result.n)),
        ("clusters", "none" if result.n_clusters is None else str(result.n_clusters)),
        ("converged", "yes" if result.converged else "NO"),
    ]
    for size in result.effect_sizes:
        label = _LABELS.get(size.name, size.name.replace("_", " "))
        rows.append((label, f"{_num(size.value)} (95% interval {_num(size.ci_low)} to {_num(size.ci_high)})"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    if result.warnings:
        lines.append("")
        lines.append("Warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines)


_LABELS = {"hedges_g": "Hedges' g"}


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "not available"
    return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"
