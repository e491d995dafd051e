"""The core staff pages in Ukrainian and Russian: the login page and its messages, the overview
(its charts too, with plural forms that agree with the counts), the admin pages, the error pages,
the account errors and the flash messages. English, with no Accept-Language, is what the other
tests check; the command line stays English."""

from __future__ import annotations

import base64
import re
from datetime import date

import pytest
from flask import get_flashed_messages, render_template_string
from flask_babel import refresh

from monitor.extensions import db, login_manager
from tests.conftest import TEST_PASSWORD

UK = {"Accept-Language": "uk-UA,uk;q=0.9"}
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def _signed_in(app, factory, role: str, language: str):
    """A client signed in as a new ``role`` whose account keeps ``language``."""
    user = factory.user(role)
    user.language = language
    db.session.commit()
    client = app.test_client()
    # The browser says English: the account's language must win.
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    return client, user


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("headers,words,refused", [
    (UK, ['<html lang="uk">', "<title>Увійти · NRM Monitor</title>", "Електронна пошта",
          "Пароль", ">Увійти</button>", "Респонденти відкривають посилання"],
     "Неправильна адреса електронної пошти або пароль."),
    (RU, ['<html lang="ru">', "<title>Войти · NRM Monitor</title>", "Электронная почта",
          "Пароль", ">Войти</button>", "Респонденты открывают ссылку"],
     "Неверный адрес электронной почты или пароль."),
])
def test_the_login_page_and_its_messages_follow_the_browser(client, factory, headers, words, refused):
    page = _text(client.get("/login", headers=headers))
    for word in words:
        assert word in page
    assert "Log in" not in page
    user = factory.user("officer")
    wrong = _text(client.post("/login", data={"email": user.email, "password": "not the password"},
                              headers=headers))
    assert refused in wrong


def test_the_login_message_is_said_in_the_language_of_each_request(app):
    for headers, expected in ((UK, "Увійдіть, щоб переглянути цю сторінку."),
                              (RU, "Войдите, чтобы просмотреть эту страницу."),
                              ({}, "Please log in to see this page.")):
        with app.test_request_context("/registry/persons", headers=headers):
            refresh()  # the tests' app context outlives the request: forget its locale
            login_manager.unauthorized()
            assert [str(m) for m in get_flashed_messages()] == [expected]


def test_logging_out_is_said_in_the_language_of_the_login_page_it_lands_on(app, factory):
    client, _ = _signed_in(app, factory, "officer", "uk")
    page = _text(client.post("/logout", headers=RU, follow_redirects=True))
    assert '<html lang="ru">' in page and "Вы вышли из системы." in page


def _programme(factory, regions: int, trained: int, sessions: int, joined: int = 2012) -> None:
    """``regions`` regions joined from ``joined`` on, ``sessions`` training sessions and
    ``trained`` providers, each trained once; nobody assisted yet."""
    places = [factory.region(joined_year=joined + i) for i in range(regions)]
    held = [factory.session(date(joined + i % 3, 5, 1), region=places[i % regions])
            for i in range(sessions)]
    for i in range(trained):
        factory.attend(factory.provider(region=places[i % regions]), held[i % sessions])


def _chart(page: str, index: int) -> str:
    uris = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    return base64.b64decode(uris[index]).decode()


def test_the_overview_in_ukrainian_with_plurals_that_agree(app, factory):
    _programme(factory, regions=1, trained=1, sessions=1)
    client, _ = _signed_in(app, factory, "officer", "uk")
    page = _text(client.get("/"))
    for words in ('<html lang="uk">', "<title>Огляд · NRM Monitor</title>", "Огляд програми",
                  "Зареєструвати особу", "особа пройшла навчання",
                  "з 1 зареєстрованого надавача послуг", "осіб, які отримали допомогу",
                  "тренінг в 1 області", "Охоплення навчанням за областями в часі", "За областями",
                  "Надавачі послуг", "Епізоди допомоги"):
        assert words in page
    assert "people trained" not in page and "By region" not in page
    assert "Пілотні області (приєдналися до кінця 2013 р.)" in _chart(page, 1)

    _programme(factory, regions=2, trained=3, sessions=4, joined=2014)
    page = _text(client.get("/"))
    for words in ("особи пройшли навчання", "з 4 зареєстрованих надавачів послуг",
                  "тренінгів у 3 областях"):
        assert words in page
    assert "Області, що приєдналися пізніше" in _chart(page, 1)


def test_the_overview_in_russian_with_plurals_that_agree(app, factory):
    client, _ = _signed_in(app, factory, "officer", "ru")
    empty = _text(client.get("/"))
    assert "Областей пока нет." in empty
    assert all("Тренингов пока не внесено" in _chart(empty, i) for i in (0, 1))
    _programme(factory, regions=2, trained=4, sessions=3)
    factory.person(region=factory.region())
    page = _text(client.get("/"))
    for words in ('<html lang="ru">', "Обзор программы", "человека прошли обучение",
                  "из 4 зарегистрированных поставщиков услуг", "лицо, получившее помощь",
                  "тренинга в 3 областях", "По областям"):
        assert words in page
    assert "Пилотные области" in _chart(page, 1)
    # An evaluator sees the same page with the small counts hidden, and says so in Russian.
    evaluator, _ = _signed_in(app, factory, "evaluator", "ru")
    page = _text(evaluator.get("/"))
    for words in ('title="Скрыто: меньше 11"', "Количества меньше 11 скрыты",
                  "Серые ячейки скрыты", "прошли обучение"):
        assert words in page
    assert "Зарегистрировать лицо" not in page  # evaluators do not register anyone


