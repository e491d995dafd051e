"""The command-line-free core of `monitor analyze`: read a CSV, estimate, format.

Kept out of the click command so that it is tested without the app and so that the command
itself stays a thin shell: every failure here is an AnalysisError with a message fit to print.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Sequence
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
                cluster: str | None = None, method: str = "ols", **options: Any) -> EffectResult:
    """Read the CSV and estimate; every problem is an AnalysisError. `options` are the command
    line's method options (see `method_options`)."""
    df = read_csv(path)
    return analyze_frame(df, outcome, exposure, covariates, cluster, method, **options)


def analyze_frame(df: Any, outcome: str, exposure: str, covariates: str = "", cluster: str | None = None,
                  method: str = "ols", **options: Any) -> EffectResult:
    """Estimate on a DataFrame with the command line's method options; every problem is an
    AnalysisError."""
    name = (method or "").strip().lower()
    chosen = method_options(name, df, outcome, **options)
    return estimate_effect(df, outcome, exposure, as_columns(covariates), cluster or None, method=name, **chosen)


#: The command line's method options: the methods each applies to, and the estimator option it
#: becomes. `seed` applies to every method (the exact tests of small groups and the bootstraps).
OPTION_METHODS: dict[str, tuple[tuple[str, ...], str]] = {
    "groups": (("mixed",), "groups"),
    "nested": (("mixed",), "nested"),
    "family": (("gee", "logit"), "family"),
    "unit": (("did",), "unit"),
    "time": (("did",), "time"),
    "adoption": (("did",), "adoption"),
    "post": (("did",), "post"),
    "treated": (("did",), "treated"),
    "assignment_level": (("ipw",), "assignment_level"),
    "estimand": (("ipw",), "estimand"),
    "trim": (("ipw",), "trim"),
    "levels": (("ordinal",), "levels"),
    "seed": ((), "seed"),
}


#: Options whose value names a column of the data (besides outcome, exposure, covariates, cluster).
COLUMN_OPTIONS = ("groups", "nested", "unit", "time", "adoption", "post", "treated", "assignment_level")
#: Up to this many columns are named in the message about an unknown one.
NAMED_COLUMNS = 30


def named_columns(outcome: str, exposure: str, covariates: str = "", cluster: str | None = None,
                  **options: Any) -> list[str]:
    """Every column the command line names, in the order given."""
    names = [outcome, exposure, *as_columns(covariates), *([cluster] if cluster else [])]
    names += [str(options[o]) for o in COLUMN_OPTIONS if options.get(o)]
    return list(dict.fromkeys(names))


def check_columns(df: Any, names: Sequence[str], listing: str) -> None:
    """Raise AnalysisError naming each of ``names`` that ``df`` lacks, with the column it most
    likely meant (``ageBroad`` -> ``age_broad``), and all the columns when they are few, else
    the command that lists them with their labels (``listing``)."""
    have = [str(c) for c in df.columns]
    unknown = [n for n in names if n not in have]
    if not unknown:
        return
    parts = []
    for name in unknown:
        guess = _closest(name, have)
        parts.append(repr(name) + (f" (did you mean '{guess}'?)" if guess else ""))
    message = f"No column named {', '.join(parts)} in the data"
    if len(have) <= NAMED_COLUMNS:
        message += f". The columns are: {', '.join(have)}."
    else:
        message += f": it has {len(have)} columns, and `{listing}` lists them with their labels."
    raise AnalysisError(message)


def _closest(name: str, columns: Sequence[str]) -> str | None:
    """The column ``name`` was probably meant to be: the same in snake_case or ignoring case, else
    the closest spelling."""
    def key(text: str) -> str:
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower().replace("-", "_")

    wanted = key(name)
    for column in columns:
        if key(column) == wanted:
            return column
    found = difflib.get_close_matches(wanted, [key(c) for c in columns], n=1, cutoff=0.75)
    return next((c for c in columns if found and key(c) == found[0]), None)


def columns_table(rows: Sequence[Any]) -> str:
    """Columns (name, type, answered, label) as an aligned table for people."""
    header = ("column", "type", "answered", "label")
    lines = [header, *((r.name, r.type, str(r.answered), r.label) for r in rows)]
    widths = [max(len(line[k]) for line in lines) for k in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()
                     for a, b, c, d in lines)


def option_flag(name: str) -> str:
    """How an option is written on the command line (assignment_level -> --assignment-level)."""
    return "--" + name.replace("_", "-")


def method_options(method: str, df: Any, outcome: str, **given: Any) -> dict[str, Any]:
    """The estimator options for `method` from the command line's (None = not given).

    Raises AnalysisError, naming the option and the methods it belongs to, for an option the
    method does not take, and for a value that cannot be read (a `trim` that is not two numbers,
    'crump' or 'none'; `levels` that do not match a numeric outcome).
    """
    unknown = sorted(set(given) - set(OPTION_METHODS))
    if unknown:
        raise AnalysisError(f"Unknown option(s): {', '.join(unknown)}.")
    out: dict[str, Any] = {}
    for name, value in given.items():
        if value is None or value == "":
            continue
        methods, option = OPTION_METHODS[name]
        if methods and method not in methods:
            raise AnalysisError(f"{option_flag(name)} does not apply to --method {method}; it is for "
                                f"--method {' or '.join(methods)}.")
        if name == "family" and method == "logit":
            if str(value).strip().lower() != "binomial":
                raise AnalysisError(f"--method logit is a binomial model; --family {value} is for --method gee.")
            continue  # the logit's own family: nothing to pass on
        if name == "trim":
            value = _trim(value)
        elif name == "levels":
            value = _levels(df, outcome, value)
        out[option] = value
    return out


def _trim(text: Any) -> Any:
    value = str(text).strip().lower()
    if value == "none":
        return None
    if value == "crump":
        return "crump"
    parts = [p.strip() for p in value.split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError as exc:
        raise AnalysisError(f"--trim {text} must be two numbers LOW,HIGH (such as 0.01,0.99), 'crump' or "
                            "'none'.") from exc
    return (low, high)


def _levels(df: Any, outcome: str, text: Any) -> list[Any]:
    """The answer order as the outcome column holds its values: numbers for a numeric column."""
    import pandas as pd

    levels = list(as_columns(str(text)))
    if len(levels) < 2:
        raise AnalysisError(f"--levels {text} must name at least two answers, lowest first, comma-separated.")
    column = df[outcome] if outcome in getattr(df, "columns", ()) else None
    if column is not None and pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        try:
            return [float(v) for v in levels]
        except ValueError as exc:
            raise AnalysisError(f"The outcome '{outcome}' holds numbers, so --levels must be numbers "
                                f"(got {text}).") from exc
    return levels


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
