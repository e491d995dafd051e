"""Follow-up plans and the invitations they generate, on small registries made by hand: anchors,
due dates with calendar months, scope, idempotence, and regeneration that only ever touches the
invitations nobody has opened."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork import services
from monitor.fieldwork.models import FollowUpPlan, Invitation
from monitor.fieldwork.services import FieldworkError, WaveSpec, add_months
from monitor.models import AuditEvent
from surveys import versions
from tests.monitor.fieldwork_support import TODAY, answer, invitations, plan_for, publish


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 3) == date(2024, 11, 30)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 3, 31), 12) == date(2025, 3, 31)
    assert add_months(date(2024, 5, 5), 0) == date(2024, 5, 5)


# --- creating plans ------------------------------------------------------------------------------

def test_a_draft_cannot_be_planned(app):
    version = publish("person", publish_it=False)
    with pytest.raises(FieldworkError, match="published"):
        services.create_plan(version, "Plan")
    assert db.session.scalar(select(func.count()).select_from(FollowUpPlan)) == 0


def test_officer_surveys_cannot_be_planned(app):
    version = publish("officer")
    with pytest.raises(FieldworkError, match="staff"):
        services.create_plan(version, "Plan")


def test_anchor_follows_the_audience_and_waves_default(app):
    person_plan = plan_for(publish("person"))
    provider_plan = plan_for(publish("provider"))
    assert person_plan.anchor == "episode_start"
    assert provider_plan.anchor == "training_date"
    assert [(w.name, w.offset_months, w.window_before_days, w.window_after_days)
            for w in person_plan.waves] == [("baseline", 0, 14, 45), ("m3", 3, 14, 45),
                                            ("m6", 6, 14, 45), ("m12", 12, 14, 45)]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target == f"followup_plan:{person_plan.id}")) == "followup_plan_created"


@pytest.mark.parametrize("waves, message", [
    ([], "at least one wave"),
    ([WaveSpec("m3", 3), WaveSpec("m3", 6)], "Two waves"),
    ([WaveSpec("Month 3", 3)], "lower-case"),
    ([WaveSpec("m3", -1)], "offset"),
    ([WaveSpec("m3", 3, window_after_days=0)], "open 1 to"),
    ([WaveSpec("m3", 3, window_before_days=400)], "0 to 366"),
])
def test_invalid_waves_are_refused(app, waves, message):
    with pytest.raises(FieldworkError, match=message):
        services.create_plan(publish("person"), "Plan", waves)


# --- generating invitations ----------------------------------------------------------------------

def test_a_person_with_two_episodes_is_anchored_on_the_first(app, factory):
    region = factory.region()
    provider = factory.provider(region)
    person = factory.person(region)
    factory.episode(person, provider, date(2021, 5, 10))
    factory.episode(person, provider, date(2020, 1, 31))  # earlier, registered second
    plan = plan_for(publish("person"))
    rows = {i.wave: i for i in invitations(plan)}
    assert set(rows) == {"baseline", "m3", "m6", "m12"}
    assert {i.anchor_date for i in rows.values()} == {date(2020, 1, 31)}
    assert rows["baseline"].due_on == date(2020, 1, 31)
    assert rows["m3"].due_on == date(2020, 4, 30)  # 31 April does not exist
    assert rows["m6"].due_on == date(2020, 7, 31)
    assert rows["m12"].due_on == date(2021, 1, 31)
    m3 = rows["m3"]
    assert (m3.opens_on, m3.closes_on) == (date(2020, 4, 16), date(2020, 6, 14))
    assert m3.person_id == person.id and m3.provider_id is None
    assert m3.respondent_key == f"person:{person.id}" and m3.region_id == region.id
    assert m3.survey_version_id == plan.survey_version_id
    assert m3.token_hash is None
    # Long past at TODAY: born expired, never pending.
    assert {i.status for i in rows.values()} == {"expired"}


def test_due_dates_clamp_january_31_plus_one_month(app, factory):
    person = factory.person()
    factory.episode(person, factory.provider(), date(2023, 1, 31))
    plan = plan_for(publish("person"), [WaveSpec("m1", 1, 0, 10)])
    (inv,) = invitations(plan)
    assert (inv.due_on, inv.opens_on, inv.closes_on) == (date(2023, 2, 28), date(2023, 2, 28),
                                                         date(2023, 3, 10))


def test_a_provider_trained_twice_is_anchored_on_the_first_attended_session(app, factory):
    region = factory.region()
    provider = factory.provider(region)
    skipped = factory.session(date(2019, 3, 1), region)
    first = factory.session(date(2019, 6, 30), region)
    later = factory.session(date(2020, 2, 1), region)
    factory.attend(provider, skipped, hours=0)  # registered, never came: not an anchor
    factory.attend(provider, later)
    factory.attend(provider, first, hours=4)
    only_zero = factory.provider(region)
    factory.attend(only_zero, skipped, hours=0)
    plan = plan_for(publish("provider"), [WaveSpec("baseline", 0), WaveSpec("m6", 6)])
    rows = invitations(plan)
    assert {i.respondent_key for i in rows} == {f"provider:{provider.id}"}
    assert {i.wave: i.due_on for i in rows} == {"baseline": date(2019, 6, 30), "m6": date(2019, 12, 30)}
    assert all(i.provider_id == provider.id and i.person_id is None for i in rows)


def test_scope_by_region_and_anchor_from(app, factory):
    north, south = factory.region(), factory.region()
    provider = factory.provider(north)
    old_and_new = factory.person(north)
    factory.episode(old_and_new, provider, date(2019, 1, 10))
    factory.episode(old_and_new, provider, date(2024, 2, 1))
    only_old = factory.person(north)
    factory.episode(only_old, provider, date(2019, 5, 5))
    southern = factory.person(south)
    factory.episode(southern, provider, date(2024, 3, 3))
    never_assisted = factory.person(north)  # no episode: nothing to anchor on
    plan = plan_for(publish("person"), [WaveSpec("m3", 3)], region_id=north.id,
                    anchor_from=date(2024, 1, 1))
    rows = invitations(plan)
    assert [(i.person_id, i.anchor_date) for i in rows] == [(old_and_new.id, date(2024, 2, 1))]
    assert never_assisted.id not in {i.person_id for i in rows}


def test_generating_twice_adds_nothing(app, factory):
    for _ in range(3):
        person = factory.person()
        factory.episode(person, factory.provider(), date(2029, 11, 1))
    plan = plan_for(publish("person"))
    assert len(invitations(plan)) == 12
    result = services.sync_invitations(plan, today=TODAY)
    db.session.commit()
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert len(invitations(plan)) == 12
    # A person registered since joins at the next generation, and only they.
    newcomer = factory.person()
    factory.episode(newcomer, factory.provider(), date(2029, 12, 1))
    result = services.sync_invitations(plan, today=TODAY)
    db.session.commit()
    assert result.created == 4 and len(invitations(plan)) == 16


def test_windows_open_in_the_future_are_pending(app, factory):
    person = factory.person()
    factory.episode(person, factory.provider(), date(2029, 12, 20))
    plan = plan_for(publish("person"))
    assert {i.wave: i.status for i in invitations(plan)} == {
        "baseline": "pending", "m3": "pending", "m6": "pending", "m12": "pending"}


# --- editing a plan ------------------------------------------------------------------------------

@pytest.fixture
def three_persons(factory):
    persons = []
    for day in (1, 2, 3):
        person = factory.person()
        factory.episode(person, factory.provider(), date(2029, 12, day))
        persons.append(person)
    return persons


def _specs(plan, **changes) -> list[WaveSpec]:
    """The plan's waves as specs, with ``name=(offset, before, after)`` changes."""
    out = []
    for w in plan.waves:
        offset, before, after = changes.get(w.name, (w.offset_months, w.window_before_days,
                                                     w.window_after_days))
        out.append(WaveSpec(w.name, offset, before, after, w.id))
    return out


