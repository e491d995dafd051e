"""The demo's fieldwork: surveys, plans, invitations, responses and answers, and the truth built
into them (monitor.demo.outcomes): determinism, the wave rules, plausible statuses, no answers to
hidden questions, the database holding exactly the pure outcome frame, exposure as
monitor.exposure derives it, the effect of training recovered by an adjusted regression, and
response that is missing at random."""

from __future__ import annotations

import calendar
import csv
import hashlib
import os
import stat
import warnings
from collections import defaultdict
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from monitor.demo import (
    OUTCOME_MODEL,
    REFERRALS,
    TRUE_EFFECTS,
    build_demo,
    outcome_frame,
    provider_outcome_frame,
    simulate,
)
from monitor.demo.fieldwork import INSTRUMENTS, TRYOUT_PLAN_ID
from monitor.exposure import exposure_frame
from monitor.extensions import db
from monitor.fieldwork.models import Answer, FollowUpPlan, Invitation, PlanWave, Response
from monitor.fieldwork.tokens import token_hash
from monitor.models import AssistanceEpisode, AssistedPerson, Provider, Region, TrainingAttendance, TrainingSession
from surveys.expressions import evaluate_bool
from surveys.models import Survey, SurveyVersion
from surveys.rendering import settle, visible_questions
from surveys.schema import QuestionType

AS_OF = REFERRALS.as_of
WHO5 = [f"who5_{k}" for k in range(1, 6)]
SMALL_SEED = 2012


