"""Disclosure control: small cells are suppressed before an evaluator sees a count.

Written here rather than taken from a library because the rule is the product's own promise
(threshold 11 by default, never below 5) and must be applied identically on pages, PDFs and
spreadsheets. Primary suppression hides counts from 1 to threshold-1; secondary suppression then
hides the next smallest cell whenever a table shows a total and exactly one cell of it is hidden,
since that cell could otherwise be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SUPPRESSED = None  # what a hidden cell becomes; shown as "<threshold" by the templates
MIN_THRESHOLD = 5


def suppress_counts(counts: Sequence[int], threshold: int,
                    total_shown: bool = True) -> list[int | None]:
    """Return ``counts`` with small cells (1..threshold-1) replaced by None.

    When ``total_shown`` and exactly one cell is hidden, the smallest other non-zero cell is
    hidden too, so the hidden one cannot be worked out from the total.

    Raises:
        ValueError: a threshold below the floor of 5.
    """
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"Suppression threshold {threshold} is below the floor of {MIN_THRESHOLD}.")
    out: list[int | None] = [SUPPRESSED if 0 < c < threshold else int(c) for c in counts]
    hidden = [i for i, v in enumerate(out) if v is SUPPRESSED]
    if total_shown and len(hidden) == 1:
        candidates = [(c, i) for i, c in enumerate(out) if c is not SUPPRESSED and c > 0]
        if candidates:
            out[min(candidates)[1]] = SUPPRESSED
    return out


def suppressed_total(counts: Sequence[int], threshold: int) -> int | None:
    """The total of ``counts``, itself hidden when it is a small cell."""
    total = int(sum(counts))
    return SUPPRESSED if 0 < total < threshold else total


def suppress_columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                     threshold: int) -> list[dict[str, Any]]:
    """Copies of ``rows`` (a table, one dict a row) with each of ``columns`` suppressed as
    ``suppress_counts`` does to a column whose total is shown.

    Raises:
        ValueError: a threshold below the floor of 5.
    """
    out = [dict(row) for row in rows]
    for column in columns:
        for row, value in zip(out, suppress_counts([row[column] for row in rows], threshold),
                              strict=True):
            row[column] = value
    return out
