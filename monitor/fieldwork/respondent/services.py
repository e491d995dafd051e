"""The rules of the respondent's path: exchanging a link for a session, consent, page saves,
the single submit, the end of a session.

Services take a :class:`Visit` (plain values read with Core statements, never ORM objects, so a
commit expires and reloads nothing), write with explicit statements inside the request's
transaction and raise the domain errors below; the request edge (``views``) commits once.
Every write that must not race is one conditional SQL statement, so the rules hold with any
number of server processes on one database:

* the response row is created with insert-or-ignore on its unique ``invitation_id``;
* a page save first touches the response ``WHERE status = 'draft'`` (which also takes its row
  lock, and returns the answers as stored under it), then upserts the answers that changed
  and deletes the keys that were cleared;
* the submit is one ``UPDATE ... SET status = 'submitted' WHERE status = 'draft' AND
  updated_at = <as read>``: one of any number of parallel submits wins, the others see the
  submitted response, and a page saved in another tab in between is never submitted unchecked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from monitor import clock, throttle
from monitor.extensions import db
from monitor.fieldwork.models import Answer, Invitation, RespondentSession, Response
from monitor.fieldwork.tokens import looks_like_token, new_token, token_hash
from surveys import rendering
from surveys.models import SurveyVersion
from surveys.rendering import SectionForm, SectionParts
from surveys.schema import LANGUAGES, QuestionType, Section, Survey, Text

#: Failed link look-ups allowed per client address in a window (counted in the database).
TOKEN_FAILURE_LIMIT = 10
TOKEN_FAILURE_WINDOW = timedelta(minutes=15)
#: A respondent session left alone this long is over (the link opens a new one).
SESSION_IDLE = timedelta(hours=24)
#: ``last_seen_at`` is written at most this often (a write per page view would cost more).
SEEN_EVERY = timedelta(minutes=5)
#: ``Response.current_section`` when the respondent is on the review page.
REVIEW = "@review"
#: Keys an instrument's own consent question may have (yes/no); the library uses the first.
CONSENT_KEYS = ("consent_given", "consent")


def utcnow() -> datetime:
    """Now in UTC without a zone: what the raw statements below compare stored times with."""
    return clock.utcnow().replace(tzinfo=None)


def today() -> date:
    """The programme's date (the same calendar as the officers' due lists and expiry)."""
    return clock.programme_today()


# --- errors ----------------------------------------------------------------------------------

class RespondentError(Exception):
    """Something the respondent is told in plain words instead of seeing the survey."""


class TooManyAttempts(RespondentError):
    """This client tried too many links that do not exist; it must wait."""


class LinkUnknown(RespondentError):
    """No invitation has this token (or it is not even shaped like one)."""


class LinkClosed(RespondentError):
    """The invitation exists but does not open the survey now.

    ``reason`` is ``expired``, ``revoked``, ``not_open``, ``completed`` or ``declined``;
    ``instrument`` tells the page which languages the survey offers.
    """

    def __init__(self, reason: str, invitation: InvitationState, instrument: Instrument) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation
        self.instrument = instrument


class SessionOver(RespondentError):
    """The browser holds no live respondent session (never opened, ended, or idle too long)."""


class ResponseClosed(RespondentError):
    """The response is no longer a draft (submitted or declined): nothing may change it."""


class AnswersChanged(RespondentError):
    """The answers changed (another tab saved a page) between reading and submitting them."""


class AnswersInvalid(RespondentError):
    """A page the respondent goes through has answers that do not pass its checks."""

    def __init__(self, index: int, form: SectionForm) -> None:
        super().__init__(f"section {index} has errors")
        self.index = index
        self.form = form


# --- the instrument as respondents see it ----------------------------------------------------

@dataclass(frozen=True)
class Instrument:
    """A survey version prepared for respondents.

    ``pages`` is the survey without its own consent question (the consent page asks once and
    pre-answers it, under ``consent_key``); a section that held only that question and notes is
    dropped and its notes (``intro``) are shown on the consent page. ``full`` is the survey as
    published, by which answers are read.

    A cached instrument is shared by every request of the process: nothing may change it (the
    forms and pages built from it only read it).

    ``kinds`` (how each stored answer is read) and the sections' form parts (see
    :meth:`parts`) are worked out once per instrument: a cached instrument is a published
    version's, which never changes; one that is not cached (a draft's) lives for one request.
    """

    version_id: int
    full: Survey
    pages: Survey
    consent_key: str | None
    intro: tuple[Text, ...]
    kinds: Mapping[str, QuestionType] = field(default_factory=dict)
    _parts: dict[tuple[int, str], SectionParts] = field(default_factory=dict, compare=False,
                                                         repr=False)

    def section_index(self, key: str) -> int | None:
        return next((i for i, s in enumerate(self.pages.sections) if s.key == key), None)

    def parts(self, index: int, language: str) -> SectionParts:
        """The form parts of page ``index`` in ``language``, made once: WTForms' unbound
        fields (labels, options, messages in that language) and the unanswered questions'
        HTML. Bounded by the pages times the three languages."""
        language = rendering.pick_language(self.pages, language)
        found = self._parts.get((index, language))
        if found is None:
            found = self._parts[index, language] = rendering.section_parts(
                self.pages, self.pages.sections[index], language)
        return found

    def form(self, index: int, language: str, answers: Mapping[str, Any],
             formdata=None) -> SectionForm:
        """The form of page ``index`` (see ``rendering.build_form``), from the kept parts."""
        return rendering.build_form(self.pages, self.pages.sections[index], language, answers,
                                    formdata=formdata, parts=self.parts(index, language))


class _InstrumentCache:
    """Instruments of published versions, least recently used dropped beyond ``size``.

    Only immutable data lives here: a published version never changes (the database's
    triggers refuse it), so every process may keep its own copy and any process can rebuild
    it from the database; nothing that must hold across workers is kept in process memory.
    Drafts are never cached (the designer edits them). The key holds the publication time too,
    so a database rebuilt under a running server (the demo's reset) never serves another
    survey under a reused id.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int, datetime], Instrument] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, datetime]) -> Instrument | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[int, int, datetime], instrument: Instrument) -> None:
        with self._lock:
            self._items[key] = instrument
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


