"""The analytic dataset on a registry and answers worked out by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from monitor.analytic_dataset import DatasetError, build_dataset
from monitor.extensions import db
from monitor.fieldwork.models import Answer, FollowUpPlan, Invitation, PlanWave, Response
from monitor.fieldwork.tokens import new_token, token_hash
from surveys import versions
from surveys.library import load_instrument

WHO5_ALL = {f"who5_{i}": "all_of_the_time" for i in range(1, 6)}


def _survey(instrument: str = "person_followup"):
    survey = versions.create_survey(load_instrument(instrument), instrument=instrument)
    db.session.flush()
    version = versions.draft(survey)
    versions.publish(version)
    db.session.flush()
    return survey, version


def _plan(version, anchor="episode_start"):
    plan = FollowUpPlan(title="Follow-up", survey_version_id=version.id, anchor=anchor)
    plan.waves = [PlanWave(name="baseline", offset_months=0), PlanWave(name="m6", offset_months=6)]
    db.session.add(plan)
    db.session.flush()
    return plan


def _invite(plan, version, wave, due, person=None, provider=None, status="pending", answers=None):
    who = f"person:{person.id}" if person else f"provider:{provider.id}"
    region = (person or provider).region_id
    invitation = Invitation(plan_id=plan.id, survey_version_id=version.id, wave=wave,
                            person_id=person.id if person else None,
                            provider_id=provider.id if provider else None, respondent_key=who,
                            region_id=region, anchor_date=due, due_on=due, opens_on=due, closes_on=due,
                            token_hash=token_hash(new_token()), status=status)
    db.session.add(invitation)
    db.session.flush()
    if answers is not None:
        response = Response(invitation_id=invitation.id, survey_version_id=version.id, wave=wave,
                            status="submitted" if status == "completed" else "draft", consent="given")
        db.session.add(response)
        db.session.flush()
        db.session.add_all(Answer(response_id=response.id, question_key=k, value=v) for k, v in answers.items())
        db.session.flush()
    return invitation


def test_one_row_per_person_and_wave_with_scores_exposure_and_clusters(app, factory):
    north = factory.region(joined_year=2012)
    south = factory.region(joined_year=2014)
    trained = factory.provider(region=north)
    untrained = factory.provider(region=south)
    factory.attend(trained, factory.session(date(2014, 3, 1), region=north, hours=16))
    # Trained after the episode began: does not count for that episode.
    factory.attend(untrained, factory.session(date(2015, 6, 1), region=south, hours=8))
    anna = factory.person(region=north, gender="female", age_broad="18-20")
    boris = factory.person(region=south, gender="male", age_broad="30-38")
    factory.episode(anna, trained, date(2015, 1, 10))
    factory.episode(boris, untrained, date(2015, 2, 1))
    factory.episode(boris, trained, date(2015, 9, 1))  # a second provider, later
    survey, version = _survey()
    plan = _plan(version)
    _invite(plan, version, "baseline", date(2015, 1, 10), person=anna, status="completed", answers=WHO5_ALL)
    _invite(plan, version, "m6", date(2015, 7, 10), person=anna, status="expired")
    _invite(plan, version, "baseline", date(2015, 2, 1), person=boris, status="completed",
            answers={**{f"who5_{i}": "at_no_time" for i in range(1, 6)}, "who5_1": "more_than_half"})
    _invite(plan, version, "m6", date(2015, 8, 1), person=boris, status="declined")

    data = build_dataset(survey.id)
    frame = data.frame.set_index(["person_id", "wave"])
    assert len(frame) == 4
    assert frame.loc[(anna.id, "baseline"), "who5_score"] == 100
    assert frame.loc[(boris.id, "baseline"), "who5_score"] == 12  # (3 + 0 * 4) * 4
    assert math.isnan(frame.loc[(anna.id, "m6"), "who5_score"])  # did not answer: still a row
    assert list(frame["responded"]) == [1, 0, 1, 0]
    assert frame.loc[(boris.id, "m6"), "consent_refused"] == 1
    assert frame.loc[(anna.id, "baseline"), "trained"] == 1
    assert frame.loc[(anna.id, "baseline"), "training_hours"] == 16
    assert frame.loc[(boris.id, "baseline"), "trained"] == 0  # his provider was trained later
    assert frame.loc[(boris.id, "m6"), "trained"] == 0  # the trained provider's episode starts after m6
    assert frame.loc[(anna.id, "m6"), "wave_months"] == 6
    assert frame.loc[(anna.id, "baseline"), "main_provider_id"] == trained.id
    assert frame.loc[(boris.id, "baseline"), "main_provider_id"] == untrained.id
    assert frame.loc[(boris.id, "baseline"), "provider_caseload"] == 1
    assert frame.loc[(anna.id, "baseline"), "provider_caseload"] == 2  # Anna's and Boris's second
    assert frame.loc[(anna.id, "baseline"), "log2_caseload"] == 1.0
    assert frame.loc[(boris.id, "baseline"), "log2_caseload"] == 0.0
    assert frame.loc[(anna.id, "baseline"), "pilot_region"] == 1
    assert frame.loc[(boris.id, "baseline"), "pilot_region"] == 0
    # What a difference-in-differences over the roll-out needs: the period and the region's start.
    assert frame.loc[(anna.id, "m6"), "ref_year"] == 2015
    assert frame.loc[(anna.id, "baseline"), "region_training_year"] == 2014
    assert frame.loc[(boris.id, "baseline"), "region_training_year"] == 2015
    assert frame.loc[(anna.id, "baseline"), "gender"] == "female"
    assert frame.loc[(anna.id, "baseline"), "who5_1__item"] == 5
    assert "who5_score" in data.scores and "who5_1__item" in data.ordinal
    assert data.waves == ("baseline", "m6")
    assert len(data.responses) == 2


def test_log2_caseload_is_the_main_providers_caseload_on_the_log2_scale(app, factory):
    region = factory.region()
    busy, quiet = factory.provider(region=region), factory.provider(region=region)
    persons = [factory.person(region=region) for _ in range(5)]
    for person in persons[:4]:
        factory.episode(person, busy, date(2015, 1, 10))
    factory.episode(persons[0], quiet, date(2015, 3, 1))  # counts for quiet, not Anna's main provider
    survey, version = _survey()
    plan = _plan(version)
    for person in persons:
        _invite(plan, version, "baseline", date(2015, 1, 10), person=person)
    data = build_dataset(survey.id)
    frame = data.frame.set_index("person_id")
    assert frame.loc[persons[0].id, "provider_caseload"] == 4
    assert frame.loc[persons[0].id, "log2_caseload"] == pytest.approx(2.0)
    # No episode at all: no main provider, caseload 0, and no logarithm rather than -inf.
    assert frame.loc[persons[4].id, "provider_caseload"] == 0
    assert math.isnan(frame.loc[persons[4].id, "log2_caseload"])
    assert "log2_caseload" in data.covariates
    assert frame["region_training_year"].isna().all()  # no training in the region yet


def test_provider_survey_uses_the_providers_own_training_before_the_wave(app, factory):
    region = factory.region()
    provider = factory.provider(region=region, profession="police")
    factory.attend(provider, factory.session(date(2014, 5, 1), region=region, hours=12))
    factory.attend(provider, factory.session(date(2015, 5, 1), region=region, hours=6))
    survey, version = _survey("provider_followup")
    plan = _plan(version, anchor="training_date")
    _invite(plan, version, "baseline", date(2014, 5, 1), provider=provider, status="completed", answers={})
    _invite(plan, version, "m6", date(2014, 11, 1), provider=provider, status="completed", answers={})
    frame = build_dataset(survey.id).frame.set_index("wave")
    assert frame.loc["baseline", "trained"] == 0  # the session on the due date itself does not count
    assert frame.loc["m6", "training_hours"] == 12
    assert frame.loc["m6", "profession"] == "police"
    assert frame.loc["m6", "months_since_training"] == pytest.approx(184 / 30.4375)


def test_a_survey_without_invitations_says_so(app):
    survey, _ = _survey()
    with pytest.raises(DatasetError, match="no invitations"):
        build_dataset(survey.id)
    with pytest.raises(DatasetError, match="no survey"):
        build_dataset(999_999)
