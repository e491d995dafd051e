"""Input checking shared by every estimator: columns, missing values, coding, design matrix.

Every model reads its data through `prepare`, so that a misspelt column, an all-missing outcome, a
constant exposure or a covariate that duplicates another is reported once, in plain words, the
same way whichever method was asked for; and so that complete-case dropping is always counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.results import AnalysisError

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class Exposure:
    """How the exposure was coded: two groups (0 = `low`, 1 = `high`) or a numeric dose."""

    binary: bool
    low: Any = None
    high: Any = None

    def describe(self) -> dict[str, Any]:
        if not self.binary:
            return {"kind": "numeric"}
        return {"kind": "binary", "0": _plain(self.low), "1": _plain(self.high)}


@dataclass(frozen=True)
class Prepared:
    """Complete cases ready for a model: outcome `y`, design `X` (intercept, exposure, covariates).

    `X`'s exposure column is named like the exposure and is 0/1 when the exposure is binary.
    `data` holds the complete-case rows of the columns used, in their original coding.
    """

    outcome: str
    exposure: str
    covariates: tuple[str, ...]
    cluster: str | None
    data: pd.DataFrame
    y: pd.Series
    X: pd.DataFrame
    groups: pd.Series | None
    exposure_info: Exposure
    outcome_binary: bool
    warnings: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_clusters(self) -> int | None:
        return None if self.groups is None else int(self.groups.nunique())

    @property
    def t(self) -> pd.Series:
        """The exposure as used in the model (0/1 when binary)."""
        return self.X[self.exposure]

    def arms(self) -> tuple[pd.Series, pd.Series]:
        """Outcome values in the exposed (1) and comparison (0) groups; binary exposure only."""
        t = self.t
        return self.y[t == 1], self.y[t == 0]

    def with_warning(self, *messages: str) -> Prepared:
        from dataclasses import replace

        return replace(self, warnings=self.warnings + tuple(messages))


def as_columns(columns: str | Iterable[str] | None) -> tuple[str, ...]:
    """Covariates given as "a,b" or as a sequence, as a tuple without blanks or repeats."""
    if columns is None:
        return ()
    if isinstance(columns, str):
        columns = columns.split(",")
    out: list[str] = []
    for c in columns:
        c = str(c).strip()
        if c and c not in out:
            out.append(c)
    return tuple(out)


def prepare(
    df: pd.DataFrame,
    outcome: str,
    exposure: str,
    covariates: str | Sequence[str] = (),
    cluster: str | None = None,
    *,
    extra: Sequence[str] = (),
    outcome_kind: Literal["numeric", "ordinal"] = "numeric",
    need_binary_exposure: bool = False,
    exposed: Any = None,
    method: str = "",
) -> Prepared:
    """Check the columns and return complete cases with the design matrix.

    `extra` are further columns that must be present and complete (a region for a mixed model).
    `exposed` names the exposure value that counts as exposed when the exposure has two values
    (by default the larger, or the later in sort order for text).

    Raises AnalysisError for unknown columns, an outcome or exposure without usable values, a
    constant outcome or exposure, a non-numeric outcome where a number is needed, a non-binary
    exposure where `need_binary_exposure`, and an exposure that the covariates determine.
    """
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError("The data must be a table (a pandas DataFrame).")
    covariates = as_columns(covariates)
    extra = tuple(c for c in as_columns(extra) if c)
    _check_columns(df, outcome, exposure, covariates, cluster, extra)
    notes: list[str] = []

    used = list(dict.fromkeys([outcome, exposure, *covariates, *([cluster] if cluster else []), *extra]))
    data = df[used]
    for col, role in ((outcome, "outcome"), (exposure, "exposure")):
        if data[col].notna().sum() == 0:
            raise AnalysisError(f"The {role} column '{col}' has no values: every row is missing.")
    data, dropped = _complete_cases(data)
    if dropped:
        notes.append(dropped)
    if data.empty:
        raise AnalysisError("No row has values for all of " + ", ".join(f"'{c}'" for c in used)
                            + ": nothing is left to analyse.")

    y = _outcome(data[outcome], outcome, outcome_kind, method)
    outcome_binary = outcome_kind == "numeric" and set(np.unique(y)) <= {0.0, 1.0}
    t, info, note = _exposure(data[exposure], exposure, exposed)
    if note:
        notes.append(note)
    if need_binary_exposure and not info.binary:
        raise AnalysisError(
            f"Method '{method}' compares two groups, so it needs a binary exposure; "
            f"'{exposure}' has {data[exposure].nunique()} different values.")

    design, kept, cov_notes = _covariate_design(data, covariates)
    notes.extend(cov_notes)
    X = _with_exposure(design, t, exposure, kept, data.index)
    groups = data[cluster] if cluster else None
    return Prepared(outcome=outcome, exposure=exposure, covariates=kept, cluster=cluster, data=data,
                    y=y, X=X, groups=groups, exposure_info=info, outcome_binary=bool(outcome_binary),
                    warnings=tuple(notes))


def _check_columns(df: pd.DataFrame, outcome: str, exposure: str, covariates: tuple[str, ...],
                   cluster: str | None, extra: tuple[str, ...]) -> None:
    named = [outcome, exposure, *covariates, *([cluster] if cluster else []), *extra]
    unknown = [c for c in named if c not in df.columns]
    if unknown:
        have = [str(c) for c in df.columns]
        shown = ", ".join(have[:25]) + (", ..." if len(have) > 25 else "")
        raise AnalysisError(
            f"No column named {', '.join(repr(c) for c in unknown)} in the data. "
            f"The columns are: {shown}.")
    if outcome == exposure:
        raise AnalysisError(f"'{outcome}' is given as both the outcome and the exposure.")
    for col in covariates:
        if col in (outcome, exposure):
            raise AnalysisError(f"'{col}' is the outcome or the exposure, so it cannot also be a covariate.")
    if cluster and cluster in (outcome, exposure):
        raise AnalysisError(f"'{cluster}' cannot be both the cluster and the outcome or exposure.")
    if INTERCEPT in (exposure, *covariates):
        raise AnalysisError(f"A column called '{INTERCEPT}' cannot be a predictor; please rename it.")


def _complete_cases(data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows with every used column present, and a sentence saying how many were left out."""
    missing = data.isna()
    keep = ~missing.any(axis=1)
    n_dropped = int((~keep).sum())
    if not n_dropped:
        return data, ""
    per_column = missing.sum()
    parts = [f"'{c}' {int(k)}" for c, k in per_column.items() if k]
    note = (f"{n_dropped} of {len(data)} rows were left out because of missing values "
            f"(missing: {', '.join(parts)}); the analysis uses complete cases only.")
    return data[keep], note


