"""The demo's fieldwork: library surveys, follow-up plans, invitations, responses and answers.

Three steps of :data:`monitor.demo.generator.STEPS`, after the registry:

* ``surveys``: the library instruments created and published through :mod:`surveys.versions`;
* ``plans``: a follow-up plan for persons and one for providers, their invitations and what
  became of them by the as-of date (the response model of :mod:`monitor.demo.outcomes`);
* ``answers``: the outcomes (the outcome model of :mod:`monitor.demo.outcomes`), the answers to
  every question a respondent would see, responses and answers inserted.

The truth (who answers, what, and the effects of training) is written down in
:mod:`monitor.demo.outcomes`. Everything is computed set-based on the world's arrays and
inserted with Core bulk inserts; with ``world.database`` false nothing touches a database, which
is how :func:`monitor.demo.outcome_frame` gets the very data the demo inserts.

Relevance: answers are generated page by page in form order, and each page's and question's
``relevant`` expression is evaluated with :mod:`surveys.expressions` (once per distinct
combination of the answers it refers to), so a hidden question never has an answer and
calculations hold what :func:`surveys.rendering.settle` computes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Date, DateTime, Table

from monitor.demo.outcomes import (
    NEVER,
    OUTCOME_MODEL,
    RESPONSE_MODEL,
    WAVES,
    EpisodeSlots,
    add_months,
    as_day_numbers,
    episode_slots,
    expit,
    first_counted_training,
    lookup,
)
from monitor.demo.programme import PROFESSION_CODES, REGIONS
from monitor.demo.world import DemoWorld
from monitor.extensions import db
from monitor.fieldwork.models import (
    DEFAULT_WINDOW_AFTER_DAYS,
    DEFAULT_WINDOW_BEFORE_DAYS,
    Answer,
    FollowUpPlan,
    Invitation,
    PlanWave,
    Response,
)
from monitor.fieldwork.tokens import new_token, token_hash
from monitor.models import MODULES, SERVICES
from surveys import versions
from surveys.expressions import ExpressionError, evaluate, evaluate_bool, parse_cached, references
from surveys.expressions import to_string as expression_string
from surveys.library import load_instrument
from surveys.schema import Question, QuestionType, Survey
from surveys.scoring import ScoredItem, item_scores, scale_score, scored_items

#: The instruments the demo creates and publishes, in this order (survey ids 1, 2, 3 on an
#: empty database).
INSTRUMENTS: tuple[str, ...] = ("person_followup", "provider_followup", "quality_checklist")

#: Invitation statuses the demo produces, in the order the summary lists them.
DEMO_STATUSES: tuple[str, ...] = ("completed", "declined", "in_progress", "expired", "pending")

#: At most this many try-out invitations get a link, written out for people trying the
#: respondent path; at most half of them do, so that ``monitor invitations create`` has some
#: left to issue links for.
LINKS = 10
#: The try-out plan (links that open today; see :func:`_tryout`) and its one wave's name.
TRYOUT_PLAN_ID = 3
TRYOUT_WAVE = "tryout"
TRYOUT_MAX_OFFSET_MONTHS = 120
#: The try-out wave stays open for half a year after its due date (a handful of persons even
#: in the small demo).
TRYOUT_WINDOW_AFTER_DAYS = 180

_EPOCH = date(1970, 1, 1)
_EXCLUSIVE = re.compile(r"not\(selected\(\.\s*,\s*'([^']+)'\)\s+and\s+count-selected\(\.\)\s*>\s*1\)")
_PHRASES = {
    "uk": "Синтетична відповідь демо.",
    "ru": "Синтетический ответ демо.",
    "en": "Synthetic demo answer.",
}
_COMMENTS = {
    "uk": ("Дякую за допомогу.", "Хотілося б частіше отримувати новини від соціального працівника.",
           "Синтетичний коментар демо."),
    "ru": ("Спасибо за помощь.", "Хотелось бы чаще получать новости от социального работника.",
           "Синтетический комментарий демо."),
    "en": ("Thank you for the help.", "I would like to hear from my social worker more often.",
           "Synthetic demo comment."),
}


@dataclass(frozen=True)
class DemoSurvey:
    """A survey the demo created: its ids and its (published) definition."""

    instrument: str
    survey_id: int
    version_id: int
    definition: Survey


@dataclass
class PlanInvitations:
    """The invitations of one plan, one row per respondent and wave (respondent, then wave).

    Day columns are int64 day numbers (days since 1970-01-01); ``day`` is the day the
    respondent answers (or would answer), ``will_answer``/``consents`` what they do when
    they answer, ``status`` what the invitation's status is at the as-of date.
    """

    plan_id: int
    audience: str  # "person" | "provider"
    version_id: int
    respondent: np.ndarray
    wave: np.ndarray
    region: np.ndarray
    anchor: np.ndarray
    due: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    invitation_id: np.ndarray
    day: np.ndarray
    will_answer: np.ndarray
    consents: np.ndarray
    status: np.ndarray
    #: Persons: exposure at the due date (provider plan: all False).
    trained: np.ndarray
    #: Seconds after midnight (UTC) the respondent starts, and minutes they take.
    start_second: np.ndarray
    minutes: np.ndarray
    #: The names of the plan's waves (``wave`` indexes them).
    wave_names: tuple[str, ...] = tuple(name for name, _ in WAVES)

    def __len__(self) -> int:
        return len(self.respondent)

    @property
    def answered(self) -> np.ndarray:
        """Invitations with a response row (submitted, declined or a draft)."""
        return np.isin(self.status, ("completed", "declined", "in_progress"))


@dataclass
class FieldworkState:
    """What the fieldwork steps leave on the world."""

    surveys: dict[str, DemoSurvey]
    slots: EpisodeSlots | None = None
    first_training: np.ndarray | None = None
    caseload: np.ndarray | None = None
    persons: PlanInvitations | None = None
    providers: PlanInvitations | None = None
    #: The try-out plan's invitations (database loads only; None when none can be open today).
    tryout: PlanInvitations | None = None
    person_frame: pd.DataFrame | None = None
    provider_frame: pd.DataFrame | None = None
    #: Links to a few open invitations: dicts with the token (kept only here and in the file).
    links: list[dict[str, Any]] | None = None
    responses: dict[str, int] | None = None
    answers: int = 0


def _state(world: DemoWorld) -> FieldworkState:
    state = world.extra.get("fieldwork")
    if state is None:
        raise RuntimeError("the fieldwork steps run after the surveys step")
    return state


def _day(number: int) -> date:
    return _EPOCH + timedelta(days=int(number))


def _days(numbers: np.ndarray) -> list[date]:
    return np.asarray(numbers, dtype=np.int64).astype("datetime64[D]").tolist()


def _moment(day_number: int, second: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=int(day_number), seconds=int(second))


# ---------------------------------------------------------------------------------------------
# Bulk inserts of the big fieldwork tables


#: Rows per executemany.
BULK_ROWS = 20_000


def _converters(dialect: str) -> dict[type, Callable[[Any], Any]]:
    """How values of each column type go to the database, as SQLAlchemy stores them.

    SQLite: dates as ISO text, date-times as ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC), JSON as
    ``json.dumps`` text. PostgreSQL (COPY): dates as they are, date-times as naive UTC (the demo's
    times are UTC, and a ``timestamp without time zone`` keeps the wall time), JSON as text.
    """
    cache: dict[Any, str] = {}

    def to_json(value: Any) -> str:
        key = tuple(value) if isinstance(value, list) else (type(value), value)
        text = cache.get(key)
        if text is None:
            text = cache[key] = json.dumps(value)
        return text

    moments: dict[Any, Any] = {None: None}

    def to_naive(moment: Any) -> Any:
        if moment is None or moment.tzinfo is None:
            return moment
        return moment.astimezone(UTC).replace(tzinfo=None)

    def to_text(moment: Any) -> str | None:  # many rows share a date or a time: format once
        text = moments.get(moment, "")
        if text == "":
            text = moments[moment] = (to_naive(moment).strftime("%Y-%m-%d %H:%M:%S.%f")
                                      if isinstance(moment, datetime) else moment.isoformat())
        return text

    if dialect == "sqlite":
        return {JSON: to_json, Date: to_text, DateTime: to_text}
    return {JSON: to_json, Date: lambda d: d, DateTime: to_naive}


@contextmanager
def _foreign_keys_checked_at_the_end(cursor: Any, table: str) -> Iterator[None]:
    """PostgreSQL: drop the foreign keys of ``table`` for a bulk load and add them back after,
    which checks every row at once (PostgreSQL's manual, "Populating a Database", advises it:
    checking row by row is most of the cost of loading the answers). Each constraint comes back
    exactly as it was (``pg_get_constraintdef``), in the same transaction, so a failure anywhere
    rolls everything back and a row that breaks a key fails the load."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", (f'"{table}"',))
    keys = cursor.fetchall()
    for name, _ in keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield
    for name, definition in keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _bulk(world: DemoWorld, label: str, table: Table,
          rows: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]) -> None:
    """Insert rows (a list of dicts, or columns: name -> values) in bulk, in chunks, reporting
    progress: COPY on PostgreSQL, the driver's executemany elsewhere.

    The fieldwork tables are the demo's biggest (close to a million answers at the large size):
    SQLAlchemy's per-value processing of an executemany costs more than the insert itself, and
    on PostgreSQL a million single-row INSERTs cost far more than one COPY. So the values are
    converted here column by column (see :func:`_converters`) and handed to the driver, on the
    session's connection and in its transaction.
    """
    if isinstance(rows, Mapping):
        columns = dict(rows)
    else:
        columns = {name: [row[name] for row in rows] for name in (rows[0] if rows else {})}
    total = len(next(iter(columns.values()))) if columns else 0
    world.counts[table.name] = world.counts.get(table.name, 0) + total
    if not world.database:
        return
    world.progress(label, 0, total)
    if not total:
        return
    conn = db.session.connection()
    dialect = conn.dialect.name
    convert = _converters(dialect)
    for name, values in columns.items():
        kind = next((k for k in convert if isinstance(table.c[name].type, k)), None)
        if kind is not None:
            columns[name] = [convert[kind](v) for v in values]
    names = ", ".join(f'"{name}"' for name in columns)
    tuples = list(zip(*columns.values(), strict=True))
    if dialect == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        try:
            with _foreign_keys_checked_at_the_end(cursor, table.name):
                for start in range(0, total, BULK_ROWS):
                    chunk = tuples[start:start + BULK_ROWS]
                    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                        for row in chunk:
                            copy.write_row(row)
                    world.progress(label, start + len(chunk), total)
        finally:
            cursor.close()
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark] * len(columns))})'
    for start in range(0, total, BULK_ROWS):
        chunk = tuples[start:start + BULK_ROWS]
        conn.exec_driver_sql(sql, chunk)
        world.progress(label, start + len(chunk), total)


