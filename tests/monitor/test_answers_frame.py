"""Answers read wide by question key: values as stored, typed by the questions, missing as NaN,
the same whether read in one chunk or many."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

import monitor.frames
from monitor.extensions import db
from monitor.fieldwork.answers_frame import answers_frame, typed_answers
from monitor.fieldwork.models import Answer, FollowUpPlan, Invitation, PlanWave, Response
from monitor.fieldwork.tokens import new_token, token_hash
from monitor.frames import read_frame
from surveys import versions
from surveys.library import load_instrument

#: Per respondent: the answers stored (None: the invitation has a draft response only).
STORED = [
    {"who5_1": "all_of_the_time", "moves_3m": 4, "services_received": ["shelter", "legal"],
     "comments": "Спасибі за допомогу", "housing_stable": 1},
    {"who5_1": "at_no_time", "moves_3m": "three", "services_received": [], "housing_stable": 0},
    {"moves_3m": "5", "comments": "12"},  # a number typed as text; a comment that looks like one
    {},  # submitted without answers: still a row
    None,
]


@pytest.fixture
def survey_id(app, factory):
    survey = versions.create_survey(load_instrument("person_followup"), instrument="person_followup")
    db.session.flush()
    version = versions.draft(survey)
    versions.publish(version)
    plan = FollowUpPlan(title="Follow-up", survey_version_id=version.id, anchor="episode_start")
    plan.waves = [PlanWave(name="baseline", offset_months=0)]
    db.session.add(plan)
    db.session.flush()
    region = factory.region()
    for stored in STORED:
        person = factory.person(region=region)
        invitation = Invitation(plan_id=plan.id, survey_version_id=version.id, wave="baseline",
                                person_id=person.id, respondent_key=f"person:{person.id}",
                                region_id=region.id, anchor_date=date(2020, 1, 1), due_on=date(2020, 1, 1),
                                opens_on=date(2020, 1, 1), closes_on=date(2020, 1, 1),
                                token_hash=token_hash(new_token()),
                                status="completed" if stored is not None else "opened")
        db.session.add(invitation)
        db.session.flush()
        response = Response(invitation_id=invitation.id, survey_version_id=version.id, wave="baseline",
                            status="submitted" if stored is not None else "draft", consent="given")
        db.session.add(response)
        db.session.flush()
        answers = stored if stored is not None else {"who5_1": "some_of_the_time"}
        db.session.add_all(Answer(response_id=response.id, question_key=key, value=value)
                           for key, value in answers.items())
    db.session.flush()
    return survey.id


def _as_stored(frame: pd.DataFrame) -> None:
    assert len(frame) == 4  # submitted only; the draft is left out
    assert list(frame["status"]) == ["submitted"] * 4
    assert frame["who5_1"].tolist()[:2] == ["all_of_the_time", "at_no_time"]
    assert all(isinstance(v, float) and math.isnan(v) for v in frame["who5_1"].iloc[2:])
    assert frame["services_received"].iloc[0] == ["shelter", "legal"]  # select multiple: a list
    assert frame["services_received"].iloc[1] == []
    assert frame["moves_3m"].tolist()[:3] == [4, "three", "5"]
    assert frame["comments"].iloc[0] == "Спасибі за допомогу"
    assert frame["comments"].iloc[2] == "12"  # text stays text
    assert frame.iloc[3].drop(list(frame.columns[:10])).isna().all()


def test_values_as_stored_one_row_per_submitted_response(survey_id):
    frame = answers_frame(survey_id)
    _as_stored(frame)
    assert list(frame.columns[:10]) == ["response_id", "invitation_id", "survey_version_id", "wave",
                                        "status", "language", "consent", "submitted_at", "person_id",
                                        "provider_id"]
    assert list(frame.columns[10:]) == sorted(frame.columns[10:])


def test_typed_by_the_questions_as_typed_answers_types_them(survey_id):
    definition = load_instrument("person_followup")
    typed = answers_frame(survey_id, survey=definition)
    # integer: numbers, text that is a number as that number, other text missing
    assert typed["moves_3m"].dtype == np.float64
    assert typed["moves_3m"].iloc[0] == 4 and typed["moves_3m"].iloc[2] == 5
    assert math.isnan(typed["moves_3m"].iloc[1]) and math.isnan(typed["moves_3m"].iloc[3])
    assert typed["housing_stable"].tolist()[:2] == [1.0, 0.0]  # a calculation that is a number
    assert typed["services_received"].iloc[0] == ["shelter", "legal"]
    assert typed["comments"].iloc[2] == "12"
    # The same as typing the frame of stored values column by column.
    pd.testing.assert_frame_equal(typed, typed_answers(definition, answers_frame(survey_id)))


def test_many_chunks_read_the_same_as_one(survey_id, monkeypatch):
    whole = answers_frame(survey_id)
    monkeypatch.setattr(monitor.frames, "CHUNK_ROWS", 2)
    pieces = answers_frame(survey_id)
    _as_stored(pieces)
    pd.testing.assert_frame_equal(pieces, whole)


def test_read_frame_types_columns_and_shares_repeated_text(survey_id, monkeypatch):
    monkeypatch.setattr(monitor.frames, "CHUNK_ROWS", 3)
    frame = read_frame(db.select(Invitation.id, Invitation.wave, Invitation.due_on, Invitation.provider_id)
                       .order_by(Invitation.id), text=("wave",), dates=("due_on",))
    assert len(frame) == len(STORED)
    assert frame["id"].dtype == np.int64
    assert frame["wave"].tolist() == ["baseline"] * len(STORED)
    assert frame["wave"].array._ndarray[0] is frame["wave"].array._ndarray[-1]  # one string object
    assert frame["due_on"].tolist() == [pd.Timestamp(2020, 1, 1)] * len(STORED)
    assert frame["provider_id"].isna().all()
