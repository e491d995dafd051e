"""The respondent's path in a real browser on a phone-sized window: one link declined; another
consented, filled over several pages whose relevance hides and shows questions, left half-way,
reopened with the answers found, submitted once; quick exit with and without JavaScript.
Screenshots of every respondent page in uk, ru and en land in tests/e2e/screenshots/respondent-*.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, RespondentSession, Response
from surveys.schema import LANGUAGE_NAMES
from tests.e2e.conftest import PHONE, shot
from tests.monitor.respondent_support import invitation_of, make_link, make_version, response_of

pytestmark = pytest.mark.e2e

LANGS = ("uk", "ru", "en")
EXIT_URL = "https://www.google.com/search?q=weather"


@pytest.fixture
def console_errors() -> list[str]:
    """Errors any page logged (a CSP violation would show here)."""
    return []


@pytest.fixture
def phone(browser, console_errors):
    """New phone-sized browser contexts (own cookies), JavaScript on or off; the neutral exit
    site is answered locally (the test machine has no internet)."""
    contexts = []

    def _new(javascript: bool = True, locale: str = "uk-UA"):
        context = browser.new_context(viewport=PHONE, locale=locale,
                                      java_script_enabled=javascript, is_mobile=True,
                                      has_touch=True)
        context.route("https://www.google.com/**", lambda route: route.fulfill(
            status=200, content_type="text/html",
            body="<!doctype html><title>Weather</title><h1>Weather</h1>"))
        # A 4xx page (an expired link, a page with errors) is logged as a failed load: expected.
        context.on("console", lambda m: console_errors.append(m.text) if m.type == "error"
                   and "the server responded with a status of 4" not in m.text else None)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


def fits(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def switch(page, lang: str) -> None:
    page.locator(f".languages [lang='{lang}']").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def stored(link) -> dict:
    db.session.expire_all()
    response = response_of(link)
    return {a.question_key: a.value for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id))}


def next_button(page):
    return page.locator(".respondent-nav button.primary")


def test_respondent_declines_on_one_link_and_answers_on_another(live_server, phone, factory,
                                                                 console_errors):
    version = make_version(factory)
    declined, answered = make_link(factory, version), make_link(factory, version)
    expired = make_link(factory, version, closes_on=date.today() - timedelta(days=2))
    revoked = make_link(factory, version, status="revoked")

    # --- an expired link says so, in each language ----------------------------------------
    page = phone()
    page.goto(f"{live_server}/r/{expired.token}")
    assert page.locator("h1").inner_text() == "Це опитування закрито"
    for lang in LANGS:
        if lang != "uk":
            switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-expired-{lang}")
    expect(page.get_by_role("heading", name="This survey is closed")).to_be_visible()
    page = phone()
    page.goto(f"{live_server}/r/{revoked.token}")
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-revoked-{lang}")
    expect(page.get_by_role("heading", name="Це посилання більше не працює")).to_be_visible()

    # --- decline, without JavaScript -------------------------------------------------------
    page = phone(javascript=False)
    page.goto(f"{live_server}/r/{declined.token}")
    assert page.url == f"{live_server}/r/consent"  # the token left the address bar
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-consent-{lang}")
    page.get_by_role("button", name="Ні, я не хочу брати участь").click()
    expect(page.get_by_role("heading", name="Ви впевнені, що не хочете брати участь?")).to_be_visible()
    shot(page, "respondent-consent-confirm-uk")
    page.get_by_role("button", name="Так, я не хочу брати участь").click()
    expect(page.get_by_role("heading", name="Дякуємо")).to_be_visible()
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-declined-{lang}")
    assert response_of(declined).status == "declined"
    assert invitation_of(declined).status == "declined"
    page.goto(f"{live_server}/r/{declined.token}")
    expect(page.get_by_role("heading", name="Ви вирішили не брати участь")).to_be_visible()

    # --- consent and fill, without JavaScript ----------------------------------------------
    page = phone(javascript=False)
    page.goto(f"{live_server}/r/{answered.token}")
    page.get_by_role("button", name="Так, я погоджуюся взяти участь").click()
    assert page.url == f"{live_server}/r/s/about"
    expect(page.get_by_text("Сторінка 1 з 3")).to_be_visible()
    # Next with nothing: the error summary, linked to the fields, in each language.
    for lang in LANGS:
        if lang != "uk":
            switch(page, lang)
        next_button(page).click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        assert summary.locator("a").count() == 2
        assert fits(page)
        shot(page, f"respondent-section-errors-{lang}")
    summary.locator("a").first.click()
    assert page.evaluate("location.hash") == "#q-age"
    # Answers typed, then a language switch: they are kept (saved first).
    page.get_by_label("How old are you?").fill("30")
    page.get_by_label("Other", exact=True).check()
    switch(page, "uk")
    assert page.get_by_label("How old are you? (uk)").input_value() == "30"
    assert page.get_by_label("Other (uk)").is_checked()
    assert stored(answered)["age"] == 30
    # Relevance: the saved "Other" already shows its follow-up question.
    follow_up = page.get_by_label("Where, then? (uk)")
    expect(follow_up).to_be_visible()
    follow_up.fill("з друзями")
    next_button(page).click()
    assert page.url == f"{live_server}/r/s/work"
    assert not page.get_by_label("Hours a week? (uk)").count()
    page.get_by_label("Так", exact=True).check()
    next_button(page).click()  # "yes" reveals the hours on the same page, said so
    expect(page.locator(".revealed-note")).to_be_visible()
    shot(page, "respondent-section-revealed-uk")
    page.get_by_label("Hours a week? (uk)").fill("20")
    next_button(page).click()
    assert page.url == f"{live_server}/r/s/closing"
    page.get_by_label("Anything to add? (uk)").fill("Half-typed, never sent")
    # Leave half-way: the page is closed without pressing anything.
    context = page.context
    page.close()

    # --- reopen the link: back where they stopped, with the answers -------------------------
    page = context.new_page()
    page.goto(f"{live_server}/r/{answered.token}")
    assert page.url == f"{live_server}/r/s/closing"
    assert page.get_by_label("Anything to add? (uk)").input_value() == ""
    page.get_by_role("button", name="Назад").click()
    assert page.get_by_label("Hours a week? (uk)").input_value() == "20"
    page.get_by_role("button", name="Назад").click()
    assert page.get_by_label("How old are you? (uk)").input_value() == "30"
    assert page.get_by_label("Where, then? (uk)").input_value() == "з друзями"
    # Relevance hides: under 18, the work page goes and its answers with it.
    page.get_by_label("How old are you? (uk)").fill("16")
    page.get_by_label("Shelter (uk)").check()
    next_button(page).click()
    assert page.url == f"{live_server}/r/s/closing"
    expect(page.get_by_text("Сторінка 2 з 2")).to_be_visible()
    answers = stored(answered)
    assert "works" not in answers and "hours" not in answers and "housing_other" not in answers
    # ... and shows again.
    page.get_by_role("button", name="Назад").click()
    page.get_by_label("How old are you? (uk)").fill("19")
    next_button(page).click()
    assert page.url == f"{live_server}/r/s/work"
    assert not page.get_by_label("Hours a week? (uk)").count()
    page.get_by_label("Ні", exact=True).check()
    next_button(page).click()
    page.get_by_label("Anything to add? (uk)").fill("Дякую")
    next_button(page).click()

    # --- review, in each language, then submit ----------------------------------------------
    assert page.url == f"{live_server}/r/review"
    expect(page.get_by_text("Shelter (uk)")).to_be_visible()
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-review-{lang}")
    page.get_by_role("link", name="Змінити — Work (uk)").click()
    assert page.url == f"{live_server}/r/s/work?review=1"
    next_button(page).click()
    assert page.url == f"{live_server}/r/review"
    page.get_by_role("button", name="Надіслати відповіді").click()
    expect(page.get_by_role("heading", name="Дякуємо!")).to_be_visible()
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        shot(page, f"respondent-thanks-{lang}")
    assert response_of(answered).status == "submitted"
    assert invitation_of(answered).status == "completed"
    assert stored(answered) == {"consent_given": "yes", "age": 19, "housing": "shelter",
                                "works": "no", "comments": "Дякую"}

    # --- a second submit changes nothing and shows the same thanks ---------------------------
    submitted_at = response_of(answered).submitted_at
    replay = page.request.post(f"{live_server}/r/submit", max_redirects=5)
    assert replay.ok and "Дякуємо!" in replay.text()
    page.goto(f"{live_server}/r/review")
    assert page.url == f"{live_server}/r/done"
    assert response_of(answered).submitted_at == submitted_at
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.status == "submitted")) == 1
    page.goto(f"{live_server}/r/{answered.token}")
    expect(page.get_by_role("heading", name="Ви вже відповіли")).to_be_visible()
    for lang in ("ru", "en", "uk"):
        switch(page, lang)
        assert fits(page)
        shot(page, f"respondent-completed-{lang}")
    expect(page.get_by_role("heading", name="Ви вже відповіли")).to_be_visible()
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_quick_exit_leaves_and_ends_the_session(live_server, phone, factory, javascript,
                                                console_errors):
    link = make_link(factory)
    page = phone(javascript=javascript)
    page.goto(f"{live_server}/r/{link.token}")
    page.get_by_role("button", name="Так, я погоджуюся взяти участь").click()
    page.get_by_label("How old are you? (uk)").fill("30")
    page.locator("a.quick-exit").click()
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"
    # The server ended the session (with JavaScript the request may still be on its way).
    page.wait_for_timeout(300)
    db.session.expire_all()
    assert db.session.scalar(select(RespondentSession.ended_at)) is not None
    # Back does not return to the survey: nothing of it is shown.
    page.goto(f"{live_server}/r/s/about")
    assert page.url == f"{live_server}/r/notice/unavailable"
    assert not page.get_by_text("How old are you").count()
    shot(page, f"respondent-after-exit-{'js' if javascript else 'nojs'}-uk")
    assert console_errors == []


#: What the page Back shows after a quick exit says, in the language the respondent used.
UNAVAILABLE = {"uk": ("Сторінка недоступна", "Ця сторінка недоступна"),
               "ru": ("Страница недоступна", "Эта страница недоступна")}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_back_after_quick_exit_shows_a_neutral_page_in_the_respondents_language(
        live_server, phone, factory, javascript, lang, console_errors):
    """On a phone set to English, a respondent answering in Ukrainian (the survey's language)
    or Russian quick-exits; Back shows a page that names no survey, in their language."""
    link = make_link(factory)
    page = phone(javascript=javascript, locale="en-GB")
    page.goto(f"{live_server}/r/{link.token}")
    if lang != "uk":
        switch(page, lang)
    page.locator("button[value='yes']").click()
    page.wait_for_url(f"{live_server}/r/s/about")
    if javascript:
        # A page the browser restores from its back/forward cache is asked for again.
        with page.expect_navigation():
            page.evaluate("window.restored = 1; window.dispatchEvent("
                          "new PageTransitionEvent('pageshow', {persisted: true}))")
        assert page.evaluate("window.restored") is None
        assert page.url == f"{live_server}/r/s/about"
    page.locator("#q-age").fill("30")
    page.locator("a.quick-exit").click()
    page.wait_for_url(EXIT_URL)
    page.wait_for_timeout(300)  # with JavaScript the exit's request may still be on its way
    title, heading = UNAVAILABLE[lang]
    for _ in range(2):  # Back to the survey's pages, then further back
        page.go_back()
        page.wait_for_load_state()
        if not page.url.startswith(live_server):
            break
        shown = page.locator("body").inner_text().lower()
        assert not any(word in shown for word in ("survey", "опитуван", "опрос", "follow-up",
                                                  "how old", "відповід", "ответ")), shown
        assert page.locator("html").get_attribute("lang") == lang
        assert page.title() == title
        assert page.locator("h1").inner_text() == heading
        assert page.url == f"{live_server}/r/notice/unavailable"  # the page's key is gone too
    shot(page, f"respondent-back-after-exit-{'js' if javascript else 'nojs'}-{lang}")
    # Opening the link again, the respondent finds the survey where they left it.
    page.goto(f"{live_server}/r/{link.token}")
    assert page.url == f"{live_server}/r/s/about"
    assert console_errors == []


def test_quick_exit_is_first_and_big_enough_to_hit(live_server, phone, factory):
    link = make_link(factory)
    page = phone()
    page.goto(f"{live_server}/r/{link.token}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "quick-exit"
    box = page.locator("a.quick-exit").bounding_box()
    assert box["height"] >= 44 and box["y"] < 20
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(100)
    assert page.locator("a.quick-exit").bounding_box()["y"] < 20  # it stays at the top
    for name in LANGUAGE_NAMES.values():
        assert page.locator(".languages").get_by_text(name).bounding_box()["height"] >= 40


#: The review page's send button and the thank-you heading, as the respondent reads them.
SEND = {"uk": "Надіслати відповіді", "ru": "Отправить ответы", "en": "Send my answers"}
THANKS = {"uk": "Дякуємо!", "ru": "Спасибо!", "en": "Thank you!"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("instrument", ["person_followup", "provider_followup"])
def test_library_instrument_walk_on_a_phone(live_server, phone, factory, console_errors,
                                            instrument, lang):
    """Every page of a library instrument fits a phone (matrices, Likert scales, checkboxes),
    goes through to the review and submits; one screenshot per page in each language."""
    from surveys.library import load_instrument
    from tests.e2e.test_designer_browser import answer_what_is_shown

    link = make_link(factory, make_version(factory, load_instrument(instrument)))
    page = phone()
    page.goto(f"{live_server}/r/{link.token}")
    if lang != "uk":
        switch(page, lang)
    assert fits(page)
    shot(page, f"respondent-{instrument}-consent-{lang}")
    page.locator("button[name=choice][value=yes]").click()
    for step in range(30):
        if page.url.endswith("/r/review"):
            break
        assert page.locator("html").get_attribute("lang") == lang
        assert fits(page), page.url
        shot(page, f"respondent-{instrument}-{step + 1:02d}-{lang}")
        answer_what_is_shown(page)
        next_button(page).click()
        if page.locator(".revealed-note").count():
            answer_what_is_shown(page)
            next_button(page).click()
        assert page.locator(".error-summary").count() == 0, page.locator(
            ".error-summary").inner_text()
    assert page.url.endswith("/r/review")
    assert fits(page)
    shot(page, f"respondent-{instrument}-review-{lang}")
    page.get_by_role("button", name=SEND[lang]).click()
    expect(page.get_by_role("heading", name=THANKS[lang])).to_be_visible()
    assert response_of(link).status == "submitted"
    assert console_errors == []