@pytest.mark.parametrize("language,words", [
    ("uk", ["Облікові записи працівників", "Журнал аудиту", "адміністратор", "фахівець з моніторингу",
            "активний", "Деактивувати", 'placeholder="Новий пароль"', "Створити обліковий запис",
            '<option value="evaluator">Оцінювач</option>',
            "Щонайменше 12 символів. Повідомте пароль людині особисто."]),
    ("ru", ["Учётные записи сотрудников", "Журнал аудита", "администратор", "специалист по мониторингу",
            "активна", "Деактивировать", 'placeholder="Новый пароль"', "Создать учётную запись",
            '<option value="evaluator">Оценщик</option>',
            "Не менее 12 символов. Сообщите пароль человеку лично."]),
])
def test_the_admin_users_page_and_its_messages(app, factory, language, words):
    client, admin = _signed_in(app, factory, "admin", language)
    factory.user("officer")
    page = _text(client.get("/admin/users"))
    for word in words:
        assert word in page
    created = _text(client.post("/admin/users", follow_redirects=True, data={
        "email": "eva@example.org", "role": "evaluator", "password": "twelve chars long"}))
    assert {"uk": "Обліковий запис для eva@example.org створено.",
            "ru": "Учётная запись для eva@example.org создана."}[language] in created
    again = _text(client.post("/admin/users", data={
        "email": "eva@example.org", "role": "evaluator", "password": "twelve chars long"}))
    assert {"uk": "Обліковий запис для eva@example.org уже існує.",
            "ru": "Учётная запись для eva@example.org уже существует."}[language] in again
    refused = _text(client.post(f"/admin/users/{admin.id}/active", follow_redirects=True))
    assert {"uk": "Ви не можете деактивувати власний обліковий запис.",
            "ru": "Вы не можете деактивировать собственную учётную запись."}[language] in refused


def test_the_audit_log_and_its_pages_in_ukrainian(app, factory):
    app.config["PAGE_SIZE"] = 1  # two events a page
    client, _ = _signed_in(app, factory, "admin", "uk")
    factory.user("officer")
    page = _text(client.get("/admin/audit"))
    for words in ("<title>Журнал аудиту · NRM Monitor</title>", "Усі дії", "Коли (UTC)",
                  "Сторінка 1 з 2 · усього 3", "Наступна", 'aria-label="Сторінки"', "система"):
        assert words in page
    assert "Попередня" in _text(client.get("/admin/audit?page=2"))
    assert "Записів немає." in _text(client.get("/admin/audit?action=nothing"))


@pytest.mark.parametrize("headers,words", [
    (UK, ['<html lang="uk">', "Помилка 404", "Не знайдено", "За цією адресою немає сторінки.",
          "Назад до огляду"]),
    (RU, ['<html lang="ru">', "Ошибка 404", "Не найдено", "По этому адресу нет страницы.",
          "Назад к обзору"]),
])
def test_an_error_page_before_sign_in_follows_the_browser(client, headers, words):
    response = client.get("/no-such-page", headers=headers)
    assert response.status_code == 404
    for word in words:
        assert word in _text(response)


def test_an_error_page_after_sign_in_follows_the_account(app, factory):
    client, _ = _signed_in(app, factory, "evaluator", "ru")
    forbidden = client.get("/admin/users", headers=UK)
    assert forbidden.status_code == 403
    assert "Вашей учётной записи не разрешено просматривать эту страницу." in _text(forbidden)
    assert "Ошибка 404" in _text(client.get("/registry/nothing-here", headers=UK))


@pytest.mark.parametrize("language,texts", [
    ("uk", ["Зміна пароля", "Поточний пароль", "Новий пароль ще раз", "Щонайменше 12 символів.",
            "Поточний пароль неправильний.", "Пароль має містити щонайменше 12 символів.",
            "Два нові паролі не збігаються.", "Пароль змінено. Інші ваші сеанси завершено."]),
    ("ru", ["Смена пароля", "Текущий пароль", "Новый пароль ещё раз", "Не менее 12 символов.",
            "Текущий пароль неверен.", "Пароль должен содержать не менее 12 символов.",
            "Два новых пароля не совпадают.", "Пароль изменён. Другие ваши сеансы завершены."]),
])
def test_the_password_change_page_and_its_errors(app, factory, language, texts):
    title, current, again, hint, wrong, short, differ, done = texts
    client, _ = _signed_in(app, factory, "officer", language)
    page = _text(client.get("/account/password"))
    assert title in page and current in page and again in page and hint in page
    page = _text(client.post("/account/password", data={
        "current": "not my password", "new": "a long new password", "confirm": "a long new password"}))
    assert wrong in page
    page = _text(client.post("/account/password", data={
        "current": TEST_PASSWORD, "new": "short", "confirm": "short"}))
    assert short in page
    page = _text(client.post("/account/password", data={
        "current": TEST_PASSWORD, "new": "a long new password", "confirm": "another new one"}))
    assert differ in page
    page = _text(client.post("/account/password", follow_redirects=True, data={
        "current": TEST_PASSWORD, "new": "a long new password", "confirm": "a long new password"}))
    assert done in page


def test_numbers_are_written_the_way_each_language_writes_them(app):
    with app.test_request_context("/", headers=UK):
        refresh()  # the tests' app context outlives the request: forget its locale
        # A comma would read as a decimal point in Ukrainian and Russian.
        assert render_template_string("{{ 12345|number }}") == "12\xa0345"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert render_template_string("{{ 12345|number }}") == "12,345"


def test_the_command_line_stays_english(runner, app):
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "officer"],
                           input="short\n")
    assert result.exit_code != 0 and "A password needs at least 12 characters." in result.output
