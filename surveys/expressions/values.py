"""Answer values and the XPath-like coercions between strings, numbers, booleans and dates.

At run time an expression works on four kinds of value: ``str``, ``float``, ``bool`` and
``datetime.date`` (or ``datetime.datetime``). :func:`from_answer` maps whatever a response holds
onto them; the other functions convert between them. None of them raises on odd data.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Set
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .tree import format_number

__all__ = [
    "Value",
    "comparable",
    "equals",
    "from_answer",
    "parse_date",
    "to_boolean",
    "to_number",
    "to_string",
]

Value = str | float | bool | date

NAN = math.nan
_EPOCH = date(1970, 1, 1)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_NUMBER_RE = re.compile(r"[ \t\r\n]*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t\r\n]*")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def from_answer(value: Any) -> Value:
    """An answer as held in a response, as an expression value.

    None (unanswered) is ``''``; a ``bool`` is ``'yes'``/``'no'`` (XLSForm yes/no choices);
    numbers (``int``, ``Decimal``, numpy scalars ...) are floats; dates stay dates; a list,
    tuple or set of choices (select_multiple) is the space-separated string ODK stores; a time
    of day is its ISO text; anything else is ``str(value)``.
    """
    kind = type(value)
    if kind is str or kind is float:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, date):
        return value
    if isinstance(value, list | tuple):
        return " ".join(_choice(item) for item in value)
    if isinstance(value, Set):
        return " ".join(sorted(_choice(item) for item in value))
    if isinstance(value, numbers.Number):
        return _float(value)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _choice(item: Any) -> str:
    return item if type(item) is str else to_string(from_answer(item))


def _float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError, ArithmeticError):
        return NAN


def to_string(value: Value) -> str:
    """XPath ``string()``: numbers without a needless ``.0``, booleans ``true``/``false``,
    dates as ``YYYY-MM-DD``, date-times as ISO 8601."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return format_number(value)
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return to_string(from_answer(value))


def to_number(value: Value) -> float:
    """XPath ``number()``: a numeric string (``' -2.5 '``) reads as a number, other strings
    (``''`` included) are NaN, true is 1, a date is its days since 1970-01-01."""
    kind = type(value)
    if kind is float:
        return value
    if kind is str:
        return _parse_number(value)
    if kind is bool:
        return 1.0 if value else 0.0
    if isinstance(value, date):
        return _days(value)
    return to_number(from_answer(value))


def to_boolean(value: Value) -> bool:
    """XPath ``boolean()``: a non-empty string, a number other than 0 and NaN, a date, true."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is str:
        return value != ""
    if kind is float:
        return value != 0.0 and value == value
    if isinstance(value, date):
        return True
    return to_boolean(from_answer(value))


def comparable(value: Value) -> float:
    """The number a value compares as: like :func:`to_number`, but a string that is an ISO
    date (``'2024-03-01'``) or date-time compares as that date (days since 1970-01-01)."""
    if type(value) is str:
        number = _parse_number(value)
        if number != number:
            moment = parse_date(value)
            if moment is not None:
                return _days(moment)
        return number
    return to_number(value)


def equals(left: Value, right: Value) -> bool:
    """XPath ``=``: as booleans if either side is one; else as numbers (:func:`comparable`) if
    either side is a number or a date; else as strings."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is str and right_kind is str:
        return left == right
    if left_kind is bool or right_kind is bool:
        return to_boolean(left) == to_boolean(right)
    if (
        left_kind is float
        or right_kind is float
        or isinstance(left, date)
        or isinstance(right, date)
    ):
        return comparable(left) == comparable(right)
    return to_string(left) == to_string(right)


def parse_date(text: str) -> date | None:
    """``'YYYY-MM-DD'`` as a date, an ISO date-time (``'2024-03-01T10:30:00+02:00'``) as a
    datetime; None for anything else."""
    text = text.strip()
    match = _DATE_RE.fullmatch(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if _DATETIME_RE.fullmatch(text):
            return datetime.fromisoformat(text)
    except ValueError:
        return None
    return None


def date_from_days(days: float) -> date | None:
    """The date ``days`` after 1970-01-01 (fractions dropped), None when out of range."""
    if not math.isfinite(days):
        return None
    try:
        return _EPOCH + timedelta(days=math.floor(days))
    except OverflowError:
        return None


def _parse_number(text: str) -> float:
    match = _NUMBER_RE.fullmatch(text)
    return float(match[1]) if match else NAN


def _days(moment: date) -> float:
    if isinstance(moment, datetime):
        if moment.utcoffset() is not None:
            return (moment - _EPOCH_UTC).total_seconds() / 86400.0
        return (moment - _EPOCH_NAIVE).total_seconds() / 86400.0
    return float((moment - _EPOCH).days)
