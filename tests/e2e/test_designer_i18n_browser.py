"""Every page of the survey designer in Ukrainian, Russian and English, on a phone and a
desktop: the page says its language, fits the phone's width, and its words are in that
language. Screenshots land in tests/e2e/screenshots/designer-i18n-<page>-<lang>-<width>.png."""

from __future__ import annotations

import pytest

from monitor.extensions import db
from monitor.models import User
from surveys import versions
from surveys.library import load_instrument
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


def fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def a_survey_with_history() -> int:
    """The person follow-up, version 1 published, version 2 a draft that changes a question,
    removes one and adds a page (so the history and publish pages have something to say)."""
    survey = versions.create_survey(load_instrument("person_followup"),
                                    instrument="person_followup")
    versions.publish(versions.draft(survey))
    draft = versions.start_draft(survey)
    changed = draft.schema()
    changed.question("comments").required = True
    changed.question("comments").label["uk"] = "Чи хочете ви ще щось нам розповісти?"
    closing = changed.sections[-1]
    closing.questions = [q for q in closing.questions if q.key != "thanks"]
    versions.save_draft(draft, changed)
    db.session.commit()
    return survey.id


#: Each page: (name, address, words it shows in uk, ru and en).
def pages(sid: int) -> list[tuple[str, str, dict[str, str]]]:
    base = f"/surveys/{sid}"
    return [
        ("index", "/surveys", {"uk": "Нове опитування", "ru": "Новый опрос",
                               "en": "New survey"}),
        ("new", "/surveys/new", {"uk": "Порожнє опитування", "ru": "Пустой опрос",
                                 "en": "A blank survey"}),
        ("survey", base, {"uk": "Порівняти версії", "ru": "Сравнить версии",
                          "en": "Compare versions"}),
        ("editor", f"{base}/draft", {"uk": "Перевірки перед публікацією",
                                     "ru": "Проверки перед публикацией",
                                     "en": "Checks before publishing"}),
        ("question-matrix", f"{base}/draft/questions/who5",
         {"uk": "Зберегти запитання", "ru": "Сохранить вопрос", "en": "Save question"}),
        ("question-number", f"{base}/draft/questions/hours_week",
         {"uk": "Найменша відповідь", "ru": "Наименьший ответ", "en": "Smallest answer"}),
        ("section", f"{base}/draft/sections/safety",
         {"uk": "Показувати цю сторінку, лише якщо", "ru": "Показывать эту страницу, только если",
          "en": "Show this page only if"}),
        ("lists", f"{base}/draft/lists", {"uk": "Створити список", "ru": "Создать список",
                                          "en": "Create list"}),
        ("list", f"{base}/draft/lists/who5_frequency",
         {"uk": "Зберегти список", "ru": "Сохранить список", "en": "Save list"}),
        ("translations", f"{base}/draft/translations",
         {"uk": "Зберегти переклади", "ru": "Сохранить переводы", "en": "Save translations"}),
        ("history", f"{base}/history?a=1&b=2",
         {"uk": "Змінені запитання", "ru": "Изменённые вопросы", "en": "Changed questions"}),
        ("preview", f"{base}/versions/2/preview?lang={{lang}}",
         {"uk": "версія 2 (чернетка)", "ru": "версия 2 (черновик)", "en": "version 2 (draft)"}),
        ("confirm", f"{base}/draft/sections/safety/delete",
         {"uk": "Видалити: розділ safety", "ru": "Удалить: раздел safety",
          "en": "Delete section safety"}),
        ("publish", f"{base}/draft/publish",
         {"uk": "Що змінюється порівняно з версією 1", "ru": "Что меняется по сравнению с версией 1",
          "en": "What changes from version 1"}),
    ]


def test_every_designer_page_in_each_language_and_width(live_server, page_factory, factory, app):
    officer = factory.user("officer")
    sid = a_survey_with_history()
    for width, viewport in VIEWPORTS.items():
        page = page_factory(viewport)
        log_in(page, live_server, officer.email)
        for lang in ("uk", "ru", "en"):
            db.session.get(User, officer.id).language = lang
            db.session.commit()
            for name, address, words in pages(sid):
                page.goto(live_server + address.replace("{lang}", lang))
                assert page.locator("html").get_attribute("lang") == lang, (name, lang)
                assert page.get_by_text(words[lang]).count() >= 1, (name, lang, words[lang])
                if width == "phone":
                    assert fits_the_width(page), (name, lang)
                shot(page, f"designer-i18n-{name}-{lang}-{width}")