def test_editing_reschedules_pending_and_never_touches_answered(app, three_persons):
    plan = plan_for(publish("person"))
    m3 = {i.person_id: i for i in invitations(plan, wave="m3")}
    first, second, third = three_persons
    # second's m3 was answered; third's was opened (no response yet) and keeps its token
    answered = answer(m3[second.id])
    opened = db.session.get(Invitation, m3[third.id].id)
    opened.status, opened.opened_at, opened.token_hash = "opened", opened.created_at, "f" * 64
    db.session.commit()
    before = {i.id: (i.due_on, i.status) for i in invitations(plan, wave="m3")}

    result = services.update_plan(plan, "Plan", _specs(plan, m3=(4, 7, 30)), None, None, today=TODAY)
    db.session.commit()
    assert result.updated == 1 and result.created == 0 and result.deleted == 0
    after = {i.person_id: i for i in invitations(plan, wave="m3")}
    assert after[first.id].due_on == date(2030, 4, 1)
    assert (after[first.id].opens_on, after[first.id].closes_on) == (date(2030, 3, 25), date(2030, 5, 1))
    assert after[first.id].id == m3[first.id].id  # rescheduled in place: an issued link keeps working
    for untouched in (second, third):
        inv = after[untouched.id]
        assert (inv.due_on, inv.status) == before[inv.id]
    assert after[third.id].token_hash == "f" * 64
    assert db.session.get(type(answered), answered.id) is not None