# ---------------------------------------------------------------------------------------------
# Step: surveys


def build_surveys(world: DemoWorld, rng: np.random.Generator) -> None:  # noqa: ARG001
    """Create and publish the library instruments (through the survey services)."""
    surveys: dict[str, DemoSurvey] = {}
    total = len(INSTRUMENTS)
    world.progress("surveys", 0, total)
    for done, instrument in enumerate(INSTRUMENTS, start=1):
        definition = load_instrument(instrument)
        if world.database:
            survey = versions.create_survey(definition, instrument=instrument)
            version = versions.draft(survey)
            assert version is not None
            versions.publish(version)
            ids = (survey.id, version.id)
        else:
            ids = (done, done)
        surveys[instrument] = DemoSurvey(instrument, ids[0], ids[1], definition)
        world.progress("surveys", done, total)
    world.counts["survey"] = world.counts.get("survey", 0) + total
    world.counts["survey_version"] = world.counts.get("survey_version", 0) + total
    world.extra["fieldwork"] = FieldworkState(surveys=surveys)


# ---------------------------------------------------------------------------------------------
# Step: plans and invitations


def build_plans(world: DemoWorld, rng: np.random.Generator) -> None:
    """Two plans with the default waves and the invitations of every wave open by the as-of
    date, with what became of them (the response model); when loading into a database, also
    the try-out plan of :func:`_tryout`."""
    state = _state(world)
    assert world.provider_region is not None and world.episode_person is not None
    n_providers = len(world.provider_region)
    n_persons = len(world.person_region)
    state.first_training = first_counted_training(
        n_providers, world.attendance_provider, world.attendance_session,
        world.attendance_hours, world.session_held_on)
    state.slots = episode_slots(n_persons, world.episode_person, world.episode_provider,
                                world.episode_started_on, state.first_training)
    state.caseload = np.bincount(world.episode_provider, minlength=n_providers)

    plans = [
        {"id": 1, "title": "Follow-up of assisted persons (demo)",
         "survey_version_id": state.surveys["person_followup"].version_id,
         "anchor": "episode_start", "region_id": None, "anchor_from": None, "status": "active",
         "created_at": world.created_at, "created_by_id": None},
        {"id": 2, "title": "Follow-up of trained providers (demo)",
         "survey_version_id": state.surveys["provider_followup"].version_id,
         "anchor": "training_date", "region_id": None, "anchor_from": None, "status": "active",
         "created_at": world.created_at, "created_by_id": None},
    ]
    waves = [
        {"id": p * len(WAVES) + k + 1, "plan_id": plan["id"], "name": name,
         "offset_months": offset, "window_before_days": DEFAULT_WINDOW_BEFORE_DAYS,
         "window_after_days": DEFAULT_WINDOW_AFTER_DAYS}
        for p, plan in enumerate(plans) for k, (name, offset) in enumerate(WAVES)
    ]

    # Persons: anchored on the start of their first episode.
    has_episode = state.slots.first_start < NEVER
    persons = np.flatnonzero(has_episode)
    state.persons = _plan_invitations(
        world, plan_id=1, audience="person", version_id=plans[0]["survey_version_id"],
        respondents=persons, anchors=state.slots.first_start[persons],
        regions=world.person_region[persons], first_id=1)
    p = state.persons
    p.trained = state.slots.trained_by(p.respondent, p.due)
    _respond_persons(world, p, rng)

    # Providers: anchored on their first counted training.
    trained = np.flatnonzero(state.first_training < NEVER)
    state.providers = _plan_invitations(
        world, plan_id=2, audience="provider", version_id=plans[1]["survey_version_id"],
        respondents=trained, anchors=state.first_training[trained],
        regions=world.provider_region[trained], first_id=len(p) + 1)
    _respond_providers(world, state.providers, rng)

    tryout = _tryout(world, state, plans[0]["survey_version_id"],
                     first_id=len(p) + len(state.providers) + 1) if world.database else None
    if tryout is not None:
        state.tryout, plan, wave = tryout
        plans.append(plan)
        waves.append(wave)
    world.insert("follow-up plans", FollowUpPlan.__table__, plans)
    world.insert("plan waves", PlanWave.__table__, waves)
    _insert_invitations(world, state)