#: Instruments of published versions, per process (see :class:`_InstrumentCache`).
INSTRUMENTS = _InstrumentCache(size=64)


def instrument_for(version: SurveyVersion) -> Instrument:
    """The version prepared for respondents (cached when published, see ``INSTRUMENTS``)."""
    return _instrument(version.id, version.survey_id, version.status, version.published_at,
                       lambda: version.definition)


def _instrument(version_id: int, survey_id: int, status: str, published_at: datetime | None,
                definition=None) -> Instrument:
    """The instrument of a version whose row says ``status`` and ``published_at``; the
    definition is read (``definition()``, else from the database) only when not cached."""
    key = (version_id, survey_id, published_at) \
        if status == "published" and published_at is not None else None
    if key is not None:
        cached = INSTRUMENTS.get(key)
        if cached is not None:
            return cached
    if definition is not None:
        document = definition()
    else:
        document = _sql(_VERSION_DEFINITION, {"version_id": version_id}).scalar()
    instrument = prepare(version_id, Survey.from_dict(document or {}))
    if key is not None:
        INSTRUMENTS.put(key, instrument)
    return instrument


def prepare(version_id: int, full: Survey) -> Instrument:
    """Split the survey's own consent question off its pages (see :class:`Instrument`)."""
    pages = Survey.from_dict(full.to_dict())
    consent_key: str | None = None
    intro: list[Text] = []
    for section in list(pages.sections):
        question = next((q for q in section.questions
                         if q.key in CONSENT_KEYS and q.type == QuestionType.yes_no), None)
        if question is None:
            continue
        consent_key = question.key
        section.questions.remove(question)
        rest = [q for q in section.questions if q.type != QuestionType.calculate]
        if all(q.type == QuestionType.note for q in rest):
            intro = [q.label for q in rest if not q.relevant]
            pages.sections.remove(section)
        break
    return Instrument(version_id=version_id, full=full, pages=pages, consent_key=consent_key,
                      intro=tuple(intro), kinds=rendering.answer_kinds(full))