def test_a_removed_wave_deletes_only_its_pending_invitations(app, three_persons):
    plan = plan_for(publish("person"))
    m6 = {i.person_id: i for i in invitations(plan, wave="m6")}
    first, second, third = three_persons
    answer(m6[second.id], status="draft")
    revoked = db.session.get(Invitation, m6[third.id].id)
    revoked.status = "revoked"
    db.session.commit()
    specs = [s for s in _specs(plan) if s.name != "m6"]
    result = services.update_plan(plan, "Plan", specs, None, None, today=TODAY)
    db.session.commit()
    assert result.deleted == 1
    assert [w.name for w in db.session.get(FollowUpPlan, plan.id).waves] == ["baseline", "m3", "m12"]
    kept = invitations(plan, wave="m6")
    assert {i.person_id: i.status for i in kept} == {second.id: "pending", third.id: "revoked"}
    assert len(invitations(plan)) == 3 * 3 + 2


def test_a_new_wave_gets_new_invitations_and_many_are_rescheduled_at_once(app, three_persons):
    plan = plan_for(publish("person"))
    specs = [*_specs(plan, m6=(7, 14, 45)), WaveSpec("m24", 24, 30, 60)]
    result = services.update_plan(plan, "Plan", specs, None, None, today=TODAY)
    db.session.commit()
    assert result.created == 3 and result.updated == 3
    assert {i.due_on for i in invitations(plan, wave="m6")} == {date(2030, 7, d) for d in (1, 2, 3)}
    assert {i.due_on for i in invitations(plan, wave="m24")} == {date(2031, 12, d) for d in (1, 2, 3)}


def test_renaming_a_wave_keeps_its_invitations_and_tokens(app, three_persons):
    plan = plan_for(publish("person"))
    inv = invitations(plan, wave="m12")[0]
    db.session.get(Invitation, inv.id).token_hash = "a" * 64
    db.session.commit()
    specs = [WaveSpec("month12" if s.name == "m12" else s.name, s.offset_months, s.window_before_days,
                      s.window_after_days, s.wave_id) for s in _specs(plan)]
    services.update_plan(plan, "Plan", specs, None, None, today=TODAY)
    db.session.commit()
    assert invitations(plan, wave="m12") == []
    renamed = invitations(plan, wave="month12")
    assert len(renamed) == 3 and inv.id in {i.id for i in renamed}
    assert db.session.get(Invitation, inv.id).token_hash == "a" * 64


