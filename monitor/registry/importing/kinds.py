"""The four kinds of import: their columns, the checks on each row, and the bulk inserts.

Each importer loads what it needs to look codes up with one query per table into dicts, checks
every row in Python as the rows stream past, runs the checks that need the whole file at the
end (one query per chunk of keys), and only then, if no row was bad, inserts with Core bulk
inserts in chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from monitor.clock import utcnow
from monitor.extensions import db
from monitor.models import (
    MODULES,
    PROFESSIONS,
    SERVICES,
    AssistanceEpisode,
    AssistedPerson,
    Organisation,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)
from monitor.models.registry import (
    AGE_BROAD_LABELS,
    EXPLOIT_TYPE_LABELS,
    GENDER_LABELS,
    MAJORITY_STATUS_LABELS,
)
from monitor.registry.display import region_name
from monitor.registry.importing.report import Report
from monitor.registry.importing.values import (
    BadValue,
    Vocabulary,
    fold,
    parse_country,
    parse_date,
    parse_number,
    parse_text,
    parse_year,
    shown,
)

#: Rows sent to the database in one statement.
INSERT_CHUNK = 5000
#: Keys sent in one ``IN (...)`` lookup.
LOOKUP_CHUNK = 900
#: Longest code (the models' column length).
CODE_LENGTH = 64

#: Distinct texts per column whose parsed value is remembered.
CACHE_SIZE = 20_000

BAD: Any = object()  # a cell that failed its check (already reported)
_MISS: Any = object()


@dataclass(frozen=True, slots=True)
class _Failed:
    """A remembered parse failure."""

    reason: str


PROFESSION_VOCAB = Vocabulary(PROFESSIONS, _l("Unknown profession; use one of: %(codes)s."))
MODULE_VOCAB = Vocabulary(MODULES, _l("Unknown module; use one of: %(codes)s."),
                          _l("Unknown module %(items)s; use codes from: %(codes)s."))
SERVICE_VOCAB = Vocabulary(SERVICES, _l("Unknown service; use one of: %(codes)s."),
                           _l("Unknown service %(items)s; use codes from: %(codes)s."))
GENDER_VOCAB = Vocabulary(GENDER_LABELS, _l("Unknown gender; use one of: %(codes)s."))
AGE_VOCAB = Vocabulary(AGE_BROAD_LABELS, _l("Unknown age group; use one of: %(codes)s."))
MAJORITY_VOCAB = Vocabulary(MAJORITY_STATUS_LABELS,
                            _l("Unknown majority status; use one of: %(codes)s."))
EXPLOIT_VOCAB = Vocabulary(EXPLOIT_TYPE_LABELS,
                           _l("Unknown type of exploitation; use one of: %(codes)s."))
MINOR_AGES = frozenset({"0--8", "9--17"})

Row = Sequence[Any]


@dataclass(frozen=True)
class Column:
    """A column of an import file, documented for the import page and the CSV template.

    ``required`` is "yes" (the column must be there and every row needs a value), "no", or
    "new session" (needed on the row that first names a session not yet in the registry).
    ``choices`` are the allowed (code, label) pairs; the texts are lazy, drawn in the page's
    language.
    """

    name: str
    required: str
    description: str
    allowed: str = ""
    example: str = ""
    choices: tuple[tuple[str, str], ...] = ()


def _codes(vocab: Vocabulary) -> tuple[tuple[str, str], ...]:
    return tuple(vocab.labels.items())


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_blank(raw: Any) -> bool:
    return raw is None or (raw.__class__ is str and not raw.strip())


def parse_code(raw: Any) -> str:
    """A pseudonymous code: text up to 64 characters.

    Raises:
        BadValue: see ``parse_text``.
    """
    return parse_text(raw, CODE_LENGTH)


class RegionLookup:
    """Regions by code or name (English, Ukrainian, Russian; "Чернівецька" or "Чернівецька обл."
    for "Чернівецька область"), in any case, with or without apostrophes; one query."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        self.label: dict[int, str] = {}
        regions = db.session.scalars(select(Region)).all()
        short: dict[str, set[int]] = {}
        for region in regions:
            self.label[region.id] = f"{region_name(region)} ({region.code})"
            for name in (region.code, region.name, region.name_uk, region.name_ru):
                if name:
                    self.by_key.setdefault(fold(name), region.id)
                    short.setdefault(_short_region(fold(name)), set()).add(region.id)
        for key, ids in short.items():
            if key and len(ids) == 1:  # a short form two regions share names neither
                self.by_key.setdefault(key, next(iter(ids)))
        codes = sorted(region.code for region in regions)
        if not codes:
            self.unknown = _("Unknown region; no regions are registered yet.")
        elif len(codes) <= 30:
            self.unknown = _("Unknown region; use a region code or name; known codes: %(codes)s.",
                             codes=", ".join(codes))
        else:
            self.unknown = _("Unknown region; use a region code such as UA-77 or the region's name.")

    def parse(self, raw: Any) -> int:
        """Raises: BadValue for a region that is not registered."""
        key = fold(str(raw))
        region_id = self.by_key.get(key)
        if region_id is None:
            region_id = self.by_key.get(_short_region(key))
        if region_id is None:
            raise BadValue(self.unknown)
        return region_id