def _outcome(values: pd.Series, name: str, kind: str, method: str) -> pd.Series:
    if values.nunique() < 2:
        raise AnalysisError(f"The outcome '{name}' has the same value ({_plain(values.iloc[0])}) for "
                            "everyone analysed: there is no difference to explain.")
    if kind == "ordinal":
        return values
    if values.dtype == bool or pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if not pd.api.types.is_numeric_dtype(values):
        example = next(iter(values.astype(str).unique()))
        hint = " For ordered answer categories use method 'ordinal'." if method != "ordinal" else ""
        raise AnalysisError(f"The outcome '{name}' must be numeric, but it holds text such as "
                            f"'{example}'.{hint}")
    return values.astype(float)


def _exposure(values: pd.Series, name: str, exposed: Any) -> tuple[pd.Series, Exposure, str]:
    levels = _sorted_levels(values)
    if len(levels) < 2:
        raise AnalysisError(f"The exposure '{name}' has the same value ({_plain(levels[0])}) for "
                            "everyone analysed: there is no comparison group.")
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if len(levels) == 2:
        low, high = levels
        if exposed is not None:
            if exposed not in levels:
                raise AnalysisError(f"exposed={exposed!r} is not a value of '{name}' "
                                    f"(its values are {_plain(low)!r} and {_plain(high)!r}).")
            low, high = (high, low) if exposed == low else (low, high)
        coded = (values == high).astype(float)
        note = ""
        if numeric and not {float(low), float(high)} == {0.0, 1.0}:
            note = (f"The exposure '{name}' has only two values; it was analysed as two groups, "
                    f"{_plain(high)} against {_plain(low)}.")
        return coded, Exposure(True, _plain(low), _plain(high)), note
    if not numeric:
        shown = ", ".join(str(v) for v in levels[:6]) + (", ..." if len(levels) > 6 else "")
        raise AnalysisError(f"The exposure '{name}' has {len(levels)} categories ({shown}); give a binary "
                            "(two-group) or a numeric exposure.")
    return values.astype(float), Exposure(False), ""


