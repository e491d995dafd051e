"""The core staff pages (login, overview, password change, staff accounts, audit log, an error
page) in Ukrainian, Russian and English, on a phone and a desktop, in a real browser: the page
is in the language asked for, its key words are, and nothing makes a phone scroll sideways.
Screenshots of every page land in tests/e2e/screenshots/ as core-<page>-<lang>-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from monitor.demo import DEMO_LOGINS, build_demo
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

ADMIN = next((email, password) for role, email, password in DEMO_LOGINS if role == "admin")
LANGS = ("uk", "ru", "en")

#: The login page's words, then each signed-in page: (name, path, status, words per language).
LOGIN_WORDS = {"uk": ("Увійти", "Неправильна адреса електронної пошти або пароль."),
               "ru": ("Войти", "Неверный адрес электронной почты или пароль."),
               "en": ("Log in", "The e-mail or the password is not right.")}
LOGGED_OUT = {"uk": "Ви вийшли із системи.", "ru": "Вы вышли из системы.", "en": "You have logged out."}
PAGES = [
    ("overview", "/", 200, {"uk": ("Огляд програми", "Особи, які отримали допомогу", "За областями"),
                            "ru": ("Обзор программы", "Лица, получившие помощь", "По областям"),
                            "en": ("The programme at a glance", "Assisted persons", "By region")}),
    ("password", "/account/password", 200, {"uk": ("Зміна пароля", "Новий пароль ще раз"),
                                            "ru": ("Смена пароля", "Новый пароль ещё раз"),
                                            "en": ("Change your password", "New password again")}),
    ("users", "/admin/users", 200, {"uk": ("Облікові записи працівників", "Деактивувати"),
                                    "ru": ("Учётные записи сотрудников", "Деактивировать"),
                                    "en": ("Staff accounts", "Deactivate")}),
    ("audit", "/admin/audit", 200, {"uk": ("Журнал аудиту", "Усі дії", "Сторінка 1 з"),
                                    "ru": ("Журнал аудита", "Все действия", "Страница 1 из"),
                                    "en": ("Audit log", "All actions", "Page 1 of")}),
    ("error", "/no-such-page", 404, {"uk": ("Не знайдено", "Назад до огляду"),
                                     "ru": ("Не найдено", "Назад к обзору"),
                                     "en": ("Not found", "Back to the overview")}),
]


@pytest.fixture
def demo(app):
    build_demo(size="small", seed=7)
    app.config["PAGE_SIZE"] = 2  # the audit log has more than one page (4 events a page)


def fits(page) -> bool:
    """Nothing scrolls sideways (a table may scroll inside its own box)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def check(page, lang: str, words) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    for word in words:
        expect(page.locator("body")).to_contain_text(word)
    assert fits(page), page.url


@pytest.mark.parametrize("width,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_core_pages_in_every_language(live_server, browser, demo, width, viewport):
    email, password = ADMIN
    for lang in LANGS:
        # A browser that asks for ``lang``; the admin's account keeps the language of its first
        # sign-in (the first of LANGS), so the later ones change it from the footer.
        context = browser.new_context(viewport=viewport, locale=lang)
        page = context.new_page()
        page.goto(live_server + "/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill("not the password")
        page.locator("main button[type=submit]").click()
        expect(page.locator(".flash")).to_be_visible()
        shot(page, f"core-login-{lang}-{width}")
        check(page, lang, LOGIN_WORDS[lang])
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(live_server + "/")
        if page.locator("html").get_attribute("lang") != lang:
            # The account kept the language of its first sign-in: change it from the footer.
            page.locator("#interface-language").select_option(lang)
            page.locator("form.language button").click()
            page.wait_for_url(live_server + "/")
        for name, path, status, words in PAGES:
            response = page.goto(live_server + path)
            assert response.status == status, path
            shot(page, f"core-{name}-{lang}-{width}")
            check(page, lang, words[lang])
        # Logging out lands on the login page in the browser's language.
        page.locator("form.logout button").click()
        page.wait_for_url(live_server + "/login")
        check(page, lang, (LOGGED_OUT[lang],))
        context.close()
