"""The rules of the respondent's path: exchanging a link for a session, consent, page saves,
the single submit, the end of a session.

Services take loaded objects, write with ``flush`` only and raise the domain errors below; the
request edge (``views``) commits once. Every write that must not race is one conditional SQL
statement, so the rules hold with any number of server processes on one database:

* the response row is created with insert-or-ignore on its unique ``invitation_id``;
* a page save first touches the response ``WHERE status = 'draft'`` (which also takes its row
  lock), then upserts the answers by key and deletes the keys that were cleared;
* the submit is one ``UPDATE ... SET status = 'submitted' WHERE status = 'draft' AND
  updated_at = <as read>``: one of any number of parallel submits wins, the others see the
  submitted response, and a page saved in another tab in between is never submitted unchecked.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor import throttle
from monitor.extensions import db
from surveys import rendering
from surveys.fieldwork_models import Answer, Invitation, RespondentSession, Response
from surveys.models import SurveyVersion
from surveys.rendering import SectionForm
from surveys.schema import LANGUAGES, QuestionType, Section, Survey, Text
from surveys.tokens import looks_like_token, new_token, token_hash

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
#: Invitation statuses that still open the survey.
OPEN_STATUSES = frozenset({"pending", "opened", "in_progress"})


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


# --- errors ----------------------------------------------------------------------------------

class RespondentError(Exception):
    """Something the respondent is told in plain words instead of seeing the survey."""


class TooManyAttempts(RespondentError):
    """This client tried too many links that do not exist; it must wait."""


class LinkUnknown(RespondentError):
    """No invitation has this token (or it is not even shaped like one)."""


class LinkClosed(RespondentError):
    """The invitation exists but does not open the survey now.

    ``reason`` is ``expired``, ``revoked``, ``not_open``, ``completed`` or ``declined``.
    """

    def __init__(self, reason: str, invitation: Invitation) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


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
    """

    version_id: int
    full: Survey
    pages: Survey
    consent_key: str | None
    intro: tuple[Text, ...]

    def section_index(self, key: str) -> int | None:
        return next((i for i, s in enumerate(self.pages.sections) if s.key == key), None)


_INSTRUMENTS: dict[tuple[int, int, datetime], Instrument] = {}
_INSTRUMENTS_LOCK = threading.Lock()
_INSTRUMENTS_MAX = 64


def instrument_for(version: SurveyVersion) -> Instrument:
    """The version prepared for respondents; published versions never change, so they are
    prepared once per process (a cache, not state: any process can rebuild it). The key holds
    the publication time too, so a database rebuilt under a running server (the demo's reset)
    never serves another survey under a reused id."""
    key = (version.id, version.survey_id, version.published_at) if version.is_published \
        else None
    if key is not None:
        cached = _INSTRUMENTS.get(key)
        if cached is not None:
            return cached
    instrument = prepare(version.id, version.schema())
    if key is not None:
        with _INSTRUMENTS_LOCK:
            if len(_INSTRUMENTS) >= _INSTRUMENTS_MAX:
                _INSTRUMENTS.clear()
            _INSTRUMENTS[key] = instrument
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
                      intro=tuple(intro))


# --- opening a link --------------------------------------------------------------------------

def closed_reason(invitation: Invitation, on: date | None = None) -> str | None:
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


def find_invitation(token: str, client: str | None) -> Invitation:
    """The invitation of ``token``, counting a failed look-up against ``client``.

    Raises:
        TooManyAttempts: ``client`` failed too often in the window (checked first).
        LinkUnknown: the token is malformed or matches no invitation (counted).
    """
    key = link_failure_key(client)
    if throttle.is_blocked(key, TOKEN_FAILURE_LIMIT, TOKEN_FAILURE_WINDOW):
        raise TooManyAttempts()
    invitation = None
    if looks_like_token(token):
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if invitation is None:
        throttle.record_failure(key, TOKEN_FAILURE_WINDOW)
        raise LinkUnknown()
    return invitation