# --- what a request reads: plain values, never ORM objects ------------------------------------
#
# A visit holds the columns it needs as plain values, read with Core statements built once.
# Nothing is an ORM object, so the commit at the end of a write expires nothing and nothing is
# lazily reloaded afterwards; every write is an explicit UPDATE/INSERT whose effect the service
# also applies to these values.

_session_t = RespondentSession.__table__
_invitation_t = Invitation.__table__
_response_t = Response.__table__
_answer_t = Answer.__table__
_version_t = SurveyVersion.__table__


@dataclass
class SessionState:
    """The respondent session's row, as read."""

    session_hash: str
    language: str
    last_seen_at: datetime


@dataclass
class InvitationState:
    """The invitation's row, as read."""

    id: int
    status: str
    opens_on: date
    closes_on: date
    wave: str
    survey_version_id: int


@dataclass
class ResponseState:
    """The response's row, as read (and as this request's own writes left it)."""

    id: int
    status: str
    consent: str | None
    language: str
    current_section: str | None
    updated_at: datetime


_INVITATION_COLUMNS = (
    _invitation_t.c.id.label("invitation_id"), _invitation_t.c.status.label("invitation_status"),
    _invitation_t.c.opens_on, _invitation_t.c.closes_on, _invitation_t.c.wave,
    _invitation_t.c.survey_version_id,
    _version_t.c.survey_id, _version_t.c.status.label("version_status"),
    _version_t.c.published_at)
_RESPONSE_COLUMNS = (
    _response_t.c.id.label("response_id"), _response_t.c.status.label("response_status"),
    _response_t.c.consent, _response_t.c.language.label("response_language"),
    _response_t.c.current_section, _response_t.c.updated_at)

#: The whole visit in one statement: session, invitation, version, response (and, added per
#: database in ``_statements``, the answers as one JSON object).
_VISIT = (
    select(_session_t.c.session_hash, _session_t.c.language.label("session_language"),
           _session_t.c.last_seen_at, *_INVITATION_COLUMNS, *_RESPONSE_COLUMNS)
    .select_from(_session_t
                 .join(_invitation_t, _invitation_t.c.id == _session_t.c.invitation_id)
                 .join(_version_t, _version_t.c.id == _invitation_t.c.survey_version_id)
                 .join(_response_t, _response_t.c.invitation_id == _invitation_t.c.id))
    .where(_session_t.c.session_hash == bindparam("session_hash"),
           _session_t.c.ended_at.is_(None)))
_INVITATION_BY_TOKEN = (
    select(*_INVITATION_COLUMNS)
    .select_from(_invitation_t.join(_version_t,
                                    _version_t.c.id == _invitation_t.c.survey_version_id))
    .where(_invitation_t.c.token_hash == bindparam("token_hash")))
_RESPONSE_OF_INVITATION = select(*_RESPONSE_COLUMNS).where(
    _response_t.c.invitation_id == bindparam("invitation_id"))
_VERSION_DEFINITION = select(_version_t.c.definition).where(
    _version_t.c.id == bindparam("version_id"))
_ANSWERS = select(_answer_t.c.question_key, _answer_t.c.value).where(
    _answer_t.c.response_id == bindparam("response_id"))
_SEEN = (update(_session_t).where(_session_t.c.session_hash == bindparam("hash"))
         .values(last_seen_at=bindparam("now")))
_IDLE_END = (update(_session_t).where(_session_t.c.session_hash == bindparam("hash"),
                                      _session_t.c.ended_at.is_(None))
             .values(ended_at=bindparam("now")))
_TOUCH_DRAFT = (update(_response_t)
                .where(_response_t.c.id == bindparam("response_id"),
                       _response_t.c.status == "draft")
                .values(current_section=bindparam("section"), updated_at=bindparam("now")))
_INVITATION_OPENED = (update(_invitation_t)
                      .where(_invitation_t.c.id == bindparam("invitation_id"),
                             _invitation_t.c.status == "pending")
                      .values(status="opened", opened_at=bindparam("now")))
_NEW_SESSION = insert(_session_t).values(
    session_hash=bindparam("hash"), invitation_id=bindparam("invitation_id"),
    language=bindparam("language"), created_at=bindparam("now"), last_seen_at=bindparam("now"))
