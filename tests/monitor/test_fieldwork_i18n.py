"""The officers' fieldwork pages in Ukrainian and Russian: the plans, a plan, its form and its
errors, the due list, the printable sheet, the response rates and their chart, the response
viewer, the flash messages with plural forms that agree with their counts, and the invitation
e-mail, which stays in all three languages whatever the officer reads. English, with no
Accept-Language, is what the other fieldwork tests check."""

from __future__ import annotations

import base64
import re
import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork import rates, services
from monitor.fieldwork.models import FollowUpPlan, Invitation
from monitor.fieldwork.services import WaveSpec
from monitor.models import AssistedPerson, AuditEvent, PersonContact
from tests.conftest import TEST_PASSWORD
from tests.monitor.fieldwork_support import answer, invitations, plan_for, publish
from tests.monitor.test_fieldwork_email import REFUSED, Mailbox

TODAY = date(2029, 10, 1)
ANCHOR = date(2029, 9, 1)  # on TODAY the baseline window is open, m3's and m12's not yet


def _signed_in(app, factory, language: str, role: str = "officer"):
    """A client signed in as a new ``role`` whose account keeps ``language`` (the browser says
    English: the account must win)."""
    user = factory.user(role)
    user.language = language
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def fielded(app, factory, monkeypatch):
    """Five persons anchored on ANCHOR in region North, a plan with baseline, m3 and m12; of the
    baseline invitations three completed, one declined, one still pending."""
    monkeypatch.setattr(services, "current_date", lambda: TODAY)
    region = factory.region(name="North")
    provider = factory.provider(region)
    for i in range(5):
        factory.episode(factory.person(region, code=f"AP-{i + 1:03d}"), provider, ANCHOR)
    plan = plan_for(publish("person"), [WaveSpec("baseline", 0), WaveSpec("m3", 3), WaveSpec("m12", 12)],
                    today=ANCHOR)
    for inv, status in zip(invitations(plan, wave="baseline"),
                           ["completed", "completed", "completed", "declined", "pending"], strict=True):
        db.session.get(Invitation, inv.id).status = status
    db.session.commit()
    return plan


# --- readable wave names ---------------------------------------------------------------------

@pytest.mark.parametrize("language,labels", [
    ("en", ["Baseline", "1 month", "3 months", "12 months", "21 months", "pilot_a"]),
    ("uk", ["Базова хвиля", "1 місяць", "3 місяці", "12 місяців", "21 місяць", "pilot_a"]),
    ("ru", ["Базовая волна", "1 месяц", "3 месяца", "12 месяцев", "21 месяц", "pilot_a"]),
])
def test_a_wave_is_shown_by_a_readable_name_in_each_language(app, language, labels):
    with app.test_request_context("/"), force_locale(language):
        assert [rates.wave_label(n) for n in ("baseline", "m1", "m3", "m12", "m21", "pilot_a")] == labels


# --- pages -------------------------------------------------------------------------------------

@pytest.mark.parametrize("language,words,english", [
    ("uk", ['<html lang="uk">', "<title>Польові роботи · NRM Monitor</title>", "Новий план повторних опитувань",
            "Рівень відгуку", "Видано посилань", "Базова хвиля, 3 місяці, 12 місяців", "активний",
            "для: осіб, які отримали допомогу", "Усі області"],
     "New follow-up plan"),
    ("ru", ['<html lang="ru">', "<title>Полевые работы · NRM Monitor</title>", "Новый план повторных опросов",
            "Уровень отклика", "Выдано ссылок", "Базовая волна, 3 месяца, 12 месяцев", "активный",
            "для: лиц, получивших помощь", "Все области"],
     "Links issued"),
])
def test_the_plans_page(app, factory, fielded, language, words, english):
    page = _text(_signed_in(app, factory, language).get("/fieldwork/"))
    for word in words:
        assert word in page
    assert english not in page


