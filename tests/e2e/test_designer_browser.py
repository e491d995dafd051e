"""The survey designer in a real browser: an officer creates the library instruments, edits,
translates, previews each in Ukrainian, Russian and English on a phone and a desktop, and
publishes after a confirmation that lists what changes. Screenshots land in
tests/e2e/screenshots/designer-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.extensions import db
from surveys import versions
from surveys.library import INSTRUMENTS
from surveys.models import Survey
from surveys.rendering import UI
from surveys.schema import Question, Section
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def no_horizontal_scroll(page) -> bool:
    """The page fits the viewport's width (wide tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def answer_what_is_shown(page) -> None:
    """Give the page plausible answers: the first option of every radio group (consent is
    "yes" first), one checkbox per group, 1 in numbers, a date, a choice in drop-downs."""
    page.evaluate("""() => {
      const groups = new Set();
      for (const r of document.querySelectorAll('.respondent-form input[type=radio]')) {
        if (!groups.has(r.name)) { groups.add(r.name);
          if (!document.querySelector(`input[name="${r.name}"]:checked`)) r.checked = true; }
      }
      const boxes = new Set();
      for (const c of document.querySelectorAll('.respondent-form input[type=checkbox]')) {
        if (!boxes.has(c.name)) { boxes.add(c.name);
          if (!document.querySelector(`input[name="${c.name}"]:checked`)) c.checked = true; }
      }
      for (const i of document.querySelectorAll('.respondent-form .number input')) if (!i.value) i.value = '1';
      for (const i of document.querySelectorAll('.respondent-form input[type=date]'))
        if (!i.value) i.value = '2024-05-01';
      for (const i of document.querySelectorAll('.respondent-form .text input')) if (!i.value) i.value = 'x';
      for (const s of document.querySelectorAll('.respondent-form select')) if (!s.value) s.selectedIndex = 1;
    }""")


def walk_preview(page, lang: str, name: str, viewport_name: str) -> int:
    """Go through the whole preview with Next; screenshots of page 1 and of the first page
    with a matrix, a Likert scale and checkboxes.
    Returns the number of pages seen."""
    ui = UI[lang]
    expect(page.get_by_text(ui["preview"])).to_be_visible()
    assert no_horizontal_scroll(page), (name, lang, viewport_name)
    shot(page, f"designer-preview-{name}-{lang}-{viewport_name}")
    seen, shots = 1, set()
    for _ in range(40):
        if page.get_by_role("heading", name=ui["end_title"]).count():
            break
        for kind in ("matrix", "likert", "checks"):
            if kind not in shots and page.locator(f"fieldset.{kind}").count():
                assert no_horizontal_scroll(page), (name, lang, viewport_name, kind)
                shot(page, f"designer-preview-{name}-{lang}-{viewport_name}-{kind}")
                shots.add(kind)
        answer_what_is_shown(page)
        page.locator(".respondent-nav button.primary").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
        seen += 1
    else:
        pytest.fail(f"the preview of {name} in {lang} never ended")
    expect(page.get_by_role("heading", name=ui["end_title"])).to_be_visible()
    return seen


