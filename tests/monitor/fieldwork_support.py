"""Helpers for the fieldwork tests: published survey versions for persons and providers, plans
made through the services, and a response row that marks an invitation as answered."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork import services
from monitor.fieldwork.models import Answer, Invitation, Response
from monitor.fieldwork.services import WaveSpec
from surveys import versions
from surveys.models import SurveyVersion
from tests.surveys.factories import simple_survey

#: A fixed "today" far after the registry dates used in the tests, unless a test says otherwise.
TODAY = date(2030, 1, 1)


def publish(audience: str = "person", publish_it: bool = True) -> SurveyVersion:
    """A survey (the small two-page one) for ``audience``, published unless told otherwise."""
    definition = simple_survey()
    definition.audience = audience
    survey = versions.create_survey(definition)
    version = versions.draft(survey)
    if publish_it:
        versions.publish(version)
    db.session.commit()
    return version


def plan_for(version: SurveyVersion, waves: list[WaveSpec] | None = None, today: date = TODAY, **kwargs):
    plan, _ = services.create_plan(version, "Plan", waves, today=today, **kwargs)
    db.session.commit()
    return plan


def invitations(plan, **where) -> list[Invitation]:
    """The plan's invitations (fresh from the database), by wave then respondent."""
    db.session.expire_all()
    stmt = select(Invitation).where(Invitation.plan_id == plan.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Invitation, name) == value)
    return list(db.session.scalars(stmt.order_by(Invitation.wave, Invitation.respondent_key)))


def answer(invitation: Invitation, status: str = "submitted", values: dict | None = None) -> Response:
    """A response row for ``invitation`` (as the respondent's path makes it), with answers."""
    response = Response(invitation_id=invitation.id, survey_version_id=invitation.survey_version_id,
                        wave=invitation.wave, status=status, consent="given", language="en")
    db.session.add(response)
    db.session.flush()
    for key, value in (values or {}).items():
        db.session.add(Answer(response_id=response.id, question_key=key, value=value))
    db.session.commit()
    return response


def forged_host(client, host: str) -> dict[str, str]:
    """Headers of a request naming ``host`` as the Host; the client's logged-in session goes
    with it (the test client sends a cookie only to the host that set it)."""
    client.set_cookie("session", client.get_cookie("session").value, domain=host)
    return {"Host": host, "X-Forwarded-Host": host}