def test_swapping_two_wave_names_works(app, three_persons):
    plan = plan_for(publish("person"))
    ids = {w: {i.id for i in invitations(plan, wave=w)} for w in ("m3", "m6")}
    swap = {"m3": "m6", "m6": "m3"}
    specs = [WaveSpec(swap.get(s.name, s.name), s.offset_months, s.window_before_days, s.window_after_days,
                      s.wave_id) for s in _specs(plan)]
    services.update_plan(plan, "Plan", specs, None, None, today=TODAY)
    db.session.commit()
    # Names follow the waves; dates follow the offsets (unchanged), so ids stay with their dates.
    assert {i.id for i in invitations(plan, wave="m6")} == ids["m3"]
    assert {i.id for i in invitations(plan, wave="m3")} == ids["m6"]


def test_an_answered_wave_cannot_be_renamed(app, three_persons):
    plan = plan_for(publish("person"))
    answer(invitations(plan, wave="m3")[0])
    specs = [WaveSpec("month3" if s.name == "m3" else s.name, s.offset_months, s.window_before_days,
                      s.window_after_days, s.wave_id) for s in _specs(plan)]
    with pytest.raises(FieldworkError, match="cannot be renamed"):
        services.update_plan(plan, "Plan", specs, None, None, today=TODAY)
    db.session.rollback()
    assert len(invitations(plan, wave="m3")) == 3


def test_narrowing_the_scope_removes_only_untouched_invitations(app, factory):
    north, south = factory.region(), factory.region()
    northern, southern = factory.person(north), factory.person(south)
    other_southern = factory.person(south)
    for person in (northern, southern, other_southern):
        factory.episode(person, factory.provider(), date(2029, 12, 1))
    plan = plan_for(publish("person"), [WaveSpec("m3", 3)])
    answered = {i.person_id: i for i in invitations(plan)}[southern.id]
    answer(answered, status="draft")
    services.update_plan(plan, "Plan", _specs(plan), north.id, None, today=TODAY)
    db.session.commit()
    assert {i.person_id for i in invitations(plan)} == {northern.id, southern.id}


def test_expired_but_never_opened_invitations_come_back_when_the_window_widens(app, factory):
    person = factory.person()
    factory.episode(person, factory.provider(), date(2029, 9, 1))
    plan = plan_for(publish("person"), [WaveSpec("m3", 3, 14, 10)])  # closes 2029-12-11
    assert invitations(plan)[0].status == "expired"
    services.update_plan(plan, "Plan", _specs(plan, m3=(3, 14, 60)), None, None, today=TODAY)
    db.session.commit()
    (inv,) = invitations(plan)
    assert (inv.closes_on, inv.status) == (date(2030, 1, 30), "pending")


def test_a_closed_plan_generates_nothing(app, factory):
    person = factory.person()
    factory.episode(person, factory.provider(), date(2029, 12, 1))
    plan = plan_for(publish("person"), [WaveSpec("m3", 3)])
    services.update_plan(plan, "Plan", [*_specs(plan), WaveSpec("m6", 6)], None, None, status="closed",
                         today=TODAY)
    db.session.commit()
    assert len(invitations(plan)) == 1
    with pytest.raises(FieldworkError, match="closed"):
        services.sync_invitations(plan)


# --- the pages -----------------------------------------------------------------------------------

def _plan_form(version_id=None, waves=None, **fields) -> dict:
    data = {"title": "Persons 2030", "region_id": "", "anchor_from": ""}
    if version_id is not None:
        data["survey_version_id"] = str(version_id)
    for i, (name, offset, before, after) in enumerate(waves or []):
        data |= {f"waves-{i}-name": name, f"waves-{i}-offset_months": str(offset),
                 f"waves-{i}-window_before_days": str(before), f"waves-{i}-window_after_days": str(after)}
    return data | fields


