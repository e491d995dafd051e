"""The designer speaks the officer's language: its pages, its flash messages, the survey checks
(with their "did you mean") and XLSForm refusals come out in Ukrainian or Russian for a staff
member whose account says so, with the plural forms of those languages; the survey's own texts
stay what the survey says in each language."""

from __future__ import annotations

import io
import re

import pytest
from flask_login import login_user
from openpyxl import Workbook

from monitor.auth import sessions
from monitor.extensions import db
from monitor.models import User
from surveys import versions
from surveys.models import Survey
from surveys.validation import validate
from surveys.xlsform import XLSFormError, import_xlsform
from tests.surveys.factories import simple_survey
from tests.zip_bombs import xlsx_bomb


def _speaking(user, language: str) -> None:
    """Keep ``language`` on the account, as the footer's switch does."""
    db.session.get(User, user.id).language = language
    db.session.commit()


@pytest.fixture
def officer(login):
    return login("officer")


def make_survey() -> Survey:
    survey = versions.create_survey(simple_survey())
    db.session.commit()
    return survey


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language, words", [
    ("uk", ["Чернетка версії 1", "Налаштування опитування", "Додати запитання", "Ціле число",
            "Особи, які отримали допомогу", "Проблем немає: чернетку можна опублікувати."]),
    ("ru", ["Черновик версии 1", "Настройки опроса", "Добавить вопрос", "Целое число",
            "Лица, получившие помощь", "Проблем нет: черновик можно опубликовать."]),
])
def test_the_editor_is_in_the_officers_language(client, officer, language, words):
    survey = make_survey()
    _speaking(officer, language)
    text = page(client, f"/surveys/{survey.id}/draft")
    assert f'<html lang="{language}">' in text
    for word in words:
        assert word in text, word
    assert "Add question" not in text and "Survey settings" not in text
    # The survey's own texts are data: the label in the survey's default language (uk).
    assert "Where do you live? (uk)" in text


def test_every_designer_page_opens_in_ukrainian_and_russian(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}"
    words = {  # a few words of each page, in uk and ru
        "/surveys": ("Нове опитування", "Новый опрос"),
        "/surveys/new": ("З бібліотеки", "Из библиотеки"),
        base: ("Створено на основі", "Создан на основе"),
        f"{base}/draft": ("Додати розділ", "Добавить раздел"),
        f"{base}/draft/sections/about": ("Зберегти розділ", "Сохранить раздел"),
        f"{base}/draft/questions/age": ("Зберегти запитання", "Сохранить вопрос"),
        f"{base}/draft/questions/housing": ("Список варіантів", "Список вариантов"),
        f"{base}/draft/lists": ("Створити список", "Создать список"),
        f"{base}/draft/lists/housing": ("Зберегти список", "Сохранить список"),
        f"{base}/draft/translations": ("Зберегти переклади", "Сохранить переводы"),
        f"{base}/draft/publish": ("Опублікувати версію 1?", "Опубликовать версию 1?"),
        f"{base}/draft/sections/about/delete": ("розділ about і його 3 запитання",
                                                "раздел about и его 3 вопроса"),
        f"{base}/draft/questions/age/delete": ("Видалити: запитання age?",
                                               "Удалить: вопрос age?"),
        f"{base}/versions/1/preview?lang=en": ("версія 1 (чернетка)", "версия 1 (черновик)"),
        f"{base}/history": ("Зміни від версії 1 до версії 1", "Изменения от версии 1 к версии 1"),
    }
    for index, language in enumerate(("uk", "ru")):
        _speaking(officer, language)
        for url, said in words.items():
            text = page(client, url)
            assert f'<html lang="{language}">' in text, url
            assert said[index] in text, (url, said[index])


def test_the_survey_checks_are_in_the_officers_language(client, officer):
    survey = make_survey()
    client.post(f"/surveys/{survey.id}/draft/sections/about/questions", data={"type": "select_one"})
    _speaking(officer, "uk")
    text = page(client, f"/surveys/{survey.id}/draft/publish")
    assert "Що заважає публікації" in text
    assert "запитання &#39;q1&#39;" in text and "Виберіть список варіантів." in text
    assert re.search(r"спершу треба виправити 2 помилки", text)  # 2: the "few" form
    _speaking(officer, "ru")
    text = page(client, f"/surveys/{survey.id}/draft/publish")
    assert "вопрос &#39;q1&#39;" in text and "Выберите список вариантов." in text
    assert "сначала нужно исправить 2 ошибки" in text


