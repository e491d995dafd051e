"""Helpers for the respondent tests: invitations made directly in the database (a published
survey version, a plan with one wave, an invitation with a fresh token), and a client that
opens a link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.extensions import db
from monitor.fieldwork.models import FollowUpPlan, Invitation, PlanWave, Response
from monitor.fieldwork.tokens import new_token, token_hash
from surveys import versions
from surveys.schema import Choice, ChoiceList, Question, Section, Survey
from tests.surveys.factories import tri


def three_page_survey() -> Survey:
    """Consent (its own question, moved to the consent page), then three pages whose relevance
    hides and shows questions and a whole page."""
    return Survey(
        title=tri("Follow-up"),
        audience="person",
        description=tri("A short survey."),
        sections=[
            Section("start", tri("Start"), questions=[
                Question("intro", "note", tri("Hello.")),
                Question("consent_given", "yes_no", tri("Do you agree to take part?"),
                         required=True),
            ]),
            Section("about", tri("About you"), relevant="${consent_given} = 'yes'", questions=[
                Question("age", "integer", tri("How old are you?"), required=True, minimum=14,
                         maximum=99),
                Question("housing", "select_one", tri("Where do you live?"), choices="housing",
                         required=True),
                Question("housing_other", "text", tri("Where, then?"), required=True,
                         relevant="${housing} = 'other'"),
            ]),
            Section("work", tri("Work"), relevant="${age} >= 18", questions=[
                Question("works", "yes_no", tri("Do you work?"), required=True),
                Question("hours", "integer", tri("Hours a week?"), relevant="${works} = 'yes'",
                         minimum=0, maximum=100),
            ]),
            Section("closing", tri("Anything else"), questions=[
                Question("comments", "long_text", tri("Anything to add?")),
            ]),
        ],
        choice_lists={"housing": ChoiceList("housing", [
            Choice("own", tri("Own or rented home")), Choice("shelter", tri("Shelter")),
            Choice("other", tri("Other"))])},
    )


@dataclass
class Link:
    token: str
    invitation_id: int

    @property
    def url(self) -> str:
        return f"/r/{self.token}"


def make_version(factory, definition: Survey | None = None):
    survey = versions.create_survey(definition or three_page_survey())
    version = versions.draft(survey)
    versions.publish(version)
    db.session.commit()
    return version


def make_link(factory, version=None, *, status: str = "pending", opens_on: date | None = None,
              closes_on: date | None = None, wave: str = "m3", person=None) -> Link:
    """An invitation with a fresh token, straight in the database."""
    version = version or make_version(factory)
    person = person or factory.person()
    plan = FollowUpPlan(title="Plan", survey_version_id=version.id, anchor="episode_start")
    plan.waves.append(PlanWave(name=wave, offset_months=3))
    db.session.add(plan)
    db.session.flush()
    today = date.today()
    token = new_token()
    invitation = Invitation(
        plan_id=plan.id, survey_version_id=version.id, wave=wave, person_id=person.id,
        respondent_key=f"person:{person.id}", region_id=person.region_id, anchor_date=today,
        due_on=today, opens_on=opens_on or today - timedelta(days=5),
        closes_on=closes_on or today + timedelta(days=30), token_hash=token_hash(token),
        status=status)
    db.session.add(invitation)
    db.session.commit()
    return Link(token=token, invitation_id=invitation.id)


def text(response) -> str:
    return response.get_data(as_text=True)


def open_link(client, link: Link):
    """Open the link; the client then holds the respondent session. The link redirects
    straight to where the respondent is (a URL without the token)."""
    response = client.get(link.url)
    assert response.status_code == 303, text(response)
    location = response.headers["Location"]
    assert link.token not in location
    assert location in ("/r/consent", "/r/review", "/r/done") or location.startswith("/r/s/")
    return response


def consent(client, choice: str = "yes"):
    return client.post("/r/consent", data={"choice": choice})


def response_of(link: Link) -> Response:
    db.session.expire_all()
    return db.session.query(Response).filter_by(invitation_id=link.invitation_id).one()


def invitation_of(link: Link) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, link.invitation_id)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
