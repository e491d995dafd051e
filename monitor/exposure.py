"""Training exposure, derived: what the providers who assisted a person had been trained in.

Exposure is never typed in by hand. It is derived from the registry's dates (training sessions,
attendance at them, and assistance episodes) by the rules below. These rules are the product's
own definition of "exposure to training": every estimate of the effect of training that the
evaluators read means exactly this. So they are written out here by hand, and tested on cases
worked out by hand, rather than left to be inferred from the code.

For an assisted person and a reference date (usually the date of a follow-up wave):

1. **Relevant episodes** are the person's assistance episodes that started on or before the
   reference date. An episode that starts later cannot have shaped what is measured at that date.
2. **Training counts for an episode only when its session was held strictly before the episode
   started.** Training that a provider receives after the assistance began did not shape that
   assistance. A session held on the very day the episode started does not count either: the
   registry keeps dates, not times, so the order of the two on that day is unknown, and the
   conservative reading never credits training with assistance that it may have followed.
3. **An attendance is training only when hours were attended** (``hours_attended > 0``). A
   registration with zero hours attended is a no-show; it adds no hours, no modules, no date.
4. **A provider counts once per person.** A provider who appears in several of the person's
   relevant episodes counts once, with the training they had before the latest of those episode
   starts. That training includes everything they had before the earlier starts, so each session
   a provider attended is counted at most once for a person, whatever the number of episodes.
5. **Output** per (person, reference date):

   - ``n_providers``: distinct providers of the relevant episodes;
   - ``n_trained_providers``: those of them with any counted training;
   - ``trained``: ``n_trained_providers > 0``;
   - ``training_hours``: hours attended, summed over the counted training of all relevant
     providers (a session two providers attended counts for each of them);
   - ``max_provider_hours``: the counted hours of the most-trained relevant provider;
   - ``months_since_training``: from the most recent counted session date to the reference date,
     in days divided by 30.4375 (the mean month of the Gregorian calendar, 365.25 / 12); NaN when
     nothing counted;
   - ``modules``: sorted, comma-separated union of the module codes of the counted sessions, ""
     when none;
   - ``first_episode_start``: the earliest start of a relevant episode (NaT when none).

   A person with no relevant episode (including an unknown person) has ``n_providers`` 0,
   ``trained`` False, zero hours, NaN months, no modules and no first start.

**Alternative cutoff** ``cutoff="reference_date"``: training counts when it was held strictly
before the reference date, whether or not before the episode started (rules 1, 3 and 5 unchanged;
in rule 4 every relevant provider counts once with their training before the reference date). This
is the "dose received by the time of measurement" reading, where training during an ongoing
episode may still improve the assistance; evaluators use it as a sensitivity analysis next to the
default ``cutoff="episode_start"``.

Reading is set-based: one SQL query returns every episode of the requested persons with, through
an outer join whose condition carries the date rule, each session its provider attended that may
count for it; pandas applies the rest of the rules per request. See :func:`exposure_frame`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Integer,
    Result,
    Select,
    String,
    and_,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql

from monitor.extensions import db
from monitor.frames import read_frame
from monitor.models import AssistanceEpisode, Provider, TrainingAttendance, TrainingSession
from monitor.models.registry import split_codes

#: Days in a month for ``months_since_training``: the Gregorian mean month, 365.25 / 12.
DAYS_PER_MONTH = 30.4375

Cutoff = Literal["episode_start", "reference_date"]
CUTOFFS: tuple[str, ...] = ("episode_start", "reference_date")

#: The columns that :func:`exposure_frame` adds to the requests, in this order.
EXPOSURE_COLUMNS: tuple[str, ...] = (
    "trained",
    "n_providers",
    "n_trained_providers",
    "training_hours",
    "max_provider_hours",
    "months_since_training",
    "modules",
    "first_episode_start",
)

# Day-precision timestamps everywhere inside; microseconds is pandas' own default unit and does
# not overflow on an implausible date typed into the registry.
_DAY_DTYPE = "datetime64[us]"


@dataclass(frozen=True)
class Exposure:
    """The training exposure of one person at one reference date (see the module's rules).

    ``months_since_training`` and ``first_episode_start`` are None where the frame has NaN/NaT.
    """

    person_id: int
    ref_date: date
    cutoff: Cutoff
    trained: bool
    n_providers: int
    n_trained_providers: int
    training_hours: float
    max_provider_hours: float
    months_since_training: float | None
    modules: str
    first_episode_start: date | None

    @property
    def module_list(self) -> list[str]:
        """The module codes as a list."""
        return split_codes(self.modules)


def exposure_frame(requests: pd.DataFrame, cutoff: Cutoff = "episode_start") -> pd.DataFrame:
    """Derive the training exposure for each (``person_id``, ``ref_date``) row of ``requests``.

    ``ref_date`` may hold dates, datetimes (the day is used), ISO strings or datetime64 values.
    Returns a copy of ``requests`` (same index, order and columns; columns named like the result
    columns are replaced) with :data:`EXPOSURE_COLUMNS` added.

    Reads with one SQL query, restricted to the requested persons and to episodes started by the
    latest reference date. The persons go to the database as a single array parameter (see
    :func:`_in_person_set`), not as an IN list of literals, so the statement stays the same size
    for ten requests or a hundred thousand and the database uses its person index either way;
    the rules are then applied per request with pandas merges and group-bys.

    Raises:
        ValueError: when ``cutoff`` is unknown, a column is missing, or a ``person_id`` or
            ``ref_date`` is missing or not usable.
    """
    _check_cutoff(cutoff)
    missing = [name for name in ("person_id", "ref_date") if name not in requests.columns]
    if missing:
        raise ValueError(f"requests lack the column(s): {', '.join(missing)}")
    person_ids = _as_person_ids(requests["person_id"])
    ref_dates = _as_days(requests["ref_date"])
    if ref_dates.isna().any():
        raise ValueError("requests have rows without a ref_date")

    req = pd.DataFrame(
        {
            "_req": np.arange(len(requests)),
            "person_id": person_ids,
            "ref_date": ref_dates.to_numpy(),
        }
    )
    if len(req):
        until = ref_dates.max().date()
        rows = _read_episode_training(np.unique(person_ids).tolist(), until, cutoff)
    else:
        rows = _normalise_rows(pd.DataFrame(columns=list(_ROW_COLUMNS)))
    result = _aggregate(req, rows, cutoff)

    out = requests.copy()
    for name in EXPOSURE_COLUMNS:
        out[name] = result[name].to_numpy()
    return out


def exposure_for(person_id: int, ref_date: date, cutoff: Cutoff = "episode_start") -> Exposure:
    """The exposure of one person at ``ref_date`` (a convenience over :func:`exposure_frame`).

    Raises:
        ValueError: when ``cutoff`` is unknown.
    """
    day = _as_days(pd.Series([ref_date])).iloc[0].date()
    request = pd.DataFrame({"person_id": [person_id], "ref_date": [day]})
    row = exposure_frame(request, cutoff).iloc[0]
    months = float(row["months_since_training"])
    first = row["first_episode_start"]
    return Exposure(
        person_id=int(person_id),
        ref_date=day,
        cutoff=cutoff,
        trained=bool(row["trained"]),
        n_providers=int(row["n_providers"]),
        n_trained_providers=int(row["n_trained_providers"]),
        training_hours=float(row["training_hours"]),
        max_provider_hours=float(row["max_provider_hours"]),
        months_since_training=None if np.isnan(months) else months,
        modules=str(row["modules"]),
        first_episode_start=None if pd.isna(first) else first.date(),
    )


def provider_training_frame(as_of: date | None = None) -> pd.DataFrame:
    """One row per provider (trained or not) with the training they had, read with one query.

    With ``as_of``, only sessions held strictly before that date count, as in the exposure rules;
    attendances with zero hours never count. Columns: ``provider_id``, ``provider_code``,
    ``profession``, ``region_id``, ``trained``, ``n_sessions``, ``training_hours``,
    ``first_training``, ``last_training`` (NaT when untrained) and ``modules`` (sorted,
    comma-separated union, "" when none); ordered by ``provider_id``.
    """
    provider = Provider.__table__
    attendance = TrainingAttendance.__table__
    session = TrainingSession.__table__
    counts = and_(attendance.c.provider_id == provider.c.id, attendance.c.hours_attended > 0)
    if as_of is not None:
        as_of_day = _as_days(pd.Series([as_of])).iloc[0].date()
        counts = and_(counts, session.c.held_on < as_of_day)
    stmt = (
        select(
            provider.c.id.label("provider_id"),
            provider.c.code.label("provider_code"),
            provider.c.profession,
            provider.c.region_id,
            session.c.id.label("session_id"),
            session.c.held_on,
            session.c.modules,
            attendance.c.hours_attended,
        )
        .select_from(
            provider.outerjoin(attendance.join(session, session.c.id == attendance.c.session_id),
                               counts)
        )
        .order_by(provider.c.id)
    )
    rows = _result_frame(db.session.execute(stmt))
    rows["session_id"] = pd.to_numeric(rows["session_id"]).astype("float64")
    rows["held_on"] = _as_days(rows["held_on"])
    rows["hours_attended"] = pd.to_numeric(rows["hours_attended"]).astype("float64")

    providers = rows.drop_duplicates("provider_id")[
        ["provider_id", "provider_code", "profession", "region_id"]
    ].reset_index(drop=True)
    trained = rows[rows["session_id"].notna()]
    per = trained.groupby("provider_id").agg(
        n_sessions=("session_id", "size"),
        training_hours=("hours_attended", "sum"),
        first_training=("held_on", "min"),
        last_training=("held_on", "max"),
    )
    modules = _module_union(trained.rename(columns={"provider_id": "_key"}))
    key = pd.Index(providers["provider_id"])
    providers["n_sessions"] = per["n_sessions"].reindex(key, fill_value=0).to_numpy("int64")
    providers["trained"] = providers["n_sessions"] > 0
    providers["training_hours"] = per["training_hours"].reindex(key, fill_value=0.0).to_numpy(
        "float64"
    )
    providers["first_training"] = per["first_training"].reindex(key).to_numpy()
    providers["last_training"] = per["last_training"].reindex(key).to_numpy()
    providers["modules"] = modules.reindex(key, fill_value="").to_numpy()
    for name in ("provider_id", "region_id"):
        providers[name] = providers[name].astype("int64")
    return providers[
        ["provider_id", "provider_code", "profession", "region_id", "trained", "n_sessions",
         "training_hours", "first_training", "last_training", "modules"]
    ]


# --- reading ------------------------------------------------------------------------------------

_ROW_COLUMNS = (
    "episode_id",
    "person_id",
    "provider_id",
    "started_on",
    "session_id",
    "held_on",
    "modules",
    "hours_attended",
)


def _episode_training_statement(person_ids: list[int], until: date, cutoff: Cutoff) -> Select:
    """Episodes of ``person_ids`` started by ``until``, each with the training that may count.

    One row per (episode, counted attendance), or one row with NULL training columns for an
    episode whose provider had none: the training sits on the right of an outer join whose
    condition carries the date rule, so episodes without training remain.
    """
    episode = AssistanceEpisode.__table__
    attendance = TrainingAttendance.__table__
    session = TrainingSession.__table__
    if cutoff == "episode_start":
        held_before = session.c.held_on < episode.c.started_on
    else:
        # Each request has its own reference date; the SQL bounds by the latest one and pandas
        # applies each request's own date.
        held_before = session.c.held_on < until
    training = attendance.join(session, session.c.id == attendance.c.session_id)
    return (
        select(
            episode.c.id.label("episode_id"),
            episode.c.person_id,
            episode.c.provider_id,
            episode.c.started_on,
            session.c.id.label("session_id"),
            session.c.held_on,
            session.c.modules,
            attendance.c.hours_attended,
        )
        .select_from(
            episode.outerjoin(
                training,
                and_(
                    attendance.c.provider_id == episode.c.provider_id,
                    attendance.c.hours_attended > 0,
                    held_before,
                ),
            )
        )
        .where(episode.c.started_on <= until, _in_person_set(episode.c.person_id, person_ids))
    )


def _in_person_set(column: ColumnElement[int], person_ids: list[int]) -> ColumnElement[bool]:
    """``column`` is one of ``person_ids``, passed as ONE bound parameter however many they are.

    A literal IN list of many thousands of values is slow to compile and runs into the limits on
    bound parameters (65,535 in PostgreSQL's protocol, 32,766 in SQLite). Instead PostgreSQL gets
    an integer array (``= ANY(:ids)``, which it hashes or probes in the person index) and SQLite a
    JSON array unpacked by ``json_each`` into a set it joins against; both scale with the number
    of persons, in one query.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(
            bindparam("person_ids", person_ids, type_=postgresql.ARRAY(Integer))
        )
    if dialect == "sqlite":
        ids = func.json_each(bindparam("person_ids", json.dumps(person_ids), type_=String))
        return column.in_(select(ids.table_valued("value").c.value))
    return column.in_(person_ids)  # other databases: an expanding IN


def _read_episode_training(person_ids: list[int], until: date, cutoff: Cutoff) -> pd.DataFrame:
    """Run the one query of :func:`_episode_training_statement` into a normalised DataFrame
    (streamed into typed columns: it has a row per episode and counted session)."""
    rows = read_frame(_episode_training_statement(person_ids, until, cutoff), text=("modules",),
                      dates=("started_on", "held_on"))
    return _normalise_rows(rows)


def _result_frame(result: Result) -> pd.DataFrame:
    """A query result as a DataFrame, built column by column (every value as the driver gave it)."""
    names = list(result.keys())
    rows = result.all()
    columns = zip(*rows, strict=True) if rows else ([] for _ in names)
    return pd.DataFrame({name: pd.Series(list(values), dtype=object)
                         for name, values in zip(names, columns, strict=True)})


def _normalise_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Give the query's rows the same dtypes on every database (and when empty)."""
    out = pd.DataFrame(index=rows.index)
    for name in ("episode_id", "person_id", "provider_id"):
        out[name] = rows[name].astype("int64")
    out["started_on"] = _as_days(rows["started_on"])
    # Float ids: NaN marks an episode whose provider had no counted training.
    out["session_id"] = pd.to_numeric(rows["session_id"]).astype("float64")
    out["held_on"] = _as_days(rows["held_on"])
    out["modules"] = rows["modules"].astype(object).where(rows["modules"].notna(), None)
    out["hours_attended"] = pd.to_numeric(rows["hours_attended"]).astype("float64")
    return out


# --- aggregation --------------------------------------------------------------------------------


def _aggregate(req: pd.DataFrame, rows: pd.DataFrame, cutoff: Cutoff) -> pd.DataFrame:
    """Apply the rules to the requests ``req`` (``_req``, ``person_id``, ``ref_date``)."""
    index = pd.RangeIndex(len(req))

    # Rule 1: the relevant episodes of each request.
    episodes = rows.drop_duplicates("episode_id")[["person_id", "provider_id", "started_on"]]
    relevant = req.merge(episodes, on="person_id")
    relevant = relevant[relevant["started_on"] <= relevant["ref_date"]]
    first_start = relevant.groupby("_req")["started_on"].min()

    # Rule 4: each provider once per request, at the latest of their relevant episode starts.
    providers = relevant.groupby(["_req", "provider_id"], as_index=False).agg(
        person_id=("person_id", "first"),
        ref_date=("ref_date", "first"),
        latest_start=("started_on", "max"),
    )
    n_providers = providers.groupby("_req").size()

    # Rules 2 and 3 were applied in the SQL join (for the default cutoff); take the training rows
    # of each provider's latest relevant episode. Several episodes starting that same day carry
    # the same rows: keep each session once per (request, provider).
    training = rows.loc[
        rows["session_id"].notna(),
        ["person_id", "provider_id", "started_on", "session_id", "held_on", "hours_attended",
         "modules"],
    ]
    counted = providers.merge(
        training,
        left_on=["person_id", "provider_id", "latest_start"],
        right_on=["person_id", "provider_id", "started_on"],
    )
    if cutoff == "reference_date":
        counted = counted[counted["held_on"] < counted["ref_date"]]
    counted = counted.drop_duplicates(["_req", "provider_id", "session_id"])

    provider_hours = counted.groupby(["_req", "provider_id"])["hours_attended"].sum()
    per_request = provider_hours.groupby(level="_req")
    n_trained = per_request.size()
    last_held = counted.groupby("_req")["held_on"].max()

    out = pd.DataFrame(index=index)
    out["n_trained_providers"] = n_trained.reindex(index, fill_value=0).to_numpy("int64")
    out["trained"] = out["n_trained_providers"] > 0
    out["n_providers"] = n_providers.reindex(index, fill_value=0).to_numpy("int64")
    out["training_hours"] = per_request.sum().reindex(index, fill_value=0.0).to_numpy("float64")
    out["max_provider_hours"] = (
        per_request.max().reindex(index, fill_value=0.0).to_numpy("float64")
    )
    since = req["ref_date"].to_numpy() - last_held.reindex(index).astype(_DAY_DTYPE).to_numpy()
    out["months_since_training"] = pd.Series(since).dt.days.to_numpy("float64") / DAYS_PER_MONTH
    modules = _module_union(counted.rename(columns={"_req": "_key"}))
    out["modules"] = modules.reindex(index, fill_value="").to_numpy(object)
    out["first_episode_start"] = first_start.reindex(index).astype(_DAY_DTYPE).to_numpy()
    return out


def _module_union(counted: pd.DataFrame) -> pd.Series:
    """Sorted, comma-separated union of session modules per ``_key`` (only keys with any).

    Each module code is a bit; a session's modules are a bit mask, and a key's union is the
    bitwise OR of its sessions' masks, reduced in numpy rather than set by set in Python. Keys
    share few distinct unions, so each distinct mask is spelled out once.
    """
    pairs = counted[["_key", "session_id"]].drop_duplicates()
    sessions = counted[["session_id", "modules"]].drop_duplicates("session_id")
    codes = (
        sessions.assign(module=sessions["modules"].map(split_codes))
        .explode("module")
        .dropna(subset=["module"])[["session_id", "module"]]
        .drop_duplicates()
    )
    vocabulary = sorted(set(codes["module"]))
    if not vocabulary:
        return pd.Series([], index=pd.Index([], dtype="int64"), dtype=object)
    # Python integers once the codes outgrow an int64 (the vocabulary is free text in storage).
    dtype = "int64" if len(vocabulary) < 63 else object
    bits = {code: 1 << position for position, code in enumerate(vocabulary)}
    session_mask = codes["module"].map(bits).astype(dtype).groupby(codes["session_id"]).sum()
    pairs = pairs[pairs["session_id"].isin(session_mask.index)].sort_values("_key", kind="stable")
    keys = pairs["_key"].to_numpy()
    masks = pairs["session_id"].map(session_mask).to_numpy(dtype)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    union = np.bitwise_or.reduceat(masks, starts)
    text = {
        mask: ",".join(code for code, bit in bits.items() if int(mask) & bit)
        for mask in set(union.tolist())
    }
    return pd.Series([text[mask] for mask in union.tolist()], index=keys[starts], dtype=object)


# --- inputs -------------------------------------------------------------------------------------


def _check_cutoff(cutoff: str) -> None:
    if cutoff not in CUTOFFS:
        raise ValueError(f"cutoff must be one of {', '.join(CUTOFFS)}, not {cutoff!r}")


def _as_person_ids(values: pd.Series) -> np.ndarray:
    """Person ids as int64; raises ValueError for a missing or non-integer id."""
    if values.isna().any():
        raise ValueError("requests have rows without a person_id")
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any() or not np.all(np.mod(numbers.to_numpy("float64"), 1) == 0):
        raise ValueError("every person_id must be an integer")
    return numbers.to_numpy().astype("int64")


def _as_days(values: pd.Series) -> pd.Series:
    """Dates, datetimes, ISO strings or datetime64 values as midnight timestamps (NaT kept).

    SQLAlchemy returns ``date`` objects on SQLite and PostgreSQL alike; a raw read could return
    ISO strings; requests may hold any of these. Times of day are dropped, and so are time zones
    (the local day is kept).

    Raises:
        ValueError: for a value that is not a date.
    """
    try:
        days = pd.to_datetime(values, format="ISO8601")
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"not a date: {exc}") from exc
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        days = days.dt.tz_localize(None)
    return days.dt.normalize().astype(_DAY_DTYPE)