@pytest.mark.parametrize("language,words", [
    ("uk", ["Запрошення й посилання", "Оновити з реєстру", "Хвилі відраховуються від",
            "початок першого епізоду допомоги",
            "через 3 місяці після опорної дати", "через 12 місяців після опорної дати",
            "вікно −14 / +45 дн.", "Очікує", "Заповнюється", "Завершено", "Відмова", "Термін минув",
            "Відкликано", 'data-label="Видано посилань"', "<code class=\"wave-name\">m3</code>",
            "Рівень відгуку на це опитування"]),
    ("ru", ["Приглашения и ссылки", "Обновить из реестра", "Волны отсчитываются от", "начало первого эпизода помощи",
            "через 3 месяца после опорной даты", "через 12 месяцев после опорной даты",
            "окно −14 / +45 дн.", "Ожидает", "Заполняется", "Завершено", "Отказ", "Срок истёк",
            "Отозвано", 'data-label="Выдано ссылок"', "Уровень отклика на этот опрос"]),
])
def test_a_plan_page(app, factory, fielded, language, words):
    page = _text(_signed_in(app, factory, language).get(f"/fieldwork/plans/{fielded.id}"))
    for word in words:
        assert word in page
    assert "months after" not in page and "Due list and links" not in page


def test_the_plan_form_its_labels_and_its_errors_in_ukrainian(app, factory, fielded):
    client = _signed_in(app, factory, "uk")
    page = _text(client.get("/fieldwork/plans/new"))
    for words in ("Новий план повторних опитувань", "Версія опитування", "Виберіть версію опитування",
                  "Лише опорні дати від", "Місяців після опорної дати", "Створити план і запрошення",
                  "Залиште порожнім, щоб використати назву опитування."):
        assert words in page
    # A validator's message and a rule of the services (a FieldworkError), both in Ukrainian.
    page = _text(client.post("/fieldwork/plans/new", data={
        "survey_version_id": "", "waves-0-name": "m3", "waves-0-offset_months": "3"}))
    assert "Виберіть опубліковану версію опитування." in page
    version = fielded.survey_version_id
    page = _text(client.post("/fieldwork/plans/new", data={
        "survey_version_id": str(version), "waves-0-name": "m3", "waves-0-offset_months": "3",
        "waves-1-name": "m3", "waves-1-offset_months": "6"}))
    assert "Дві хвилі мають назву «m3»." in page


@pytest.mark.parametrize("language,message", [
    ("uk", "Хвиля baseline має запрошення, які відкривали або на які відповіли; за її назвою ці відповіді "
           "відомі, тому перейменувати її не можна."),
    ("ru", "У волны baseline есть приглашения, которые открывали или на которые ответили; по её названию "
           "эти ответы известны, поэтому переименовать её нельзя."),
])
def test_a_fieldwork_error_is_said_in_the_officers_language(app, factory, fielded, language, message):
    client = _signed_in(app, factory, language)
    waves = {w.name: w for w in fielded.waves}
    data = {"title": "Plan", "status": "active"}
    for i, name in enumerate(("first", "m3", "m12")):  # baseline, which has answers, renamed
        wave = waves["baseline" if name == "first" else name]
        data |= {f"waves-{i}-wave_id": str(wave.id), f"waves-{i}-name": name,
                 f"waves-{i}-offset_months": str(wave.offset_months),
                 f"waves-{i}-window_before_days": "14", f"waves-{i}-window_after_days": "45"}
    page = _text(client.post(f"/fieldwork/plans/{fielded.id}/edit", data=data))
    assert message in page
    db.session.expire_all()
    assert "baseline" in [w.name for w in db.session.get(FollowUpPlan, fielded.id).waves]


