"""Invitations, respondent sessions, responses and answers: the tables of fieldwork.

Design choices that protect respondents and their answers:

- An invitation stores only the SHA-256 of its token. The token itself exists in the link handed
  to the respondent and nowhere else, so a copy of the database opens no survey.
- A respondent's browser holds a random session id in a signed cookie; the server keeps its hash
  and the invitation it belongs to (state lives in the database, so any worker can serve any page).
- One response per invitation (unique), answers keyed by question key (primary key), so a page
  save is an upsert and the final submit is one conditional UPDATE: a double click or ten
  parallel requests produce one submitted response.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.extensions import db


class InvitationStatus(enum.StrEnum):
    """Where an invitation stands; the one list of statuses (the table's check repeats it).

    ``pending`` until the link is opened, ``opened`` once it is, ``in_progress`` after consent
    with a draft, then ``completed`` or ``declined`` by the respondent, ``expired`` when its
    window closed unanswered, ``revoked`` by an officer.
    """

    pending = "pending"
    opened = "opened"
    in_progress = "in_progress"
    completed = "completed"
    declined = "declined"
    expired = "expired"
    revoked = "revoked"


#: Every status, in the order pages and rate tables show them.
INVITATION_STATUSES: tuple[str, ...] = tuple(InvitationStatus)
#: Statuses in which the link still opens the survey (and a wave's close can expire it).
LIVE_STATUSES: tuple[str, ...] = (InvitationStatus.pending, InvitationStatus.opened, InvitationStatus.in_progress)
#: Statuses a plan edit may regenerate (nobody has answered or opened them).
REGENERABLE_STATUSES: tuple[str, ...] = (InvitationStatus.pending, InvitationStatus.expired)


class Invitation(db.Model):
    """One respondent asked one wave of a plan, reachable through a one-time link."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("plan_id", "wave", "respondent_key", name="uq_invitation_plan_wave_respondent"),
        CheckConstraint("(provider_id IS NULL) <> (person_id IS NULL)", name="one_respondent"),
        CheckConstraint(
            "status IN ('pending', 'opened', 'in_progress', 'completed', 'declined', 'expired', 'revoked')",
            name="status_known"),
        Index("ix_invitation_plan_wave_status", "plan_id", "wave", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("followup_plan.id", ondelete="RESTRICT"))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="RESTRICT"))
    wave: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("assisted_person.id", ondelete="RESTRICT"), index=True)
    #: "provider:<id>" or "person:<id>": one column to make a respondent unique per plan and wave.
    respondent_key: Mapped[str] = mapped_column(String(40))
    #: The region of the respondent when invited, for due lists and response rates by region.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    #: The registry date the wave hangs on (episode start or training date) and the wave's dates.
    anchor_date: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    #: SHA-256 hex of the current token; NULL until a link is issued. Re-issuing replaces it.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    response: Mapped[Response | None] = relationship(back_populates="invitation", uselist=False)
    survey_version = relationship("SurveyVersion")


class RespondentSession(db.Model):
    """The server side of a respondent's browser session, opened by exchanging a token."""

    __tablename__ = "respondent_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 hex of the random id kept in the respondent's signed cookie.
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="uk")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class Response(db.Model):
    """The answers to one invitation: a draft saved page by page, then submitted exactly once."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'declined')", name="status_known"),
        CheckConstraint("consent IN ('given', 'refused')", name="consent_known"),
        Index("ix_response_version_status", "survey_version_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="RESTRICT"), unique=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="RESTRICT"))
    wave: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    consent: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8), default="uk")
    #: The section the respondent was last on, so reopening the link resumes there.
    current_section: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    invitation: Mapped[Invitation] = relationship(back_populates="response")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True)


class Answer(db.Model):
    """One answer, keyed by the question's stable key (so analysis spans versions)."""

    __tablename__ = "answer"

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: str, number, bool or list of str (select multiple), as the schema's type says.
    value: Mapped[object] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
