"""The whole of fieldwork in one journey, as the issue asks: an officer plans a survey and issues
the links; a respondent on a phone opens one, consents, fills a multi-page survey whose
relevance hides and shows questions, leaves half-way, comes back to find the answers, submits
once; a second submit is refused; the officer sees the response and the response rate move."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork.models import Response
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.test_designer_browser import log_in
from tests.monitor.respondent_support import make_version

pytestmark = pytest.mark.e2e


@pytest.fixture
def fielded(app, factory):
    """One person assisted 85 days ago (the m3 window is open), the three-page survey published."""
    region = factory.region(name="Sumy", code="UA-59")
    provider = factory.provider(region)
    person = factory.person(region, code="AP-SU-00001")
    factory.episode(person, provider, date.today() - timedelta(days=85))
    make_version(factory)
    db.session.commit()
    return factory.user("officer")


def m3_rate(page) -> str:
    row = page.locator("table.rate-totals tbody tr", has_text="m3")
    return row.locator("td").last.inner_text().strip()


def submitted() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.status == "submitted"))


def test_officer_plans_respondent_answers_officer_sees_it(live_server, page_factory, browser, fielded, tmp_path):
    officer = page_factory(DESKTOP)
    log_in(officer, live_server, fielded.email)
    officer.goto(f"{live_server}/fieldwork/")
    officer.get_by_role("link", name="New follow-up plan").click()
    officer.get_by_label("Survey version").select_option(index=1)
    officer.get_by_label("Title").fill("Sumy follow-up")
    officer.get_by_role("button", name="Create plan and invitations").click()
    expect(officer.get_by_text(re.compile(r"Plan created: \d+ invitations created"))).to_be_visible()
    officer.get_by_role("link", name="Due list and links").click()
    officer.get_by_label("Wave", exact=True).select_option("m3")
    officer.get_by_role("button", name="Show").click()
    with officer.expect_download() as download_info:
        officer.get_by_role("button", name=re.compile(r"Issue 1 links? \(CSV\)")).click()
    path = tmp_path / "links.csv"
    download_info.value.save_as(path)
    (row,) = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    link = row["link"]
    officer.goto(f"{live_server}/fieldwork/rates")
    assert m3_rate(officer) == "0%"

    # The respondent, on a phone, in a browser of their own.
    context = browser.new_context(viewport=PHONE, locale="uk-UA", is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(link)
    assert phone.url == f"{live_server}/r/consent"  # the token is gone from the address bar
    phone.get_by_role("button", name="Так, я погоджуюся взяти участь").click()
    phone.get_by_label("How old are you? (uk)").fill("30")
    phone.get_by_label("Other (uk)").check()
    phone.get_by_role("button", name="Далі").last.click()
    follow_up = phone.get_by_label("Where, then? (uk)")  # shown by the answer above
    expect(follow_up).to_be_visible()
    follow_up.fill("з друзями")
    phone.get_by_role("button", name="Далі").last.click()
    assert phone.url == f"{live_server}/r/s/work"  # an adult: the work page is shown
    shot(phone, "journey-half-way-phone")
    context.close()  # leaves half-way

    context = browser.new_context(viewport=PHONE, locale="uk-UA", is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(link)
    assert phone.url == f"{live_server}/r/s/work"  # resumes where they stopped
    phone.get_by_role("button", name="Назад").click()
    assert phone.get_by_label("How old are you? (uk)").input_value() == "30"
    assert phone.get_by_label("Where, then? (uk)").input_value() == "з друзями"
    phone.get_by_role("button", name="Далі").last.click()
    phone.get_by_label("Ні", exact=True).check()
    phone.get_by_role("button", name="Далі").last.click()
    phone.get_by_role("button", name=re.compile("Переглянути")).last.click()
    assert phone.url == f"{live_server}/r/review"
    phone.get_by_role("button", name="Надіслати відповіді").click()
    expect(phone.get_by_role("heading", name="Дякуємо!")).to_be_visible()
    assert submitted() == 1
    # A second submit (the back button, then submit again) records nothing more.
    phone.go_back()
    again = phone.request.post(f"{live_server}/r/submit", max_redirects=5)
    assert again.ok
    assert submitted() == 1
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Ви вже відповіли")).to_be_visible()
    context.close()

    # The officer sees the rate move and reads the response.
    officer.goto(f"{live_server}/fieldwork/rates")
    assert m3_rate(officer) == "100%"
    shot(officer, "journey-rates-after-desktop")
    officer.goto(f"{live_server}/fieldwork/responses")
    officer.get_by_role("link", name="AP-SU-00001").first.click()
    expect(officer.get_by_text("з друзями")).to_be_visible()
    shot(officer, "journey-response-desktop")
