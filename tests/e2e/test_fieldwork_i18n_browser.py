"""Every officer page of fieldwork (plans, a plan, its form, a new plan, the due list, the
printable sheet, response rates, responses, a response) in Ukrainian, Russian and English, on a
phone and a desktop, in a real browser, on the small demo: the page is in the officer's language,
its key words are, and nothing makes a phone scroll sideways. Screenshots land in
tests/e2e/screenshots/ as fieldwork-<page>-<lang>-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.demo import DEMO_LOGINS, build_demo
from monitor.extensions import db
from monitor.fieldwork.models import FollowUpPlan, Invitation, PlanWave
from monitor.fieldwork.services import current_date
from monitor.models import User
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

LANGS = ("uk", "ru", "en")
#: Each page's key words in each language.
WORDS = {
    "index": {"uk": ("Польові роботи", "Новий план повторних опитувань", "Видано посилань"),
              "ru": ("Полевые работы", "Новый план повторных опросов", "Выдано ссылок"),
              "en": ("Fieldwork", "New follow-up plan", "Links issued")},
    "plan": {"uk": ("Запрошення й посилання", "Хвилі відраховуються від", "Базова хвиля", "3 місяці"),
             "ru": ("Приглашения и ссылки", "Волны отсчитываются от", "Базовая волна", "3 месяца"),
             "en": ("Due list and links", "Waves hang on", "Baseline", "3 months")},
    "plan-edit": {"uk": ("Зміна плану", "Зберегти й оновити запрошення", "Місяців після опорної дати"),
                  "ru": ("Изменение плана", "Сохранить и обновить приглашения", "Месяцев после опорной даты"),
                  "en": ("Edit plan", "Save and update invitations", "Months after the anchor")},
    "plan-new": {"uk": ("Новий план повторних опитувань", "Версія опитування", "Створити план і запрошення"),
                 "ru": ("Новый план повторных опросов", "Версия опроса", "Создать план и приглашения"),
                 "en": ("New follow-up plan", "Survey version", "Create plan and invitations")},
    "due": {"uk": ("Список запрошень", "Посилання для позначених запрошень", "Видати аркушем для друку"),
            "ru": ("Список приглашений", "Ссылки для отмеченных приглашений", "Выдать листом для печати"),
            "en": ("Due list", "Links for the ticked invitations", "Issue as a printable sheet")},
    "sheet": {"uk": ("посилання для друку", "Ці посилання існують лише на цій сторінці.",
                     "Відскануйте код або відкрийте посилання", "Scan the code or open the link"),
              "ru": ("ссылка для печати", "Эти ссылки существуют только на этой странице.",
                     "Отсканируйте код или откройте ссылку", "Scan the code or open the link"),
              "en": ("link to print", "These links exist only on this page.",
                     "Відскануйте код або відкрийте посилання", "Scan the code or open the link")},
    "rates": {"uk": ("Рівень відгуку", "Підсумки за хвилями", "Вікно відкрилося"),
              "ru": ("Уровень отклика", "Итоги по волнам", "Окно открылось"),
              "en": ("Response rates", "Totals by wave", "Window opened")},
    "responses": {"uk": ("Відповіді", "Респондент", "Будь-який статус"),
                  "ru": ("Ответы", "Респондент", "Любой статус"),
                  "en": ("Responses", "Respondent", "Any status")},
    "response": {"uk": ("Відповідь", "Згода", "Розпочато"),
                 "ru": ("Ответ", "Согласие", "Начато"),
                 "en": ("Response of", "Consent", "Started")},
}


@pytest.fixture
def demo(app):
    """The small demo; returns the officer's (e-mail, password)."""
    build_demo(size="small", seed=7)
    return next((email, password) for role, email, password in DEMO_LOGINS if role == "officer")


def fits(page) -> bool:
    """Nothing scrolls sideways (a table may scroll inside its own box)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def look(page, name: str, lang: str, width: str) -> None:
    """Screenshot the page, then check its language, its words and its width."""
    shot(page, f"fieldwork-{name}-{lang}-{width}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    for word in WORDS[name][lang]:
        expect(page.locator("main")).to_contain_text(word)
    assert fits(page), (name, lang, width)


@pytest.mark.parametrize("width,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_fieldwork_pages_in_every_language(live_server, browser, demo, width, viewport):
    email, password = demo
    officer = db.session.scalar(select(User).where(User.email == email))
    # The plan of the assisted persons' follow-up, whose waves are baseline, m3, m6 and m12.
    plan_id = db.session.scalar(select(FollowUpPlan.id).join(PlanWave).where(
        FollowUpPlan.anchor == "episode_start", PlanWave.name == "m3"))
    plan_url = f"{live_server}/fieldwork/plans/{plan_id}"
    # A plan with invitations still pending (the demo's try-out), for the due list's actions.
    live_plan = db.session.scalar(select(Invitation.plan_id).where(
        Invitation.status == "pending", Invitation.closes_on >= current_date()).limit(1))
    for lang in LANGS:
        officer.language = lang  # as if chosen from the footer
        db.session.commit()
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        page.goto(live_server + "/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(live_server + "/")

        page.goto(live_server + "/fieldwork/")
        look(page, "index", lang, width)
        page.goto(plan_url)
        look(page, "plan", lang, width)
        page.goto(plan_url + "/edit")
        look(page, "plan-edit", lang, width)
        page.goto(live_server + "/fieldwork/plans/new")
        look(page, "plan-new", lang, width)

        page.goto(f"{live_server}/fieldwork/plans/{live_plan}/due?status=pending")
        look(page, "due", lang, width)
        # Each run re-issues the link of one pending invitation and prints its card.
        page.locator("table.due-list input[name=ids]").first.check()
        page.locator("button[value=reissue-sheet]").click()
        page.locator("ol.link-sheet").wait_for()
        look(page, "sheet", lang, width)

        page.goto(live_server + "/fieldwork/rates")
        page.wait_for_function("document.querySelector('img.chart').complete")
        look(page, "rates", lang, width)
        page.goto(live_server + "/fieldwork/responses")
        look(page, "responses", lang, width)
        page.locator("table.response-list tbody a").first.click()
        page.locator("section.answers, details.answers").first.wait_for()
        look(page, "response", lang, width)
        context.close()