def test_officer_creates_a_plan_through_the_form(app, client, login, factory):
    login("officer")
    person = factory.person()
    factory.episode(person, factory.provider(), date(2020, 1, 1))
    version = publish("person")
    draft = publish("person", publish_it=False)
    page = client.get("/fieldwork/plans/new").get_data(as_text=True)
    choices = re.search(r'<select[^>]*id="survey_version_id".*?</select>', page, re.S).group(0)
    assert f'value="{version.id}"' in choices and f'value="{draft.id}"' not in choices
    assert 'value="baseline"' in page and 'value="m12"' in page
    response = client.post("/fieldwork/plans/new", data=_plan_form(
        version.id, [("baseline", 0, 14, 45), ("m3", 3, 14, 45), ("", "", "", "")]))
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.scalar(select(FollowUpPlan))
    assert plan.title == "Persons 2030" and [w.name for w in plan.waves] == ["baseline", "m3"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Plan created: 2 invitations created" in page
    assert "Persons 2030" in page


def test_the_version_picker_names_the_survey_by_id_and_version(app, client, login):
    """Two surveys may share a title (two copies of a library instrument): the picker tells
    them, and their versions, apart by the survey's id."""
    login("officer")
    first, second = publish("person"), publish("provider")
    newer = versions.start_draft(second.survey)
    versions.publish(newer)
    db.session.commit()
    page = client.get("/fieldwork/plans/new").get_data(as_text=True)
    choices = re.search(r'<select[^>]*id="survey_version_id".*?</select>', page, re.S).group(0)
    offered = dict(re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', choices))
    title = first.survey.title
    assert title == second.survey.title
    assert offered == {
        str(first.id): f"#{first.survey_id} {title}, version 1 (for assisted persons)",
        str(newer.id): f"#{second.survey_id} {title}, version 2 (for providers)",
        str(second.id): f"#{second.survey_id} {title}, version 1 (for providers)",
    }


def test_the_form_refuses_a_draft_and_bad_waves(app, client, login):
    login("officer")
    draft = publish("person", publish_it=False)
    response = client.post("/fieldwork/plans/new", data=_plan_form(draft.id, [("m3", 3, 14, 45)]))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    version = publish("person")
    response = client.post("/fieldwork/plans/new", data=_plan_form(version.id, [("m3", 3, 14, 45),
                                                                                  ("m3", 6, 14, 45)]))
    assert "Two waves are called" in response.get_data(as_text=True)
    response = client.post("/fieldwork/plans/new", data=_plan_form(version.id, [("m3", "", 14, 45)]))
    assert "How many months" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FollowUpPlan)) == 0


def test_officer_edits_a_plan_through_the_form(app, client, login, three_persons):
    login("officer")
    plan = plan_for(publish("person"))
    page = client.get(f"/fieldwork/plans/{plan.id}/edit").get_data(as_text=True)
    assert 'value="m12"' in page and "Remove" in page
    waves = plan.waves
    data = _plan_form(None, [(w.name, w.offset_months, w.window_before_days, w.window_after_days)
                             for w in waves] + [("m24", 24, 14, 45)], status="active")
    for i, w in enumerate(waves):
        data[f"waves-{i}-wave_id"] = str(w.id)
    data["waves-1-remove"] = "y"  # m3
    response = client.post(f"/fieldwork/plans/{plan.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.get(FollowUpPlan, plan.id)
    assert [w.name for w in plan.waves] == ["baseline", "m6", "m12", "m24"]
    assert invitations(plan, wave="m3") == [] and len(invitations(plan, wave="m24")) == 3


def test_update_from_the_registry_button(app, client, login, three_persons, factory):
    login("officer")
    plan = plan_for(publish("person"), [WaveSpec("m3", 3)])
    newcomer = factory.person()
    factory.episode(newcomer, factory.provider(), date(2029, 12, 9))
    response = client.post(f"/fieldwork/plans/{plan.id}/generate", follow_redirects=True)
    assert "1 invitation created" in response.get_data(as_text=True)
    assert len(invitations(plan)) == 4


def test_plan_pages_render_with_counts(app, client, login, three_persons):
    login("admin")
    plan = plan_for(publish("person"))
    answer(invitations(plan, wave="baseline")[0])
    assert client.get("/fieldwork/").status_code == 200
    page = client.get(f"/fieldwork/plans/{plan.id}").get_data(as_text=True)
    assert "baseline" in page and "m12" in page
    assert client.get("/fieldwork/plans/999").status_code == 404