_CONSENT_GIVEN = (update(_response_t)
                  .where(_response_t.c.id == bindparam("response_id"),
                         _response_t.c.status == "draft")
                  .values(consent="given", updated_at=bindparam("now"),
                          language=bindparam("language")))
_INVITATION_IN_PROGRESS = (update(_invitation_t)
                           .where(_invitation_t.c.id == bindparam("invitation_id"),
                                  _invitation_t.c.status.in_(("pending", "opened")))
                           .values(status="in_progress"))
#: The single submit: only a draft, and only the answers as read (``updated_at`` unchanged).
_SUBMIT = (update(_response_t)
           .where(_response_t.c.id == bindparam("response_id"), _response_t.c.status == "draft",
                  _response_t.c.updated_at == bindparam("revision"))
           .values(status="submitted", submitted_at=bindparam("now"), updated_at=bindparam("now"),
                   current_section=None))
_INVITATION_COMPLETED = (update(_invitation_t)
                         .where(_invitation_t.c.id == bindparam("invitation_id"))
                         .values(status="completed", completed_at=bindparam("now")))
_RESPONSE_STATUS = select(_response_t.c.status, _response_t.c.consent,
                          _response_t.c.updated_at).where(
    _response_t.c.id == bindparam("response_id"))


def _sql(statement, parameters=None):
    """Run a Core statement on the session's connection (in its transaction): the ORM's own
    execute path does nothing for statements without ORM entities but costs a third more."""
    return db.session.connection().execute(statement, parameters)


def _invitation_state(row) -> InvitationState:
    return InvitationState(id=row.invitation_id, status=row.invitation_status,
                           opens_on=row.opens_on, closes_on=row.closes_on, wave=row.wave,
                           survey_version_id=row.survey_version_id)


def _response_state(row) -> ResponseState:
    return ResponseState(id=row.response_id, status=row.response_status, consent=row.consent,
                         language=row.response_language, current_section=row.current_section,
                         updated_at=row.updated_at)


def _row_instrument(row) -> Instrument:
    return _instrument(row.survey_version_id, row.survey_id, row.version_status,
                       row.published_at)


# --- opening a link --------------------------------------------------------------------------

def closed_reason(invitation: Invitation | InvitationState, on: date | None = None) -> str | None:
    """Why ``invitation`` does not open the survey on ``on`` (today), or None when it does."""
    on = on or today()
    if invitation.status == "revoked":
        return "revoked"
    if invitation.status in ("completed", "declined"):
        return invitation.status
    if invitation.status == "expired" or on > invitation.closes_on:
        return "expired"
    if on < invitation.opens_on:
        return "not_open"
    return None


def link_failure_key(client: str | None) -> str:
    return f"respondent-link:{client or 'unknown'}"


def find_invitation(token: str, client: str | None) -> tuple[InvitationState, Instrument]:
    """The invitation of ``token`` and its instrument, counting a failed look-up against
    ``client``.

    Raises:
        TooManyAttempts: ``client`` failed too often in the window (checked first).
        LinkUnknown: the token is malformed or matches no invitation (counted).
    """
    key = link_failure_key(client)
    if throttle.is_blocked(key, TOKEN_FAILURE_LIMIT, TOKEN_FAILURE_WINDOW):
        raise TooManyAttempts()
    row = None
    if looks_like_token(token):
        row = _sql(_INVITATION_BY_TOKEN, {"token_hash": token_hash(token)}).first()
    if row is None:
        throttle.record_failure(key, TOKEN_FAILURE_WINDOW)
        raise LinkUnknown()
    return _invitation_state(row), _row_instrument(row)


def open_link(token: str, client: str | None,
              previous_session: str | None = None) -> tuple[str, Visit]:
    """Exchange a link's token for a new respondent session; returns the session id to keep
    in the browser's signed cookie (only its hash is stored) and the visit it opens.

    The invitation is marked opened and its response row created (once, whatever the number
    of parallel opens). A session the browser held before is ended.

    Raises:
        TooManyAttempts, LinkUnknown: see :func:`find_invitation`.
        LinkClosed: the link is expired, revoked, not open yet, completed or declined.
    """
    invitation, instrument = find_invitation(token, client)
    reason = closed_reason(invitation)
    if reason:
        raise LinkClosed(reason, invitation, instrument)
    if previous_session:
        end_session(previous_session)
    response = ensure_response(invitation, instrument)
    now = utcnow()
    if invitation.status == "pending":
        _sql(_INVITATION_OPENED, {"invitation_id": invitation.id, "now": now})
    session_id = new_token()
    session = SessionState(session_hash=token_hash(session_id), language=response.language,
                           last_seen_at=now)
    _sql(_NEW_SESSION, {"hash": session.session_hash, "invitation_id": invitation.id,
                        "language": session.language, "now": now})
    return session_id, Visit(session=session, invitation=invitation, response=response,
                             instrument=instrument)