def open_link(token: str, client: str | None, previous_session: str | None = None) -> str:
    """Exchange a link's token for a new respondent session; returns the session id to keep
    in the browser's signed cookie (only its hash is stored).

    The invitation is marked opened and its response row created (once, whatever the number
    of parallel opens). A session the browser held before is ended.

    Raises:
        TooManyAttempts, LinkUnknown: see :func:`find_invitation`.
        LinkClosed: the link is expired, revoked, not open yet, completed or declined.
    """
    invitation = find_invitation(token, client)
    reason = closed_reason(invitation)
    if reason:
        raise LinkClosed(reason, invitation)
    if previous_session:
        end_session(previous_session)
    response = ensure_response(invitation)
    now = utcnow()
    db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status == "pending")
        .values(status="opened", opened_at=now).execution_options(synchronize_session=False))
    session_id = new_token()
    db.session.add(RespondentSession(session_hash=token_hash(session_id),
                                     invitation_id=invitation.id, language=response.language,
                                     created_at=now, last_seen_at=now))
    db.session.flush()
    return session_id


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def ensure_response(invitation: Invitation) -> Response:
    """The invitation's response, created if missing with insert-or-ignore (never
    check-then-insert: two parallel opens must not both insert)."""
    definition = invitation.survey_version.definition or {}
    language = definition.get("default_language")
    if language not in LANGUAGES:
        language = "uk"
    now = utcnow()
    db.session.execute(_insert(Response).values(
        invitation_id=invitation.id, survey_version_id=invitation.survey_version_id,
        wave=invitation.wave, status="draft", language=language, started_at=now,
        updated_at=now).on_conflict_do_nothing(index_elements=["invitation_id"]))
    return db.session.scalars(select(Response).where(Response.invitation_id == invitation.id)
                              .execution_options(populate_existing=True)).one()


# --- a visit: what one respondent request works with -----------------------------------------

@dataclass
class Visit:
    """The live session of this browser, its invitation, response, instrument and answers."""

    session: RespondentSession
    invitation: Invitation
    response: Response
    instrument: Instrument
    answers: dict[str, Any]
    #: ``Response.updated_at`` when the answers were read: the submit applies to exactly these.
    revision: datetime | None = None

    @property
    def language(self) -> str:
        return rendering.pick_language(self.instrument.full, self.session.language)

    @property
    def survey(self) -> Survey:
        return self.instrument.pages


def session_language(session_id: str | None) -> str | None:
    """The language of a live session, for pages drawn before (or without) a full visit."""
    if not session_id:
        return None
    return db.session.scalar(select(RespondentSession.language).where(
        RespondentSession.session_hash == token_hash(session_id),
        RespondentSession.ended_at.is_(None)))


def load_visit(session_id: str | None) -> Visit:
    """The visit of the session id in the browser's cookie.

    Raises:
        SessionOver: no such live session, or it was idle longer than ``SESSION_IDLE``.
        LinkClosed: the invitation was revoked or expired while the response is a draft.
    """
    if not session_id:
        raise SessionOver()
    row = db.session.execute(
        select(RespondentSession, Invitation, Response)
        .join(Invitation, Invitation.id == RespondentSession.invitation_id)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(RespondentSession.session_hash == token_hash(session_id),
               RespondentSession.ended_at.is_(None))).first()
    if row is None:
        raise SessionOver()
    session, invitation, response = row
    now = utcnow()
    if now - session.last_seen_at > SESSION_IDLE:
        session.ended_at = now
        db.session.flush()
        raise SessionOver()
    if response.status == "draft":
        reason = closed_reason(invitation)
        if reason in ("expired", "revoked", "not_open"):
            raise LinkClosed(reason, invitation)
    if now - session.last_seen_at > SEEN_EVERY:
        session.last_seen_at = now
        db.session.flush()
    instrument = instrument_for(invitation.survey_version)
    return Visit(session=session, invitation=invitation, response=response,
                 instrument=instrument, answers=stored_answers(response.id, instrument.full),
                 revision=response.updated_at)


def stored_answers(response_id: int, survey: Survey) -> dict[str, Any]:
    """The response's answers as Python values, typed by the survey's questions."""
    rows = db.session.execute(select(Answer.question_key, Answer.value)
                              .where(Answer.response_id == response_id)).all()
    return rendering.answers_from_json(survey, {key: value for key, value in rows})


def end_session(session_id: str | None) -> None:
    """End the browser's respondent session on the server (quick exit, decline, save for
    later); the cookie's id then opens nothing."""
    if not session_id:
        return
    db.session.execute(update(RespondentSession).where(
        RespondentSession.session_hash == token_hash(session_id),
        RespondentSession.ended_at.is_(None)).values(ended_at=utcnow())
        .execution_options(synchronize_session=False))