@pytest.mark.parametrize("language, message", [
    ("uk", "невідоме запитання &#39;agee&#39; у позиції 2 (можливо, ви мали на увазі "
           "&#39;age&#39;?)"),
    ("ru", "неизвестный вопрос &#39;agee&#39; в позиции 2 (возможно, вы имели в виду "
           "&#39;age&#39;?)"),
])
def test_a_refused_expression_says_why_in_the_officers_language(client, officer, language,
                                                                  message):
    survey = make_survey()
    _speaking(officer, language)
    definition = versions.draft(survey).schema()
    question = definition.question("housing_other")
    data = {"key": question.key, "type": question.type.value, "relevant": "${agee} > 3",
            "constraint": "", "choices": "", "new_list": "", "calculation": "",
            "minimum": "", "maximum": "", "action": "save",
            **{f"label_{lang}": text for lang, text in question.label.items()}}
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing_other", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_flash_messages_use_the_languages_plural_forms(client, officer):
    survey = make_survey()
    _speaking(officer, "uk")
    url = f"/surveys/{survey.id}/draft/translations"
    text = page(client, url)
    revision = re.search(r'name="revision"[^>]*value="([^"]+)"', text).group(1)
    fields = dict(re.findall(r'<textarea[^>]*name="(t\d+_\w\w)"[^>]*>\s*([^<]*)</textarea>', text))
    for count, form in ((1, "змінено 1 текст)"), (2, "змінено 2 тексти)"), (5, "змінено 5 текстів)")):
        changed = dict(fields)
        for name in sorted(name for name in fields if name.endswith("_en"))[:count]:
            changed[name] = fields[name] + f" {count}"
        response = client.post(url, data={"revision": revision, **changed},
                               follow_redirects=True)
        text = response.get_data(as_text=True)
        assert f"Переклади збережено ({form}" in text, count
        revision = re.search(r'name="revision"[^>]*value="([^"]+)"', text).group(1)
        fields = dict(re.findall(r'<textarea[^>]*name="(t\d+_\w\w)"[^>]*>\s*([^<]*)</textarea>',
                                 text))


def _workbook_with_a_location_question() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::English (en)"])
    sheet.append(["text", "name_given", "Your name?"])
    sheet.append(["geopoint", "where", "Where are you?"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("language, refusal, reason", [
    ("uk", "Форму не можна імпортувати (1 проблема)", "аркуш survey, рядок 3: тип 'geopoint' "
                                                       "не підтримується: місцезнаходження "
                                                       "не збирається."),
    ("ru", "Форму нельзя импортировать (1 проблема)", "лист survey, строка 3: тип 'geopoint' "
                                                      "не поддерживается: местоположение не "
                                                      "собирается."),
])
def test_an_xlsform_refusal_is_in_the_officers_language(app, factory, language, refusal, reason):
    officer = factory.user("officer")
    _speaking(officer, language)
    # No page imports an XLSForm yet; a request of a signed-in officer is what one would see.
    with app.test_request_context("/surveys"):
        user = db.session.get(User, officer.id)
        sessions.start(user)
        login_user(user)
        with pytest.raises(XLSFormError) as refused:
            import_xlsform(_workbook_with_a_location_question(), filename="form.xlsx")
    assert refused.value.problems == [reason]
    assert str(refused.value).startswith(refusal)


def test_outside_a_request_the_checks_and_refusals_stay_english(app):
    # The command line (``monitor surveys import``) runs in the app without a request.
    definition = simple_survey()
    definition.question("housing").choices = None
    assert "Choose the list of options." in [p.message for p in validate(definition)]
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(_workbook_with_a_location_question())
    assert refused.value.problems == [
        "survey row 3: type 'geopoint' is not supported: locations are not collected."]


def test_a_zip_bomb_is_refused_in_the_officers_language(app, factory):
    # The workbook check is shared with the registry import and says its refusal in English;
    # the XLSForm import words it again for its own page.
    officer = factory.user("officer")
    _speaking(officer, "uk")
    with app.test_request_context("/surveys"):
        user = db.session.get(User, officer.id)
        sessions.start(user)
        login_user(user)
        with pytest.raises(XLSFormError) as refused:
            import_xlsform(xlsx_bomb(50 * 1024 * 1024, ("type", "name", "label")), "bomb.xlsx")
    assert re.fullmatch(r"bomb\.xlsx після розпакування стає в [\d\s\u00a0\u202f]+ разів "
                        r"більшим, чого не буває зі збереженими таблицями \(схоже на zip-бомбу\), "
                        r"тому його не відкрито\.", str(refused.value)), str(refused.value)