def test_officer_designs_previews_and_publishes(live_server, page_factory, factory, app):
    officer = factory.user("officer")
    desk = page_factory(DESKTOP)
    log_in(desk, live_server, officer.email)

    desk.goto(f"{live_server}/surveys")
    expect(desk.get_by_role("heading", name="Surveys")).to_be_visible()
    desk.get_by_role("link", name="New survey").click()
    shot(desk, "designer-new-desktop")
    for instrument in INSTRUMENTS.values():
        desk.goto(f"{live_server}/surveys/new")
        desk.get_by_role("button", name=f"Use “{instrument.title['en']}”").click()
        desk.wait_for_url(re.compile(r".*/surveys/\d+$"))
        expect(desk.get_by_role("link", name="Publish draft…")).to_be_visible()
    desk.goto(f"{live_server}/surveys")
    for instrument in INSTRUMENTS.values():
        expect(desk.get_by_role("link", name=instrument.title["en"])).to_be_visible()
    shot(desk, "designer-list-desktop")

    db.session.expire_all()
    surveys = {s.instrument: s.id for s in db.session.scalars(select(Survey))}

    # The editor and its pages, on both screens.
    for viewport_name in VIEWPORTS:
        page = desk if viewport_name == "desktop" else page_factory(PHONE)
        if viewport_name == "phone":
            log_in(page, live_server, officer.email)
        sid = surveys["person_followup"]
        for name, path in [("survey", f"/surveys/{sid}"),
                           ("editor", f"/surveys/{sid}/draft"),
                           ("question-matrix", f"/surveys/{sid}/draft/questions/who5"),
                           ("question-select", f"/surveys/{sid}/draft/questions/contact_type"),
                           ("section", f"/surveys/{sid}/draft/sections/safety"),
                           ("translations", f"/surveys/{sid}/draft/translations"),
                           ("lists", f"/surveys/{sid}/draft/lists"),
                           ("choice-list", f"/surveys/{sid}/draft/lists/who5_frequency")]:
            page.goto(live_server + path)
            assert page.locator("h1").count() == 1, path
            assert no_horizontal_scroll(page), (viewport_name, path)
            shot(page, f"designer-{name}-{viewport_name}")
        page.goto(f"{live_server}/surveys")
        assert no_horizontal_scroll(page)
        shot(page, f"designer-list-{viewport_name}")

    # A broken relevance is refused, with the position marked under the field.
    sid = surveys["provider_followup"]
    desk.goto(f"{live_server}/surveys/{sid}/draft/questions/referred")
    desk.get_by_label("Show only if").fill("${identified} > 0 and (")
    desk.get_by_role("button", name="Save question").click()
    expect(desk.locator(".expr-marker mark")).to_be_visible()
    expect(desk.get_by_text(re.compile(r"at position \d+")).first).to_be_visible()
    shot(desk, "designer-question-error-desktop")

    # Translations: change one text and save the page in one go.
    desk.goto(f"{live_server}/surveys/{sid}/draft/translations")
    box = desk.locator("td[data-label='English'] textarea").first
    box.fill("Provider follow-up (edited)")
    desk.get_by_role("button", name="Save translations").first.click()
    expect(desk.get_by_text("Translations saved (1 text(s) changed).")).to_be_visible()

    # Each instrument previewed in each language on a phone and on a desktop.
    for viewport_name, viewport in VIEWPORTS.items():
        page = page_factory(viewport)
        log_in(page, live_server, officer.email)
        for instrument, sid in surveys.items():
            for lang in ("uk", "ru", "en"):
                page.goto(f"{live_server}/surveys/{sid}/versions/1/preview?lang={lang}")
                assert page.locator(".respondent").get_attribute("lang") == lang
                pages = walk_preview(page, lang, instrument, viewport_name)
                assert pages >= 3

    # Validation messages in the respondent's language, with the summary linking to the field.
    phone = page_factory(PHONE)
    log_in(phone, live_server, officer.email)
    phone.goto(f"{live_server}/surveys/{surveys['person_followup']}/versions/1/preview?lang=ru")
    phone.locator(".respondent-nav button.primary").click()
    expect(phone.locator(".error-summary")).to_be_visible()
    expect(phone.get_by_text(UI["ru"]["required"]).first).to_be_visible()
    shot(phone, "designer-preview-errors-ru-phone")
    # The language switch keeps the page and the answers.
    phone.get_by_role("button", name="Українська").click()
    expect(phone.get_by_text(UI["uk"]["preview"])).to_be_visible()

    # Publishing asks first: the confirmation says it is the first version, then publishes.
    phone = page_factory(PHONE)
    log_in(phone, live_server, officer.email)
    for number, (instrument, sid) in enumerate(surveys.items()):
        desk.goto(f"{live_server}/surveys/{sid}")
        desk.get_by_role("link", name="Publish draft…").click()
        expect(desk.get_by_role("heading", name="Publish version 1?")).to_be_visible()
        expect(desk.get_by_text("first version")).to_be_visible()
        if number == 0:
            assert no_horizontal_scroll(desk)
            shot(desk, "designer-publish-first-desktop")
            phone.goto(desk.url)
            assert no_horizontal_scroll(phone)
            shot(phone, "designer-publish-first-phone")
        desk.get_by_role("button", name="Publish version 1").click()
        expect(desk.get_by_text("Version 1 published."), instrument).to_be_visible()
    shot(desk, "designer-published-desktop")

    # A second version: the confirmation lists what changes from version 1.
    sid = surveys["person_followup"]
    desk.goto(f"{live_server}/surveys/{sid}")
    desk.get_by_role("button", name="Edit: start a new draft").click()
    expect(desk.get_by_role("heading", name="Draft version 2")).to_be_visible()
    desk.goto(f"{live_server}/surveys/{sid}/draft/questions/comments")
    desk.get_by_label("Label (English)").fill("Is there anything else you want to tell us?")
    desk.get_by_label("An answer is required").check()
    desk.get_by_role("button", name="Save question").click()
    expect(desk.get_by_text("Question comments saved.")).to_be_visible()
    # ... and, as other edits would, a question removed and a page with a question added.
    db.session.expire_all()
    draft = versions.draft(db.session.get(Survey, sid))
    changed = draft.schema()
    closing = changed.sections[-1]
    closing.questions = [q for q in closing.questions if q.key != "thanks"]
    changed.sections.insert(-1, Section("follow_up_contact", {
        "uk": "Подальший зв'язок", "ru": "Дальнейшая связь", "en": "Further contact"},
        questions=[Question("may_contact", "yes_no", {
            "uk": "Чи можемо ми зв'язатися з вами ще раз?",
            "ru": "Можем ли мы связаться с вами ещё раз?",
            "en": "May we contact you again?"})]))
    versions.save_draft(draft, changed)
    db.session.commit()
    desk.goto(f"{live_server}/surveys/{sid}/draft")
    desk.get_by_role("link", name="Publish…").click()
    expect(desk.get_by_role("heading", name="Publish version 2?")).to_be_visible()
    expect(desk.get_by_text("What changes from version 1")).to_be_visible()
    expect(desk.locator(".change-added code", has_text="may_contact")).to_be_visible()
    expect(desk.locator(".change-removed code", has_text="thanks")).to_be_visible()
    expect(desk.locator(".change-changed code", has_text="comments")).to_be_visible()
    assert no_horizontal_scroll(desk)
    shot(desk, "designer-publish-changes-desktop")
    phone.goto(desk.url)
    assert no_horizontal_scroll(phone)
    shot(phone, "designer-publish-changes-phone")
    desk.get_by_role("button", name="Publish version 2").click()
    expect(desk.get_by_text("Version 2 published.")).to_be_visible()

    # An incomplete survey: the confirmation lists what blocks publishing, with no button.
    desk.goto(f"{live_server}/surveys/new")
    desk.get_by_label("Title (English)").fill("Incomplete survey")
    desk.get_by_role("button", name="Create blank survey").click()
    desk.get_by_role("button", name="Add section").click()
    desk.get_by_role("link", name="Questions").click()
    desk.get_by_label("New question in this section").select_option("select_one")
    desk.get_by_role("button", name="Add question").click()
    desk.get_by_role("link", name="Versions").click()
    desk.get_by_role("link", name="Publish draft…").click()
    expect(desk.get_by_role("heading", name="What blocks publishing")).to_be_visible()
    expect(desk.get_by_role("button", name="Publish version 1")).to_have_count(0)
    expect(desk.get_by_role("link", name="question 'q1'").first).to_be_visible()
    assert no_horizontal_scroll(desk)
    shot(desk, "designer-publish-problems-desktop")
    problems_url = desk.url
    desk.get_by_role("link", name="question 'q1'").first.click()
    expect(desk.get_by_role("heading", name=re.compile("Question q1"))).to_be_visible()
    desk.get_by_role("link", name="Translations").click()
    assert desk.locator("td.missing").count() >= 3  # the title in uk and ru, the label
    shot(desk, "designer-translations-missing-desktop")

    phone.goto(problems_url)
    expect(phone.get_by_role("heading", name="What blocks publishing")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "designer-publish-problems-phone")
