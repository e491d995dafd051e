"""Responses into a DataFrame: one query per survey, pivoted wide by question key.

Analysis and exports span every version of a survey by question key (a key keeps its meaning
across versions; that is what keys are for), so the frame holds the responses to all versions
with one column per key ever asked. Reading is one SQL statement whose rows go straight into
pandas; no ORM object is made per response or per answer, so the cost grows with the number of
answers only through the database and one pivot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select

from monitor.extensions import db
from surveys.fieldwork_models import Answer, Invitation, Response
from surveys.models import SurveyVersion
from surveys.schema import QuestionType, Survey

#: The response columns that come before the answers, in this order.
RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_id", "invitation_id", "survey_version_id", "wave", "status", "language",
    "consent", "submitted_at", "person_id", "provider_id",
)


def answers_frame(survey_id: int, statuses: Iterable[str] = ("submitted",)) -> pd.DataFrame:
    """The responses to ``survey_id`` with the given statuses, one row each, answers wide.

    Columns: :data:`RESPONSE_COLUMNS`, then one per question key (values as stored: strings,
    numbers, lists for select-multiple). A response without answers still has its row.
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
    # The JSON column is read as text and decoded here in one pass, which is several times faster
    # than letting the driver build a Python object per cell through the JSON type's processor.
    answer_stmt = (
        select(Answer.response_id, Answer.question_key, Answer.__table__.c.value.cast(db.Text).label("raw"))
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_version_id.in_(versions), Response.status.in_(statuses))
    )
    session = db.session
    meta = pd.DataFrame(session.execute(meta_stmt).all(), columns=list(RESPONSE_COLUMNS))
    long = pd.DataFrame(session.execute(answer_stmt).all(), columns=["response_id", "question_key", "raw"])
    if long.empty:
        return meta
    long["value"] = [None if raw is None else json.loads(raw) for raw in long["raw"]]
    wide = long.pivot(index="response_id", columns="question_key", values="value")
    wide.columns.name = None
    return meta.merge(wide, how="left", left_on="response_id", right_index=True)


def typed_answers(survey: Survey, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with numeric questions (integer, decimal, and calculations that are numbers)
    as floats, dates as datetimes and yes/no as 1/0, by the question types of ``survey``."""
    out = frame.copy()
    for question in survey.questions():
        key = question.key
        if key not in out.columns:
            continue
        if question.type in (QuestionType.integer, QuestionType.decimal):
            out[key] = pd.to_numeric(out[key], errors="coerce")
        elif question.type == QuestionType.calculate:
            numbers = pd.to_numeric(out[key], errors="coerce")
            if numbers.notna().sum() == out[key].notna().sum():  # only when every value is a number
                out[key] = numbers
        elif question.type == QuestionType.date:
            out[key] = pd.to_datetime(out[key], errors="coerce")
        elif question.type == QuestionType.yes_no:
            out[key] = out[key].map({"yes": 1.0, "no": 0.0})
    return out
