"""The demo programme: what `monitor demo` loads, that one seed gives one data set, that it keeps
off databases with data, and that the roll-out of training follows the truth written down in
monitor.demo.generator (not random: region, profession and caseload decide)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import extract, func, select

from monitor.demo import DEMO_LOGINS, PILOT_CODES, REGIONS, SIZES, DatabaseNotEmpty, build_demo
from monitor.demo.programme import check_facts
from monitor.extensions import db
from monitor.models import (
    AGE_BROAD,
    EXPLOIT_TYPES,
    GENDERS,
    MODULES,
    SERVICES,
    AssistanceEpisode,
    AssistedPerson,
    AuditEvent,
    Organisation,
    PersonContact,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
    User,
)

REGISTRY = (Region, Organisation, Provider, TrainingSession, TrainingAttendance, AssistedPerson,
            PersonContact, AssistanceEpisode)


@pytest.fixture(autouse=True)
def _links_elsewhere(request, tmp_path):
    """Demo loads write their links file in the test's folder, not in the instance folder."""
    if "app" in request.fixturenames or "runner" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _dump() -> str:
    """A hash of every registry row (ids included, creation times left out) and the accounts."""
    digest = hashlib.sha256()
    for model in REGISTRY:
        table = model.__table__
        columns = [c for c in table.c if c.name != "created_at"]
        for row in db.session.execute(select(*columns).order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode())
    accounts = db.session.execute(select(User.email, User.role).order_by(User.email)).all()
    digest.update(repr(accounts).encode())
    return digest.hexdigest()


def _first_training() -> dict[int, date]:
    """provider id -> day of the first session attended."""
    rows = db.session.execute(
        select(TrainingAttendance.provider_id, func.min(TrainingSession.held_on))
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .group_by(TrainingAttendance.provider_id)
    )
    return dict(rows.all())


# --- the facts and the command -------------------------------------------------------------


def test_programme_facts_hold_together():
    check_facts()
    assert len(REGIONS) == 13
    assert PILOT_CODES == {"UA-77", "UA-14", "UA-63", "UA-68", "UA-09", "UA-05"}
    for region in REGIONS:
        assert region.name_uk and region.name_ru and region.name_uk != region.name_ru
        assert region.pilot == (region.joined_year in (2012, 2013))
        assert region.training_from.year >= (2014 if not region.pilot else 2012)
    assert all(len(password) >= 12 for _, _, password in DEMO_LOGINS)
    assert [role for role, _, _ in DEMO_LOGINS] == ["admin", "officer", "evaluator"]


def test_cli_loads_small_demo_and_prints_logins(runner):
    result = runner.invoke(args=["demo", "--size", "small", "--seed", "7"])
    assert result.exit_code == 0, result.output
    for role, email, password in DEMO_LOGINS:
        assert email in result.stdout and password in result.stdout and role in result.stdout
    assert "assisted persons" in result.stdout

    regions = {r.code: r for r in db.session.scalars(select(Region))}
    assert set(regions) == {r.code for r in REGIONS}
    assert {c for c, r in regions.items() if r.joined_year in (2012, 2013)} == PILOT_CODES
    assert {r.joined_year for c, r in regions.items() if c not in PILOT_CODES} == {2014}
    assert regions["UA-30"].name == "Kyiv city" and regions["UA-30"].name_uk == "місто Київ"
    assert regions["UA-63"].name_ru == "Харьковская область"

    spec = SIZES["small"]
    assert _count(Provider) == spec.providers
    assert _count(AssistedPerson) == spec.persons == 50
    assert 20 <= _count(TrainingAttendance) and _count(TrainingSession) >= 6
    kinds = dict(db.session.execute(
        select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    assert kinds["state"] > 0 and kinds["ngo"] > 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "demo_loaded")).all()
    assert len(events) == 1 and events[0].detail == {"size": "small", "seed": 7}


def test_demo_accounts_can_log_in(app, runner):
    assert runner.invoke(args=["demo", "--size", "small"]).exit_code == 0
    for role, email, password in DEMO_LOGINS:
        assert db.session.scalar(select(User.role).where(User.email == email)) == role
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (email, response.data)
        assert client.get("/").status_code == 200


