"""Training exposure, derived from sessions, attendance and episodes (monitor.exposure).

Every expected value below was worked out by hand from the dates in the test; the day counts are
written next to them. A month is 30.4375 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, select

from monitor.exposure import (
    DAYS_PER_MONTH,
    EXPOSURE_COLUMNS,
    Exposure,
    exposure_for,
    exposure_frame,
    provider_training_frame,
)
from monitor.extensions import db
from monitor.models import AssistanceEpisode, AssistedPerson, TrainingAttendance

MONTH = 30.4375


def months(days: int) -> float:
    return days / MONTH


def request_frame(*pairs) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["person_id", "ref_date"])


@pytest.fixture
def count_statements(app):
    """Count the SQL statements sent to the database while the returned list is alive."""
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", _record)


# --- hand-worked cases --------------------------------------------------------------------------


def test_month_is_the_gregorian_mean_month():
    assert DAYS_PER_MONTH == MONTH == 365.25 / 12


def test_untrained_provider(factory):
    person, provider = factory.person(), factory.provider()
    factory.episode(person, provider, date(2020, 3, 1))

    exposure = exposure_for(person.id, date(2020, 9, 1))

    assert exposure == Exposure(
        person_id=person.id,
        ref_date=date(2020, 9, 1),
        cutoff="episode_start",
        trained=False,
        n_providers=1,
        n_trained_providers=0,
        training_hours=0.0,
        max_provider_hours=0.0,
        months_since_training=None,
        modules="",
        first_episode_start=date(2020, 3, 1),
    )
    row = exposure_frame(request_frame((person.id, date(2020, 9, 1)))).iloc[0]
    assert np.isnan(row["months_since_training"])
    assert row["modules"] == ""


def test_provider_trained_before_the_episode(factory):
    person, provider = factory.person(), factory.provider()
    session = factory.session(date(2019, 11, 20), hours=16, modules="referral,identification")
    factory.attend(provider, session)
    factory.episode(person, provider, date(2020, 2, 3))

    exposure = exposure_for(person.id, date(2020, 8, 3))

    assert exposure.trained is True
    assert (exposure.n_providers, exposure.n_trained_providers) == (1, 1)
    assert exposure.training_hours == 16.0
    assert exposure.max_provider_hours == 16.0
    # 2019-11-20 -> 2020-08-03: 11 (to 1 Dec) + 31 + 31 + 29 (leap February) + 31 + 30 + 31 + 30
    # + 31 + 2 = 257 days
    assert exposure.months_since_training == pytest.approx(257 / 30.4375)
    assert exposure.months_since_training == pytest.approx(8.4435318275)
    assert exposure.modules == "identification,referral"
    assert exposure.module_list == ["identification", "referral"]
    assert exposure.first_episode_start == date(2020, 2, 3)


def test_provider_trained_after_the_episode_began(factory):
    person, provider = factory.person(), factory.provider()
    factory.episode(person, provider, date(2020, 1, 15))
    during = factory.session(date(2020, 3, 10), hours=8, modules="psychosocial")
    after_ref = factory.session(date(2020, 12, 1), hours=4, modules="legal_aid")
    factory.attend(provider, during)
    factory.attend(provider, after_ref)

    default = exposure_for(person.id, date(2020, 7, 15))
    assert default.trained is False
    assert (default.n_providers, default.n_trained_providers) == (1, 0)
    assert default.training_hours == 0.0
    assert default.months_since_training is None
    assert default.modules == ""

    # Counted when the cutoff is the reference date: held before it, though after the start.
    by_ref = exposure_for(person.id, date(2020, 7, 15), cutoff="reference_date")
    assert by_ref.trained is True
    assert by_ref.training_hours == 8.0
    assert by_ref.modules == "psychosocial"
    # 2020-03-10 -> 2020-07-15: 31 + 30 + 31 + 30 (to 10 July) + 5 = 127
    assert by_ref.months_since_training == pytest.approx(months(127))
    # The session after the reference date counts in neither mode ...
    assert "legal_aid" not in by_ref.modules
    # ... until the reference date passes it.
    later = exposure_for(person.id, date(2021, 1, 1), cutoff="reference_date")
    assert later.training_hours == 12.0
    assert later.modules == "legal_aid,psychosocial"
    assert exposure_for(person.id, date(2021, 1, 1)).training_hours == 0.0


def test_person_assisted_by_several_providers(factory):
    person = factory.person()
    untrained, trained_once, trained_twice = (factory.provider() for _ in range(3))
    s_a = factory.session(date(2020, 5, 4), hours=12, modules="identification,victim_rights")
    s_b = factory.session(date(2020, 9, 14), hours=16, modules="referral,identification")
    s_c = factory.session(date(2020, 12, 7), hours=8, modules="legal_aid")
    factory.attend(trained_once, s_a)
    factory.attend(trained_twice, s_b)
    factory.attend(trained_twice, s_c)
    factory.episode(person, untrained, date(2021, 1, 10))
    factory.episode(person, trained_once, date(2021, 2, 1))
    factory.episode(person, trained_twice, date(2021, 1, 20))

    exposure = exposure_for(person.id, date(2021, 6, 30))

    assert exposure.trained is True
    assert exposure.n_providers == 3
    assert exposure.n_trained_providers == 2
    assert exposure.training_hours == 12 + 16 + 8
    assert exposure.max_provider_hours == 16 + 8
    # Most recent counted session 2020-12-07 -> 2021-06-30: 24 + 31 + 28 + 31 + 30 + 31 + 30 = 205
    assert exposure.months_since_training == pytest.approx(months(205))
    assert exposure.modules == "identification,legal_aid,referral,victim_rights"
    assert exposure.first_episode_start == date(2021, 1, 10)


def test_a_session_attended_by_two_providers_counts_for_each_and_its_modules_once(factory):
    person, first, second = factory.person(), factory.provider(), factory.provider()
    shared = factory.session(date(2020, 1, 10), hours=10, modules="identification")
    factory.attend(first, shared)
    factory.attend(second, shared, hours=4)
    factory.episode(person, first, date(2020, 2, 1))
    factory.episode(person, second, date(2020, 3, 1))

    exposure = exposure_for(person.id, date(2020, 6, 1))

    assert exposure.training_hours == 14.0
    assert exposure.max_provider_hours == 10.0
    assert exposure.n_trained_providers == 2
    assert exposure.modules == "identification"


def test_an_episode_starting_after_the_reference_date_is_ignored(factory):
    person, early, late = factory.person(), factory.provider(), factory.provider()
    s_early = factory.session(date(2019, 1, 1), hours=10, modules="identification")
    s_late = factory.session(date(2019, 1, 2), hours=20, modules="referral")
    factory.attend(early, s_early)
    factory.attend(late, s_late)
    factory.episode(person, early, date(2019, 6, 1))
    factory.episode(person, late, date(2020, 6, 1))

    for cutoff in ("episode_start", "reference_date"):
        exposure = exposure_for(person.id, date(2020, 1, 1), cutoff=cutoff)
        assert exposure.n_providers == 1
        assert exposure.training_hours == 10.0
        assert exposure.modules == "identification"
        assert exposure.first_episode_start == date(2019, 6, 1)

    # An episode that starts on the reference date itself is relevant ("on or before").
    on_the_day = exposure_for(person.id, date(2020, 6, 1))
    assert on_the_day.n_providers == 2
    assert on_the_day.training_hours == 30.0
    assert exposure_for(person.id, date(2019, 5, 31)).n_providers == 0


def test_a_provider_in_two_episodes_counts_once_with_training_before_the_latest_start(factory):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2018, 12, 1), hours=8, modules="identification"))
    factory.attend(provider, factory.session(date(2019, 3, 1), hours=10, modules="referral"))
    factory.attend(provider, factory.session(date(2019, 9, 1), hours=4, modules="legal_aid"))
    factory.episode(person, provider, date(2019, 1, 1))
    factory.episode(person, provider, date(2019, 6, 1))

    both = exposure_for(person.id, date(2019, 12, 1))
    assert both.n_providers == 1
    assert both.n_trained_providers == 1
    assert both.training_hours == 18.0  # 8 + 10, not 8 + (8 + 10)
    assert both.max_provider_hours == 18.0
    # 2019-03-01 -> 2019-12-01: 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 = 275
    assert both.months_since_training == pytest.approx(months(275))
    assert both.modules == "identification,referral"
    assert both.first_episode_start == date(2019, 1, 1)

    # Before the second episode starts only the first is relevant: 2018-12-01 -> 2019-04-01 = 121.
    first_only = exposure_for(person.id, date(2019, 4, 1))
    assert first_only.training_hours == 8.0
    assert first_only.months_since_training == pytest.approx(months(121))

    by_ref = exposure_for(person.id, date(2019, 12, 1), cutoff="reference_date")
    assert by_ref.training_hours == 22.0  # each session once
    assert by_ref.n_providers == 1


def test_two_episodes_of_the_same_provider_on_the_same_day_count_once(factory):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2020, 1, 1), hours=6))
    factory.episode(person, provider, date(2020, 2, 1), services="shelter")
    factory.episode(person, provider, date(2020, 2, 1), services="legal")

    exposure = exposure_for(person.id, date(2020, 3, 1))
    assert (exposure.n_providers, exposure.training_hours) == (1, 6.0)


def test_a_session_on_the_day_the_episode_started_does_not_count(factory):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2020, 5, 5), hours=6, modules="referral"))
    factory.episode(person, provider, date(2020, 5, 5))

    assert exposure_for(person.id, date(2020, 10, 1)).trained is False
    # With the reference-date cutoff it counts once the reference date is later ...
    assert exposure_for(person.id, date(2020, 10, 1), cutoff="reference_date").training_hours == 6
    # ... and not on the reference date itself: strictly before there too.
    assert exposure_for(person.id, date(2020, 5, 5), cutoff="reference_date").trained is False
    # The day before the start counts.
    other = factory.person()
    factory.episode(other, provider, date(2020, 5, 6))
    assert exposure_for(other.id, date(2020, 10, 1)).training_hours == 6.0


def test_partial_hours_attended_and_a_no_show(factory):
    person, partial, no_show = factory.person(), factory.provider(), factory.provider()
    session = factory.session(date(2020, 1, 10), hours=16, modules="identification")
    factory.attend(partial, session, hours=6.5)
    factory.attend(no_show, session, hours=0)
    factory.episode(person, partial, date(2020, 2, 1))
    factory.episode(person, no_show, date(2020, 2, 1))

    exposure = exposure_for(person.id, date(2020, 6, 1))
    assert exposure.training_hours == 6.5
    assert exposure.max_provider_hours == 6.5
    assert (exposure.n_providers, exposure.n_trained_providers) == (2, 1)

    # Zero hours attended is not training: no hours, no modules, no date.
    alone = factory.person()
    factory.episode(alone, no_show, date(2020, 2, 1))
    exposure = exposure_for(alone.id, date(2020, 6, 1))
    assert exposure.trained is False
    assert exposure.modules == ""
    assert exposure.months_since_training is None


def test_a_person_with_no_episodes_and_an_unknown_person(factory):
    person = factory.person()
    frame = exposure_frame(request_frame((person.id, date(2020, 1, 1)), (987654, date(2020, 1, 1))))

    for _, row in frame.iterrows():
        assert not row["trained"]
        assert row["n_providers"] == 0
        assert row["n_trained_providers"] == 0
        assert row["training_hours"] == 0.0
        assert row["max_provider_hours"] == 0.0
        assert np.isnan(row["months_since_training"])
        assert row["modules"] == ""
        assert pd.isna(row["first_episode_start"])
    assert exposure_for(person.id, date(2020, 1, 1)).first_episode_start is None


def test_waves_of_one_person_give_the_right_rows_in_order(factory):
    person, a, b = factory.person(), factory.provider(), factory.provider()
    factory.attend(a, factory.session(date(2019, 2, 1), hours=10, modules="identification"))
    factory.attend(a, factory.session(date(2019, 8, 1), hours=6, modules="referral"))
    factory.episode(person, a, date(2019, 3, 1))
    factory.episode(person, a, date(2019, 9, 1))
    factory.episode(person, b, date(2019, 10, 1))
    requests = pd.DataFrame(
        {
            "person_id": [person.id] * 4,
            "ref_date": [date(2019, 9, 15), date(2019, 2, 15), date(2020, 1, 1), date(2019, 6, 1)],
            "wave": ["m6", "baseline", "m12", "m3"],
        },
        index=["c", "a", "d", "b"],
    )

    frame = exposure_frame(requests)

    assert list(frame.index) == ["c", "a", "d", "b"]
    assert list(frame["wave"]) == ["m6", "baseline", "m12", "m3"]
    assert list(frame["n_providers"]) == [1, 0, 2, 1]
    assert list(frame["n_trained_providers"]) == [1, 0, 1, 1]
    assert list(frame["training_hours"]) == [16.0, 0.0, 16.0, 10.0]
    assert list(frame["modules"]) == ["identification,referral", "", "identification,referral",
                                      "identification"]
    # Days since the last counted session: 08-01 -> 09-15 = 45; none; 08-01 -> 01-01 = 153;
    # 02-01 -> 06-01 = 120.
    expected = [months(45), np.nan, months(153), months(120)]
    np.testing.assert_allclose(frame["months_since_training"].to_numpy(), expected)
    assert frame["first_episode_start"].isna().tolist() == [False, True, False, False]
    assert (frame["first_episode_start"].dropna() == pd.Timestamp("2019-03-01")).all()


def test_extra_columns_and_index_are_kept(factory):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2020, 1, 1), hours=5))
    factory.episode(person, provider, date(2020, 2, 1))
    requests = pd.DataFrame(
        {
            "respondent": ["x", "y", "z"],
            "person_id": [person.id, person.id, 424242],
            "ref_date": [date(2020, 3, 1), date(2019, 1, 1), date(2020, 3, 1)],
            "outcome": [3.5, np.nan, 1.0],
            "trained": ["stale", "stale", "stale"],
        },
        index=[30, 10, 20],
    )

    frame = exposure_frame(requests)

    assert list(frame.columns) == ["respondent", "person_id", "ref_date", "outcome", "trained"] + [
        name for name in EXPOSURE_COLUMNS if name != "trained"
    ]
    assert list(frame.index) == [30, 10, 20]
    assert list(frame["respondent"]) == ["x", "y", "z"]
    assert frame["outcome"].iloc[0] == 3.5 and np.isnan(frame["outcome"].iloc[1])
    assert list(frame["ref_date"]) == list(requests["ref_date"])  # given values untouched
    assert list(frame["trained"]) == [True, False, False]  # a stale column is replaced
    assert list(frame["training_hours"]) == [5.0, 0.0, 0.0]
    assert requests["trained"].tolist() == ["stale"] * 3  # the caller's frame is not modified


def test_result_dtypes(factory):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2020, 1, 1), hours=5))
    factory.episode(person, provider, date(2020, 2, 1))

    frame = exposure_frame(
        request_frame((person.id, date(2020, 3, 1)), (person.id, date(2019, 1, 1)))
    )

    assert frame["trained"].dtype == bool
    assert frame["n_providers"].dtype == "int64"
    assert frame["n_trained_providers"].dtype == "int64"
    assert frame["training_hours"].dtype == "float64"
    assert frame["max_provider_hours"].dtype == "float64"
    assert frame["months_since_training"].dtype == "float64"
    assert pd.api.types.is_datetime64_dtype(frame["first_episode_start"])


@pytest.mark.parametrize(
    "ref_dates",
    [
        [date(2020, 3, 1), date(2020, 1, 15)],
        [datetime(2020, 3, 1, 17, 45), datetime(2020, 1, 15, 0, 1)],
        ["2020-03-01", "2020-01-15"],
        pd.to_datetime(["2020-03-01", "2020-01-15"]),
        pd.to_datetime(["2020-03-01 09:00", "2020-01-15 23:59"]).tz_localize("Europe/Kyiv"),
    ],
    ids=["date", "datetime", "iso-string", "datetime64", "tz-aware"],
)
def test_reference_dates_of_any_kind_mean_the_day(factory, ref_dates):
    person, provider = factory.person(), factory.provider()
    factory.attend(provider, factory.session(date(2020, 1, 1), hours=5))
    factory.episode(person, provider, date(2020, 2, 1))

    frame = exposure_frame(pd.DataFrame({"person_id": [person.id] * 2, "ref_date": ref_dates}))

    assert list(frame["n_providers"]) == [1, 0]
    # 2020-01-01 -> 2020-03-01 = 31 + 29 = 60 days
    assert frame["months_since_training"].iloc[0] == pytest.approx(months(60))


def test_empty_requests(app):
    frame = exposure_frame(pd.DataFrame({"person_id": [], "ref_date": [], "wave": []}))
    assert len(frame) == 0
    assert list(frame.columns) == ["person_id", "ref_date", "wave", *EXPOSURE_COLUMNS]


def test_bad_requests_are_refused(app):
    with pytest.raises(ValueError, match="ref_date"):
        exposure_frame(pd.DataFrame({"person_id": [1]}))
    with pytest.raises(ValueError, match="ref_date"):
        exposure_frame(pd.DataFrame({"person_id": [1], "ref_date": [None]}))
    with pytest.raises(ValueError, match="person_id"):
        exposure_frame(pd.DataFrame({"person_id": [None], "ref_date": [date(2020, 1, 1)]}))
    with pytest.raises(ValueError, match="person_id"):
        exposure_frame(pd.DataFrame({"person_id": [1.5], "ref_date": [date(2020, 1, 1)]}))
    with pytest.raises(ValueError, match="date"):
        exposure_frame(pd.DataFrame({"person_id": [1], "ref_date": ["soon"]}))
    with pytest.raises(ValueError, match="cutoff"):
        exposure_for(1, date(2020, 1, 1), cutoff="session_end")  # type: ignore[arg-type]


# --- set-based reading --------------------------------------------------------------------------


def test_one_query_however_many_requests(factory, count_statements):
    people = [factory.person() for _ in range(3)]
    provider = factory.provider()
    factory.attend(provider, factory.session(date(2020, 1, 1), hours=5))
    for person in people:
        factory.episode(person, provider, date(2020, 2, 1))
    # Far more distinct persons than either database accepts as bound parameters in one statement.
    ids = np.concatenate([[p.id for p in people], np.arange(1_000_000, 1_040_000)])
    requests = pd.DataFrame({"person_id": ids, "ref_date": date(2020, 3, 1)})
    count_statements.clear()

    frame = exposure_frame(requests)

    assert len(count_statements) == 1
    assert frame["training_hours"].sum() == 15.0
    assert frame["n_providers"].iloc[:3].tolist() == [1, 1, 1]


def test_provider_training_frame(factory):
    trained, untrained = factory.provider(), factory.provider()
    factory.attend(trained, factory.session(date(2019, 1, 10), hours=8, modules="referral"))
    factory.attend(trained, factory.session(date(2019, 5, 2), hours=16,
                                            modules="identification,victim_rights"), hours=12)
    no_show = factory.session(date(2019, 9, 9), hours=4, modules="legal_aid")
    factory.attend(trained, no_show, hours=0)

    frame = provider_training_frame().set_index("provider_id")

    assert list(frame.index) == [trained.id, untrained.id]
    row = frame.loc[trained.id]
    assert row["provider_code"] == trained.code
    assert bool(row["trained"]) is True
    assert row["n_sessions"] == 2  # the zero-hour attendance is not training
    assert row["training_hours"] == 20.0
    assert row["first_training"] == pd.Timestamp("2019-01-10")
    assert row["last_training"] == pd.Timestamp("2019-05-02")
    assert row["modules"] == "identification,referral,victim_rights"
    empty = frame.loc[untrained.id]
    assert bool(empty["trained"]) is False
    assert (empty["n_sessions"], empty["training_hours"], empty["modules"]) == (0, 0.0, "")
    assert pd.isna(empty["last_training"])

    as_of = provider_training_frame(as_of=date(2019, 5, 2)).set_index("provider_id")
    assert as_of.loc[trained.id, "training_hours"] == 8.0  # the session on as_of is not before it
    assert as_of.loc[trained.id, "modules"] == "referral"


def test_provider_training_frame_is_one_query(factory, count_statements):
    for _ in range(3):
        factory.attend(factory.provider(), factory.session(date(2019, 1, 10)))
    count_statements.clear()
    assert len(provider_training_frame()) == 3
    assert len(count_statements) == 1


# --- agreement with a naive implementation on a random programme ------------------------------


def _naive_exposure(person_id, ref, cutoff, episodes, attendances):
    """Brute force over ORM objects, written from the rules, independent of the module."""
    latest_start = {}
    first_start = None
    for episode in episodes:
        if episode.person_id != person_id or episode.started_on > ref:
            continue
        previous = latest_start.get(episode.provider_id)
        if previous is None or episode.started_on > previous:
            latest_start[episode.provider_id] = episode.started_on
        if first_start is None or episode.started_on < first_start:
            first_start = episode.started_on
    hours_by_provider = {}
    last_session = None
    modules = set()
    for provider_id, latest in latest_start.items():
        limit = latest if cutoff == "episode_start" else ref
        for attendance in attendances:
            if attendance.provider_id != provider_id or attendance.hours_attended <= 0:
                continue
            if not attendance.session.held_on < limit:
                continue
            hours_by_provider[provider_id] = (
                hours_by_provider.get(provider_id, 0.0) + attendance.hours_attended
            )
            if last_session is None or attendance.session.held_on > last_session:
                last_session = attendance.session.held_on
            modules.update(code for code in attendance.session.modules.split(",") if code)
    return {
        "trained": bool(hours_by_provider),
        "n_providers": len(latest_start),
        "n_trained_providers": len(hours_by_provider),
        "training_hours": sum(hours_by_provider.values(), 0.0),
        "max_provider_hours": max(hours_by_provider.values(), default=0.0),
        "months_since_training": (
            (ref - last_session).days / MONTH if last_session is not None else float("nan")
        ),
        "modules": ",".join(sorted(modules)),
        "first_episode_start": first_start,
    }


@pytest.mark.parametrize("cutoff", ["episode_start", "reference_date"])
def test_agrees_with_a_naive_implementation_on_a_random_programme(factory, cutoff):
    rng = np.random.default_rng(20240517)
    base = date(2018, 1, 1)
    codes = ["identification", "referral", "victim_rights", "psychosocial", "legal_aid",
             "labour_exploitation", "child_trafficking", "data_protection"]
    regions = [factory.region() for _ in range(2)]
    providers = [factory.provider(region=regions[i % 2]) for i in range(25)]
    sessions = []
    for i in range(30):
        chosen = rng.choice(codes, size=int(rng.integers(0, 4)), replace=False)
        sessions.append(factory.session(base + timedelta(days=int(rng.integers(0, 900))),
                                        region=regions[i % 2],
                                        hours=float(rng.choice([4, 8, 12, 16, 24])),
                                        modules=",".join(chosen)))
    attended = {provider.id: [] for provider in providers}
    for provider in providers:
        for index in rng.choice(len(sessions), size=int(rng.integers(0, 5)), replace=False):
            session = sessions[int(index)]
            # Half-hour multiples (exact in binary floating point), sometimes zero.
            if rng.random() < 0.6:
                hours = session.hours
            else:
                hours = int(rng.integers(0, 2 * session.hours)) / 2
            factory.attend(provider, session, hours=hours)
            attended[provider.id].append(session)
    persons = [factory.person(region=regions[i % 2]) for i in range(40)]
    for person in persons:
        for _ in range(int(rng.integers(0, 5))):
            provider = providers[int(rng.integers(len(providers)))]
            if attended[provider.id] and rng.random() < 0.3:
                # Start on the day of one of the provider's sessions: the strictness edge.
                start = attended[provider.id][int(rng.integers(len(attended[provider.id])))].held_on
            else:
                start = base + timedelta(days=int(rng.integers(0, 900)))
            factory.episode(person, provider, start)
            if rng.random() < 0.15:
                factory.episode(person, provider, start)  # same provider, same day, twice

    episodes = db.session.scalars(select(AssistanceEpisode)).all()
    attendances = db.session.scalars(select(TrainingAttendance)).all()
    starts = [episode.started_on for episode in episodes]
    held = [session.held_on for session in sessions]
    rows = []
    for person in db.session.scalars(select(AssistedPerson)).all():
        for _ in range(3):
            rows.append((person.id, base + timedelta(days=int(rng.integers(0, 1000)))))
        rows.append((person.id, starts[int(rng.integers(len(starts)))]))  # ref = an episode start
        rows.append((person.id, held[int(rng.integers(len(held)))]))  # ref = a session day
    rows.append((10_000_000, date(2019, 1, 1)))
    order = rng.permutation(len(rows))
    requests = pd.DataFrame([rows[i] for i in order], columns=["person_id", "ref_date"])
    requests.index = pd.Index(rng.permutation(len(requests)) * 7, name="request")

    frame = exposure_frame(requests, cutoff=cutoff)

    assert list(frame.index) == list(requests.index)
    assert frame["trained"].sum() > 10 and (~frame["trained"]).sum() > 10  # both kinds present
    for (_, row), (person_id, ref) in zip(frame.iterrows(), requests.itertuples(index=False),
                                          strict=True):
        expected = _naive_exposure(person_id, ref, cutoff, episodes, attendances)
        got = {name: row[name] for name in EXPOSURE_COLUMNS}
        got["trained"] = bool(got["trained"])
        got["first_episode_start"] = (
            None if pd.isna(got["first_episode_start"]) else got["first_episode_start"].date()
        )
        months_expected = expected.pop("months_since_training")
        months_got = got.pop("months_since_training")
        assert got == expected, (person_id, ref)
        assert (np.isnan(months_got) and np.isnan(months_expected)) or (
            months_got == months_expected
        ), (person_id, ref)