def add_months(day: date, months: int) -> date:
    """Calendar months with the day clamped to the month's end (independent of the demo's)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def load(size: str, seed: int, tmp_path) -> object:
    return build_demo(size=size, seed=seed, links_path=tmp_path / "links.csv")


def rows(statement) -> pd.DataFrame:
    result = db.session.execute(statement)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def answers_by_response() -> dict[int, dict[str, object]]:
    out: dict[int, dict[str, object]] = defaultdict(dict)
    for response_id, key, value in db.session.execute(
            select(Answer.response_id, Answer.question_key, Answer.value)):
        out[response_id][key] = value
    return out


def survey_of(instrument: str):
    version = db.session.scalar(
        select(SurveyVersion).join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(Survey.instrument == instrument))
    return version


# --- the pure frame ------------------------------------------------------------------------


def test_outcome_frame_is_deterministic_and_depends_on_the_seed():
    first = outcome_frame("small", 3)
    pd.testing.assert_frame_equal(first, outcome_frame("small", 3))
    other = outcome_frame("small", 4)
    assert len(first) != len(other) or not first["who5_score"].equals(other["who5_score"])
    providers = provider_outcome_frame("small", 3)
    pd.testing.assert_frame_equal(providers, provider_outcome_frame("small", 3))
    assert {"knowledge_score", "after_training", "responded"} <= set(providers.columns)


def test_the_truth_is_importable_and_consistent():
    assert TRUE_EFFECTS.who5 == OUTCOME_MODEL.who5_effect == 8.0
    assert TRUE_EFFECTS.waves == ("m3", "m6", "m12")
    assert set(TRUE_EFFECTS.needed) <= set(TRUE_EFFECTS.adjust_for)
    assert abs(sum(OUTCOME_MODEL.who5_item_means)) < 1e-12
    frame = outcome_frame("small", SMALL_SEED)
    assert set(TRUE_EFFECTS.adjust_for) - {"wave"} <= set(frame.columns)


def test_who5_items_give_a_realistic_alpha_and_the_stated_effect():
    frame = outcome_frame("medium", 7)
    items = frame[WHO5].to_numpy(float)
    assert items.min() >= 0 and items.max() <= 5
    np.testing.assert_array_equal(frame["who5_score"], 4 * items.sum(axis=1))
    for wave, group in frame[frame["responded"]].groupby("wave", observed=True):
        x = group[WHO5].to_numpy(float)
        alpha = 5 / 4 * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
        assert 0.8 <= alpha <= 0.92, (wave, alpha)
    # Potential outcomes with the same draws: +8 at follow-ups (up to clipping), 0 at baseline.
    follow = frame["wave"] != "baseline"
    realised = (frame["who5_score_t1"] - frame["who5_score_t0"])[follow].mean()
    assert abs(realised - TRUE_EFFECTS.who5) < 0.15, realised
    baseline = frame[~follow]
    assert (baseline["who5_score_t1"] == baseline["who5_score_t0"]).all()
    observed = np.where(frame["trained"] & follow, frame["who5_score_t1"], frame["who5_score_t0"])
    np.testing.assert_array_equal(frame["who5_score"], observed)


def test_response_falls_with_waves_and_refusals_are_about_five_percent():
    frame = outcome_frame("medium", 11)
    by_wave = frame.groupby("wave", observed=True)["responded"].mean()
    assert list(by_wave.index) == ["baseline", "m3", "m6", "m12"]
    assert by_wave.is_monotonic_decreasing and by_wave.iloc[0] > 0.6 > by_wave.iloc[-1] > 0.25
    answered = frame["status"].isin(["completed", "declined"])
    declined = (frame["status"] == "declined").sum() / answered.sum()
    assert 0.03 <= declined <= 0.075
    statuses = set(frame["status"])
    assert {"completed", "declined", "expired", "pending", "in_progress"} == statuses
    # Younger persons and sexual exploitation answer less often.
    young = frame["age_broad"].isin(["18--20", "21--23"])
    assert frame.loc[young, "responded"].mean() < frame.loc[~young, "responded"].mean()
    sexual = frame["type_of_exploit"] == "Sexual exploitation"
    assert frame.loc[sexual, "responded"].mean() < frame.loc[~sexual, "responded"].mean()


def test_response_is_missing_at_random_given_covariates_and_exposure():
    sm = pytest.importorskip("statsmodels.formula.api")
    frame = outcome_frame("medium", 2012)
    frame["wave"] = frame["wave"].astype(str)
    frame["responded"] = frame["responded"].astype(int)
    covariates = ("C(wave) + C(age_broad) + C(type_of_exploit) + C(gender) + pilot"
                  " + log2_caseload + has_contact + trained")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The latent well-being, net of what the covariates and exposure explain.
        frame["latent_residual"] = sm.ols(f"who5_latent ~ {covariates}", frame).fit().resid
        model = sm.logit(f"responded ~ {covariates} + latent_residual", frame).fit(disp=0)
    low, high = model.conf_int().loc["latent_residual"]
    assert low < 0 < high, (low, high)
    assert abs(model.params["latent_residual"]) < 0.01  # per point of WHO-5: nothing
    # ... while the covariates do drive response.
    assert model.params["C(type_of_exploit)[T.Sexual exploitation]"] < -0.2
    assert model.pvalues["C(type_of_exploit)[T.Sexual exploitation]"] < 1e-3
    assert model.params["C(age_broad)[T.18--20]"] < -0.3
    assert model.params["C(wave)[T.m12]"] < -0.5


def test_simulating_medium_is_cheap_enough_for_many_seeds():
    import time

    began = time.perf_counter()
    world = simulate("small", 1)
    assert world.counts["invitation"] > 0 and world.counts["answer"] > 0
    assert time.perf_counter() - began < 5  # generous: about 0.05 s on a quiet machine


# --- the database --------------------------------------------------------------------------


def test_surveys_are_the_published_library_instruments(small_demo):
    summary = small_demo.summary
    surveys = db.session.execute(
        select(Survey.instrument, SurveyVersion.status, SurveyVersion.number)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id).order_by(Survey.id)).all()
    assert surveys == [(name, "published", 1) for name in INSTRUMENTS]
    plans = db.session.execute(select(FollowUpPlan.id, FollowUpPlan.anchor, FollowUpPlan.status)
                               .order_by(FollowUpPlan.id)).all()
    assert plans[:2] == [(1, "episode_start", "active"), (2, "training_date", "active")]
    waves = db.session.execute(select(PlanWave.plan_id, PlanWave.name, PlanWave.offset_months,
                                      PlanWave.window_before_days, PlanWave.window_after_days)
                               .where(PlanWave.plan_id <= 2).order_by(PlanWave.id)).all()
    assert waves == [(p, name, offset, 14, 45) for p in (1, 2)
                     for name, offset in (("baseline", 0), ("m3", 3), ("m6", 6), ("m12", 12))]
    assert summary.surveys == 3 and summary.plans == len(plans)


def test_two_loads_give_identical_fieldwork(app, tmp_path):
    def dump() -> str:
        digest = hashlib.sha256()
        skip = {"token_hash", "token_issued_at", "created_at"}
        for table, order in ((FollowUpPlan.__table__, ["id"]), (PlanWave.__table__, ["id"]),
                             (Invitation.__table__, ["id"]), (Response.__table__, ["id"]),
                             (Answer.__table__, ["response_id", "question_key"])):
            columns = [c for c in table.c if c.name not in skip]
            for row in db.session.execute(select(*columns).order_by(*[table.c[o] for o in order])):
                digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    load("small", 5, tmp_path)
    first = dump()
    build_demo(size="small", seed=5, reset=True, links_path=tmp_path / "links.csv")
    assert dump() == first
    build_demo(size="small", seed=6, reset=True, links_path=tmp_path / "links.csv")
    assert dump() != first


def test_invitations_follow_the_wave_rules(small_demo):
    invitations = rows(select(Invitation.__table__))
    waves = {(w.plan_id, w.name): w for w in db.session.scalars(select(PlanWave))}
    first_start = dict(db.session.execute(
        select(AssistanceEpisode.person_id, func.min(AssistanceEpisode.started_on))
        .group_by(AssistanceEpisode.person_id)).all())
    first_training = dict(db.session.execute(
        select(TrainingAttendance.provider_id, func.min(TrainingSession.held_on))
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(TrainingAttendance.hours_attended > 0).group_by(TrainingAttendance.provider_id)
    ).all())
    person_region = dict(db.session.execute(
        select(AssistedPerson.id, AssistedPerson.region_id)).all())
    provider_region = dict(db.session.execute(select(Provider.id, Provider.region_id)).all())

    # Every invitation of the follow-up plans had its link issued; of the try-out plan's, some.
    assert invitations.loc[invitations["plan_id"] <= 2, "token_hash"].notna().all()
    linked = invitations["token_hash"].dropna()
    assert linked.str.fullmatch("[0-9a-f]{64}").all() and linked.is_unique
    expected: set[tuple[int, str, str]] = set()
    for plan_id, anchors, prefix in ((1, first_start, "person"), (2, first_training, "provider")):
        for who, anchor in anchors.items():
            for name in ("baseline", "m3", "m6", "m12"):
                wave = waves[(plan_id, name)]
                due = add_months(anchor, wave.offset_months)
                if date.fromordinal(due.toordinal() - wave.window_before_days) <= AS_OF:
                    expected.add((plan_id, name, f"{prefix}:{who}"))
    main = invitations[invitations["plan_id"] <= 2]
    assert set(zip(main["plan_id"], main["wave"], main["respondent_key"], strict=True)) == expected
    for inv in main.itertuples():
        wave = waves[(inv.plan_id, inv.wave)]
        if inv.plan_id == 1:
            person = int(inv.person_id)
            assert inv.respondent_key == f"person:{person}" and pd.isna(inv.provider_id)
            assert inv.anchor_date == first_start[person]
            assert inv.region_id == person_region[person]
        else:
            provider = int(inv.provider_id)
            assert inv.respondent_key == f"provider:{provider}" and pd.isna(inv.person_id)
            assert inv.anchor_date == first_training[provider]
            assert inv.region_id == provider_region[provider]
        assert inv.due_on == add_months(inv.anchor_date, wave.offset_months)
        assert (inv.due_on - inv.opens_on).days == wave.window_before_days
        assert (inv.closes_on - inv.due_on).days == wave.window_after_days
        assert inv.opens_on <= AS_OF

    # The try-out plan: every window open today, anchored like the officers' services do.
    tryout = invitations[invitations["plan_id"] == TRYOUT_PLAN_ID]
    plan = db.session.get(FollowUpPlan, TRYOUT_PLAN_ID)
    assert plan is not None and plan.anchor_from is not None and len(tryout) >= 1
    today = datetime.now(UTC).date()
    anchors = dict(db.session.execute(
        select(AssistanceEpisode.person_id, func.min(AssistanceEpisode.started_on))
        .where(AssistanceEpisode.started_on >= plan.anchor_from)
        .group_by(AssistanceEpisode.person_id)).all())
    assert set(tryout["person_id"].astype(int)) == set(anchors)
    (wave,) = db.session.scalars(select(PlanWave).where(PlanWave.plan_id == TRYOUT_PLAN_ID))
    for inv in tryout.itertuples():
        assert inv.status == "pending" and inv.wave == wave.name
        assert inv.anchor_date == anchors[int(inv.person_id)]
        assert inv.due_on == add_months(inv.anchor_date, wave.offset_months)
        assert inv.opens_on <= today <= inv.closes_on


def test_statuses_and_responses_agree(small_demo):
    invitations = rows(select(Invitation.__table__)).set_index("id")
    responses = rows(select(Response.__table__)).set_index("invitation_id")
    answers = answers_by_response()
    main = invitations[invitations["plan_id"] <= 2]
    for inv_id, inv in main.iterrows():
        closed = inv.closes_on < AS_OF
        if closed:
            assert inv.status in ("completed", "declined", "expired"), inv_id
        else:
            assert inv.status in ("pending", "in_progress", "completed", "declined"), inv_id
        has_response = inv_id in responses.index
        assert has_response == (inv.status in ("completed", "declined", "in_progress")), inv_id
        if not has_response:
            assert pd.isna(inv.opened_at) and pd.isna(inv.completed_at)
            continue
        response = responses.loc[inv_id]
        assert response.wave == inv.wave and response.survey_version_id == inv.survey_version_id
        started = response.started_at.date()
        assert inv.opens_on <= started <= min(inv.closes_on, AS_OF)
        assert response.language in ("uk", "ru", "en")
        mine = answers[response.id]
        if inv.status == "completed":
            assert (response.status, response.consent) == ("submitted", "given")
            assert response.submitted_at > response.started_at
            assert mine["consent_given"] == "yes" and len(mine) > 10
            assert not pd.isna(inv.completed_at)
        elif inv.status == "declined":
            assert (response.status, response.consent) == ("declined", "refused")
            assert mine == {"consent_given": "no"}
        else:
            assert (response.status, response.consent) == ("draft", "given")
            assert pd.isna(response.submitted_at)
    assert set(invitations["status"]) <= {"completed", "declined", "in_progress", "expired",
                                          "pending"}


def test_no_answers_for_hidden_questions_and_rules_kept(small_demo):
    versions = {instrument: survey_of(instrument) for instrument in INSTRUMENTS[:2]}
    schemas = {v.id: v.schema() for v in versions.values()}
    statuses = dict(db.session.execute(select(Response.id, Response.status)).all())
    by_response = answers_by_response()
    version_of = dict(db.session.execute(select(Response.id, Response.survey_version_id)).all())
    checked = 0
    for response_id, answers in by_response.items():
        survey = schemas[version_of[response_id]]
        assert settle(survey, answers) == answers, response_id  # nothing hidden, calcs right
        for question in survey.questions():
            keys = [k for k in question.answer_keys() if k in answers]
            for key in keys:
                value = answers[key]
                if question.constraint:
                    assert evaluate_bool(question.constraint, answers, current=value), (key, value)
                if question.type == QuestionType.integer:
                    assert isinstance(value, int)
                    assert question.minimum is None or value >= question.minimum
                    assert question.maximum is None or value <= question.maximum
                if question.choices and question.type != QuestionType.select_multiple:
                    assert value in survey.choice_lists[question.choices].values(), (key, value)
                if question.type == QuestionType.select_multiple:
                    assert set(value) <= set(survey.choice_lists[question.choices].values())
        if statuses[response_id] == "submitted":
            for section in survey.sections:
                for question in visible_questions(survey, section, answers):
                    if question.required:
                        assert all(k in answers for k in question.answer_keys()), question.key
            checked += 1
    assert checked > 50


def test_the_database_holds_exactly_the_outcome_frame(small_demo):
    frame = outcome_frame("small", SMALL_SEED)
    invitations = rows(select(Invitation.id, Invitation.person_id, Invitation.wave,
                              Invitation.due_on, Invitation.status, Invitation.region_id)
                       .where(Invitation.plan_id == 1).order_by(Invitation.id))
    assert invitations["id"].tolist() == frame["invitation_id"].tolist()
    assert invitations["person_id"].tolist() == frame["person_id"].tolist()
    assert invitations["wave"].tolist() == frame["wave"].astype(str).tolist()
    assert invitations["status"].tolist() == frame["status"].tolist()
    assert invitations["region_id"].tolist() == frame["region_id"].tolist()
    assert [d.isoformat() for d in invitations["due_on"]] == [
        d.date().isoformat() for d in frame["due_on"]]
    response_of = dict(db.session.execute(select(Response.invitation_id, Response.id)).all())
    assert [response_of.get(i) for i in frame["invitation_id"]] == [
        None if pd.isna(r) else int(r) for r in frame["response_id"]]

    survey = survey_of("person_followup").schema()
    who5_score = {c.value: c.score for c in survey.choice_lists["who5_frequency"].choices}
    agree_score = {c.value: c.score for c in survey.choice_lists["agree5"].choices}
    answers = answers_by_response()
    done = frame[frame["responded"]]
    assert len(done) > 50
    for row in done.itertuples():
        mine = answers[int(row.response_id)]
        items = [who5_score[mine[key]] for key in WHO5]
        assert items == [getattr(row, key) for key in WHO5]
        assert 4 * sum(items) == row.who5_score
        assert int(mine["housing_stable"]) == row.housing_stable
        if pd.isna(row.sat_recommend):
            assert mine["services_received"] == ["none"] and "sat_recommend" not in mine
        else:
            assert agree_score[mine["sat_recommend"]] == row.sat_recommend
            raw = [agree_score[mine[k]] for k in ("sat_respect", "sat_language", "sat_safe",
                                                   "sat_involved", "sat_informed",
                                                   "sat_pressured", "sat_recommend")]
            raw[5] = 6 - raw[5]  # sat_pressured is reverse-coded
            assert abs(sum(raw) / 7 - row.satisfaction_score) < 1e-9

    providers = provider_outcome_frame("small", SMALL_SEED)
    provider_survey = survey_of("provider_followup").schema()
    keys = ["know_consent", "know_border", "know_indicator", "know_child", "know_status",
            "know_referral_consent"]
    scores = {key: {c.value: c.score for c in provider_survey.choice_lists[key].choices}
              for key in keys}
    for row in providers[providers["responded"]].itertuples():
        mine = answers[int(row.response_id)]
        correct = [int(scores[key][mine[key]]) for key in keys]
        assert correct == [getattr(row, key) for key in keys]
        assert sum(correct) == row.knowledge_score


def test_exposure_equals_monitor_exposure_on_the_inserted_data(small_demo):
    frame = outcome_frame("small", SMALL_SEED)
    requests = pd.DataFrame({"person_id": frame["person_id"], "ref_date": frame["due_on"]})
    derived = exposure_frame(requests)
    assert derived["trained"].tolist() == frame["trained"].tolist()
    assert 0 < frame["trained"].sum() < len(frame)


def test_bulk_loading_keeps_every_foreign_key(app, tmp_path):
    from sqlalchemy import inspect

    def keys() -> dict[str, list]:
        inspector = inspect(db.session.connection())
        return {table.name: sorted((fk["name"] or "", tuple(fk["constrained_columns"]),
                                    fk["referred_table"], repr(fk.get("options")))
                                   for fk in inspector.get_foreign_keys(table.name))
                for table in (Invitation.__table__, Response.__table__, Answer.__table__)}

    before = keys()
    load("small", SMALL_SEED, tmp_path)
    assert keys() == before
    assert all(before.values())


def test_links_open_the_respondent_path(app, client, tmp_path):
    summary = load("small", SMALL_SEED, tmp_path)
    path = tmp_path / "links.csv"
    assert summary.links_path == str(path) and str(path) in summary.describe()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with path.open(encoding="utf-8") as handle:
        links = list(csv.DictReader(handle))
    assert 1 <= len(links) == summary.links <= 10
    today = datetime.now(UTC).date()
    for link in links:
        token = link["url"].rsplit("/r/", 1)[1]
        assert link["url"] == f"{app.config['PUBLIC_URL']}/r/{token}"
        invitation = db.session.scalar(select(Invitation).where(
            Invitation.token_hash == token_hash(token)))
        assert invitation is not None and invitation.id == int(link["invitation_id"])
        assert invitation.status == "pending" and invitation.plan_id == TRYOUT_PLAN_ID
        assert invitation.opens_on <= today <= invitation.closes_on
    response = client.get(f"/r/{links[0]['url'].rsplit('/r/', 1)[1]}")
    assert response.status_code == 303, response.status_code  # exchanged for a session


def test_summary_counts_the_fieldwork(small_demo):
    summary = small_demo.summary

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    assert summary.surveys == count(Survey) == 3
    assert summary.plans == count(FollowUpPlan)
    assert summary.invitations == count(Invitation)
    assert summary.responses == count(Response)
    assert summary.answers == count(Answer)
    by_status = dict(db.session.execute(
        select(Invitation.status, func.count()).where(Invitation.plan_id <= 2)
        .group_by(Invitation.status)).all())
    assert {k: v for k, v in summary.invitation_statuses.items() if v} == by_status
    assert summary.tryout_invitations == count(Invitation) - sum(by_status.values())
    responses = dict(db.session.execute(
        select(Response.status, func.count()).group_by(Response.status)).all())
    assert {k: v for k, v in summary.response_statuses.items() if v} == responses
    text = summary.describe()
    for label in ("surveys", "follow-up plans", "invitations", "responses", "answers"):
        assert label in text
    assert f"{summary.answers:,}" in text and "expired" in text and "pending" in text


# --- the effect, recovered from the database (medium) --------------------------------------


def test_adjusted_regression_on_the_database_recovers_the_effect(app, tmp_path):
    sm = pytest.importorskip("statsmodels.formula.api")
    load("medium", 2012, tmp_path)
    # The analytic data set, read from the database as an evaluator would.
    survey = survey_of("person_followup").schema()
    score = {c.value: c.score for c in survey.choice_lists["who5_frequency"].choices}
    data = rows(
        select(Invitation.person_id, Invitation.wave, Invitation.due_on, Response.id.label("rid"))
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.plan_id == 1, Response.status == "submitted",
               Invitation.wave != "baseline"))
    answers = answers_by_response()
    data["who5"] = [4 * sum(score[answers[r][k]] for k in WHO5) for r in data["rid"]]
    data["housing_stable"] = [int(answers[r]["housing_stable"]) for r in data["rid"]]
    persons = rows(select(AssistedPerson.id.label("person_id"), AssistedPerson.gender,
                          AssistedPerson.age_broad, AssistedPerson.type_of_exploit,
                          (Region.joined_year < 2014).label("pilot"))
                   .join(Region, Region.id == AssistedPerson.region_id))
    episodes = rows(select(AssistanceEpisode.person_id, AssistanceEpisode.provider_id,
                           AssistanceEpisode.started_on))
    caseload = episodes.groupby("provider_id").size().rename("caseload")
    primary = (episodes.sort_values(["person_id", "started_on", "provider_id"])
               .drop_duplicates("person_id")[["person_id", "provider_id"]])
    data = (data.merge(persons, on="person_id").merge(primary, on="person_id")
            .merge(caseload, left_on="provider_id", right_index=True))
    data["log2_caseload"] = np.log2(data["caseload"])
    data["trained"] = exposure_frame(
        data.rename(columns={"due_on": "ref_date"})[["person_id", "ref_date"]])["trained"]
    data["pilot"] = data["pilot"].astype(bool)
    formula = ("C(wave) + C(age_broad) + C(type_of_exploit) + C(gender) + pilot"
               " + log2_caseload")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = sm.ols(f"who5 ~ trained + {formula}", data).fit(
            cov_type="cluster", cov_kwds={"groups": data["provider_id"]})
        logit = sm.logit(f"housing_stable ~ trained + {formula}", data).fit(disp=0)
    estimate = ols.params["trained[T.True]"]
    low, high = ols.conf_int().loc["trained[T.True]"]
    assert low <= TRUE_EFFECTS.who5 <= high, (estimate, low, high)
    assert 6 <= estimate <= 10
    h_low, h_high = logit.conf_int(alpha=0.01).loc["trained[T.True]"]
    assert h_low <= TRUE_EFFECTS.housing_log_odds <= h_high
    # The match with the pure frame, and an exposure share that leaves both arms large.
    frame = outcome_frame("medium", 2012)
    done = frame[frame["responded"] & (frame["wave"] != "baseline")]
    assert sorted(done["who5_score"].tolist()) == sorted(data["who5"].tolist())
    assert 0.3 < data["trained"].mean() < 0.9
