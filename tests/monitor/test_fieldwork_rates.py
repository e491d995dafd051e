"""Response rates against counts made by hand, the rates page and its chart, and the response
viewer: labels of the answered version, choice labels, the audit log, never for evaluators."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork import rates, services, viewer
from monitor.fieldwork.models import Invitation
from monitor.fieldwork.services import WaveSpec
from monitor.models import AuditEvent
from surveys.schema import Choice, ChoiceList, MatrixItem, Question, Section, Survey
from tests.monitor.fieldwork_support import answer, invitations, plan_for, publish
from tests.surveys.factories import tri

TODAY = date(2030, 1, 1)
ANCHOR = date(2029, 9, 1)  # baseline and m3 windows have opened by TODAY, m12's has not
STATUSES = {
    # wave: {region: [status of each person]}
    "baseline": {"North": ["completed", "completed", "declined", "revoked"], "South": ["completed", "expired"]},
    "m3": {"North": ["completed", "in_progress", "pending", "pending"], "South": ["revoked", "revoked"]},
    "m12": {"North": ["pending"] * 4, "South": ["pending"] * 2},
}


@pytest.fixture
def fieldwork(app, factory):
    """Six persons (four in North, two in South) with the statuses of ``STATUSES``."""
    regions = {"North": factory.region(name="North"), "South": factory.region(name="South")}
    provider = factory.provider(regions["North"])
    persons = {name: [] for name in regions}
    for name, count in (("North", 4), ("South", 2)):
        for _ in range(count):
            person = factory.person(regions[name])
            factory.episode(person, provider, ANCHOR)
            persons[name].append(person)
    plan = plan_for(publish("person"), [WaveSpec("baseline", 0), WaveSpec("m3", 3), WaveSpec("m12", 12)],
                    today=date(2029, 9, 1))
    rows = {(i.wave, i.person_id): i for i in invitations(plan)}
    for wave, by_region in STATUSES.items():
        for name, statuses in by_region.items():
            for person, status in zip(persons[name], statuses, strict=True):
                db.session.get(Invitation, rows[(wave, person.id)].id).status = status
    db.session.commit()
    return plan


def _row(df, wave, region=None) -> dict:
    mask = df["wave"] == wave
    if region:
        mask &= df["region"] == region
    (record,) = df[mask].to_dict("records")
    return record


def test_rates_match_the_hand_count(fieldwork):
    table = rates.response_rates(TODAY)
    assert list(zip(table["wave"], table["region"], strict=True)) == [
        ("baseline", "North"), ("baseline", "South"), ("m3", "North"), ("m3", "South"),
        ("m12", "North"), ("m12", "South")]  # waves in offset order, not alphabetical
    north = _row(table, "baseline", "North")
    assert (north["completed"], north["declined"], north["revoked"], north["total"]) == (2, 1, 1, 4)
    assert (north["eligible"], north["completed_eligible"]) == (3, 2)
    assert north["rate"] == pytest.approx(2 / 3)
    assert _row(table, "baseline", "South")["rate"] == pytest.approx(0.5)
    assert _row(table, "m3", "North")["rate"] == pytest.approx(0.25)
    south_m3 = _row(table, "m3", "South")
    assert south_m3["eligible"] == 0 and south_m3["rate"] != south_m3["rate"]  # NaN: nothing eligible
    m12 = _row(table, "m12", "North")
    assert (m12["pending"], m12["eligible"]) == (4, 0)

    waves = rates.by_wave(table)
    assert list(waves["wave"]) == ["baseline", "m3", "m12"]
    assert _row(waves, "baseline")["rate"] == pytest.approx(3 / 5)
    assert _row(waves, "m3")["rate"] == pytest.approx(1 / 4)
    assert _row(waves, "m12")["total"] == 6


def test_rates_by_survey_and_region(fieldwork, factory):
    provider_plan = plan_for(publish("provider"), [WaveSpec("m3", 3)])
    assert invitations(provider_plan) == []
    region = factory.region(name="East")
    provider = factory.provider(region)
    factory.attend(provider, factory.session(date(2029, 9, 1), region))
    plan_for(provider_plan.survey_version, [WaveSpec("m3", 3)])
    table = rates.response_rates(TODAY)
    assert sorted(set(table["survey_id"])) == sorted({fieldwork.survey_version.survey_id,
                                                     provider_plan.survey_version.survey_id})
    only = rates.response_rates(TODAY, survey_id=fieldwork.survey_version.survey_id)
    assert len(only) == 6
    assert set(rates.response_rates(TODAY, region_id=region.id)["region"]) == {"East"}
    # As the windows open, the denominators grow.
    later = rates.by_wave(rates.response_rates(date(2030, 9, 1),
                                               survey_id=fieldwork.survey_version.survey_id))
    assert _row(later, "m12")["eligible"] == 6


def test_rates_page_shows_the_table_and_a_chart(app, client, login, fieldwork, monkeypatch):
    monkeypatch.setattr(services, "current_date", lambda: TODAY)
    login("officer")
    page = client.get("/fieldwork/rates").get_data(as_text=True)
    assert re.search(r'<img class="chart" src="data:image/svg\+xml;base64,[^"]+"', page)
    assert "67%" in page and "50%" in page and "25%" in page
    assert "baseline: 60%" in page  # the chart's text alternative
    assert client.get("/fieldwork/rates?survey=999&region=abc").status_code == 200


# --- the response viewer -------------------------------------------------------------------------

def _answered(plan, values: dict, status: str = "submitted"):
    inv = invitations(plan, wave="baseline")[0]
    return answer(inv, status=status, values=values)


def test_viewer_shows_labels_and_writes_the_audit_log(app, client, login, fieldwork):
    officer = login("officer")
    response = _answered(fieldwork, {"consent": "yes", "age": 30, "housing": "shelter", "stray": "x"})
    listing = client.get("/fieldwork/responses").get_data(as_text=True)
    assert f'/fieldwork/responses/{response.id}"' in listing and "submitted" in listing
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_viewed")) is None
    page = client.get(f"/fieldwork/responses/{response.id}").get_data(as_text=True)
    assert "Do you agree to take part?" in page and "<dd>Yes</dd>" in page
    assert "Where do you live?" in page and "<dd>Shelter</dd>" in page and "<dd>shelter</dd>" not in page
    assert "<dd>30</dd>" in page
    assert '<dd class="muted">—</dd>' in page  # housing_other: not asked
    assert "Other stored answers" in page and "stray" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_viewed"))
    assert event.user_id == officer.id and event.target == f"response:{response.id}"
    assert client.get("/fieldwork/responses/999").status_code == 404


def test_viewer_filters(app, client, login, fieldwork):
    login("admin")
    _answered(fieldwork, {"consent": "yes"}, status="draft")
    assert "draft" in client.get("/fieldwork/responses?status=draft").get_data(as_text=True)
    assert "No responses yet" in client.get("/fieldwork/responses?status=submitted").get_data(as_text=True)
    assert "No responses yet" in client.get("/fieldwork/responses?wave=m3").get_data(as_text=True)


def test_evaluators_never_see_fieldwork(app, client, login, fieldwork):
    response = _answered(fieldwork, {"consent": "yes"})
    login("evaluator")
    for url in ("/fieldwork/", "/fieldwork/rates", "/fieldwork/responses",
                f"/fieldwork/responses/{response.id}", f"/fieldwork/plans/{fieldwork.id}/due"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/fieldwork/plans/{fieldwork.id}/links", data={"action": "all-csv"}).status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_viewed")) is None
    assert "Fieldwork" not in client.get("/").get_data(as_text=True)


def test_labelled_answers_of_every_kind():
    survey = Survey(
        title=tri("T"),
        sections=[Section("s", tri("Page one"), questions=[
            Question("intro", "note", tri("Hello")),
            Question("langs", "select_multiple", tri("Languages?"), choices="lang"),
            Question("mood", "likert", tri("Mood?"), choices="agree"),
            Question("grid", "matrix", tri("How true?"), choices="agree",
                     items=[MatrixItem("grid_a", tri("Safe")), MatrixItem("grid_b", tri("Calm"))]),
            Question("ok", "yes_no", tri("OK?")),
            Question("weight", "decimal", tri("Weight?")),
        ])],
        choice_lists={"lang": ChoiceList("lang", [Choice("uk", tri("Ukrainian")), Choice("ru", tri("Russian"))]),
                      "agree": ChoiceList("agree", [Choice("1", tri("Disagree"), 1), Choice("2", tri("Agree"), 2)])},
    )
    sections, extra = viewer.labelled(survey, {"langs": ["uk", "ru", "xx"], "mood": "2", "grid_a": "1",
                                               "ok": "no", "weight": 61.0, "old_key": 3})
    shown = {a.key: (a.label, a.text) for a in sections[0].answers}
    groups = {a.key: a.group for a in sections[0].answers}
    assert "intro" not in shown
    assert shown["langs"] == ("Languages?", "Ukrainian; Russian; xx")
    assert shown["mood"] == ("Mood?", "Agree")
    assert shown["grid_a"] == ("Safe", "Disagree") and groups["grid_a"] == "How true?"
    assert shown["grid_b"] == ("Calm", "—") and groups["mood"] is None
    assert shown["ok"][1] == "No" and shown["weight"][1] == "61"
    assert sections[0].answered == 5
    assert [(a.key, a.text) for a in extra] == [("old_key", "3")]