def ensure_response(invitation: InvitationState, instrument: Instrument) -> ResponseState:
    """The invitation's response, created if missing with insert-or-ignore (never
    check-then-insert: two parallel opens must not both insert)."""
    language = instrument.full.default_language
    if language not in LANGUAGES:
        language = "uk"
    # The insert returns the new row; when the response exists already it returns nothing
    # (the conflict is ignored) and the row is read.
    row = _sql(_statements().create_response, {
        "invitation_id": invitation.id, "survey_version_id": invitation.survey_version_id,
        "wave": invitation.wave, "language": language, "now": utcnow()}).first()
    if row is None:
        row = _sql(_RESPONSE_OF_INVITATION, {"invitation_id": invitation.id}).one()
    return _response_state(row)


# --- a visit: what one respondent request works with -----------------------------------------

@dataclass
class Visit:
    """The live session of this browser, its invitation, response, instrument and answers
    (read when first used: the consent and thank-you pages never need them)."""

    session: SessionState
    invitation: InvitationState
    response: ResponseState
    instrument: Instrument
    #: ``Response.updated_at`` when the visit was read: the submit applies to exactly the
    #: answers of this revision (a later save changes it, and the submit is refused).
    revision: datetime | None = None
    #: True when reading the visit wrote (``last_seen_at``): the view commits it.
    touched: bool = False
    _answers: dict[str, Any] | None = field(default=None, repr=False)
    #: The answers as stored (JSON values by key), when read with the visit.
    _stored: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.revision is None:
            self.revision = self.response.updated_at

    @property
    def answers(self) -> dict[str, Any]:
        """The answers as Python values, typed by the survey's questions (read with the visit,
        or when first used)."""
        if self._answers is None:
            if self._stored is not None:
                self._answers = rendering.answers_from_json(self.instrument.full, self._stored,
                                                            self.instrument.kinds)
            else:
                self._answers = stored_answers(self.response.id, self.instrument.full)
        return self._answers

    @answers.setter
    def answers(self, value: dict[str, Any]) -> None:
        self._answers = value

    def unread_keys(self) -> list[str]:
        """Keys stored with the visit whose value did not read as an answer (see
        ``rendering.answers_from_json``): what the respondent is asked again."""
        return [key for key in self._stored or {} if key not in self.answers]

    @property
    def language(self) -> str:
        return rendering.pick_language(self.instrument.full, self.session.language)

    @property
    def survey(self) -> Survey:
        return self.instrument.pages


def read_without_transaction() -> None:
    """Run this request's statements without a transaction on PostgreSQL: for a page that
    only reads (a GET), each statement is atomic by itself and READ COMMITTED gives a
    transaction no better view, so the BEGIN and the ROLLBACK are two round trips for nothing
    (half of a page's). A write such a request makes (``last_seen_at``, an idle session ended)
    is one statement, committed at once. Requests that save keep their transaction. SQLite
    is left alone: its driver already starts no transaction for a read, and switching costs
    it a statement."""
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def session_language(session_id: str | None) -> str | None:
    """The language of a live session, for pages drawn before (or without) a full visit."""
    if not session_id:
        return None
    return db.session.scalar(select(RespondentSession.language).where(
        RespondentSession.session_hash == token_hash(session_id),
        RespondentSession.ended_at.is_(None)))