_REGION_WORD = re.compile(r"(?<!\w)(?:область|обл\.?)(?!\w)")


def _short_region(folded: str) -> str:
    """A folded region name without the word for region ("чернівецька область" -> "чернівецька")."""
    return " ".join(_REGION_WORD.sub(" ", folded).split())


class CodeLookup:
    """Existing codes of a table -> id, with a case-insensitive fallback for helpful messages."""

    def __init__(self, code_column: Any, id_column: Any) -> None:
        self.ids: dict[str, int] = dict(db.session.execute(select(code_column, id_column)).all())
        self._folded: dict[str, str] | None = None

    def similar(self, code: str) -> str | None:
        """An existing code that differs from ``code`` only in capitals, if any."""
        if self._folded is None:
            self._folded = {existing.casefold(): existing for existing in self.ids}
        return self._folded.get(code.casefold())


class Importer:
    """Base of the four importers; subclasses set ``columns`` and the four steps."""

    columns: ClassVar[tuple[Column, ...]] = ()
    main_table: ClassVar[str] = ""

    def __init__(self, report: Report, positions: dict[str, int], today: date) -> None:
        self.report = report
        self.pos = positions
        self.today = today
        self._cache: dict[str, dict[str, Any]] = {column: {} for column in positions}

    # The steps, in order ------------------------------------------------------------------
    def load(self) -> None:
        """Load the reference data, one query per table."""

    def check(self, n: int, cells: Row) -> None:
        """Check one data row (numbered ``n``), reporting every problem found in it."""
        raise NotImplementedError

    def finish(self) -> None:
        """Checks that need the whole file (duplicates against the database)."""

    def write(self) -> dict[str, int]:
        """Insert the checked rows; return rows created per table name."""
        raise NotImplementedError

    # Helpers ------------------------------------------------------------------------------
    @property
    def clean(self) -> bool:
        """No problem found so far: checked rows are still worth keeping for the insert."""
        return self.report.count == 0

    def value(
        self,
        n: int,
        cells: Row,
        column: str,
        parse: Callable[[Any], Any],
        required: bool = False,
        cached: bool = True,
    ) -> Any:
        """The parsed cell, None when blank, or BAD after reporting why it cannot be used.

        Text cells are parsed once per distinct text and column (``cached``): dates, regions,
        hours and modules repeat on every row of a session. Pass ``cached=False`` when
        ``parse`` depends on more than the cell.
        """
        raw = cells[self.pos[column]]
        cache = self._cache.get(column) if cached and raw.__class__ is str else None
        if cache is not None:
            hit = cache.get(raw, _MISS)
            if hit is not _MISS:
                if hit.__class__ is _Failed:
                    self.report.add(n, column, shown(raw), hit.reason)
                    return BAD
                return hit
        if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
            if required:
                self.report.add(n, column, "", _("Required; the cell is empty."))
                return BAD
            return None
        try:
            parsed = parse(raw)
        except BadValue as exc:
            if cache is not None and len(cache) < CACHE_SIZE:
                cache[raw] = _Failed(exc.reason)
            self.report.add(n, column, shown(raw), exc.reason)
            return BAD
        if cache is not None and len(cache) < CACHE_SIZE:
            cache[raw] = parsed
        return parsed

    def raw(self, cells: Row, column: str) -> Any:
        return cells[self.pos[column]]

    def date(self, raw: Any) -> date:
        return parse_date(raw, self.today)

    def duplicate_code(self, n: int, column: str, code: str, existing: CodeLookup,
                       seen: dict[str, int], what: str) -> bool:
        """Report ``code`` if it is already registered or already earlier in the file.

        ``what`` is "provider" or "person" (see ``CODE_MESSAGES``).
        """
        if code in existing.ids:
            self.report.add(n, column, shown(code), str(CODE_MESSAGES[what]["registered"]))
            return True
        similar = existing.similar(code)
        if similar is not None:
            self.report.add(n, column, shown(code),
                            CODE_MESSAGES[what]["registered_as"] % {"similar": similar})
            return True
        key = code.casefold()
        first = seen.get(key)
        if first is not None:
            self.report.add(n, column, shown(code),
                            _("The same code is already used on row %(row)s.", row=first))
            return True
        seen[key] = n
        return False

    def known_code(self, lookup: CodeLookup, what: str) -> Callable[[Any], int]:
        """A parser turning a registered code into its id; ``what`` is "provider" or
        "assisted person" (see ``CODE_MESSAGES``)."""

        def parse(raw: Any) -> int:
            code = parse_code(raw)
            found = lookup.ids.get(code)
            if found is None:
                similar = lookup.similar(code)
                if similar is not None:
                    raise BadValue(CODE_MESSAGES[what]["did_you_mean"] % {"similar": similar})
                raise BadValue(str(CODE_MESSAGES[what]["unknown"]))
            return found

        return parse

    def insert_rows(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        """Bulk insert ``rows`` in chunks; return how many were inserted."""
        count = 0
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= INSERT_CHUNK:
                db.session.execute(insert(model.__table__), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            db.session.execute(insert(model.__table__), chunk)
            count += len(chunk)
        return count

    def message(self, created: dict[str, int]) -> str:
        raise NotImplementedError


#: What the importers say about codes, by the kind of record: whole sentences, so that every
#: language can inflect its nouns.
CODE_MESSAGES: dict[str, dict[str, Any]] = {
    "provider": {
        "registered": _l("A provider with this code is already registered."),
        "registered_as": _l("A provider with the code %(similar)s is already registered; codes may "
                            "not differ only in capital letters."),
        "unknown": _l("No provider with this code is registered."),
        "did_you_mean": _l("No provider with this code; did you mean %(similar)s?"),
    },
    "person": {
        "registered": _l("A person with this code is already registered."),
        "registered_as": _l("A person with the code %(similar)s is already registered; codes may "
                            "not differ only in capital letters."),
    },
    "assisted person": {
        "unknown": _l("No assisted person with this code is registered."),
        "did_you_mean": _l("No assisted person with this code; did you mean %(similar)s?"),
    },
}


def _count(count: int) -> str:
    """A count as the officer's language writes it (1,234 or 1 234)."""
    return format_decimal(count)


# --------------------------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------------------------


class ProviderImporter(Importer):
    columns = (
        Column("code", "yes", _l("The provider's pseudonymous code; no names."),
               _l("Text up to 64 characters, new and unique."), "P-0001"),
        Column("profession", "yes", _l("What the provider does."),
               _l("A code or its label."), "social_worker", _codes(PROFESSION_VOCAB)),
        Column("region", "yes", _l("The region where the provider works."),
               _l("A region code or name, any case."), "UA-77"),
        Column("organisation", "no", _l("The state agency or NGO employing the provider."),
               _l("The name of an organisation already registered in that region."),
               _l("Regional Centre of Social Services")),
    )
    main_table = "provider"

    def load(self) -> None:
        self.regions = RegionLookup()
        self.organisations: dict[tuple[int, str], int] = {
            (region_id, fold(name)): org_id
            for org_id, region_id, name in db.session.execute(
                select(Organisation.id, Organisation.region_id, Organisation.name)
            )
        }
        self.existing = CodeLookup(Provider.code, Provider.id)
        self.seen: dict[str, int] = {}
        self.rows: list[tuple[str, str, int, int | None]] = []

    def check(self, n: int, cells: Row) -> None:
        before = self.report.count
        code = self.value(n, cells, "code", parse_code, required=True)
        profession = self.value(n, cells, "profession", PROFESSION_VOCAB.parse, required=True)
        region_id = self.value(n, cells, "region", self.regions.parse, required=True)
        organisation_id = None
        if "organisation" in self.pos and region_id is not BAD:
            organisation_id = self.value(
                n, cells, "organisation", lambda raw: self._organisation(raw, region_id),
                cached=False,
            )
        if code is not BAD:
            self.duplicate_code(n, "code", code, self.existing, self.seen, "provider")
        if self.report.count == before and self.clean:
            self.rows.append((code, profession, region_id, organisation_id))

    def _organisation(self, raw: Any, region_id: int) -> int:
        name = parse_text(raw, 200)
        found = self.organisations.get((region_id, fold(name)))
        if found is None:
            raise BadValue(_("No organisation of this name is registered in %(region)s.",
                             region=self.regions.label[region_id]))
        return found

    def write(self) -> dict[str, int]:
        now = utcnow()
        created = self.insert_rows(
            Provider,
            (
                {"code": code, "profession": profession, "region_id": region_id,
                 "organisation_id": organisation_id, "created_at": now}
                for code, profession, region_id, organisation_id in self.rows
            ),
        )
        return {"provider": created}

    def message(self, created: dict[str, int]) -> str:
        n = created["provider"]
        return ngettext("Imported %(count)s provider.", "Imported %(count)s providers.", n,
                        count=_count(n))


# --------------------------------------------------------------------------------------------
# Training attendance (creating the sessions that are new)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SessionInfo:
    """A training session as known from the registry (``row`` None) or from the file."""

    code: str
    held_on: date | None
    region_id: int | None
    hours: float | None
    modules: frozenset[str] | None
    module_list: tuple[str, ...] = ()
    id: int | None = None
    row: int | None = None


SESSION_FIELDS = ("session_date", "region", "session_hours", "modules")


def _hours(raw: Any) -> float:
    hours = parse_number(raw)
    if hours < 0:
        raise BadValue(_("Hours cannot be negative."))
    if hours > 10_000:
        raise BadValue(_("Implausibly many hours."))
    return hours


def _session_hours(raw: Any) -> float:
    hours = _hours(raw)
    if hours == 0:
        raise BadValue(_("A session must last more than 0 hours."))
    return hours


def _modules(raw: Any) -> tuple[str, ...]:
    return tuple(MODULE_VOCAB.parse_list(raw))


#: Column -> (message when the session is in the registry, when an earlier row gave it).
SESSION_DISAGREES: dict[str, tuple[Any, Any]] = {
    "session_date": (
        _l("Session %(code)s in the registry was held on %(date)s, not on this date."),
        _l("Session %(code)s as given on row %(row)s was held on %(date)s, not on this date."),
    ),
    "region": (
        _l("Session %(code)s in the registry was held in %(region)s, not in this region."),
        _l("Session %(code)s as given on row %(row)s was held in %(region)s, not in this region."),
    ),
    "session_hours": (
        _l("Session %(code)s in the registry lasted %(hours)s hours, not this many."),
        _l("Session %(code)s as given on row %(row)s lasted %(hours)s hours, not this many."),
    ),
    "modules": (
        _l("Session %(code)s in the registry taught %(modules)s; this row lists other modules."),
        _l("Session %(code)s as given on row %(row)s taught %(modules)s; this row lists other "
           "modules."),
    ),
}


class AttendanceImporter(Importer):
    columns = (
        Column("provider_code", "yes", _l("The code of a registered provider."),
               _l("A provider code already in the registry."), "P-0001"),
        Column("session_code", "yes", _l("The training session's code. A code not yet in the "
               "registry creates the session from this row's session columns."),
               _l("Text up to 64 characters."), "KH-2013-04"),
        Column("hours_attended", "yes", _l("Hours of the session this provider attended."),
               _l("A number from 0 up to the session's hours; 7.5 or 7,5."), "16"),
        Column("session_date", "new session", _l("The day the session was held."),
               _l("A date, not in the future; write dates as 2024-03-31 or 31.03.2024."),
               "2013-04-15"),
        Column("region", "new session", _l("The region where the session was held."),
               _l("A region code or name, any case."), "UA-63"),
        Column("session_hours", "new session", _l("How long the session lasted, in hours."),
               _l("A number more than 0."), "16"),
        Column("modules", "new session", _l("The modules the session taught."),
               _l("Codes or labels separated by , or ; or |."), "identification;referral",
               _codes(MODULE_VOCAB)),
    )
    main_table = "training_attendance"

    def load(self) -> None:
        self.regions = RegionLookup()
        self.providers = CodeLookup(Provider.code, Provider.id)
        self.sessions: dict[str, SessionInfo] = {}
        for sid, code, held_on, region_id, hours, modules in db.session.execute(
            select(TrainingSession.id, TrainingSession.code, TrainingSession.held_on,
                   TrainingSession.region_id, TrainingSession.hours, TrainingSession.modules)
        ):
            module_list = tuple(m for m in (modules or "").split(",") if m)
            self.sessions[code] = SessionInfo(code, held_on, region_id, hours,
                                              frozenset(module_list), module_list, id=sid)
        self.session_folded = {code.casefold(): code for code in self.sessions}
        self.new_sessions: dict[str, SessionInfo] = {}
        self.provider_id = self.known_code(self.providers, "provider")
        # (provider id, session code) -> row where first seen
        self.pairs: dict[tuple[int, str], int] = {}
        self.rows: list[tuple[int, str, float]] = []
        self.has_session_columns = {name: name in self.pos for name in SESSION_FIELDS}

    def check(self, n: int, cells: Row) -> None:
        before = self.report.count
        provider_id = self.value(n, cells, "provider_code", self.provider_id, required=True)
        code = self.value(n, cells, "session_code", parse_code, required=True)
        hours = self.value(n, cells, "hours_attended", _hours, required=True)
        given = {
            "session_date": self.value(n, cells, "session_date", self.date)
            if self.has_session_columns["session_date"] else None,
            "region": self.value(n, cells, "region", self.regions.parse)
            if self.has_session_columns["region"] else None,
            "session_hours": self.value(n, cells, "session_hours", _session_hours)
            if self.has_session_columns["session_hours"] else None,
            "modules": self.value(n, cells, "modules", _modules)
            if self.has_session_columns["modules"] else None,
        }
        session = None
        if code is not BAD:
            session = self._session(n, cells, code, given)
        if session is not None and hours is not BAD and session.hours is not None:
            if hours > session.hours + 1e-9:
                self.report.add(n, "hours_attended", shown(self.raw(cells, "hours_attended")),
                                _("More than the session's %(hours)s hours.",
                                  hours=format_decimal(session.hours)))
        if provider_id is not BAD and session is not None:
            key = (provider_id, session.code)
            first = self.pairs.get(key)
            if first is not None:
                self.report.add(
                    n, "provider_code", shown(self.raw(cells, "provider_code")),
                    _("This provider is already listed for session %(code)s on row %(row)s.",
                      code=session.code, row=first),
                )
            else:
                self.pairs[key] = n
        if self.report.count == before and self.clean:
            self.rows.append((provider_id, code, hours))

    def _session(self, n: int, cells: Row, code: str, given: dict[str, Any]) -> SessionInfo | None:
        session = self.sessions.get(code) or self.new_sessions.get(code)
        if session is None:
            similar = self.session_folded.get(code.casefold())
            if similar is not None:
                self.report.add(
                    n, "session_code", shown(code),
                    _("Session %(code)s is registered; codes may not differ only in capital "
                      "letters.", code=similar),
                )
                return None
            return self._new_session(n, code, given)
        date_given, region_given = given["session_date"], given["region"]
        hours_given, modules_given = given["session_hours"], given["modules"]
        if (date_given is not None and date_given is not BAD and session.held_on is not None
                and date_given != session.held_on):
            self._disagrees(n, cells, "session_date", session, date=f"{session.held_on:%Y-%m-%d}")
        if (region_given is not None and region_given is not BAD
                and session.region_id is not None and region_given != session.region_id):
            self._disagrees(n, cells, "region", session,
                            region=self.regions.label.get(session.region_id, "?"))
        if (hours_given is not None and hours_given is not BAD and session.hours is not None
                and abs(hours_given - session.hours) > 1e-9):
            self._disagrees(n, cells, "session_hours", session,
                            hours=format_decimal(session.hours))
        if (modules_given is not None and modules_given is not BAD
                and session.modules is not None and modules_given != session.module_list
                and frozenset(modules_given) != session.modules):
            self._disagrees(n, cells, "modules", session,
                            modules=", ".join(session.module_list) or _("no modules"))
        return session

    def _disagrees(self, n: int, cells: Row, column: str, session: SessionInfo, **values: Any) -> None:
        """Report that this row's ``column`` disagrees with the session as known before."""
        registry, earlier = SESSION_DISAGREES[column]
        message = registry if session.row is None else earlier
        self.report.add(n, column, shown(self.raw(cells, column)),
                        message % {"code": session.code, "row": session.row, **values})

    def _new_session(self, n: int, code: str, given: dict[str, Any]) -> SessionInfo:
        for column in SESSION_FIELDS:
            if given[column] is None:
                self.report.add(
                    n, column, "",
                    _("Required: session %(code)s is not registered, so this row creates it and "
                      "must give its date, region, hours and modules.", code=code),
                )

        def known(column: str) -> Any:
            value = given[column]
            return None if value is BAD else value

        modules = known("modules")
        session = SessionInfo(
            code, known("session_date"), known("region"), known("session_hours"),
            None if modules is None else frozenset(modules),
            tuple(modules or ()), row=n,
        )
        self.new_sessions[code] = session
        return session

    def finish(self) -> None:
        """Report attendance already recorded for registered sessions."""
        by_id = {s.id: s.code for s in self.sessions.values()}
        session_ids = sorted({self.sessions[code].id for (_, code) in self.pairs
                              if code in self.sessions})
        for chunk in _chunks(session_ids, LOOKUP_CHUNK):
            existing = db.session.execute(
                select(TrainingAttendance.provider_id, TrainingAttendance.session_id)
                .where(TrainingAttendance.session_id.in_(chunk))
            )
            for provider_id, session_id in existing:
                row = self.pairs.get((provider_id, by_id[session_id]))
                if row is not None:
                    self.report.add(row, "provider_code", None,
                                    _("Attendance of this provider at session %(code)s is already "
                                      "recorded.", code=by_id[session_id]))

    def write(self) -> dict[str, int]:
        new = list(self.new_sessions.values())
        self.insert_rows(
            TrainingSession,
            ({"code": s.code, "held_on": s.held_on, "region_id": s.region_id, "hours": s.hours,
              "modules": ",".join(s.module_list)} for s in new),
        )
        ids = {code: s.id for code, s in self.sessions.items()}
        for chunk in _chunks([s.code for s in new], LOOKUP_CHUNK):
            ids.update(db.session.execute(
                select(TrainingSession.code, TrainingSession.id)
                .where(TrainingSession.code.in_(chunk))
            ).all())
        created = self.insert_rows(
            TrainingAttendance,
            ({"provider_id": provider_id, "session_id": ids[code], "hours_attended": hours}
             for provider_id, code, hours in self.rows),
        )
        return {"training_session": len(new), "training_attendance": created}

    def message(self, created: dict[str, int]) -> str:
        records, sessions = created["training_attendance"], created["training_session"]
        text = ngettext("Imported %(count)s attendance record.", "Imported %(count)s attendance records.",
                        records, count=_count(records))
        if sessions:
            text += " " + ngettext("It created %(count)s new training session.",
                                   "It created %(count)s new training sessions.",
                                   sessions, count=_count(sessions))
        return text


# --------------------------------------------------------------------------------------------
# Assisted persons
# --------------------------------------------------------------------------------------------


class PersonImporter(Importer):
    columns = (
        Column("code", "yes", _l("The person's pseudonymous code; no names, no contact details."),
               _l("Text up to 64 characters, new and unique."), "V-0001"),
        Column("region", "yes", _l("The region where the person is assisted."),
               _l("A region code or name, any case."), "UA-77"),
        Column("referred_on", "no", _l("The day the person was referred through the NRM."),
               _l("A date, not in the future; write dates as 2024-03-31 or 31.03.2024."),
               "2014-02-01"),
        Column("gender", "no", _l("CTDC gender."), _l("One of the values listed."), "Female",
               _codes(GENDER_VOCAB)),
        Column("ageBroad", "no", _l("CTDC age group."), _l("One of the values listed."), "18--20",
               _codes(AGE_VOCAB)),
        Column("majorityStatus", "no", _l("CTDC majority status; must agree with ageBroad."),
               _l("One of the values listed."), "Adult", _codes(MAJORITY_VOCAB)),
        Column("citizenship", "no", _l("Country of citizenship."),
               _l("A two-letter ISO 3166-1 code."), "UA"),
        Column("typeOfExploit", "no", _l("CTDC type of exploitation."), _l("One of the values listed."),
               "Forced labour", _codes(EXPLOIT_VOCAB)),
        Column("CountryOfExploitation", "no", _l("Country where the person was exploited."),
               _l("A two-letter ISO 3166-1 code."), "PL"),
        Column("yearOfRegistration", "no", _l("Year the case was registered."),
               _l("A four-digit year, not in the future."), "2014"),
    )
    main_table = "assisted_person"

    def load(self) -> None:
        self.regions = RegionLookup()
        self.existing = CodeLookup(AssistedPerson.code, AssistedPerson.id)
        self.seen: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.optional = [name for name in ("referred_on", "gender", "ageBroad", "majorityStatus",
                                           "citizenship", "typeOfExploit",
                                           "CountryOfExploitation", "yearOfRegistration")
                         if name in self.pos]
        self.parsers: dict[str, Callable[[Any], Any]] = {
            "referred_on": self.date,
            "gender": GENDER_VOCAB.parse,
            "ageBroad": AGE_VOCAB.parse,
            "majorityStatus": MAJORITY_VOCAB.parse,
            "citizenship": parse_country,
            "typeOfExploit": EXPLOIT_VOCAB.parse,
            "CountryOfExploitation": parse_country,
            "yearOfRegistration": lambda raw: parse_year(raw, self.today),
        }
        self.attribute = {"referred_on": "referred_on", "gender": "gender",
                          "ageBroad": "age_broad", "majorityStatus": "majority_status",
                          "citizenship": "citizenship", "typeOfExploit": "type_of_exploit",
                          "CountryOfExploitation": "country_of_exploitation",
                          "yearOfRegistration": "year_of_registration"}

    def check(self, n: int, cells: Row) -> None:
        before = self.report.count
        code = self.value(n, cells, "code", parse_code, required=True)
        region_id = self.value(n, cells, "region", self.regions.parse, required=True)
        values = {name: self.value(n, cells, name, self.parsers[name]) for name in self.optional}
        age, majority = values.get("ageBroad"), values.get("majorityStatus")
        if age not in (None, BAD) and majority not in (None, BAD):
            expected = "Minor" if age in MINOR_AGES else "Adult"
            if majority != expected:
                self.report.add(n, "majorityStatus", shown(self.raw(cells, "majorityStatus")),
                                _("Does not agree with ageBroad %(age)s (%(status)s).", age=age,
                                  status=str(MAJORITY_STATUS_LABELS[expected]).lower()))
        if code is not BAD:
            self.duplicate_code(n, "code", code, self.existing, self.seen, "person")
        if self.report.count == before and self.clean:
            row = {"code": code, "region_id": region_id}
            row.update((self.attribute[name], value) for name, value in values.items())
            self.rows.append(row)

    def write(self) -> dict[str, int]:
        now = utcnow()
        attributes = list(self.attribute.values())

        def complete(row: dict[str, Any]) -> dict[str, Any]:
            full = dict.fromkeys(attributes)
            full.update(row)
            full["created_at"] = now
            return full

        created = self.insert_rows(AssistedPerson, (complete(row) for row in self.rows))
        return {"assisted_person": created}

    def message(self, created: dict[str, int]) -> str:
        n = created["assisted_person"]
        return ngettext("Imported %(count)s assisted person.", "Imported %(count)s assisted persons.", n,
                        count=_count(n))


# --------------------------------------------------------------------------------------------
# Assistance episodes
# --------------------------------------------------------------------------------------------


class EpisodeImporter(Importer):
    columns = (
        Column("person_code", "yes", _l("The code of a registered assisted person."),
               _l("An assisted person's code already in the registry."), "V-0001"),
        Column("provider_code", "yes", _l("The code of the registered provider who assisted."),
               _l("A provider code already in the registry."), "P-0001"),
        Column("started_on", "yes", _l("The day the assistance started."),
               _l("A date, not in the future; write dates as 2024-03-31 or 31.03.2024."),
               "2014-03-01"),
        Column("ended_on", "no", _l("The day it ended; empty while it goes on."),
               _l("A date on or after started_on, not in the future."), "2014-06-30"),
        Column("services", "no", _l("The services given."),
               _l("Codes or labels separated by , or ; or |."), "shelter;medical",
               _codes(SERVICE_VOCAB)),
    )
    main_table = "assistance_episode"

    def load(self) -> None:
        self.persons = CodeLookup(AssistedPerson.code, AssistedPerson.id)
        self.providers = CodeLookup(Provider.code, Provider.id)
        self.person_id = self.known_code(self.persons, "assisted person")
        self.provider_id = self.known_code(self.providers, "provider")
        # (person id, provider id, start) -> row where first seen
        self.keys: dict[tuple[int, int, date], int] = {}
        self.rows: list[tuple[int, int, date, date | None, str]] = []

    def check(self, n: int, cells: Row) -> None:
        before = self.report.count
        person_id = self.value(n, cells, "person_code", self.person_id, required=True)
        provider_id = self.value(n, cells, "provider_code", self.provider_id, required=True)
        started = self.value(n, cells, "started_on", self.date, required=True)
        ended = self.value(n, cells, "ended_on", self.date) if "ended_on" in self.pos else None
        services = (self.value(n, cells, "services", SERVICE_VOCAB.parse_list)
                    if "services" in self.pos else None)
        if started not in (None, BAD) and ended not in (None, BAD) and ended < started:
            self.report.add(n, "ended_on", shown(self.raw(cells, "ended_on")),
                            _("Ends before it starts (started_on is %(date)s).",
                              date=f"{started:%Y-%m-%d}"))
        if BAD not in (person_id, provider_id, started):
            key = (person_id, provider_id, started)
            first = self.keys.get(key)
            if first is not None:
                self.report.add(n, "started_on", shown(self.raw(cells, "started_on")),
                                _("The same episode (person, provider, start) is already on "
                                  "row %(row)s.", row=first))
            else:
                self.keys[key] = n
        if self.report.count == before and self.clean:
            self.rows.append((person_id, provider_id, started, ended,
                              ",".join(services) if services not in (None, BAD) else ""))

    def finish(self) -> None:
        """Report episodes already registered (same person, provider and start)."""
        person_ids = sorted({person_id for person_id, _, _ in self.keys})
        for chunk in _chunks(person_ids, LOOKUP_CHUNK):
            existing = db.session.execute(
                select(AssistanceEpisode.person_id, AssistanceEpisode.provider_id,
                       AssistanceEpisode.started_on)
                .where(AssistanceEpisode.person_id.in_(chunk))
            )
            for key in existing:
                row = self.keys.get(tuple(key))
                if row is not None:
                    self.report.add(row, "started_on", None,
                                    _("This episode (person, provider, start) is already registered."))

    def write(self) -> dict[str, int]:
        created = self.insert_rows(
            AssistanceEpisode,
            ({"person_id": person_id, "provider_id": provider_id, "started_on": started,
              "ended_on": ended, "services": services}
             for person_id, provider_id, started, ended, services in self.rows),
        )
        return {"assistance_episode": created}

    def message(self, created: dict[str, int]) -> str:
        n = created["assistance_episode"]
        return ngettext("Imported %(count)s assistance episode.", "Imported %(count)s assistance episodes.",
                        n, count=_count(n))


@dataclass(frozen=True)
class ImportKind:
    """One kind of import as the page lists it."""

    name: str
    title: str
    summary: str
    importer: type[Importer]

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.importer.columns

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required == "yes")


IMPORT_KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind("providers", _l("Providers"),
                   _l("People who assist victims, one row each, known by a pseudonymous code."),
                   ProviderImporter),
        ImportKind("attendance", _l("Training attendance"),
                   _l("Who attended which training session and for how many hours. Sessions not "
                      "yet registered are created from the first row that names them."),
                   AttendanceImporter),
        ImportKind("persons", _l("Assisted persons"),
                   _l("Persons referred through the NRM, by pseudonymous code, with the CTDC "
                      "covariates under their CTDC names."),
                   PersonImporter),
        ImportKind("episodes", _l("Assistance episodes"),
                   _l("Which provider assisted which person, from when to when, with which "
                      "services."),
                   EpisodeImporter),
    )
}
