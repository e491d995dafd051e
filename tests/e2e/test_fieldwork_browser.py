"""Fieldwork in a real browser: an officer creates a follow-up plan from a published survey,
downloads the links of a wave as a CSV, prints a QR sheet, and reads the due list, the response
rates and a response. Screenshots land in tests/e2e/screenshots/fieldwork-*.png."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, FollowUpPlan, Invitation, Response
from monitor.fieldwork.tokens import token_hash
from surveys import versions
from surveys.library import load_instrument
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.test_designer_browser import log_in, no_horizontal_scroll

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
ANSWERS = {
    "consent_given": "yes", "who5_1": "most_of_the_time", "who5_2": "more_than_half",
    "who5_3": "some_of_the_time", "who5_4": "most_of_the_time", "who5_5": "less_than_half",
    "housing_situation": "shelter", "moves_3m": 1, "housing_stable": "0",
    "employment_status": "looking", "basic_needs": "sometimes", "feel_safe": "rather_safe",
    "exploiter_contact": "no", "debt_pressure": "no", "services_received": ["shelter", "psychological"],
    "services_needed": ["employment", "legal"], "comments": "The social worker called me back every week.",
}


@pytest.fixture
def programme(app, factory):
    """Two regions, twelve persons assisted about three months ago (their m3 window is open),
    the person follow-up published, and an officer."""
    today = date.today()
    regions = [factory.region(name="Kharkiv", code="UA-63"), factory.region(name="Vinnytsia", code="UA-05")]
    providers = [factory.provider(r) for r in regions]
    for i in range(12):
        region = i % 2
        person = factory.person(regions[region], code=f"AP-{'KH' if region == 0 else 'VI'}-{i + 1:05d}")
        factory.episode(person, providers[region], today - timedelta(days=85 + i * 2))
    survey = versions.create_survey(load_instrument("person_followup"), instrument="person_followup")
    versions.publish(versions.draft(survey))
    db.session.commit()
    return factory.user("officer")


#: What sticks out on the right, to say why a page scrolls sideways.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_officer_plans_issues_links_and_reads_results(app, live_server, page_factory, programme, tmp_path):
    page = page_factory(DESKTOP)
    log_in(page, live_server, programme.email)
    page.get_by_role("link", name="Fieldwork").click()
    expect(page.get_by_role("heading", name="Fieldwork")).to_be_visible()
    page.get_by_role("link", name="New follow-up plan").click()
    page.get_by_label("Survey version").select_option(index=1)
    page.get_by_label("Title").fill("Persons assisted in 2026")
    shot(page, "fieldwork-new-plan-desktop")
    page.get_by_role("button", name="Create plan and invitations").click()
    expect(page.get_by_text("Plan created: 48 invitations created")).to_be_visible()
    plan_url = page.url
    plan = db.session.scalar(select(FollowUpPlan))

    # The due list of wave m3: every link at once, as a CSV download.
    page.get_by_role("link", name="Due list and links").click()
    page.get_by_label("Wave", exact=True).select_option("m3")
    page.get_by_role("button", name="Show").click()
    assert page.locator("table.due-list tbody tr").count() == 12
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Issue 12 links (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / "links.csv"
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12 and {r["wave"] for r in rows} == {"m3"}
    db.session.expire_all()
    stored = set(db.session.scalars(select(Invitation.token_hash).where(
        Invitation.plan_id == plan.id, Invitation.wave == "m3")))
    tokens = [re.fullmatch(rf"{re.escape(live_server)}/r/([\w-]{{43}})", r["link"]).group(1) for r in rows]
    assert {token_hash(t) for t in tokens} == stored

    # Two of them lost their card: re-issued on a sheet of QR codes (the old links stop working).
    page.goto(f"{live_server}/fieldwork/plans/{plan.id}/due?wave=m3")
    boxes = page.locator("table.due-list input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Re-issue as a sheet").click()
    expect(page.get_by_text("These links exist only on this page")).to_be_visible()
    assert page.locator("ol.link-sheet svg").count() == 2
    assert no_horizontal_scroll(page)
    shot(page, "fieldwork-sheet-desktop")
    page.emulate_media(media="print")
    shot(page, "fieldwork-sheet-print")
    page.emulate_media(media="screen")
    db.session.expire_all()
    assert len(stored - set(db.session.scalars(select(Invitation.token_hash).where(
        Invitation.plan_id == plan.id)))) == 2

    # A respondent answered (made here: the respondent's path has its own browser test).
    inv = db.session.scalar(select(Invitation).where(Invitation.plan_id == plan.id, Invitation.wave == "m3")
                            .order_by(Invitation.id).limit(1))
    response = Response(invitation_id=inv.id, survey_version_id=inv.survey_version_id, wave="m3",
                        status="submitted", consent="given", language="uk", submitted_at=inv.created_at)
    db.session.add(response)
    db.session.flush()
    db.session.add_all([Answer(response_id=response.id, question_key=k, value=v) for k, v in ANSWERS.items()])
    inv.status = "completed"
    db.session.commit()

    # With e-mail configured the due list offers it too (the sending has its own tests).
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=25, MAIL_SECURITY="none",
                      MAIL_FROM="survey@example.org")
    for name, viewport in VIEWPORTS.items():
        page = page_factory(viewport)
        log_in(page, live_server, programme.email)
        page.goto(plan_url)
        expect(page.get_by_role("heading", name="Waves")).to_be_visible()
        shot(page, f"fieldwork-plan-{name}")
        assert no_horizontal_scroll(page), (page.url, page.evaluate(WIDE))
        page.get_by_role("link", name="Edit plan").click()
        shot(page, f"fieldwork-plan-edit-{name}")
        assert no_horizontal_scroll(page), (page.url, page.evaluate(WIDE))
        page.goto(f"{live_server}/fieldwork/plans/{plan.id}/due?wave=m3")
        expect(page.get_by_role("button", name="E-mail new links")).to_be_visible()
        shot(page, f"fieldwork-due-{name}")
        assert no_horizontal_scroll(page), (page.url, page.evaluate(WIDE))
        page.goto(f"{live_server}/fieldwork/rates")
        expect(page.get_by_role("heading", name="Response rates")).to_be_visible()
        assert page.locator("img.chart").evaluate("i => i.naturalWidth") > 0
        shot(page, f"fieldwork-rates-{name}")
        assert no_horizontal_scroll(page), (page.url, page.evaluate(WIDE))
        page.goto(f"{live_server}/fieldwork/responses")
        page.get_by_role("link", name=re.compile(r"AP-")).first.click()
        expect(page.get_by_text("Where do you live now?")).to_be_visible()
        expect(page.get_by_text("In a shelter or crisis centre")).to_be_visible()  # a label, not the code
        shot(page, f"fieldwork-response-{name}")
        assert no_horizontal_scroll(page), (page.url, page.evaluate(WIDE))