def load_visit(session_id: str | None) -> Visit:
    """The visit of the session id in the browser's cookie: one statement (session,
    invitation, version and response joined), the answers a second one when first used, the
    definition a third only when the instrument is not cached.

    Raises:
        SessionOver: no such live session, or it was idle longer than ``SESSION_IDLE``.
        LinkClosed: the invitation was revoked or expired while the response is a draft.
    """
    if not session_id:
        raise SessionOver()
    hashed = token_hash(session_id)
    row = _sql(_statements().visit, {"session_hash": hashed}).first()
    if row is None:
        raise SessionOver()
    now = utcnow()
    if now - row.last_seen_at > SESSION_IDLE:
        _sql(_IDLE_END, {"hash": hashed, "now": now})
        raise SessionOver()
    invitation = _invitation_state(row)
    instrument = _row_instrument(row)
    response = _response_state(row)
    if response.status == "draft":
        reason = closed_reason(invitation)
        if reason in ("expired", "revoked", "not_open"):
            raise LinkClosed(reason, invitation, instrument)
    session = SessionState(session_hash=hashed, language=row.session_language,
                           last_seen_at=row.last_seen_at)
    touched = False
    if now - session.last_seen_at > SEEN_EVERY:
        _sql(_SEEN, {"hash": hashed, "now": now})
        session.last_seen_at = now
        touched = True
    return Visit(session=session, invitation=invitation, response=response,
                 instrument=instrument, touched=touched, _stored=row.answers or {})


def stored_answers(response_id: int, survey: Survey) -> dict[str, Any]:
    """The response's answers as Python values, typed by the survey's questions."""
    rows = _sql(_ANSWERS, {"response_id": response_id}).all()
    return rendering.answers_from_json(survey, {key: value for key, value in rows})


def end_session(session_id: str | None) -> None:
    """End the browser's respondent session on the server (quick exit, decline, save for
    later); the cookie's id then opens nothing."""
    if not session_id:
        return
    _sql(_IDLE_END, {"hash": token_hash(session_id), "now": utcnow()})


def set_language(visit: Visit, language: str) -> None:
    """Show the survey in ``language`` from now on (ignored when the survey lacks it)."""
    if language not in visit.instrument.full.languages or language not in LANGUAGES:
        return
    _sql(update(_session_t).where(
        _session_t.c.session_hash == visit.session.session_hash).values(language=language))
    visit.session.language = language
    if visit.response.status == "draft":
        _sql(update(_response_t).where(
            _response_t.c.id == visit.response.id, _response_t.c.status == "draft")
            .values(language=language))
        visit.response.language = language


def _reread(visit: Visit) -> None:
    """Read the response's status again (after a conditional write that did not apply)."""
    row = _sql(_RESPONSE_STATUS, {"response_id": visit.response.id}).one()
    visit.response.status, visit.response.consent = row.status, row.consent
    visit.response.updated_at = row.updated_at


# --- consent ---------------------------------------------------------------------------------

def give_consent(visit: Visit) -> None:
    """Record consent for this wave and pre-answer the instrument's own consent question.

    Raises:
        ResponseClosed: the response was submitted or declined.
    """
    response = visit.response
    if response.status != "draft":
        raise ResponseClosed()
    if response.consent == "given":
        return
    now = utcnow()
    language = visit.language
    done = _sql(_CONSENT_GIVEN, {"response_id": response.id, "now": now,
                                 "language": language}).rowcount
    if not done:
        _reread(visit)
        raise ResponseClosed()
    response.consent, response.updated_at, response.language = "given", now, language
    visit.revision = now
    if visit.instrument.consent_key:
        _upsert(response.id, {visit.instrument.consent_key: "yes"}, now)
        visit.answers[visit.instrument.consent_key] = "yes"
    if visit.invitation.status in ("pending", "opened"):
        _sql(_INVITATION_IN_PROGRESS, {"invitation_id": visit.invitation.id})
        visit.invitation.status = "in_progress"


