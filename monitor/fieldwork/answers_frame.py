"""Responses into a DataFrame: one query per survey, pivoted wide by question key.

Analysis and exports span every version of a survey by question key (a key keeps its meaning
across versions; that is what keys are for), so the frame holds the responses to all versions
with one column per key ever asked. Reading is one SQL statement for the responses and one for
their answers, both streamed in chunks (``monitor.frames``); no ORM object is made per response
or per answer, and nothing is kept per answer but two small integers while reading:

* each answer's response becomes a row position and its key a column;
* each distinct stored value (the JSON text) is decoded once, however many answers share it, and
  every cell holding it refers to that one decoded object.

So the memory grows with the responses times the keys (8 bytes a cell in the result), not with
a Python object per answer, and the values are typed per distinct value, not per cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import func, literal, select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, Invitation, Response
from monitor.frames import TextCodes, read_frame, stream
from surveys.models import SurveyVersion
from surveys.schema import QuestionType, Survey

#: The response columns that come before the answers, in this order.
RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_id", "invitation_id", "survey_version_id", "wave", "status", "language",
    "consent", "submitted_at", "person_id", "provider_id",
)
_RESPONSE_TEXT = ("wave", "status", "language", "consent")
#: Between a question key and its stored text in the answers' query; never in a key (KEY_PATTERN).
_SEPARATOR = "\x1f"


def answers_frame(survey_id: int, statuses: Iterable[str] = ("submitted",),
                  survey: Survey | None = None) -> pd.DataFrame:
    """The responses to ``survey_id`` with the given statuses, one row each, answers wide.

    Columns: :data:`RESPONSE_COLUMNS`, then one per question key in key order (values as stored:
    strings, numbers, lists for select-multiple, NaN where not answered). With ``survey``, the
    answers are typed as :func:`typed_answers` types them by that survey's questions. A response
    without answers still has its row.
    """
    statuses = list(statuses)
    versions = select(SurveyVersion.id).where(SurveyVersion.survey_id == survey_id)
    meta_stmt = (
        select(Response.id.label("response_id"), Response.invitation_id, Response.survey_version_id,
               Response.wave, Response.status, Response.language, Response.consent, Response.submitted_at,
               Invitation.person_id, Invitation.provider_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.survey_version_id.in_(versions), Response.status.in_(statuses))
        .order_by(Response.id)
    )
    # One text column per answer, the key and the stored JSON text joined by a separator that no
    # question key contains: one Python object fetched and hashed per answer instead of two, and
    # each distinct (key, value) pair split and decoded once. (Decoding the JSON per cell, or
    # letting the driver do it through the JSON type, cost far more than the fetching.)
    raw = func.coalesce(Answer.__table__.c.value.cast(db.Text), "null")
    answer_stmt = (
        select(Answer.response_id, Answer.question_key.op("||")(literal(_SEPARATOR)).op("||")(raw))
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_version_id.in_(versions), Response.status.in_(statuses))
    )
    meta = read_frame(meta_stmt, text=_RESPONSE_TEXT, dates=("submitted_at",))
    response_ids = meta["response_id"].to_numpy("int64")
    n = len(response_ids)
    pairs, keys, raws = TextCodes(), TextCodes(), TextCodes()
    key_of = np.empty(0, dtype=np.int32)  # per pair code: its key's code
    raw_of = np.empty(0, dtype=np.int32)  # per pair code: its stored text's code
    cells: list[np.ndarray] = []  # per key code: the stored-text code of each response, -1 if none
    for rows in stream(answer_stmt):
        ids, joined = zip(*rows, strict=True)
        ids_array = np.fromiter(ids, dtype=np.int64, count=len(ids))
        where = np.minimum(np.searchsorted(response_ids, ids_array), max(n - 1, 0))
        # A response submitted between the two statements has answers but no row: left out.
        known = response_ids[where] == ids_array if n else np.zeros(len(ids), dtype=bool)
        pair_codes = pairs.encode(joined)
        if len(pairs.codes) > len(key_of):  # new pairs: split them once
            new = list(pairs.codes)[len(key_of):]
            split = [pair.partition(_SEPARATOR) for pair in new]
            key_of = np.append(key_of, keys.encode([key for key, _, _ in split]))
            raw_of = np.append(raw_of, raws.encode([text for _, _, text in split]))
            while len(cells) < len(keys.codes):
                cells.append(np.full(n, -1, dtype=np.int32))
        key_codes = np.where(known, key_of[pair_codes], -1)
        raw_codes = raw_of[pair_codes]
        order = np.argsort(key_codes, kind="stable")
        bounds = np.flatnonzero(np.diff(key_codes[order])) + 1
        for block in np.split(order, bounds):
            if len(block) and key_codes[block[0]] >= 0:
                cells[key_codes[block[0]]][where[block]] = raw_codes[block]
    if not cells:
        return meta
    # Each distinct stored text decoded once; NaN (the slot after the last) where not answered.
    decoded = raws.values()
    decoded[:-1] = [json.loads(text) for text in decoded[:-1]]
    types = {q.key: q.type for q in survey.questions()} if survey is not None else {}
    wide = {}
    for key, code in sorted(keys.codes.items()):
        wide[key] = _column(cells[code], decoded, types.get(key))
        cells[code] = np.empty(0, dtype=np.int32)  # free as we go
    return pd.concat([meta, pd.DataFrame(wide)], axis=1)


def _column(codes: np.ndarray, decoded: np.ndarray, kind: QuestionType | None) -> pd.Series:
    """One key's answers from their value codes: typed on its distinct values, then gathered."""
    used = np.unique(codes[codes >= 0])
    convert = _TYPED.get(kind) if kind is not None else None
    if convert is not None:
        typed = convert(pd.Series(decoded[used], dtype=object))
        if typed is not None:
            if typed.dtype.kind in "iub":  # as a whole column with gaps would be: floats
                typed = typed.astype("float64")
            # -1 (not answered) picks the slot after the last: NaN/NaT.
            lookup = np.empty(len(used) + 1, dtype=typed.dtype)
            lookup[:-1] = typed.to_numpy()
            lookup[-1] = np.datetime64("NaT") if typed.dtype.kind == "M" else np.nan
            return pd.Series(lookup[np.where(codes >= 0, np.searchsorted(used, codes), -1)])
    return pd.Series(decoded[codes], dtype=object)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _calculated(values: pd.Series) -> pd.Series | None:
    numbers = pd.to_numeric(values, errors="coerce")
    # Only when every value is a number; otherwise the calculation keeps its values as stored.
    return numbers if numbers.notna().sum() == values.notna().sum() else None


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map({"yes": 1.0, "no": 0.0}).astype("float64")


#: How a question type's answers are typed (None: kept as stored), on any Series of its values.
_TYPED: dict[QuestionType, Callable[[pd.Series], pd.Series | None]] = {
    QuestionType.integer: _numbers,
    QuestionType.decimal: _numbers,
    QuestionType.calculate: _calculated,
    QuestionType.date: _dates,
    QuestionType.yes_no: _yes_no,
}


def typed_answers(survey: Survey, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with numeric questions (integer, decimal, and calculations that are numbers)
    as floats, dates as datetimes and yes/no as 1/0, by the question types of ``survey``."""
    out = frame.copy()
    for question in survey.questions():
        convert = _TYPED.get(question.type)
        if convert is None or question.key not in out.columns:
            continue
        typed = convert(out[question.key])
        if typed is not None:
            out[question.key] = typed
    return out
