"""Query results into DataFrames, streamed in chunks into typed columns.

Building a DataFrame from a whole result (a list of row objects, then a Python object per cell in
object columns) costs several hundred bytes a cell and grows with the data. Here the rows are
fetched a chunk at a time (a server-side cursor on PostgreSQL), each chunk is turned into numpy
columns at once, and only those are kept: numbers as int64/float64, dates as datetime64, and
text as integer codes into one table of its distinct values, so a value repeated in a million
rows (a wave name, a region, a gender) is one Python string held a million times by reference.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select

from monitor.extensions import db

#: Rows fetched and converted at a time: large enough that per-chunk overheads vanish, small
#: enough that a chunk's transient Python objects stay a few tens of MB.
CHUNK_ROWS = 50_000


class TextCodes:
    """Distinct text values, each given an integer code the first time it is seen."""

    def __init__(self) -> None:
        self.codes: dict[Any, int] = {}

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        """Codes of ``values`` (int32; -1 for None/NaN), hashing each distinct value once."""
        local, uniques = pd.factorize(np.asarray(values, dtype=object))
        if not len(uniques):
            return np.full(len(local), -1, dtype=np.int32)
        table = self.codes
        # setdefault's default is evaluated before the insert, so a new value gets the next code.
        lookup = np.fromiter((table.setdefault(value, len(table)) for value in uniques),
                             dtype=np.int32, count=len(uniques))
        return np.where(local >= 0, lookup[np.maximum(local, 0)], -1).astype(np.int32)

    def values(self, missing: Any = np.nan) -> np.ndarray:
        """The distinct values in code order, with ``missing`` appended (what code -1 takes)."""
        out = np.empty(len(self.codes) + 1, dtype=object)
        out[:-1] = list(self.codes)
        out[-1] = missing
        return out


def stream(stmt: Select, chunk_rows: int | None = None) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``stmt``, ``chunk_rows`` at a time, mostly as the driver gives them.

    The statement runs through SQLAlchemy on the session's connection (so in its transaction,
    seen by the engine's events like any other), on PostgreSQL with a server-side cursor so
    the whole result never sits in the client. The rows are then fetched from the driver's
    cursor itself: SQLAlchemy's result rows, an object per row with type processing, cost more
    than the fetching here. So values come as the driver makes them: dates are ISO strings on
    SQLite and ``date`` objects on PostgreSQL, decimals may be ``Decimal`` or float (the callers
    convert whole columns anyway).
    """
    chunk_rows = chunk_rows or CHUNK_ROWS
    # The option on the statement, not on the connection: Connection.execution_options changes
    # the session's connection itself, and every later statement would open a cursor.
    result = db.session.connection().execute(stmt.execution_options(stream_results=True))
    # Every fetched row is a new tuple that the cyclic garbage collector tracks, so with it on,
    # millions of rows trigger collection after collection over everything alive: that doubled
    # the reading time. Rows of plain values form no cycles; collection resumes after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # A streaming result holds back a first row (or more) in its own buffer: take the first
        # chunk through the result, which empties that buffer, and the rest from the cursor.
        first = result.fetchmany(chunk_rows)
        if first:
            yield first
        cursor = getattr(result, "cursor", None)
        if len(first) == chunk_rows:
            if cursor is None:  # not a driver cursor's result: through SQLAlchemy's rows
                while rows := result.fetchmany(chunk_rows):
                    yield rows
            else:
                while rows := cursor.fetchmany(chunk_rows):
                    yield rows
    finally:
        result.close()
        if collecting:
            gc.enable()


def read_frame(stmt: Select, *, text: Collection[str] = (), dates: Collection[str] = (),
               chunk_rows: int | None = None) -> pd.DataFrame:
    """The result of ``stmt`` as a DataFrame with one column per selected column.

    Columns named in ``text`` become pandas strings (``str``; missing as NaN) sharing one Python
    string per distinct value; those in ``dates`` datetime64 (NaT where missing); every other
    column is numeric (int64, or float64 where a value is missing; decimals as floats).
    """
    names = [column.name for column in stmt.selected_columns]
    coders = {name: TextCodes() for name in names if name in text}
    parts: dict[str, list[Any]] = {name: [] for name in names}
    for rows in stream(stmt, chunk_rows):
        for name, values in zip(names, zip(*rows, strict=True), strict=True):
            if name in coders:
                parts[name].append(coders[name].encode(values))
            elif name in dates:
                parts[name].append(_as_datetimes(values))
            else:
                parts[name].append(_as_numbers(values))
    columns: dict[str, Any] = {}
    for name in names:
        chunks = parts[name]
        if name in coders:
            codes = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int32)
            columns[name] = pd.array(coders[name].values()[codes], dtype="str")
        elif not chunks:
            columns[name] = pd.Series([], dtype="datetime64[us]" if name in dates else "int64")
        else:
            columns[name] = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    return pd.DataFrame(columns)


def _as_numbers(values: Sequence[Any]) -> pd.Series:
    series = pd.Series(values, dtype=object)
    if series.isna().all():
        return series.astype("float64")
    return pd.to_numeric(series)


def _as_datetimes(values: Sequence[Any]) -> pd.Series:
    # date objects or ISO strings (see stream); datetimes keep their time of day. One unit
    # whatever came, so that chunks (and small and large results) agree.
    return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").dt.as_unit("us")