def refuse_consent(visit: Visit) -> None:
    """Record a refusal: the response and the invitation are declined (no more contact for
    this wave) and every session of the invitation ends.

    Raises:
        ResponseClosed: the response was submitted, or consent was given already.
    """
    now = utcnow()
    done = _sql(update(_response_t).where(
        _response_t.c.id == visit.response.id, _response_t.c.status == "draft",
        _response_t.c.consent.is_(None))
        .values(status="declined", consent="refused", updated_at=now)).rowcount
    if not done:
        _reread(visit)
        if visit.response.status == "declined":
            return  # a replayed refusal
        raise ResponseClosed()
    visit.response.status, visit.response.consent, visit.response.updated_at = \
        "declined", "refused", now
    _sql(update(_invitation_t).where(_invitation_t.c.id == visit.invitation.id)
                       .values(status="declined"))
    visit.invitation.status = "declined"
    _sql(update(_session_t).where(
        _session_t.c.invitation_id == visit.invitation.id,
        _session_t.c.ended_at.is_(None)).values(ended_at=now))


# --- saving pages ----------------------------------------------------------------------------

def save_draft(visit: Visit, answers: Mapping[str, Any], current_section: str) -> None:
    """Save the answers as they stand (a settled set for the whole survey) and where the
    respondent is: keys whose value changed are upserted, keys no longer answered deleted.

    Raises:
        ResponseClosed: the response is no longer a draft (nothing is written).
    """
    response = visit.response
    now = utcnow()
    section = current_section[:64]
    # The touch takes the response's row lock and returns the answers as stored now, read
    # under that lock: the save compares with them, not with what the page was loaded with.
    touched = _sql(_statements().touch_draft, {"response_id": response.id, "section": section,
                                                "now": now}).first()
    if touched is None:
        _reread(visit)
        raise ResponseClosed()
    stored = touched.answers or {}
    wanted = rendering.answers_to_json(answers)
    gone = [key for key in stored if key not in wanted]
    if gone:
        _sql(delete(_answer_t).where(_answer_t.c.response_id == response.id,
                                                   _answer_t.c.question_key.in_(gone)))
    changed = {key: value for key, value in wanted.items() if stored.get(key) != value}
    if changed:
        _upsert(response.id, changed, now)
    visit.answers = dict(answers)
    visit.revision = now
    response.current_section = section
    response.updated_at = now


def _upsert(response_id: int, values: Mapping[str, Any], now: datetime) -> None:
    rows = [{"response_id": response_id, "question_key": key, "value": value, "saved_at": now}
            for key, value in values.items()]
    _sql(_statements().upsert_answers, rows)


@dataclass(frozen=True)
class _DialectStatements:
    """Statements whose SQL depends on the database (insert-or-ignore, upsert), built once per
    dialect: building an upsert (its ``excluded`` alias) defeats SQLAlchemy's compiled cache,
    so a statement built per call was compiled per call."""

    create_response: Any
    upsert_answers: Any
    visit: Any
    touch_draft: Any


_DIALECT_STATEMENTS: dict[str, _DialectStatements] = {}


def _statements() -> _DialectStatements:
    dialect = db.session.get_bind().dialect.name
    found = _DIALECT_STATEMENTS.get(dialect)
    if found is None:
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        create = insert_(_response_t).values(
            invitation_id=bindparam("invitation_id"),
            survey_version_id=bindparam("survey_version_id"), wave=bindparam("wave"),
            status="draft", language=bindparam("language"), started_at=bindparam("now"),
            updated_at=bindparam("now")).on_conflict_do_nothing(
            index_elements=["invitation_id"]).returning(*_RESPONSE_COLUMNS)
        upsert = insert_(_answer_t)
        upsert = upsert.on_conflict_do_update(
            index_elements=["response_id", "question_key"],
            set_={"value": upsert.excluded.value, "saved_at": upsert.excluded.saved_at})
        # The answers ride along with the visit, aggregated into one JSON object by the
        # database: one statement (one round trip) a request instead of two. On SQLite a
        # stored value that is not JSON (``Infinity``, or the REAL infinity that a JSON
        # column's NUMERIC affinity made of a 310-digit integer, both written before numbers
        # were limited) would make json() fail the whole statement, so every page of the
        # survey: it becomes null, and the answer is dropped and asked again. (PostgreSQL's
        # json refuses such a value when it is written.)
        if dialect == "postgresql":
            aggregate = func.json_object_agg(_answer_t.c.question_key, _answer_t.c.value)
        else:
            aggregate = func.json_group_object(_answer_t.c.question_key, case(
                (func.json_valid(_answer_t.c.value), func.json(_answer_t.c.value))))
        answers = (select(type_coerce(aggregate, JSON))
                   .where(_answer_t.c.response_id == _response_t.c.id)
                   .scalar_subquery().label("answers"))
        returned = answers
        if dialect == "sqlite":
            # SQLAlchemy writes RETURNING columns unqualified for SQLite, the subquery's too;
            # qualified by hand so that ``id`` can never be taken for a column of ``answer``.
            returned = type_coerce(literal_column(
                "(SELECT json_group_object(a.question_key, CASE WHEN json_valid(a.value) "
                "THEN json(a.value) END) FROM answer AS a "
                "WHERE a.response_id = response.id)"), JSON).label("answers")
        found = _DIALECT_STATEMENTS[dialect] = _DialectStatements(
            create, upsert, _VISIT.add_columns(answers), _TOUCH_DRAFT.returning(returned))
    return found