@pytest.mark.parametrize("language,counts", [
    ("uk", {1: "Відкликано 1 запрошення: його посилання більше не відкриває опитування.",
            2: "Відкликано 2 запрошення: їхні посилання більше не відкривають опитування.",
            5: "Відкликано 5 запрошень: їхні посилання більше не відкривають опитування."}),
    ("ru", {1: "Отозвано 1 приглашение: его ссылка больше не открывает опрос.",
            2: "Отозвано 2 приглашения: их ссылки больше не открывают опрос.",
            5: "Отозвано 5 приглашений: их ссылки больше не открывают опрос."}),
])
def test_plural_messages_agree_with_their_counts(app, factory, language, counts):
    region = factory.region()
    provider = factory.provider(region)
    for _ in range(8):
        factory.episode(factory.person(region), provider, date.today() - timedelta(days=3))
    client = _signed_in(app, factory, language)
    version = publish("person")
    created = _text(client.post("/fieldwork/plans/new", follow_redirects=True, data={
        "survey_version_id": str(version.id), "waves-0-name": "baseline", "waves-0-offset_months": "0",
        "waves-0-window_before_days": "14", "waves-0-window_after_days": "45"}))
    assert {"uk": "План створено: створено 8 запрошень.",
            "ru": "План создан: создано 8 приглашений."}[language] in created
    plan = services.active_plans_for_survey(version.survey_id)[0]
    ids = [i.id for i in invitations(plan)]
    start = 0
    for n, expected in counts.items():
        page = _text(client.post(f"/fieldwork/plans/{plan.id}/revoke", follow_redirects=True,
                                 data={"ids": [str(i) for i in ids[start:start + n]]}))
        assert expected in page
        start += n
    page = _text(client.get(f"/fieldwork/plans/{plan.id}/due"))
    assert {"uk": "Список запрошень", "ru": "Список приглашений"}[language] in page
    nothing = _text(client.post(f"/fieldwork/plans/{plan.id}/revoke", follow_redirects=True,
                                data={"ids": [str(ids[0])]}))
    assert {"uk": "Нічого не відкликано", "ru": "Ничего не отозвано"}[language] in nothing


@pytest.mark.parametrize("language,words", [
    ("uk", ["<title>Список запрошень · Plan · NRM Monitor</title>", "Усі хвилі", "Будь-який статус",
            '<option value="m3" >3 місяці</option>', "Видати 1 посилання (CSV)",
            "1 запрошення, що очікує, без посилання",
            "Видати аркушем для друку", "Відкликати", "усього"]),
    ("ru", ["<title>Список приглашений · Plan · NRM Monitor</title>", "Все волны", "Любой статус",
            '<option value="m3" >3 месяца</option>', "Выдать 1 ссылку (CSV)", "1 ожидающее приглашение без ссылки",
            "Выдать листом для печати", "Отозвать", "всего"]),
])
def test_the_due_list(app, factory, fielded, language, words):
    page = _text(_signed_in(app, factory, language).get(f"/fieldwork/plans/{fielded.id}/due?wave=baseline"))
    for word in words:
        assert word in page, word


def test_the_printable_sheet_speaks_the_officer_and_tells_the_respondent_in_every_language(app, factory, fielded):
    client = _signed_in(app, factory, "ru")
    page = _text(client.post(f"/fieldwork/plans/{fielded.id}/links", data={
        "action": "all-sheet", "wave": "baseline"}))
    for words in ("1 ссылка для печати", "Эти ссылки существуют только на этой странице.",
                  "Назад к списку приглашений", 'Волна: Базовая волна · срок <span class="nowrap">2029-09-01</span>',
                  '<p class="card-hint" lang="uk">Відскануйте код або відкрийте посилання</p>',
                  '<p class="card-hint" lang="ru">Отсканируйте код или откройте ссылку</p>',
                  '<p class="card-hint" lang="en">Scan the code or open the link</p>'):
        assert words in page, words


def _chart(page: str) -> str:
    return base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)).decode()


