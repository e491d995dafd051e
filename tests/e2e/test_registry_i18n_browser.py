"""Every registry page (the lists, a page of each kind of record, the forms, the import page
with the report of a rejected file) in Ukrainian, Russian and English, on a phone and a
desktop (the forms, one column of fields, on a phone only), in a real browser: the page is in
the officer's language, its key words are, and nothing makes a phone scroll sideways.
Screenshots land in tests/e2e/screenshots/ as registry-<page>-<lang>-<width>.png for people to
look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from monitor.demo import DEMO_LOGINS, build_demo
from monitor.extensions import db
from monitor.fieldwork.models import Invitation, Response
from monitor.models import AssistedPerson, Provider, TrainingAttendance, TrainingSession, User
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

OFFICER = next((email, password) for role, email, password in DEMO_LOGINS if role == "officer")
LANGS = ("uk", "ru", "en")

#: (name, path (filled from the demo's ids), words per language: the heading first).
PAGES = [
    ("regions", "/registry/regions",
     {"uk": ("Області", "Приєдналася"), "ru": ("Области", "Присоединилась"), "en": ("Regions", "Joined")}),
    ("organisations", "/registry/organisations",
     {"uk": ("Організації", "Державна установа"), "ru": ("Организации", "Государственное учреждение"),
      "en": ("Organisations", "State agency")}),
    ("providers", "/registry/providers",
     {"uk": ("Надавачі послуг", "Усі професії"), "ru": ("Поставщики услуг", "Все профессии"),
      "en": ("Providers", "All professions")}),
    ("training", "/registry/training",
     {"uk": ("Тренінги", "Учасників"), "ru": ("Тренинги", "Участников"),
      "en": ("Training sessions", "Attended by")}),
    ("persons", "/registry/persons",
     {"uk": ("Особи, які отримали допомогу", "Вид експлуатації"),
      "ru": ("Лица, получившие помощь", "Вид эксплуатации"),
      "en": ("Assisted persons", "Type of exploitation")}),
    ("episodes", "/registry/episodes",
     {"uk": ("Епізоди допомоги", "Будь-яка послуга"), "ru": ("Эпизоды помощи", "Любая услуга"),
      "en": ("Assistance episodes", "Any service")}),
    ("provider", "/registry/providers/{provider}",
     {"uk": ("Надавач послуг", "Відвідані тренінги"), "ru": ("Поставщик услуг", "Посещённые тренинги"),
      "en": ("Provider", "Training attended")}),
    ("session", "/registry/training/{session}",
     {"uk": ("Тренінг", "Записати відвідування"), "ru": ("Тренинг", "Записать посещение"),
      "en": ("Training session", "Record attendance")}),
    ("person", "/registry/persons/{person}",
     {"uk": ("Особа, яка отримала допомогу", "Вікова група", "Запрошення та відповіді", "Відкрити відповіді"),
      "ru": ("Лицо, получившее помощь", "Возрастная группа", "Приглашения и ответы", "Открыть ответы"),
      "en": ("Assisted person", "Age group", "Invitations and responses", "Open the answers")}),
    ("provider-form", "/registry/providers/new",
     {"uk": ("Новий надавач послуг", "Псевдонімний код"), "ru": ("Новый поставщик услуг", "Псевдонимный код"),
      "en": ("New provider", "Pseudonymous code")}),
    ("session-form", "/registry/training/{session}/edit",
     {"uk": ("Зміна тренінгу", "Захист даних і конфіденційність"),
      "ru": ("Изменение тренинга", "Защита данных и конфиденциальность"),
      "en": ("Edit training session", "Data protection and confidentiality")}),
    ("person-form", "/registry/persons/{person}/edit",
     {"uk": ("Зміна даних особи", "Трансгендерна або гендерно неконформна особа"),
      "ru": ("Изменение данных лица", "Трансгендерное или гендерно неконформное лицо"),
      "en": ("Edit assisted person", "Transgender or gender non-conforming")}),
    ("episode-form", "/registry/episodes/new",
     {"uk": ("Новий епізод допомоги", "Психологічна підтримка"),
      "ru": ("Новый эпизод помощи", "Психологическая поддержка"),
      "en": ("New assistance episode", "Psychological support")}),
    ("region-form", "/registry/regions/{region}/edit",
     {"uk": ("Зміна області", "Назва (українською)"), "ru": ("Изменение области", "Название (на украинском)"),
      "en": ("Edit region", "Name (Ukrainian)")}),
]
REJECTED = {"uk": ("Нічого не імпортовано", "знайдено 2 проблеми", "Невідома область", "Рядок"),
            "ru": ("Ничего не импортировано", "найдены 2 проблемы", "Неизвестная область", "Строка"),
            "en": ("Nothing was imported", "has 2 problems", "Unknown region", "Row")}
#: A providers file with two bad rows (an unknown region, an unknown profession).
BAD_FILE = "code,profession,region\r\nP-NEW-1,Учитель,Атлантида\r\nP-NEW-2,жонглер,Чернівецька\r\n".encode()

#: What sticks out on the right, to say why a page scrolls sideways.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
            + ' ' + e.textContent.trim().slice(0, 40))"""


