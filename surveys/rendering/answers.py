"""Answers as JSON and back, typed by question, and the numbers a question can hold exactly."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from surveys.schema import (
    QuestionType,
    Survey,
)


def answers_to_json(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as JSON-ready values (dates as ``YYYY-MM-DD``)."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items()
            if not _empty(v)}


def answer_kinds(survey: Survey) -> dict[str, QuestionType]:
    """The question type of every answer key of ``survey`` (how a stored answer is read)."""
    kinds: dict[str, QuestionType] = {}
    for question in survey.questions():
        for key in question.answer_keys():
            kinds[key] = question.type
    return kinds


def answers_from_json(survey: Survey, data: Mapping[str, Any],
                      kinds: Mapping[str, QuestionType] | None = None) -> dict[str, Any]:
    """Answers read back from JSON, typed by question; keys that are not answer keys of
    ``survey`` and values that do not fit their question are dropped, so the question is asked
    again: a value of the wrong shape, or a number its field would refuse (not finite, more
    than ``NUMBER_DIGITS`` digits; drafts saved before that rule may hold one). ``kinds`` is
    ``answer_kinds(survey)`` when the caller keeps it (a published version's never changes)."""
    if kinds is None:
        kinds = answer_kinds(survey)
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = kinds.get(key)
        if kind is None or _empty(value):
            continue
        read = _stored_answer(kind, value)
        if not _empty(read):
            out[key] = read
    return out


def _stored_answer(kind: QuestionType, value: Any) -> Any:
    """One stored value as an answer to a question of ``kind``, None when it does not fit."""
    if kind in (QuestionType.integer, QuestionType.decimal):
        return stored_number(value, integer=kind == QuestionType.integer)
    if kind == QuestionType.date:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if kind == QuestionType.select_multiple:
        if isinstance(value, str):
            return value.split()
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = stored_number(value, integer=False)
        return None if number is None else _number_text(number)
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NUMBER_PARTS = re.compile(r"^([+-]?)(\d*)\.?(\d*)$")

#: The most digits a number answer may have (leading zeros, and zeros that end a fraction, not
#: counted). Fifteen digits are what a 64-bit float keeps exactly and writes back as typed, so
#: an answer reads back as typed everywhere it goes: SQLite, whose JSON column (NUMERIC
#: affinity) turns a larger integer into a float (19 nines came back as 1.0e+19) and whose
#: ``json()`` writes a float with 15 digits; pandas, SPSS and Stata, which hold numbers as
#: floats. No overflow to infinity (which JSON cannot hold) and no integer too long for
#: Python to read. Far beyond any age, count or amount a survey asks about.
NUMBER_DIGITS = 15
_NUMBER_LIMIT = 10 ** NUMBER_DIGITS


class NumberUnfit(ValueError):
    """Text that is not an answer to a number question; ``reason`` names the message
    (:data:`UI`) that says why: ``not_integer``, ``not_number`` or ``too_many_digits``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_number(text: str, integer: bool) -> int | float:
    """``text`` (digits, an optional sign and, for a decimal, one point) as the answer of an
    integer or decimal question, exactly as typed: an ``int``, or the ``float`` that writes
    back as the same digits.

    Raises:
        NumberUnfit: ``text`` is not such a number, or it has more than ``NUMBER_DIGITS``
            digits (counted before ``int()`` sees it, which refuses 4,300 digits and more).
    """
    if not (_INTEGER if integer else _DECIMAL).match(text):
        raise NumberUnfit("not_integer" if integer else "not_number")
    sign, whole, fraction = _NUMBER_PARTS.match(text).groups()
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if len(whole) + len(fraction) > NUMBER_DIGITS:
        raise NumberUnfit("too_many_digits")
    if integer:
        return int(sign + (whole or "0"))
    return float(f"{sign}{whole or '0'}.{fraction or '0'}")


def stored_number(value: Any, integer: bool) -> int | float | None:
    """A stored answer of an integer or decimal question as the question reads it, or None
    when its field would refuse it: not a number (a ``bool`` neither), not finite, or more
    than ``NUMBER_DIGITS`` digits. An integer stays an ``int``, never a float."""
    if isinstance(value, str):
        try:
            return read_number(value.strip(), integer)
        except NumberUnfit:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        if abs(value) >= _NUMBER_LIMIT:
            return None
        return value if integer else float(value)
    if not math.isfinite(value) or abs(value) >= _NUMBER_LIMIT:
        return None
    if integer:
        return int(value) if value.is_integer() else None
    try:
        return read_number(_number_text(value), integer=False)
    except NumberUnfit:
        return None


def _number_text(value: float) -> str:
    """A number written as a respondent types it: every digit the float keeps (``repr``'s
    shortest round trip, never rounded to six digits as ``%g`` did, which changed a saved
    123456.789 into 123457 when the page was posted again), no exponent, ``12`` not ``12.0``."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f") if math.isfinite(value) else str(value)