# --- where the respondent goes ---------------------------------------------------------------

def resume_at(visit: Visit) -> str:
    """The section key (or ``REVIEW``) to show when the respondent comes back."""
    survey = visit.survey
    current = visit.response.current_section
    if current == REVIEW:
        return REVIEW
    index = visit.instrument.section_index(current) if current else None
    if index is not None and rendering.visible_questions(survey, survey.sections[index],
                                                         visit.answers):
        return survey.sections[index].key
    start = -1 if index is None else index - 1
    following = rendering.next_section(survey, start, visit.answers)
    return REVIEW if following is None else survey.sections[following].key


def after(visit: Visit, index: int, answers: Mapping[str, Any] | None = None) -> str:
    """The section key (or ``REVIEW``) that follows page ``index`` given ``answers`` (by
    default the stored ones)."""
    following = rendering.next_section(visit.survey, index,
                                       visit.answers if answers is None else answers)
    return REVIEW if following is None else visit.survey.sections[following].key


def before(visit: Visit, index: int, answers: Mapping[str, Any] | None = None) -> str | None:
    """The section key before page ``index``, None on the first page."""
    previous = rendering.previous_section(visit.survey, index,
                                          visit.answers if answers is None else answers)
    return None if previous is None else visit.survey.sections[previous].key


def pages(visit: Visit) -> list[tuple[int, Section]]:
    """The (index, section) pairs the respondent goes through with the answers as they are."""
    values = rendering.settle(visit.survey, visit.answers)
    return [(i, s) for i, s in enumerate(visit.survey.sections)
            if rendering.shown_questions(s, values)]


# --- submitting ------------------------------------------------------------------------------

def check_all(visit: Visit) -> None:
    """Check every page the respondent goes through, as Next would.

    Raises:
        AnswersInvalid: the first page with errors, with its form (messages included).
    """
    for index, _section in pages(visit):
        form = visit.instrument.form(index, visit.language, visit.answers)
        if not form.validate():
            raise AnswersInvalid(index, form)


def submit(visit: Visit) -> bool:
    """Submit the response exactly once; True when this call submitted it, False when it was
    submitted already (a double click, a replayed request, a parallel one).

    Raises:
        ResponseClosed: the response was declined or has no consent.
        AnswersInvalid: a page has answers that do not pass its checks (nothing changes).
        AnswersChanged: another request saved a page after these answers were read.
    """
    response = visit.response
    if response.status == "submitted":
        return False
    if response.status != "draft" or response.consent != "given":
        raise ResponseClosed()
    check_all(visit)
    now = utcnow()
    done = _sql(_SUBMIT, {"response_id": response.id, "revision": visit.revision,
                          "now": now}).rowcount
    if done:
        unread = visit.unread_keys()
        if unread:
            # A value that could not be read was never part of the answers just checked and
            # submitted: it goes, rather than stay in the response for exports to trip on.
            _sql(delete(_answer_t).where(_answer_t.c.response_id == response.id,
                                         _answer_t.c.question_key.in_(unread)))
        _sql(_INVITATION_COMPLETED, {"invitation_id": visit.invitation.id, "now": now})
        response.status, response.updated_at, response.current_section = "submitted", now, None
        visit.invitation.status = "completed"
        return True
    _reread(visit)
    if response.status == "submitted":
        return False
    if response.status == "draft":
        raise AnswersChanged()
    raise ResponseClosed()