@pytest.mark.parametrize("language,words,drawn", [
    ("uk", ["<title>Рівень відгуку · NRM Monitor</title>", "Підсумки за хвилями", "Вікно відкрилося",
            "за хвилями й областями", "Стовпчикова діаграма: рівень відгуку за хвилями; Базова хвиля, baseline: 60%",
            "3 місяці, m3: ще не відкрито", "12 місяців, m12: ще не відкрито"],
     ["Базова хвиля", "baseline", "60% · 3 з 5", "3 місяці", "m3", "ще не відкрито"]),
    ("ru", ["<title>Уровень отклика · NRM Monitor</title>", "Итоги по волнам", "Окно открылось",
            "по волнам и областям", "Столбчатая диаграмма: уровень отклика по волнам; Базовая волна, baseline: 60%"],
     ["Базовая волна", "baseline", "60% · 3 из 5", "12 месяцев", "m12", "ещё не открыто"]),
])
def test_the_rates_page_and_its_chart(app, factory, fielded, language, words, drawn):
    page = _text(_signed_in(app, factory, language).get("/fieldwork/rates"))
    for word in words:
        assert word in page, word
    texts = re.findall(r"<!-- (.*?) -->", _chart(page))
    for word in drawn:
        assert word in texts, (word, texts)
    assert not {"not open yet", "Baseline"} & set(texts)


def test_the_chart_says_there_is_nothing_yet_in_russian(app, factory):
    page = _text(_signed_in(app, factory, "ru").get("/fieldwork/rates"))
    assert "Приглашений пока нет" in re.findall(r"<!-- (.*?) -->", _chart(page))


@pytest.mark.parametrize("language,words", [
    ("uk", ['Відповідь <span class="nowrap">{code}</span>, хвиля: 3 місяці', "Do you agree to take part? (uk)",
            "<dd>Так</dd>", "<dd>Shelter (uk)</dd>", "мова: Українська", "Розпочато", "надіслано", "Згода", "надано"]),
    ("ru", ['Ответ <span class="nowrap">{code}</span>, волна: 3 месяца', "Do you agree to take part? (ru)",
            "<dd>Да</dd>", "<dd>Shelter (ru)</dd>", "язык: Русский", "Начато", "отправлено", "Согласие", "дано"]),
])
def test_the_response_viewer_shows_the_survey_in_the_officers_language(app, factory, fielded, language, words):
    invitation = invitations(fielded, wave="m3")[0]
    code = db.session.get(AssistedPerson, invitation.person_id).code
    response = answer(invitation, values={"consent": "yes", "housing": "shelter"})
    client = _signed_in(app, factory, language)
    listing = _text(client.get("/fieldwork/responses"))
    assert {"uk": "Відповідей ще немає", "ru": "Ответов пока нет"}[language] not in listing
    assert {"uk": "надіслано", "ru": "отправлено"}[language] in listing
    page = _text(client.get(f"/fieldwork/responses/{response.id}"))
    for word in words:
        assert word.format(code=code) in page, word
    assert "<dd>Yes</dd>" not in page


# --- the invitation e-mail ---------------------------------------------------------------------

@pytest.fixture
def smtp():
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def test_the_email_is_the_same_in_three_languages_whatever_the_officer_reads(app, factory, smtp):
    controller, mailbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_SECURITY="none",
                      MAIL_FROM="survey@example.org", MAIL_BATCH=500)
    region = factory.region()
    provider = factory.provider(region)
    for email in ("anna@example.org", REFUSED):
        person = factory.person(region)
        factory.episode(person, provider, date.today() - timedelta(days=90))
        db.session.add(PersonContact(person_id=person.id, email=email))
    db.session.commit()
    plan = plan_for(publish("person"), [WaveSpec("m3", 3, 14, 45)], today=date.today())
    client = _signed_in(app, factory, "uk")
    page = _text(client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                             follow_redirects=True))
    assert "Надіслано електронною поштою 1 посилання." in page
    assert "Не вдалося надіслати 1 лист: поштовий сервер відхилив адресу." in page
    [message] = mailbox.messages
    body = message.get_content()
    assert message["Subject"] == "Опитування / Опрос / Survey"
    parts = body.split("\n---\n\n")
    assert [p.splitlines()[0] for p in parts] == ["Вітаємо!", "Здравствуйте!", "Hello,"]
    assert "Просимо вас відповісти на кілька запитань. Це займе близько 10 хвилин." in parts[0]
    assert "Ссылка действует до " in parts[1] and "The link works until " in parts[2]
    # The audit log keeps the reason in English, whatever the officer read.
    withdrawn = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation_links_withdrawn"))
    assert withdrawn.detail["reason"] == "the address was refused by the mail server"