def set_language(visit: Visit, language: str) -> None:
    """Show the survey in ``language`` from now on (ignored when the survey lacks it)."""
    if language not in visit.instrument.full.languages or language not in LANGUAGES:
        return
    visit.session.language = language
    if visit.response.status == "draft":
        visit.response.language = language
    db.session.flush()


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
    done = db.session.execute(update(Response).where(
        Response.id == response.id, Response.status == "draft")
        .values(consent="given", updated_at=now, language=visit.language)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise ResponseClosed()
    visit.revision = now
    if visit.instrument.consent_key:
        _upsert(response.id, {visit.instrument.consent_key: "yes"}, now)
        visit.answers[visit.instrument.consent_key] = "yes"
    db.session.execute(update(Invitation).where(
        Invitation.id == visit.invitation.id, Invitation.status.in_(("pending", "opened")))
        .values(status="in_progress").execution_options(synchronize_session=False))
    db.session.refresh(response)


def refuse_consent(visit: Visit) -> None:
    """Record a refusal: the response and the invitation are declined (no more contact for
    this wave) and every session of the invitation ends.

    Raises:
        ResponseClosed: the response was submitted, or consent was given already.
    """
    now = utcnow()
    done = db.session.execute(update(Response).where(
        Response.id == visit.response.id, Response.status == "draft",
        Response.consent.is_(None))
        .values(status="declined", consent="refused", updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        db.session.refresh(visit.response)
        if visit.response.status == "declined":
            return  # a replayed refusal
        raise ResponseClosed()
    db.session.execute(update(Invitation).where(Invitation.id == visit.invitation.id)
                       .values(status="declined").execution_options(synchronize_session=False))
    db.session.execute(update(RespondentSession).where(
        RespondentSession.invitation_id == visit.invitation.id,
        RespondentSession.ended_at.is_(None)).values(ended_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(visit.response)


# --- saving pages ----------------------------------------------------------------------------

def save_draft(visit: Visit, answers: Mapping[str, Any], current_section: str) -> None:
    """Save the answers as they stand (a settled set for the whole survey) and where the
    respondent is: keys whose value changed are upserted, keys no longer answered deleted.

    Raises:
        ResponseClosed: the response is no longer a draft (nothing is written).
    """
    response = visit.response
    now = utcnow()
    done = db.session.execute(update(Response).where(
        Response.id == response.id, Response.status == "draft")
        .values(current_section=current_section[:64], updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise ResponseClosed()
    # Read under the row lock just taken: compare with what is stored now, not at page load.
    stored = dict(db.session.execute(select(Answer.question_key, Answer.value)
                                     .where(Answer.response_id == response.id)).all())
    wanted = rendering.answers_to_json(answers)
    gone = [key for key in stored if key not in wanted]
    if gone:
        db.session.execute(delete(Answer).where(Answer.response_id == response.id,
                                                Answer.question_key.in_(gone)))
    changed = {key: value for key, value in wanted.items() if stored.get(key) != value}
    if changed:
        _upsert(response.id, changed, now)
    visit.answers = dict(answers)
    visit.revision = now
    response.current_section = current_section[:64]
    response.updated_at = now
    db.session.flush()


def _upsert(response_id: int, values: Mapping[str, Any], now: datetime) -> None:
    rows = [{"response_id": response_id, "question_key": key, "value": value, "saved_at": now}
            for key, value in values.items()]
    stmt = _insert(Answer).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Answer.response_id, Answer.question_key],
        set_={"value": stmt.excluded.value, "saved_at": stmt.excluded.saved_at})
    db.session.execute(stmt)


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
    return [(i, s) for i, s in enumerate(visit.survey.sections)
            if rendering.visible_questions(visit.survey, s, visit.answers)]


# --- submitting ------------------------------------------------------------------------------

def check_all(visit: Visit) -> None:
    """Check every page the respondent goes through, as Next would.

    Raises:
        AnswersInvalid: the first page with errors, with its form (messages included).
    """
    for index, section in pages(visit):
        form = rendering.build_form(visit.survey, section, visit.language, visit.answers)
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
    done = db.session.execute(update(Response).where(
        Response.id == response.id, Response.status == "draft",
        Response.updated_at == visit.revision)
        .values(status="submitted", submitted_at=now, updated_at=now, current_section=None)
        .execution_options(synchronize_session=False)).rowcount
    if done:
        db.session.execute(update(Invitation).where(Invitation.id == visit.invitation.id)
                           .values(status="completed", completed_at=now)
                           .execution_options(synchronize_session=False))
        db.session.refresh(response)
        return True
    db.session.refresh(response)
    if response.status == "submitted":
        return False
    if response.status == "draft":
        raise AnswersChanged()
    raise ResponseClosed()