def _plan_invitations(world: DemoWorld, *, plan_id: int, audience: str, version_id: int,
                      respondents: np.ndarray, anchors: np.ndarray, regions: np.ndarray,
                      first_id: int) -> PlanInvitations:
    """One row per respondent and wave whose window has opened by the as-of date."""
    as_of = (np.datetime64(world.referrals.as_of, "D")).astype(np.int64)
    anchor_days = np.asarray(anchors, dtype=np.int64).astype("datetime64[D]")
    n = len(respondents)
    due = np.stack([add_months(anchor_days, offset).astype(np.int64) for _, offset in WAVES],
                   axis=1) if n else np.zeros((0, len(WAVES)), dtype=np.int64)
    opens = due - DEFAULT_WINDOW_BEFORE_DAYS
    keep = opens <= as_of
    row, wave = np.nonzero(keep)  # row-major: respondent, then wave
    size = len(row)
    empty_bool = np.zeros(size, dtype=bool)
    return PlanInvitations(
        plan_id=plan_id, audience=audience, version_id=version_id,
        respondent=np.asarray(respondents)[row], wave=wave.astype(np.int64),
        region=np.asarray(regions)[row], anchor=np.asarray(anchors, dtype=np.int64)[row],
        due=due[row, wave], opens=opens[row, wave],
        closes=due[row, wave] + DEFAULT_WINDOW_AFTER_DAYS,
        invitation_id=np.arange(first_id, first_id + size, dtype=np.int64),
        day=np.zeros(size, dtype=np.int64), will_answer=empty_bool.copy(),
        consents=empty_bool.copy(), status=np.full(size, "expired", dtype=object),
        trained=empty_bool.copy(), start_second=np.zeros(size, dtype=np.int64),
        minutes=np.zeros(size, dtype=np.int64))


def _tryout(world: DemoWorld, state: FieldworkState, version_id: int, first_id: int,
            ) -> tuple[PlanInvitations, dict[str, Any], dict[str, Any]] | None:
    """A plan whose one wave is open on the day the demo is loaded, for the demo's links.

    The demo's fieldwork stands on 2018-12-31, so none of its windows is open on a real today,
    and the respondent's path rightly calls those links expired. This plan asks the persons
    whose episodes started last a long-term follow-up question ``M`` months on (one wave,
    :data:`TRYOUT_WAVE`, whatever ``M`` is, so that the command line shown in the README works
    on any day), with ``M`` and ``anchor_from`` chosen so that the window of every person in
    scope is open today (it opens 14 days before the due date and closes 180 days after it). Its
    invitations follow the plan rules like any other (anchor: the first episode start on or
    after ``anchor_from``; due = anchor + M months; the wave's window), are pending, and nobody
    has answered them. The data frames of the demo leave it out.
    """
    slots = state.slots
    assert slots is not None
    today = world.created_at.date()
    today_number = (today - _EPOCH).days
    starts = slots.start[slots.start < NEVER]
    if not len(starts):
        return None
    latest = np.array([starts.max()]).astype("datetime64[D]")
    # The offset that brings the latest start as close as possible before the window opens.
    months = (today.year - 1970 - int(latest.astype("datetime64[Y]").astype(np.int64)[0])) * 12 + 1
    months += today.month - 1 - int(latest.astype("datetime64[M]").astype(np.int64)[0] % 12)
    while months > 0 and int(add_months(latest, months).astype(np.int64)[0]) > (
            today_number + DEFAULT_WINDOW_BEFORE_DAYS):
        months -= 1
    if not 1 <= months <= TRYOUT_MAX_OFFSET_MONTHS:
        return None
    # Every episode start whose due date is not yet past its window: the earliest is anchor_from.
    distinct = np.unique(starts)
    due_of = add_months(distinct.astype("datetime64[D]"), months).astype(np.int64)
    fresh = distinct[due_of >= today_number - TRYOUT_WINDOW_AFTER_DAYS]
    if not len(fresh):
        return None
    anchor_from = int(fresh.min())
    in_scope = np.where(slots.start >= anchor_from, slots.start, NEVER)
    anchor = in_scope.min(axis=1)
    persons = np.flatnonzero(anchor < NEVER)
    due = add_months(anchor[persons].astype("datetime64[D]"), months).astype(np.int64)
    size = len(persons)
    inv = PlanInvitations(
        plan_id=TRYOUT_PLAN_ID, audience="person", version_id=version_id, respondent=persons,
        wave=np.zeros(size, dtype=np.int64), region=world.person_region[persons],
        anchor=anchor[persons], due=due, opens=due - DEFAULT_WINDOW_BEFORE_DAYS,
        closes=due + TRYOUT_WINDOW_AFTER_DAYS,
        invitation_id=np.arange(first_id, first_id + size, dtype=np.int64),
        day=np.zeros(size, dtype=np.int64), will_answer=np.zeros(size, dtype=bool),
        consents=np.zeros(size, dtype=bool), status=np.full(size, "pending", dtype=object),
        trained=np.zeros(size, dtype=bool), start_second=np.zeros(size, dtype=np.int64),
        minutes=np.zeros(size, dtype=np.int64), wave_names=(TRYOUT_WAVE,))
    plan = {"id": TRYOUT_PLAN_ID,
            "title": f"Try-out: assisted persons {months} months on (demo links)",
            "survey_version_id": version_id, "anchor": "episode_start", "region_id": None,
            "anchor_from": _day(anchor_from), "status": "active",
            "created_at": world.created_at, "created_by_id": None}
    wave = {"id": 2 * len(WAVES) + 1, "plan_id": TRYOUT_PLAN_ID, "name": TRYOUT_WAVE,
            "offset_months": months, "window_before_days": DEFAULT_WINDOW_BEFORE_DAYS,
            "window_after_days": TRYOUT_WINDOW_AFTER_DAYS}
    return inv, plan, wave


def _respond_persons(world: DemoWorld, inv: PlanInvitations, rng: np.random.Generator) -> None:
    m = RESPONSE_MODEL
    person = inv.respondent
    wave_names = np.array([name for name, _ in WAVES], dtype=object)[inv.wave]
    base = (m.person_intercept + lookup(m.person_wave, wave_names)
            + lookup(m.person_age, world.person_age_broad[person])
            + lookup(m.person_exploit, world.person_exploit[person])
            + m.person_contact * world.person_has_contact[person]
            + m.person_trained * inv.trained)
    _respond(world, inv, rng, base, m.person_missed_previous, m.person_refuses)


def _respond_providers(world: DemoWorld, inv: PlanInvitations, rng: np.random.Generator) -> None:
    m = RESPONSE_MODEL
    wave_names = np.array([name for name, _ in WAVES], dtype=object)[inv.wave]
    professions = np.array(PROFESSION_CODES, dtype=object)[world.provider_profession[inv.respondent]]
    base = (m.provider_intercept + lookup(m.provider_wave, wave_names)
            + lookup(m.provider_profession, professions))
    _respond(world, inv, rng, base, m.provider_missed_previous, m.provider_refuses)


def _respond(world: DemoWorld, inv: PlanInvitations, rng: np.random.Generator,
             base: np.ndarray, missed_previous: float, refuses: float) -> None:
    """Who answers (wave by wave: a missed wave lowers the next), when, and the status."""
    n = len(inv)
    u_answer, u_consent, u_day, u_draft, u_second, u_minutes = rng.random((6, n))
    will = np.zeros(n, dtype=bool)
    completed = np.zeros(n, dtype=bool)
    for w in range(len(WAVES)):
        rows = np.flatnonzero(inv.wave == w)
        logit = base[rows].copy()
        if w:
            # Rows are ordered by respondent then wave, and a wave exists only when the ones
            # before it do: the previous wave of a row is the row before it.
            logit += missed_previous * ~completed[rows - 1]
        will[rows] = u_answer[rows] < expit(logit)
        completed[rows] = will[rows] & (u_consent[rows] >= refuses)
    consents = u_consent >= refuses

    # The answer day: in the window, earlier days more likely; providers answer the baseline
    # before their training day (a pre-test).
    last = inv.closes.copy()
    if inv.audience == "provider":
        baseline = inv.wave == 0
        last[baseline] = inv.due[baseline] - 1
    span = last - inv.opens + 1
    day = inv.opens + np.minimum(np.floor(u_day ** 1.5 * span).astype(np.int64), span - 1)

    as_of = np.datetime64(world.referrals.as_of, "D").astype(np.int64)
    closed = inv.closes < as_of
    come = will & (closed | (day <= as_of))
    status = np.where(closed, "expired", "pending").astype(object)
    status[come & ~consents] = "declined"
    status[come & consents] = "completed"
    drafting = come & consents & ~closed & (u_draft < RESPONSE_MODEL.in_progress_share)
    status[drafting] = "in_progress"

    inv.will_answer, inv.consents, inv.day, inv.status = will, consents, day, status
    inv.start_second = (8 * 3600 + np.floor(u_second * 13 * 3600)).astype(np.int64)
    inv.minutes = (4 + np.floor(u_minutes * 27)).astype(np.int64)