def test_summary_counts_match_the_database(app):
    summary = build_demo(size="small", seed=11)
    assert (summary.regions, summary.providers, summary.sessions, summary.attendance,
            summary.persons, summary.contacts, summary.episodes, summary.accounts) == (
        _count(Region), _count(Provider), _count(TrainingSession), _count(TrainingAttendance),
        _count(AssistedPerson), _count(PersonContact), _count(AssistanceEpisode), _count(User))
    assert summary.organisations == _count(Organisation)
    trained = db.session.scalar(select(func.count(func.distinct(TrainingAttendance.provider_id))))
    assert summary.trained_providers == trained
    text = summary.describe()
    for label, value in [("providers", summary.providers), ("episodes", summary.episodes),
                         ("persons", summary.persons), ("sessions", summary.sessions)]:
        assert label in text and f"{value:,}" in text
    assert f"{trained} trained" in text


def test_progress_reports_every_step_to_the_end(app):
    calls: list[tuple[str, int, int]] = []
    build_demo(size="small", seed=1, progress=lambda *call: calls.append(call))
    labels = list(dict.fromkeys(label for label, _, _ in calls))
    assert labels == ["regions", "organisations", "providers", "training sessions",
                      "attendance", "assisted persons", "contacts", "episodes", "accounts",
                      "surveys", "follow-up plans", "plan waves", "invitations", "responses",
                      "answers"]
    for label in labels:
        mine = [(done, total) for lab, done, total in calls if lab == label]
        assert mine[-1][0] == mine[-1][1]
        assert [d for d, _ in mine] == sorted(d for d, _ in mine)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows(app):
    build_demo(size="small", seed=5)
    first = _dump()
    build_demo(size="small", seed=5, reset=True)
    assert _dump() == first
    build_demo(size="small", seed=6, reset=True)
    assert _dump() != first


# --- refusing to overwrite data --------------------------------------------------------------


def test_refuses_a_database_with_data(runner, factory):
    region = factory.region(name="Somewhere", code="UA-99")
    with pytest.raises(DatabaseNotEmpty, match="--reset"):
        build_demo(size="small")
    result = runner.invoke(args=["demo", "--size", "small"])
    assert result.exit_code != 0
    assert "--reset" in result.output
    assert db.session.scalars(select(Region.code)).all() == [region.code]
    assert _count(Provider) == 0 and _count(User) == 0


def test_refuses_a_database_with_only_accounts(factory):
    factory.user("admin")
    with pytest.raises(DatabaseNotEmpty):
        build_demo(size="small")


