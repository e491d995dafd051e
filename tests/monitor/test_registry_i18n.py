"""The registry speaks the officer's language: every page, form, message and import report in
Ukrainian, Russian or English, with plural forms right, coded values shown by their labels (the
codes stay what the database holds) and regions by their name in the page's language."""

from __future__ import annotations

import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from monitor.extensions import db
from monitor.models import AuditEvent, Provider, Region

#: Latin words a page in Ukrainian or Russian may still show: the brand, the e-mail address of the
#: test account, the pager of the core catalogue, and file formats.
ALLOWED_LATIN = {"NRM", "Monitor", "officer", "example", "org", "all", "ISO", "alpha",
                 "CSV", "UTF", "Excel", "xlsx", "CTDC"}


class _VisibleText(HTMLParser):
    """The text a reader sees (and hears: titles, labels, placeholders), without code samples
    and without what the page itself marks as English (``lang="en"``)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[bool] = []  # per open element: is its text left out?

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        hidden = tag in ("script", "style", "code") or attributes.get("lang") == "en"
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._open.append(hidden or (bool(self._open) and self._open[-1]))
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attributes.get(name):
                self.parts.append(attributes[name])

    def handle_endtag(self, tag) -> None:
        if tag not in ("br", "img", "input", "meta", "link", "hr") and self._open:
            self._open.pop()

    @property
    def _hidden(self) -> bool:
        return bool(self._open) and self._open[-1]

    def handle_data(self, data) -> None:
        if not self._hidden:
            self.parts.append(data)


def latin_words(html: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    return set(re.findall(r"[A-Za-z][A-Za-z']{2,}", " ".join(parser.parts))) - ALLOWED_LATIN


def speaking(user, language: str) -> None:
    user.language = language
    db.session.commit()


@pytest.fixture
def records(factory):
    """One of each record, named the way the demo names them (codes, not words)."""
    region = factory.region(name="Chernivtsi", code="UA-77")
    region.name_uk, region.name_ru = "Чернівецька область", "Черновицкая область"
    db.session.commit()
    org = factory.organisation(region=region, name="ЦСС-1")
    provider = factory.provider(region=region, organisation=org, code="P-1")
    session = factory.session(date(2013, 4, 4), region=region, code="S-1",
                              modules="identification,referral")
    factory.attend(provider, session)
    person = factory.person(region=region, code="V-1", gender="Female", age_broad="18--20",
                            majority_status="Adult", type_of_exploit="Forced labour",
                            citizenship="UA", country_of_exploitation="PL")
    episode = factory.episode(person, provider, date(2013, 6, 1), services="shelter,legal")
    return {"region": region, "org": org, "provider": provider, "session": session,
            "person": person, "episode": episode}


def _pages(r) -> list[str]:
    return ["/registry/regions", "/registry/regions/new", f"/registry/regions/{r['region'].id}/edit",
            "/registry/organisations", "/registry/organisations/new",
            f"/registry/organisations/{r['org'].id}/edit", "/registry/providers",
            f"/registry/providers/{r['provider'].id}", f"/registry/providers/{r['provider'].id}/edit",
            "/registry/providers/new", "/registry/training", f"/registry/training/{r['session'].id}",
            f"/registry/training/{r['session'].id}/edit", "/registry/training/new",
            "/registry/persons", "/registry/persons/new", f"/registry/persons/{r['person'].id}",
            f"/registry/persons/{r['person'].id}/edit",
            "/registry/episodes", f"/registry/episodes/{r['episode'].id}/edit", "/registry/episodes/new"]


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_registry_page_is_in_the_officers_language(client, login, records, language):
    speaking(login("officer"), language)
    for url in _pages(records):
        html = client.get(url).get_data(as_text=True)
        assert f'<html lang="{language}">' in html, url
        assert latin_words(html) == set(), url


def test_coded_values_read_as_labels_in_each_language(client, login, records):
    user = login("officer")
    provider_page = f"/registry/providers/{records['provider'].id}"
    speaking(user, "uk")
    html = client.get(provider_page).get_data(as_text=True)
    assert "Соціальний працівник" in html and "Ідентифікація постраждалих" in html
    assert "Притулок" in client.get("/registry/episodes").get_data(as_text=True)
    assert ">ГО<" in client.get("/registry/organisations").get_data(as_text=True)
    speaking(user, "ru")
    html = client.get(provider_page).get_data(as_text=True)
    assert "Социальный работник" in html and "Идентификация пострадавших" in html
    assert "Правовая помощь" in client.get("/registry/episodes").get_data(as_text=True)
    # The forms offer the labels; the values they send are the codes.
    form = client.get("/registry/providers/new").get_data(as_text=True)
    assert '<option value="social_worker">Социальный работник</option>' in form
    persons_form = client.get("/registry/persons/new").get_data(as_text=True)
    assert '<option value="21--23">21–23 года</option>' in persons_form
    assert '<option value="Forced labour">Принудительный труд</option>' in persons_form
    speaking(user, "en")
    assert "Social worker" in client.get(provider_page).get_data(as_text=True)


def test_regions_are_named_in_the_pages_language(client, login, records, factory):
    user = login("officer")
    factory.region(name="Volyn", code="UA-07")  # no Ukrainian or Russian name recorded
    speaking(user, "uk")
    html = client.get("/registry/providers").get_data(as_text=True)
    assert ">Чернівецька область<" in html and ">Volyn<" in html
    assert "Чернівецька область" in client.get(
        f"/registry/training/{records['session'].id}").get_data(as_text=True)
    speaking(user, "ru")
    html = client.get("/registry/providers").get_data(as_text=True)
    assert ">Черновицкая область<" in html and "Чернівецька" not in html
    form = client.get("/registry/providers/new").get_data(as_text=True)
    assert f'<option value="{records["region"].id}">Черновицкая область</option>' in form
    speaking(user, "en")
    assert ">Chernivtsi<" in client.get("/registry/providers").get_data(as_text=True)


def test_messages_and_refusals_are_in_the_officers_language(client, login, records):
    speaking(login("officer"), "uk")
    region = records["region"]
    form = {"code": "P-1", "profession": "medical", "region_id": region.id}
    html = client.post("/registry/providers/new", data=form).get_data(as_text=True)
    assert "Код надавача послуг P-1 уже зареєстровано." in html
    assert "Виправте поля, позначені нижче." in html
    html = client.post("/registry/persons/new", data={"code": "Олена Петренко",
                                                      "region_id": region.id}).get_data(as_text=True)
    assert "псевдонімний код, ніколи не ім'я" in html
    saved = client.post("/registry/providers/new", data={**form, "code": "P-2"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Збережено." in saved and "Надавач послуг P-2" in saved
    url = f"/registry/training/{records['session'].id}"
    too_long = client.post(url, data={"provider_code": "P-2", "hours_attended": "20"})
    assert "Тренінг тривав 16 год." in too_long.get_data(as_text=True)
    recorded = client.post(url, data={"provider_code": "P-2", "hours_attended": "8"},
                           follow_redirects=True).get_data(as_text=True)
    assert "Відвідування записано." in recorded


def _upload(client, text: str, kind: str = "providers"):
    data = text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n"
    return client.post("/registry/imports/upload",
                       data={"kind": kind, "file": (io.BytesIO(data), "провайдери.csv")},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("bad_rows", "uk", "ru"), [
    (1, "знайдено 1 проблему", "найдена 1 проблема"),
    (2, "знайдено 2 проблеми", "найдены 2 проблемы"),
    (5, "знайдено 5 проблем", "найдено 5 проблем"),
    (21, "знайдено 21 проблему", "найдена 21 проблема"),
])
def test_a_rejected_import_reports_in_the_officers_language(client, login, records, bad_rows,
                                                            uk, ru):
    user = login("officer")
    text = "code,profession,region\n" + "\n".join(f"P-{100 + i},police,Атлантида"
                                                  for i in range(bad_rows))
    for language, words, reason, header in (
            ("uk", uk, "Невідома область", "Рядок"),
            ("ru", ru, "Неизвестная область", "Строка")):
        speaking(user, language)
        response = _upload(client, text)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert words in html and reason in html and f">{header}</th>" in html
        assert "<strong>провайдери.csv</strong>" in html
    assert db.session.scalar(select(Provider).where(Provider.code == "P-100")) is None


def test_a_good_import_says_what_it_did_with_the_right_plural(client, login, records):
    user = login("officer")
    speaking(user, "ru")
    page = _upload(client, "code,profession,region\nP-700,police,UA-77\nP-701,teacher,UA-77")
    assert page.status_code == 302
    assert "Импортированы 2 поставщика услуг." in client.get(page.headers["Location"]).get_data(as_text=True)
    speaking(user, "uk")
    page = _upload(client, "code,region\nV-700,UA-77", kind="persons")
    assert ("Імпортовано 1 особу, яка отримала допомогу."
            in client.get(page.headers["Location"]).get_data(as_text=True))


def test_the_import_page_documents_the_files_in_the_officers_language(client, login, records):
    speaking(login("officer"), "ru")
    html = client.get("/registry/imports").get_data(as_text=True)
    assert "Импорт записей" in html and "Скачать шаблон CSV" in html
    assert "social_worker (Социальный работник)" in html  # the code to write, and what it means
    assert "Черновицкая область" in html
    assert "<code>profession</code>" in html  # column names are a file format: never translated


def test_the_navigation_names_the_registry_in_the_officers_language(client, login, records):
    speaking(login("officer"), "uk")
    html = client.get("/registry/regions").get_data(as_text=True)
    for label in ("Області", "Організації", "Надавачі послуг", "Навчання",
                  "Особи, які отримали допомогу", "Епізоди допомоги", "Імпорт"):
        assert f">{label}</a>" in html, label


def test_region_name_in_a_language_falls_back_to_english():
    region = Region(code="UA-07", name="Volyn", name_uk="Волинська область")
    assert (region.name_in("uk"), region.name_in("ru"), region.name_in("en")) == (
        "Волинська область", "Volyn", "Volyn")


def test_a_file_refused_as_a_whole_is_logged_in_english_whatever_the_page_says(client, login):
    speaking(login("officer"), "uk")
    response = client.post("/registry/imports/upload",
                           data={"kind": "providers", "file": (io.BytesIO(b"hello"), "notes.txt")},
                           content_type="multipart/form-data")
    assert "Файл має бути файлом CSV (.csv) або книгою Excel (.xlsx)." in response.get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import_rejected")).one()
    assert event.detail["reason"] == "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."