def _sorted_levels(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        return [c for c in values.cat.categories if c in present]
    uniq = values.unique()
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def _covariate_design(data: pd.DataFrame, covariates: tuple[str, ...]
                      ) -> tuple[_Design, tuple[str, ...], list[str]]:
    """Intercept plus covariate columns (text and categories as indicators), redundant ones dropped."""
    notes: list[str] = []
    design = _Design(np.ones((len(data), 1)), [INTERCEPT])
    kept: list[str] = []
    for col in covariates:
        values = data[col]
        if values.nunique() < 2:
            notes.append(f"The covariate '{col}' has the same value for everyone analysed; it was left out.")
            continue
        block, names = _encode(values, col)
        added = design.add_independent(block, names)
        if added == 0:
            notes.append(f"The covariate '{col}' adds nothing beyond the other covariates (it is "
                         "determined by them); it was left out.")
            continue
        if added < block.shape[1]:
            notes.append(f"Some categories of the covariate '{col}' were left out because other "
                         "covariates determine them.")
        kept.append(col)
    return design, tuple(kept), notes


def _encode(values: pd.Series, name: str) -> tuple[np.ndarray, list[str]]:
    """The covariate as model columns: itself when numeric or boolean, else an indicator per level
    but the first."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)[:, None], [name]
    levels = _sorted_levels(values)
    # One pass to codes, then the indicators from the codes: comparing the text column with each
    # level in turn cost a pass over the rows per level.
    codes = pd.Categorical(values, categories=levels).codes
    indicators = (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)
    return indicators, [f"{name}[{lvl}]" for lvl in levels[1:]]


class _Design:
    """Model columns as kept blocks, with the Gram matrix X'X grown as blocks are added.

    A block's columns are checked against the columns kept so far through X'X alone (the new
    cross-products are one pass over the rows), and the columns are joined once at the end:
    joining and re-reading the whole design per covariate cost more than the model on large data.
    """

    def __init__(self, first: np.ndarray, names: list[str]) -> None:
        self.blocks, self.names = [first], list(names)
        self.gram = first.T @ first

    @property
    def width(self) -> int:
        return len(self.names)

    def with_block(self, block: np.ndarray) -> np.ndarray:
        """X'X of the kept columns followed by `block`'s."""
        cross = np.vstack([b.T @ block for b in self.blocks])
        return np.block([[self.gram, cross], [cross.T, block.T @ block]])

    def add_independent(self, block: np.ndarray, names: list[str]) -> int:
        """Keep those columns of `block` that are not combinations of the kept ones; how many."""
        gram = self.with_block(block)
        chosen = independent_in_gram(gram, kept=self.width)
        new = [j - self.width for j in chosen[self.width:]]
        if new:
            self.blocks.append(block[:, new])
            self.names.extend(names[j] for j in new)
            self.gram = gram[np.ix_(chosen, chosen)]
        return len(new)

    def frame(self, index: pd.Index, insert: tuple[int, str, np.ndarray] | None = None) -> pd.DataFrame:
        """The columns as one DataFrame, with an extra column inserted at a position if given."""
        names = list(self.names)
        places = list(range(self.width))
        if insert is not None:
            position, name, column = insert
            names.insert(position, name)
            places = [p + (p >= position) for p in places]
        # One allocation, column-major: each column written and then handed to pandas (which holds
        # columns contiguously) without a strided copy of the whole design.
        matrix = np.empty((self.blocks[0].shape[0], len(names)), order="F")
        at = 0
        for block in self.blocks:
            matrix[:, places[at:at + block.shape[1]]] = block
            at += block.shape[1]
        if insert is not None:
            matrix[:, position] = column
        return pd.DataFrame(matrix, index=index, columns=names, copy=False)


def independent_columns(matrix: np.ndarray, kept: int = 0) -> list[int]:
    """Indices of the columns that are not linear combinations of earlier kept ones, in order; the
    first `kept` columns are taken as they are (their own redundancy is not checked)."""
    return independent_in_gram(matrix.T @ matrix, kept)


#: A column is kept when the share of its sum of squares that the columns kept before it leave
#: unexplained (1 - R^2) is above this.
INDEPENDENCE_TOLERANCE = 1e-10


def independent_in_gram(gram: np.ndarray, kept: int = 0) -> list[int]:
    """independent_columns from the columns' Gram matrix X'X, left to right.

    Works on the k x k cross-products, so its cost does not grow with the rows (numpy's
    matrix_rank took an SVD of the whole n x k design per check). The columns are scaled to unit
    length first, so indicators and counts in the thousands are judged alike.
    """
    norms = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    scaled = gram * np.outer(scale, scale)
    keep = list(range(kept))
    for j in range(kept, len(scaled)):
        if norms[j] == 0:
            continue
        if keep:
            within = scaled[keep, j]
            residual = 1.0 - within @ np.linalg.solve(scaled[np.ix_(keep, keep)], within)
        else:
            residual = 1.0
        if residual > INDEPENDENCE_TOLERANCE:
            keep.append(j)
    return keep


def _with_exposure(design: _Design, t: pd.Series, exposure: str, covariates: tuple[str, ...],
                   index: pd.Index) -> pd.DataFrame:
    column = t.to_numpy(dtype=float)
    if len(independent_in_gram(design.with_block(column[:, None]), kept=design.width)) == design.width:
        raise AnalysisError(
            f"The exposure '{exposure}' is completely determined by the covariates "
            f"({', '.join(covariates)}): its effect cannot be told apart from theirs.")
    return design.frame(index, insert=(1, exposure, column))


def _plain(value: Any) -> Any:
    """numpy scalars as Python values, so they print and serialise plainly."""
    if hasattr(value, "item") and callable(value.item):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value