def test_if_empty_leaves_a_database_with_data_alone(runner, factory):
    provider = factory.provider(code="P-KEEP")
    result = runner.invoke(args=["demo", "--size", "small", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert db.session.scalars(select(Provider.code)).all() == [provider.code]
    assert _count(Region) == 1 and _count(User) == 0
    assert _count(AuditEvent) == 0


def test_if_empty_loads_an_empty_database(runner):
    result = runner.invoke(args=["demo", "--size", "small", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _count(AssistedPerson) == 50


def test_audit_events_alone_do_not_count_as_data(client):
    client.post("/login", data={"email": "nobody@example.org", "password": "not a password!"})
    assert _count(AuditEvent) == 1
    build_demo(size="small")
    assert _count(AssistedPerson) == 50


def test_reset_replaces_everything_and_later_inserts_work(runner, factory):
    factory.provider(code="P-OLD")
    factory.user("officer", email="old@example.org")
    result = runner.invoke(args=["demo", "--size", "small", "--reset"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Provider.id).where(Provider.code == "P-OLD")) is None
    assert db.session.scalar(select(User.id).where(User.email == "old@example.org")) is None
    actions = sorted(db.session.scalars(select(AuditEvent.action)))
    assert actions == (["demo_loaded"] + ["survey_created"] * 3 + ["survey_published"] * 3
                       + ["user_created"] * 3)

    # The ids the demo assigned itself must not collide with rows added afterwards
    # (on PostgreSQL the sequences have to be moved past them).
    max_provider = db.session.scalar(select(func.max(Provider.id)))
    region = factory.region(name="Later", code="UA-98")
    provider = factory.provider(region=region)
    person = factory.person(region=region)
    session = factory.session(date(2017, 3, 1), region=region)
    factory.attend(provider, session)
    factory.episode(person, provider, date(2017, 4, 1))
    factory.organisation(region=region)
    factory.user("evaluator")
    assert provider.id > max_provider
    assert _count(Region) == len(REGIONS) + 1


def test_later_inserts_work_after_a_first_load(factory):
    build_demo(size="small", seed=3)
    region = factory.region(name="Later", code="UA-98")
    provider = factory.provider(region=region)
    person = factory.person(region=region)
    session = factory.session(date(2017, 3, 1), region=region)
    factory.attend(provider, session)
    factory.episode(person, provider, date(2017, 4, 1))
    db.session.add(PersonContact(person=person, phone="+380 00 000 9999"))
    db.session.commit()


def test_unknown_size_is_refused(app):
    with pytest.raises(ValueError, match="size"):
        build_demo(size="huge")


# --- the data: shape and integrity (small) -------------------------------------------------


def test_training_starts_in_pilot_regions_before_2014_regions(small_demo):
    rows = db.session.execute(
        select(Region.code, func.min(TrainingSession.held_on), func.max(TrainingSession.held_on))
        .join(TrainingSession, TrainingSession.region_id == Region.id)
        .group_by(Region.code)
    ).all()
    first = {code: lo for code, lo, _ in rows}
    pilots = [first[c] for c in first if c in PILOT_CODES]
    late = [first[c] for c in first if c not in PILOT_CODES]
    assert len(pilots) >= 4 and len(late) >= 4
    assert max(pilots) < date(2014, 1, 1) <= min(late)
    assert max(pilots) < min(late)
    starts = {r.code: r.training_from for r in REGIONS}
    assert all(first[c] >= starts[c] for c in first)
    assert min(lo for _, lo, _ in rows) >= date(2012, 1, 1)
    assert max(hi for _, _, hi in rows) <= date(2016, 12, 31)


def test_sessions_and_attendance_are_well_formed(small_demo):
    sessions = db.session.scalars(select(TrainingSession)).all()
    for session in sessions:
        assert 8 <= session.hours <= 40
        assert {"identification", "referral"} <= set(session.module_list) <= set(MODULES)
        assert session.held_on.weekday() < 5
    empty = db.session.scalar(
        select(func.count()).select_from(TrainingSession)
        .where(~TrainingSession.id.in_(select(TrainingAttendance.session_id))))
    assert empty == 0
    over = db.session.scalar(
        select(func.count()).select_from(TrainingAttendance)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where((TrainingAttendance.hours_attended > TrainingSession.hours)
               | (TrainingAttendance.hours_attended <= 0)))
    assert over == 0
    # Providers are trained only in their own region.
    elsewhere = db.session.scalar(
        select(func.count()).select_from(TrainingAttendance)
        .join(Provider, Provider.id == TrainingAttendance.provider_id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(Provider.region_id != TrainingSession.region_id))
    assert elsewhere == 0


def test_persons_carry_consistent_ctdc_covariates(small_demo):
    persons = db.session.scalars(select(AssistedPerson)).all()
    for person in persons:
        assert person.code.startswith("AP-UA")
        assert date(2012, 1, 1) <= person.referred_on <= date(2017, 12, 31)
        assert person.gender in GENDERS and person.age_broad in AGE_BROAD
        assert person.type_of_exploit in EXPLOIT_TYPES
        assert len(person.citizenship) == 2 and len(person.country_of_exploitation) == 2
    inconsistent = db.session.scalar(
        select(func.count()).select_from(AssistedPerson).where(
            (AssistedPerson.age_broad.in_(["0--8", "9--17"]))
            != (AssistedPerson.majority_status == "Minor")))
    assert inconsistent == 0
    wrong_year = db.session.scalar(
        select(func.count()).select_from(AssistedPerson).where(
            AssistedPerson.year_of_registration != extract("year", AssistedPerson.referred_on)))
    assert wrong_year == 0
    # Nobody is referred in a region before it joined the programme.
    early = db.session.scalar(
        select(func.count()).select_from(AssistedPerson)
        .join(Region, Region.id == AssistedPerson.region_id)
        .where(extract("year", AssistedPerson.referred_on) < Region.joined_year))
    assert early == 0


def test_contacts_are_few_and_obviously_fake(small_demo):
    contacts = db.session.scalars(select(PersonContact)).all()
    assert 0 < len(contacts) < _count(AssistedPerson)
    for contact in contacts:
        assert contact.phone.startswith("+380 00 000 ")
        assert contact.email is None or contact.email.endswith("@demo.invalid")


def test_episodes_follow_referral_within_the_region(small_demo):
    per_person = db.session.execute(
        select(AssistedPerson.id, func.count(), func.count(func.distinct(Provider.id)),
               func.min(AssistanceEpisode.started_on), AssistedPerson.referred_on,
               func.sum(func.abs(Provider.region_id - AssistedPerson.region_id)))
        .join(AssistanceEpisode, AssistanceEpisode.person_id == AssistedPerson.id)
        .join(Provider, Provider.id == AssistanceEpisode.provider_id)
        .group_by(AssistedPerson.id, AssistedPerson.referred_on)
    ).all()
    assert len(per_person) == _count(AssistedPerson)
    for _, episodes, providers, first_start, referred_on, other_region in per_person:
        assert 1 <= episodes <= 3 and providers == episodes
        assert 0 <= (first_start - referred_on).days <= 30
        assert other_region == 0
    for episode in db.session.scalars(select(AssistanceEpisode)):
        assert episode.service_list and set(episode.service_list) <= set(SERVICES)
        if episode.ended_on is not None:
            assert 30 <= (episode.ended_on - episode.started_on).days <= 548


# --- the roll-out is not random (medium) ---------------------------------------------------


def test_medium_roll_out_follows_region_profession_and_caseload(app):
    summary = build_demo(size="medium", seed=2012)
    assert summary.providers == _count(Provider) == 1_000
    assert summary.persons == _count(AssistedPerson) == 1_500
    assert 0.55 <= summary.trained_providers / summary.providers <= 0.80

    first = _first_training()
    sessions_attended = dict(db.session.execute(
        select(TrainingAttendance.provider_id, func.count())
        .group_by(TrainingAttendance.provider_id)).all())
    caseload = dict(db.session.execute(
        select(AssistanceEpisode.provider_id, func.count())
        .group_by(AssistanceEpisode.provider_id)).all())
    providers = db.session.execute(
        select(Provider.id, Provider.profession, Region.code)
        .join(Region, Region.id == Provider.region_id)).all()

    # NGO activists and social workers are trained earlier, and more often, than police
    # officers and teachers: compare the share trained before 2015 in the pilot regions.
    early = date(2015, 1, 1)
    groups = {"first": {"ngo_activist", "social_worker"}, "last": {"police", "teacher"}}
    share, repeat = {}, {}
    for name, professions in groups.items():
        members = [pid for pid, prof, code in providers
                   if prof in professions and code in PILOT_CODES]
        trained = [pid for pid in members if pid in first]
        share[name] = sum(first[pid] < early for pid in trained) / len(members)
        repeat[name] = sum(sessions_attended[pid] for pid in trained) / len(trained)
    assert share["first"] > 1.5 * share["last"], share
    assert repeat["first"] > repeat["last"], repeat

    # Caseload confounds: within a profession, providers trained before 2015 assist more
    # persons than those trained later or never.
    by_profession: dict[str, dict[bool, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pid, prof, _ in providers:
        trained_early = pid in first and first[pid] < early
        by_profession[prof][trained_early].append(caseload.get(pid, 0))
    gaps = {}
    for prof, split in by_profession.items():
        if len(split[True]) >= 20 and len(split[False]) >= 20:
            gaps[prof] = (sum(split[True]) / len(split[True])
                          - sum(split[False]) / len(split[False]))
    assert {"social_worker", "police"} <= set(gaps)
    assert all(gap > 0 for gap in gaps.values()), gaps

    # More referrals after 2014; women are the majority, men about 30%.
    years = dict(db.session.execute(
        select(AssistedPerson.year_of_registration, func.count())
        .group_by(AssistedPerson.year_of_registration)).all())
    assert sum(years.get(y, 0) for y in (2015, 2016, 2017)) > 2 * sum(
        years.get(y, 0) for y in (2012, 2013, 2014))
    genders = dict(db.session.execute(
        select(AssistedPerson.gender, func.count()).group_by(AssistedPerson.gender)).all())
    assert 0.22 <= genders["Male"] / summary.persons <= 0.38
    assert genders["Female"] > genders["Male"]
    exploits = dict(db.session.execute(
        select(AssistedPerson.type_of_exploit, func.count())
        .group_by(AssistedPerson.type_of_exploit)).all())
    assert exploits["Forced labour"] + exploits["Sexual exploitation"] > 0.8 * summary.persons
    ua = db.session.scalar(select(func.count()).select_from(AssistedPerson)
                           .where(AssistedPerson.citizenship == "UA"))
    assert ua > 0.9 * summary.persons