def _insert_invitations(world: DemoWorld, state: FieldworkState) -> None:
    """Insert the invitations of every plan. Those of the two follow-up plans each had a link
    issued (a token hash); of the try-out plan's, up to :data:`LINKS` and at most half have one
    (those that stay open longest), whose tokens are kept for the links file, and the others
    have none yet, as an officer would find them before issuing links."""
    plans = [inv for inv in (state.persons, state.providers, state.tryout) if inv is not None]
    state.links = []
    if not world.database:
        world.counts[Invitation.__table__.name] = sum(len(inv) for inv in plans)
        return
    issued_now = world.created_at
    linked: set[int] = set()
    if state.tryout is not None:  # the links that stay open longest
        order = np.lexsort((state.tryout.invitation_id, -state.tryout.closes))
        linked = set(state.tryout.invitation_id[order[:min(LINKS, (len(order) + 1) // 2)]].tolist())
    rows: list[dict[str, Any]] = []
    for inv in plans:
        prefix = inv.audience
        tryout = inv.plan_id == TRYOUT_PLAN_ID
        for who, wave, region, anchor, due, opens, closes, inv_id, status in zip(
                inv.respondent.tolist(), inv.wave.tolist(), inv.region.tolist(),
                _days(inv.anchor), _days(inv.due), _days(inv.opens), _days(inv.closes),
                inv.invitation_id.tolist(), inv.status.tolist(), strict=True):
            has_link = not tryout or inv_id in linked
            token = new_token() if has_link else None
            issued = issued_now if tryout else datetime(opens.year, opens.month, opens.day, 8,
                                                        tzinfo=UTC)
            key = f"{prefix}:{who + 1}"
            rows.append({
                "id": inv_id, "plan_id": inv.plan_id, "survey_version_id": inv.version_id,
                "wave": inv.wave_names[wave],
                "provider_id": who + 1 if prefix == "provider" else None,
                "person_id": who + 1 if prefix == "person" else None,
                "respondent_key": key, "region_id": region + 1,
                "anchor_date": anchor, "due_on": due, "opens_on": opens, "closes_on": closes,
                "token_hash": token_hash(token) if token else None,
                "token_issued_at": issued if token else None, "status": status,
                "created_at": issued, "opened_at": None, "completed_at": None,
                "revoked_at": None,
            })
            if inv_id in linked:
                state.links.append({"invitation_id": inv_id, "respondent_key": key,
                                    "wave": inv.wave_names[wave], "status": status,
                                    "closes_on": closes.isoformat(), "token": token})
    _set_opened(plans, rows)
    _bulk(world, "invitations", Invitation.__table__, rows)


def _set_opened(plans: list[PlanInvitations], rows: list[dict[str, Any]]) -> None:
    """opened_at and completed_at of the invitations that were answered."""
    offset = 0
    for inv in plans:
        for k in np.flatnonzero(inv.answered).tolist():
            row = rows[offset + k]
            started = _moment(inv.day[k], inv.start_second[k])
            row["opened_at"] = started
            if inv.status[k] == "completed":
                row["completed_at"] = started + timedelta(minutes=int(inv.minutes[k]))
        offset += len(inv)


# ---------------------------------------------------------------------------------------------
# Step: answers


def build_answers(world: DemoWorld, rng: np.random.Generator) -> None:
    """Outcomes for every invitation (answered or not), then the answers of those answered."""
    state = _state(world)
    assert state.persons is not None and state.providers is not None
    person_values, person_frame = _person_outcomes(world, state, rng)
    provider_values, provider_frame = _provider_outcomes(world, state, rng)

    person_form = _Form(state.surveys["person_followup"].definition, len(state.persons))
    person_form.fill(person_values, rng, person_frame["language"].to_numpy(object))
    provider_form = _Form(state.surveys["provider_followup"].definition, len(state.providers))
    provider_form.fill(provider_values, rng, provider_frame["language"].to_numpy(object))

    # The satisfaction page is hidden for those who received none of the services.
    no_service = np.array([v == ["none"] for v in person_values["services_received"].tolist()],
                          dtype=bool)
    person_frame.loc[no_service, ["satisfaction_score", "sat_recommend"]] = np.nan
    state.person_frame = person_frame.drop(columns=["consent_given"])
    state.provider_frame = provider_frame.drop(columns=["consent_given"])

    next_id = 1
    counts = {"submitted": 0, "draft": 0, "declined": 0}
    response_rows: list[dict[str, Any]] = []
    answer_columns: dict[str, list[Any]] = {"response_id": [], "question_key": [], "value": [],
                                            "saved_at": []}
    for inv, form, frame in ((state.persons, person_form, state.person_frame),
                             (state.providers, provider_form, state.provider_frame)):
        rows = np.flatnonzero(inv.answered)
        pages = form.saved_pages(inv, rows, rng)
        ids = np.arange(next_id, next_id + len(rows))
        next_id += len(rows)
        response_id = np.full(len(inv), None, dtype=object)
        response_id[rows] = ids.tolist()
        frame.insert(1, "response_id", pd.array(response_id.tolist(), dtype="Int64"))
        for status in inv.status[rows].tolist():
            counts[{"completed": "submitted", "in_progress": "draft"}.get(status, status)] += 1
        if world.database:
            response_rows.extend(_response_rows(inv, form, rows, ids, pages, frame))
            for name, values in _answer_columns(inv, form, rows, ids, pages).items():
                answer_columns[name].extend(values)
        else:
            state.answers += _count_answers(form, rows, pages)
    if world.database:
        state.answers = len(answer_columns["response_id"])
        _bulk(world, "responses", Response.__table__, response_rows)
        _bulk(world, "answers", Answer.__table__, answer_columns)
    else:
        world.counts[Response.__table__.name] = sum(counts.values())
        world.counts[Answer.__table__.name] = state.answers
    state.responses = counts


def _last_saved(inv: PlanInvitations, row: int) -> datetime:
    """When the response of ``row`` was last saved: submitted, a draft's last page, or the
    refusal."""
    started = _moment(inv.day[row], inv.start_second[row])
    minutes = int(inv.minutes[row])
    if inv.status[row] == "completed":
        return started + timedelta(minutes=minutes)
    if inv.status[row] == "in_progress":
        return started + timedelta(minutes=max(1, minutes // 3))
    return started


def _response_rows(inv: PlanInvitations, form: _Form, rows: np.ndarray, ids: np.ndarray,
                   pages: np.ndarray, frame: pd.DataFrame) -> list[dict[str, Any]]:
    wave_names = [name for name, _ in WAVES]
    language = frame["language"].to_numpy(object)
    out = []
    for k, (row, response_id) in enumerate(zip(rows.tolist(), ids.tolist(), strict=True)):
        status = inv.status[row]
        started = _moment(inv.day[row], inv.start_second[row])
        updated = _last_saved(inv, row)
        submitted = updated if status == "completed" else None
        if status == "completed":
            section = form.last_section(row)
        elif status == "in_progress":
            section = form.next_section(row, int(pages[k]))
        else:
            section = form.survey.sections[0].key
        out.append({
            "id": response_id, "invitation_id": int(inv.invitation_id[row]),
            "survey_version_id": inv.version_id, "wave": wave_names[int(inv.wave[row])],
            "status": {"completed": "submitted", "in_progress": "draft"}.get(status, status),
            "consent": "refused" if status == "declined" else "given",
            "language": language[row], "current_section": section, "started_at": started,
            "updated_at": updated, "submitted_at": submitted,
        })
    return out


def _answer_columns(inv: PlanInvitations, form: _Form, rows: np.ndarray, ids: np.ndarray,
                    pages: np.ndarray) -> dict[str, list[Any]]:
    """The answers of the given invitations (only the pages saved) as columns, in primary-key
    order (response id, then question key), which is also the cheapest order to insert."""
    saved_at = [_last_saved(inv, row) for row in rows.tolist()]
    columns = form.columns()
    rank = {key: k for k, key in enumerate(sorted(key for key, _, _ in columns))}
    at: list[np.ndarray] = []
    key_rank: list[np.ndarray] = []
    values: list[Any] = []
    names: list[str] = []
    for key, section, column in columns:
        answers = column[rows]
        keep = np.flatnonzero((pages > section) & np.not_equal(answers, None))
        at.append(keep)
        key_rank.append(np.full(len(keep), rank[key], dtype=np.int64))
        values.extend(answers[keep].tolist())
        names.extend([key] * len(keep))
    where = np.concatenate(at) if at else np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.concatenate(key_rank) if key_rank else where, where))
    where = where[order]
    order_list = order.tolist()
    return {"response_id": ids[where].tolist(), "question_key": [names[k] for k in order_list],
            "value": [values[k] for k in order_list],
            "saved_at": [saved_at[k] for k in where.tolist()]}


def _count_answers(form: _Form, rows: np.ndarray, pages: np.ndarray) -> int:
    total = 0
    for _, section, column in form.columns():
        total += int(((pages > section) & np.not_equal(column[rows], None)).sum())
    return total


# --- persons ---------------------------------------------------------------------------------


def _person_outcomes(world: DemoWorld, state: FieldworkState, rng: np.random.Generator,
                     ) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The outcome model for every person invitation: answers of the modelled questions and
    the person-wave data frame."""
    om = OUTCOME_MODEL
    inv, slots = state.persons, state.slots
    assert inv is not None and slots is not None and state.caseload is not None
    n = len(inv)
    person = inv.respondent
    region = inv.region
    primary = slots.primary_provider[person]
    caseload = state.caseload[primary]
    log2_caseload = np.log2(caseload)
    pilot = np.array([r.pilot for r in REGIONS])[region]
    wave_names = np.array([name for name, _ in WAVES], dtype=object)[inv.wave]
    follow = inv.wave > 0
    exposed = (inv.trained & follow).astype(float)
    age = world.person_age_broad[person]
    exploit = world.person_exploit[person]
    gender = world.person_gender[person]

    # Random effects: drawn for every region, provider and person, whether used or not.
    u_region = rng.normal(0.0, om.who5_sd_region, size=len(REGIONS))
    v_provider = rng.normal(0.0, om.who5_sd_provider, size=len(world.provider_region))
    a_person = rng.normal(0.0, om.who5_sd_person, size=len(world.person_region))
    e_wave = rng.normal(0.0, om.who5_sd_wave, size=n)
    item_dev = rng.normal(np.array(om.who5_item_means), om.who5_item_sd, size=(n, 5))
    item_u = rng.random((n, 5))
    u_housing, u_satisfaction = rng.random((2, n))
    sat_steps = rng.choice(3, size=(n, 6), p=np.array(om.satisfaction_item_steps))
    language_u = rng.random(len(world.person_region))

    fixed = (om.who5_intercept + lookup(om.who5_age, age) + lookup(om.who5_exploit, exploit)
             + lookup(om.who5_gender, gender) + om.who5_pilot * pilot
             + om.who5_log2_caseload * log2_caseload + lookup(om.who5_wave, wave_names))
    noise = u_region[region] + v_provider[primary] + a_person[person] + e_wave
    latent0 = fixed + noise
    latent = latent0 + om.who5_effect * exposed
    latent1 = latent0 + om.who5_effect * follow

    def items(eta: np.ndarray) -> np.ndarray:
        x = eta[:, None] / 20.0 + item_dev
        return np.clip(np.floor(x + item_u), 0, 5).astype(np.int64)

    who5 = items(latent)
    who5_t0, who5_t1 = items(latent0), items(latent1)

    housing_lp = (om.housing_intercept + lookup(om.housing_age, age)
                  + lookup(om.housing_exploit, exploit) + lookup(om.housing_gender, gender)
                  + om.housing_pilot * pilot + om.housing_log2_caseload * log2_caseload
                  + lookup(om.housing_wave, wave_names) + om.housing_effect * exposed)
    stable = u_housing < expit(housing_lp)

    sat_lp = (om.satisfaction_pilot * pilot + om.satisfaction_log2_caseload * log2_caseload
              + lookup(om.satisfaction_exploit, exploit) + om.satisfaction_effect * exposed)
    cuts = np.array(om.satisfaction_cuts)
    cumulative = expit(cuts[None, :] - sat_lp[:, None])  # P(L <= j), j = 1..4
    level = 1 + (u_satisfaction[:, None] >= cumulative).sum(axis=1)

    language = _languages(region_of=world.person_region, u=language_u)[person]
    survey = state.surveys["person_followup"].definition
    values: dict[str, np.ndarray] = {}
    values["consent_given"] = np.where(inv.consents, "yes", "no").astype(object)
    scored = scored_items(survey)
    who5_keys = _matrix_keys(survey, "who5")
    for k, key in enumerate(who5_keys):
        values[key] = _choice_values(scored[key], who5[:, k])
    sat_keys = _matrix_keys(survey, "satisfaction")
    step = 0
    for key in sat_keys:
        if key == "sat_recommend":
            item = level
        else:
            item = np.clip(level + sat_steps[:, step] - 1, 1, 5)
            step += 1
        # A reverse-coded item is answered on the reversed scale (the scoring flips it back).
        rule = scored[key]
        values[key] = _choice_values(rule, rule.low + rule.high - item if rule.reverse else item)
    values.update(_person_other_answers(world, state, rng, stable, age, n))

    frame = pd.DataFrame({
        "invitation_id": inv.invitation_id,
        "person_id": person + 1,
        "wave": pd.Categorical(wave_names, categories=[w for w, _ in WAVES], ordered=True),
        "due_on": inv.due.astype("datetime64[D]").astype("datetime64[s]"),
        "status": inv.status.astype(str),
        "responded": inv.status == "completed",
        "consent_given": inv.consents,
        "region_id": region + 1,
        "pilot": pilot,
        "provider_id": primary + 1,
        "organisation_id": pd.array(
            [o if o > 0 else None for o in world.provider_organisation[primary].tolist()],
            dtype="Int64"),
        "gender": gender.astype(str),
        "age_broad": age.astype(str),
        "type_of_exploit": exploit.astype(str),
        "has_contact": world.person_has_contact[person],
        "caseload": caseload,
        "log2_caseload": log2_caseload,
        "trained": inv.trained,
        "language": language,
        "who5_latent": latent,
        **{f"who5_{k + 1}": who5[:, k] for k in range(5)},
        "who5_score": _score(survey, "who5_score", values),
        "who5_score_t0": _potential_score(survey, "who5_score", who5_keys, who5_t0),
        "who5_score_t1": _potential_score(survey, "who5_score", who5_keys, who5_t1),
        "housing_stable": stable.astype(np.int64),
        "sat_recommend": level.astype(float),
        "satisfaction_score": _score(survey, "satisfaction_score", values),
    })
    return values, frame


def _person_other_answers(world: DemoWorld, state: FieldworkState, rng: np.random.Generator,
                          stable: np.ndarray, age: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Plausible answers to the questions the outcome model does not cover."""
    inv, slots = state.persons, state.slots
    assert inv is not None and slots is not None
    out: dict[str, np.ndarray] = {}

    # Housing that agrees with ``stable``: a stable place and at most one move, or not.
    u = rng.random((4, n))
    stable_place = np.where(u[0] < 0.6, "own_rented", "family_friends")
    unstable_place = _pick(u[1], {"shelter": 0.35, "temporary": 0.35, "homeless": 0.10,
                                  "other": 0.20})
    moved_a_lot = u[2] < 0.25  # unstable because of moves, though the place itself is stable
    place = np.where(stable, stable_place, np.where(moved_a_lot, stable_place, unstable_place))
    moves = np.where(stable, (u[3] < 0.25).astype(np.int64),
                     np.where(moved_a_lot, 2 + np.floor(u[3] * 3).astype(np.int64),
                              np.floor(u[3] * 4).astype(np.int64)))
    out["housing_situation"] = place.astype(object)
    out["moves_3m"] = _objects(moves)

    minor = np.isin(age, ("0--8", "9--17"))
    u = rng.random((5, n))
    adult_work = _pick(u[0], {"employed_full": 0.22, "employed_part": 0.12, "self_employed": 0.10,
                              "studying": 0.06, "looking": 0.25, "not_looking": 0.07,
                              "unable": 0.10, "other": 0.04, "prefer_not": 0.04})
    minor_work = _pick(u[0], {"studying": 0.75, "looking": 0.05, "not_looking": 0.10,
                              "other": 0.05, "prefer_not": 0.05})
    work = np.where(minor, minor_work, adult_work)
    out["employment_status"] = work.astype(object)
    hours = np.where(work == "employed_full", 36 + np.floor(u[1] * 15),
                     np.where(work == "employed_part", 10 + np.floor(u[1] * 20),
                              5 + np.floor(u[1] * 40))).astype(np.int64)
    out["hours_week"] = _objects(hours)
    out["work_contract"] = _pick(u[2], {"yes": 0.45, "no": 0.45, "prefer_not": 0.10})
    out["income_band"] = _pick(u[3], {"none": 0.18, "under_4000": 0.22, "4000_7999": 0.25,
                                      "8000_11999": 0.15, "12000_19999": 0.07,
                                      "20000_plus": 0.03, "dont_know": 0.05,
                                      "prefer_not": 0.05})
    out["basic_needs"] = _pick(u[4], {"never": 0.12, "sometimes": 0.38, "mostly": 0.35,
                                      "always": 0.15})

    u = rng.random((5, n))
    out["feel_safe"] = _pick(u[0], {"very_unsafe": 0.06, "rather_unsafe": 0.14,
                                    "rather_safe": 0.45, "very_safe": 0.30, "prefer_not": 0.05})
    out["exploiter_contact"] = _pick(u[1], {"no": 0.85, "yes": 0.09, "prefer_not": 0.06})
    out["threatened"] = _pick(u[2], {"no": 0.5, "yes": 0.4, "prefer_not": 0.1})
    out["debt_pressure"] = _pick(u[3], {"no": 0.85, "yes": 0.08, "prefer_not": 0.07})
    contact_kinds = ("in_person", "phone_online", "through_others", "offer", "money", "other")
    out["contact_type"] = _multiple(rng, n, contact_kinds, "prefer_not", alone_share=0.1,
                                    weights=(0.2, 0.45, 0.15, 0.1, 0.08, 0.02))

    # Services received: those of the person's episodes started by the due date (registry),
    # or, for a few, "none of these".
    codes = list(SERVICES)
    bit = {code: 1 << k for k, code in enumerate(codes)}
    episode_mask = np.array([sum(bit[c] for c in s.split(",") if c) for s in world.episode_services],
                            dtype=np.int64)
    slot_mask = np.where(slots.episode >= 0, episode_mask[np.maximum(slots.episode, 0)], 0)
    relevant = slots.relevant(inv.respondent, inv.due)
    mask = np.bitwise_or.reduce(np.where(relevant, slot_mask[inv.respondent], 0), axis=1)
    none = u[4] < OUTCOME_MODEL.services_none_share
    spelled = {m: [c for c in codes if m & bit[c]] for m in np.unique(mask).tolist()}
    received = np.empty(n, dtype=object)
    received[:] = [["none"] if no else list(spelled[m]) or ["none"]
                   for m, no in zip(mask.tolist(), none.tolist(), strict=True)]
    out["services_received"] = received
    service_kinds = tuple(c for c in codes if c != "other") + ("other",)
    out["services_needed"] = _multiple(rng, n, service_kinds, "none", alone_share=0.3,
                                       weights=(0.06, 0.12, 0.16, 0.12, 0.14, 0.16, 0.08, 0.12,
                                                0.02, 0.02))
    u_comment = rng.random(n)
    out["comments"] = np.where(u_comment < 0.08, "__comment__", None).astype(object)
    return out


# --- providers -------------------------------------------------------------------------------


def _provider_outcomes(world: DemoWorld, state: FieldworkState, rng: np.random.Generator,
                       ) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    om = OUTCOME_MODEL
    inv = state.providers
    assert inv is not None and state.caseload is not None
    n = len(inv)
    provider = inv.respondent
    profession = np.array(PROFESSION_CODES, dtype=object)[world.provider_profession[provider]]
    wave_names = np.array([name for name, _ in WAVES], dtype=object)[inv.wave]
    after = (inv.wave > 0).astype(float)
    survey = state.surveys["provider_followup"].definition

    ability = rng.normal(0.0, om.knowledge_sd_provider, size=len(world.provider_region))
    know_keys = list(om.knowledge_difficulty)
    u_know, u_wrong = rng.random((2, n, len(know_keys)))
    language_u = rng.random(len(world.provider_region))

    values: dict[str, np.ndarray] = {}
    values["consent_given"] = np.where(inv.consents, "yes", "no").astype(object)
    correct = np.zeros((n, len(know_keys)), dtype=bool)
    for k, key in enumerate(know_keys):
        lp = (om.knowledge_difficulty[key] + lookup(om.knowledge_profession, profession)
              + ability[provider] + om.knowledge_effect * after)
        correct[:, k] = u_know[:, k] < expit(lp)
        question = survey.question(key)
        assert question is not None and question.choices is not None
        choices = survey.choice_lists[question.choices].choices
        right = next(c.value for c in choices if c.score)
        wrong = [c.value for c in choices if not c.score]
        weights = np.array([0.3 if v == "dont_know" else 1.0 for v in wrong])
        cut = np.cumsum(weights / weights.sum())
        picked = np.array(wrong, dtype=object)[np.minimum(
            np.searchsorted(cut, u_wrong[:, k], side="right"), len(wrong) - 1)]
        values[key] = np.where(correct[:, k], right, picked).astype(object)

    # Training as the provider would report it on their answer day: sessions held before it.
    a_provider = np.asarray(world.attendance_provider)
    a_session = np.asarray(world.attendance_session)
    counted = np.asarray(world.attendance_hours) > 0
    held = as_day_numbers(world.session_held_on)[a_session]
    modules_of = world.session_modules or []
    by_provider: dict[int, list[tuple[int, str]]] = {}
    for p, s, h, c in zip(a_provider.tolist(), a_session.tolist(), held.tolist(),
                          counted.tolist(), strict=True):
        if c:
            by_provider.setdefault(p, []).append((h, modules_of[s] if modules_of else ""))
    count = np.zeros(n, dtype=np.int64)
    modules = np.empty(n, dtype=object)
    u_recall = rng.random((n, len(MODULES)))
    module_codes = list(MODULES)
    for k, (p, day) in enumerate(zip(provider.tolist(), inv.day.tolist(), strict=True)):
        before = [m for h, m in by_provider.get(p, []) if h < day]
        count[k] = len(before)
        seen = {code for m in before for code in m.split(",") if code}
        recalled = [c for j, c in enumerate(module_codes) if c in seen and u_recall[k, j] < 0.9]
        modules[k] = recalled or sorted(seen, key=module_codes.index)[:1] or None
    values["trained"] = np.where(count > 0, "yes", "no").astype(object)
    values["trainings_count"] = _objects(np.maximum(count, 1))
    values["training_modules"] = modules

    u = rng.random((6, n))
    for key in _matrix_keys(survey, "reaction"):
        values[key] = _pick(rng.random(n), {"strongly_agree": 0.35, "agree": 0.45,
                                             "neutral": 0.12, "disagree": 0.05,
                                             "strongly_disagree": 0.03})
    identified_mean = lookup({"police": 3.0, "social_worker": 2.0, "ngo_activist": 4.0,
                              "medical": 1.0, "teacher": 0.5, "journalist": 0.5, "other": 0.7},
                             profession)
    identified = rng.poisson(identified_mean)
    values["identified"] = _objects(identified)
    values["referred"] = _objects(rng.binomial(identified, 0.7))
    values["first_action"] = _pick(u[0], {"talk_privately": 0.3, "local_coordinator": 0.25,
                                          "police": 0.12, "hotline_ngo": 0.15, "shelter": 0.05,
                                          "not_my_role": 0.04, "not_sure": 0.07, "other": 0.02})
    barrier_kinds = ("procedure_unclear", "no_contacts", "no_services", "person_declines", "fear",
                     "slow_procedure", "workload", "no_feedback", "other")
    values["barriers"] = _multiple(rng, n, barrier_kinds, "no_barriers", alone_share=0.12,
                                   weights=(0.12, 0.1, 0.14, 0.14, 0.1, 0.12, 0.16, 0.1, 0.02))
    registry = state.caseload[provider]
    reported = rng.poisson(2.0 + 3.0 * registry)
    values["caseload"] = _objects(reported)
    values["caseload_survivors"] = _objects(rng.binomial(reported, 0.3))
    values["comments"] = np.where(u[1] < 0.05, "__comment__", None).astype(object)

    language = _languages(region_of=world.provider_region, u=language_u)[provider]
    frame = pd.DataFrame({
        "invitation_id": inv.invitation_id,
        "provider_id": provider + 1,
        "wave": pd.Categorical(wave_names, categories=[w for w, _ in WAVES], ordered=True),
        "due_on": inv.due.astype("datetime64[D]").astype("datetime64[s]"),
        "status": inv.status.astype(str),
        "responded": inv.status == "completed",
        "consent_given": inv.consents,
        "region_id": inv.region + 1,
        "profession": profession.astype(str),
        "caseload": registry,
        "after_training": inv.wave > 0,
        "language": language,
        **{key: correct[:, k].astype(np.int64) for k, key in enumerate(know_keys)},
        "knowledge_score": _score(survey, "knowledge_score", values),
    })
    return values, frame


# --- answer helpers --------------------------------------------------------------------------


def _languages(region_of: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The language each respondent answers in: more Russian in the east."""
    east = np.isin(np.array([r.code for r in REGIONS])[region_of], ("UA-14", "UA-09", "UA-63"))
    ru_share = np.where(east, 0.55, 0.12)
    en_share = 0.03
    return np.where(u < en_share, "en", np.where(u < en_share + ru_share, "ru", "uk")).astype(object)


def _pick(u: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """For each uniform draw, the key of ``weights`` whose cumulative share it falls in."""
    keys = np.array(list(weights), dtype=object)
    cut = np.cumsum(np.array(list(weights.values()), dtype=float))
    cut /= cut[-1]
    return keys[np.minimum(np.searchsorted(cut, u, side="right"), len(keys) - 1)]


def _objects(values: np.ndarray) -> np.ndarray:
    """An object array of Python scalars (JSON-ready)."""
    out = np.empty(len(values), dtype=object)
    out[:] = np.asarray(values).tolist()
    return out


def _multiple(rng: np.random.Generator, n: int, kinds: tuple[str, ...], alone: str,
              alone_share: float, weights: tuple[float, ...]) -> np.ndarray:
    """Select-multiple answers: ``alone`` on its own, or one to three of ``kinds`` (distinct,
    in the order of ``kinds``)."""
    w = np.array(weights, dtype=float)
    keys = np.log(rng.random((n, len(kinds)))) / w  # Efraimidis-Spirakis weighted sampling
    order = np.argsort(-keys, axis=1)
    how_many = 1 + rng.choice(3, size=n, p=[0.55, 0.3, 0.15])
    by_itself = rng.random(n) < alone_share
    out = np.empty(n, dtype=object)
    for k in range(n):
        if by_itself[k]:
            out[k] = [alone]
        else:
            out[k] = [kinds[j] for j in sorted(order[k, :how_many[k]].tolist())]
    return out


def _matrix_keys(survey: Survey, key: str) -> list[str]:
    question = survey.question(key)
    assert question is not None
    return [item.key for item in question.items]


def _choice_values(item: ScoredItem, scores: np.ndarray) -> np.ndarray:
    """The answer of each item score: the option of ``item``'s list with that score."""
    by_score = {int(score): value for value, score in item.scores.items()}
    table = np.array([by_score.get(s) for s in range(max(by_score) + 1)], dtype=object)
    return table[np.asarray(scores, dtype=np.int64)]


def _score(survey: Survey, score_key: str, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """A scale score by the survey's own scoring rules (:mod:`surveys.scoring`, as exports and
    analysis score it), for every row of ``values`` (NaN where too few items are answered)."""
    score = next(s for s in survey.scores if s.key == score_key)
    answers = pd.DataFrame({key: values[key] for key in score.items if key in values})
    return scale_score(score, item_scores(survey, answers)).to_numpy(dtype=float)


def _potential_score(survey: Survey, score_key: str, keys: Sequence[str], items: np.ndarray) -> np.ndarray:
    """The scale score the item scores ``items`` (one column per key of ``keys``) would give."""
    scored = scored_items(survey)
    values = {key: _choice_values(scored[key], items[:, k]) for k, key in enumerate(keys)}
    return _score(survey, score_key, values)


class _Form:
    """The answers of many respondents to one survey, column by column, relevance applied.

    ``values[key]`` is an object array with one answer per respondent (None: unanswered).
    Pages and questions are visited in form order, and relevance is evaluated with the
    expression evaluator once per distinct combination of the answers an expression refers to.
    """

    def __init__(self, survey: Survey, n: int) -> None:
        self.survey = survey
        self.n = n
        self.values: dict[str, np.ndarray] = {}
        self._section: dict[str, int] = {}
        self._codes: dict[str, np.ndarray] = {}
        #: (respondents, sections): whether the page is shown to the respondent.
        self.pages_shown = np.zeros((n, len(survey.sections)), dtype=bool)

    def columns(self) -> list[tuple[str, int, np.ndarray]]:
        """(answer key, index of its section, values) in form order."""
        return [(key, self._section[key], column) for key, column in self.values.items()]

    def fill(self, model: Mapping[str, np.ndarray], rng: np.random.Generator,
             language: np.ndarray) -> None:
        everyone = np.ones(self.n, dtype=bool)
        for s_index, section in enumerate(self.survey.sections):
            shown = self._mask(section.relevant, everyone)
            for question in section.questions:
                if question.type == QuestionType.note:
                    visible = self._mask(question.relevant, shown)
                    self.pages_shown[:, s_index] |= visible
                    continue
                visible = self._mask(question.relevant, shown)
                if question.type == QuestionType.calculate:
                    column = self._calculate(question.calculation, visible)
                    self._set(question.key, s_index, column)
                    continue
                self.pages_shown[:, s_index] |= visible
                for key in question.answer_keys():
                    column = model.get(key)
                    column = (self._generic(question, rng, language) if column is None
                              else column.copy())
                    if key == "comments" or question.type == QuestionType.long_text:
                        column = _comments(column, language, rng)
                    column[~visible] = None
                    if question.required:
                        missing = visible & np.equal(column, None)
                        if missing.any():
                            extra = self._generic(question, rng, language, always=True)
                            column[missing] = extra[missing]
                    self._set(key, s_index, column)

    def saved_pages(self, inv: PlanInvitations, rows: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
        """How many sections (from the start of the form) hold saved answers, per response
        row: all for submitted and declined responses; for a draft the first 1 to (visible
        pages - 1) pages the respondent saw."""
        u = rng.random(len(rows))
        pages = np.full(len(rows), len(self.survey.sections), dtype=np.int64)
        for k, row in enumerate(rows.tolist()):
            if inv.status[row] != "in_progress":
                continue
            seen = np.flatnonzero(self.pages_shown[row])
            saved = 1 + int(u[k] * max(1, len(seen) - 1))
            saved = min(saved, max(1, len(seen) - 1))
            pages[k] = int(seen[saved - 1]) + 1  # sections before this index are saved
        return pages

    def last_section(self, row: int) -> str:
        seen = np.flatnonzero(self.pages_shown[row])
        return self.survey.sections[int(seen[-1]) if len(seen) else 0].key

    def next_section(self, row: int, saved_sections: int) -> str:
        """The first page shown to ``row`` after the first ``saved_sections`` sections."""
        later = [s for s in np.flatnonzero(self.pages_shown[row]).tolist() if s >= saved_sections]
        return self.survey.sections[later[0] if later else saved_sections - 1].key

    # --- internals ---------------------------------------------------------------------------

    def _set(self, key: str, section: int, column: np.ndarray) -> None:
        self.values[key] = column
        self._section[key] = section
        self._codes.pop(key, None)

    def _code(self, key: str) -> np.ndarray:
        codes = self._codes.get(key)
        if codes is None:
            column = self.values.get(key)
            if column is None:
                codes = np.full(self.n, -1, dtype=np.int64)
            else:
                frozen = np.empty(self.n, dtype=object)
                frozen[:] = [tuple(v) if isinstance(v, list) else v for v in column.tolist()]
                codes = pd.factorize(frozen, use_na_sentinel=True)[0].astype(np.int64)
            self._codes[key] = codes
        return codes

    def _groups(self, expression: str, rows: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The keys ``expression`` refers to, one representative row per distinct combination
        of their answers among ``rows``, and each row's combination."""
        refs = sorted(references(parse_cached(expression)))
        if not refs or not len(rows):
            return refs, rows[:1], np.zeros(len(rows), dtype=np.int64)
        combined = np.zeros(len(rows), dtype=np.int64)
        span = 1
        for key in refs:
            codes = self._code(key)
            radix = int(codes.max()) + 2
            span *= radix
            if span >= 2 ** 62:  # too many combinations for one integer: hash tuples instead
                stacked = [tuple(t) for t in np.stack([self._code(k)[rows] for k in refs], 1)]
                combined = np.empty(len(rows), dtype=object)
                combined[:] = stacked
                break
            combined = combined * radix + codes[rows] + 1
        inverse, uniques = pd.factorize(combined)
        first = np.full(len(uniques), -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(rows) - 1, -1, -1)
        return refs, rows[first], inverse.astype(np.int64)

    def _answers_at(self, refs: list[str], row: int) -> dict[str, Any]:
        out = {}
        for key in refs:
            column = self.values.get(key)
            if column is not None and column[row] is not None:
                out[key] = column[row]
        return out

    def _mask(self, expression: str | None, base: np.ndarray) -> np.ndarray:
        """``base`` and ``expression`` true (an empty or unparsable expression is true, as in
        :func:`surveys.rendering.settle`)."""
        if not expression:
            return base.copy()
        rows = np.flatnonzero(base)
        try:
            refs, representatives, inverse = self._groups(expression, rows)
            results = np.array([evaluate_bool(expression, self._answers_at(refs, r))
                                for r in representatives.tolist()], dtype=bool)
        except ExpressionError:
            return base.copy()
        out = np.zeros(self.n, dtype=bool)
        if len(rows):
            out[rows] = results[inverse]
        return out

    def _calculate(self, expression: str | None, base: np.ndarray) -> np.ndarray:
        """A calculation's value for the rows of ``base``, as settle stores it (text; None when
        empty, NaN or not computable)."""
        out = np.full(self.n, None, dtype=object)
        rows = np.flatnonzero(base)
        if not expression or not len(rows):
            return out
        try:
            refs, representatives, inverse = self._groups(expression, rows)
        except ExpressionError:
            return out
        results = []
        for r in representatives.tolist():
            try:
                text = expression_string(evaluate(expression, self._answers_at(refs, r)))
            except ExpressionError:
                text = ""
            results.append(None if text in ("", "NaN") else text)
        table = np.empty(len(results), dtype=object)
        table[:] = results
        out[rows] = table[inverse]
        return out

    def _generic(self, question: Question, rng: np.random.Generator, language: np.ndarray,
                 always: bool = False) -> np.ndarray:
        """Plausible answers for a question the model does not cover."""
        n = self.n
        share = 1.0 if always or question.required else 0.95
        given = rng.random(n) < share
        kind = question.type
        out = np.empty(n, dtype=object)
        if kind in (QuestionType.select_one, QuestionType.likert, QuestionType.matrix):
            choices = self.survey.choice_lists[question.choices or ""].values()
            out[:] = np.array(choices, dtype=object)[rng.integers(0, len(choices), size=n)]
        elif kind == QuestionType.select_multiple:
            choices = self.survey.choice_lists[question.choices or ""].values()
            exclusive = _EXCLUSIVE.search(question.constraint or "")
            alone = exclusive.group(1) if exclusive else None
            kinds = tuple(c for c in choices if c != alone)
            out[:] = _multiple(rng, n, kinds, alone or kinds[0], 0.1 if alone else 0.0,
                               tuple(1.0 for _ in kinds))
        elif kind == QuestionType.yes_no:
            out[:] = np.where(rng.random(n) < 0.6, "yes", "no")
        elif kind in (QuestionType.integer, QuestionType.decimal):
            low = int(question.minimum or 0)
            high = int(question.maximum if question.maximum is not None else low + 10)
            numbers = rng.integers(low, min(high, low + 10) + 1, size=n)
            out[:] = numbers.tolist() if kind == QuestionType.integer else [float(x) for x in numbers]
        elif kind == QuestionType.date:
            out[:] = [None] * n
        elif kind == QuestionType.text:
            out[:] = [_PHRASES.get(lang, _PHRASES["en"]) for lang in language.tolist()]
        else:  # long text: comments are rare
            out[:] = np.where(rng.random(n) < 0.08, "__comment__", None)
        out[~given] = None
        return out


def _comments(column: np.ndarray, language: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace the placeholder ``__comment__`` with a comment in the respondent's language."""
    pick = rng.integers(0, 3, size=len(column))
    out = column.copy()
    for k in np.flatnonzero(np.equal(column, "__comment__")).tolist():
        out[k] = _COMMENTS.get(language[k], _COMMENTS["en"])[pick[k]]
    return out