@pytest.fixture
def demo(app):
    """The small demo and the ids of records worth opening: a trained provider, a session with
    attendance, a person with an answered invitation."""
    build_demo(size="small", seed=7)
    person = db.session.scalar(
        select(AssistedPerson.id).join(Invitation, Invitation.person_id == AssistedPerson.id)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Response.status == "submitted", AssistedPerson.gender.is_not(None))
        .order_by(AssistedPerson.id).limit(1))
    session = db.session.scalar(select(TrainingSession.id).join(TrainingAttendance)
                                .order_by(TrainingSession.id).limit(1))
    provider = db.session.scalar(select(Provider.id).join(TrainingAttendance)
                                 .order_by(Provider.id).limit(1))
    region = db.session.scalar(select(TrainingSession.region_id).where(TrainingSession.id == session))
    return {"person": person, "session": session, "provider": provider, "region": region}


def fits(page) -> bool:
    """Nothing scrolls sideways (a table may scroll inside its own box)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def check(page, lang: str, words) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_contain_text(words[0])
    for word in words[1:]:
        expect(page.locator("main")).to_contain_text(word)
    assert fits(page), (page.url, page.evaluate(WIDE))


@pytest.mark.parametrize("width,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_registry_pages_in_every_language(live_server, browser, demo, width, viewport):
    email, password = OFFICER
    for lang in LANGS:
        db.session.execute(update(User).where(User.email == email).values(language=lang))
        db.session.commit()
        context = browser.new_context(viewport=viewport, locale=lang)
        page = context.new_page()
        page.goto(live_server + "/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(live_server + "/")
        for name, path, words in PAGES:
            if name.endswith("-form") and width == "desktop":
                continue  # a form is one column of fields: the phone is where it could break
            response = page.goto(live_server + path.format(**demo))
            assert response.status == 200, path
            shot(page, f"registry-{name}-{lang}-{width}")
            check(page, lang, words[lang])
        # The import page, with the report of a file refused for two bad rows.
        page.goto(live_server + "/registry/imports")
        page.locator("#kind").select_option("providers")
        page.locator("#file").set_input_files(
            files=[{"name": "надавачі.csv", "mimeType": "text/csv", "buffer": BAD_FILE}])
        page.locator("main form[enctype] button[type=submit]").click()
        expect(page.locator(".import-rejected")).to_be_visible()
        shot(page, f"registry-import-rejected-{lang}-{width}")
        words = REJECTED[lang]
        expect(page.locator("html")).to_have_attribute("lang", lang)
        for word in words:
            expect(page.locator(".import-rejected")).to_contain_text(word)
        assert fits(page), (page.url, page.evaluate(WIDE))
        context.close()
