"""Every page speaks the user's language: each catalogue has every marked string translated in
Ukrainian and Russian (placeholders and plural forms intact), its committed .mo files are the
compilation of its .po files (so the app needs no build step), and staff pages are drawn in the
language kept on the account, chosen at first from the browser."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from monitor.extensions import db
from monitor.i18n import CATALOGUES, ROOT
from monitor.models import User
from tests.conftest import TEST_PASSWORD

LANGS = ("uk", "ru")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


def _catalog(folder: Path, lang: str):
    with (folder / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _extracted(folder: Path) -> set[str]:
    with (folder / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def only_sources(path: str) -> bool:
        relative = Path(path).resolve().relative_to(ROOT).parts
        return not relative or relative[0] in {"monitor", "surveys"}

    return {msgid if isinstance(msgid, str) else msgid[0]
            for _, _, msgid, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                       directory_filter=only_sources)}


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("name", sorted(CATALOGUES))
@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_is_translated(name, lang):
    folder = CATALOGUES[name]
    catalog = _catalog(folder, lang)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    source = _extracted(folder)
    assert source - ids == set(), f"{name}: new strings: run make translations, then translate them"
    assert ids - source == set(), f"{name}: strings no longer used: run make translations"
    for message in catalog:
        if not message.id:
            continue
        singular = _forms(message.id)[0]
        forms = _forms(message.string)
        assert all(forms), f"{name} {lang}: {singular!r} is not translated"
        assert "fuzzy" not in message.flags, f"{name} {lang}: {singular!r} is fuzzy"
        if message.pluralizable:
            assert len(forms) == catalog.num_plurals == 3, f"{name} {lang}: {singular!r} needs 3 forms"
        wanted = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        for form in forms:
            # A plural form may leave the number out ("одна" for 1) but never invent one.
            assert set(PLACEHOLDER.findall(form)) <= wanted, f"{name} {lang}: placeholders in {singular!r}"
            if not message.pluralizable:
                assert set(PLACEHOLDER.findall(form)) == wanted, f"{name} {lang}: placeholders in {singular!r}"
        assert message.string != message.id or len(singular) < 4, f"{name} {lang}: {singular!r} left English"


@pytest.mark.parametrize("name", sorted(CATALOGUES))
@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_is_up_to_date(name, lang):
    folder = CATALOGUES[name]
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(folder, lang))
    committed = (folder / "translations" / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert buffer.getvalue() == committed, f"{name} {lang}: run make translations"


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_template_catalogue_lists_the_same_strings(name):
    folder = CATALOGUES[name]
    with (folder / "messages.pot").open("rb") as fh:
        pot = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert pot == _extracted(folder)


def test_a_page_before_sign_in_follows_the_browser(client):
    page = client.get("/login", headers={"Accept-Language": "uk-UA,uk;q=0.9"}).get_data(as_text=True)
    assert '<html lang="uk">' in page and "Перейти до змісту" in page
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Перейти к содержимому" in page
    page = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Skip to content" in page


def _sign_in(client, user, language: str) -> None:
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           headers={"Accept-Language": language})
    assert response.status_code == 302


def test_the_first_sign_in_keeps_the_browsers_language_on_the_account(app, factory):
    user = factory.user("officer")
    assert user.language is None
    client = app.test_client()
    _sign_in(client, user, "ru-RU,ru;q=0.8,en;q=0.5")
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "ru"
    # From then on the account decides, whatever the browser says.
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Обзор" in page and "специалист по мониторингу" in page
    other = app.test_client()
    _sign_in(other, user, "uk")
    assert '<html lang="ru">' in other.get("/").get_data(as_text=True)


def test_staff_change_their_language_from_any_page(app, factory):
    user = factory.user("evaluator")
    client = app.test_client()
    _sign_in(client, user, "en")
    assert "Огляд" not in client.get("/").get_data(as_text=True)
    response = client.post("/account/language", data={"language": "uk", "next": "/?x=1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/?x=1")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="uk">' in page and "Огляд" in page and "оцінювач" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "uk"


def test_the_language_switch_refuses_what_it_does_not_offer(app, factory):
    user = factory.user("officer")
    client = app.test_client()
    _sign_in(client, user, "en")
    client.post("/account/language", data={"language": "de", "next": "/"})
    client.post("/account/language", data={"language": "uk", "next": "https://elsewhere.example/"})
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "uk"
    response = client.post("/account/language", data={"language": "ru", "next": "//elsewhere.example/"})
    assert "elsewhere" not in response.headers["Location"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_string_in_two_catalogues_is_translated_the_same_in_both(lang):
    # Flask-Babel merges the catalogues into one: the same English would otherwise come out
    # in whichever catalogue happened to be merged last.
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for name in sorted(CATALOGUES):
        for message in _catalog(CATALOGUES[name], lang):
            if not message.id:
                continue
            key = repr(message.id) + repr(message.context)
            if key in seen and seen[key][1] != message.string:
                clashes.append((message.id, seen[key], (name, message.string)))
            seen.setdefault(key, (name, message.string))
    assert clashes == []
