"""The interface catalogues: every marked string translated in Ukrainian and Russian, the
committed .mo files the compilation of the .po files (so the app needs no build step), and
the language chosen as the design says; staff pages stay English."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from monitor.fieldwork.respondent import i18n
from tests.monitor.respondent_support import make_link, make_version, open_link, text
from tests.surveys.factories import simple_survey

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "monitor" / "fieldwork" / "respondent"
LANGS = ("uk", "ru")


def _catalog(lang: str):
    with (i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _extracted() -> set[str]:
    with (HERE / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def only_sources(path: str) -> bool:
        relative = Path(path).resolve().relative_to(ROOT).parts
        return not relative or relative[0] in {"monitor", "surveys"}

    return {msgid if isinstance(msgid, str) else msgid[0]
            for _, _, msgid, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                       directory_filter=only_sources)}


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_is_up_to_date(lang):
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(lang))
    committed = (i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert buffer.getvalue() == committed, (
        f"{lang}: run .venv/bin/pybabel compile -d monitor/fieldwork/respondent/translations")


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_is_translated(lang):
    catalog = _catalog(lang)
    ids = {m.id for m in catalog if m.id}
    source = _extracted()
    assert source - ids == set(), "new strings: run pybabel extract and update (see i18n.py)"
    assert ids - source == set(), "strings no longer used: run pybabel update"
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{lang}: {message.id!r} is not translated"
        assert "fuzzy" not in message.flags, f"{lang}: {message.id!r} is fuzzy"
        assert set(re.findall(r"%\(\w+\)s", message.string)) == set(
            re.findall(r"%\(\w+\)s", message.id)), f"{lang}: placeholders differ in {message.id!r}"
        assert message.string != message.id or len(message.id) < 4


def test_template_catalogue_lists_the_same_strings():
    with (HERE / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert pot == _extracted()


def test_staff_pages_stay_english(client):
    page = text(client.get("/login", headers={"Accept-Language": "uk"}))
    assert '<html lang="en">' in page and "Log in" in page


def test_language_order_session_then_survey_then_browser(app, client, factory):
    # The survey's default language wins over the browser's on the first visit.
    version = make_version(factory, simple_survey(default_language="ru"))
    link = make_link(factory, version)
    open_link(client, link)
    page = text(client.get("/r/consent", headers={"Accept-Language": "en"}))
    assert '<html lang="ru">' in page and "Прежде чем начать" in page
    # Without an invitation, the browser's language decides (then Ukrainian).
    other = app.test_client()
    assert '<html lang="en">' in text(other.get("/r/notice/ended",
                                                headers={"Accept-Language": "en-GB,en"}))
    assert '<html lang="uk">' in text(other.get("/r/notice/ended",
                                                headers={"Accept-Language": "de"}))


def test_a_survey_without_a_language_offers_only_its_own(client, factory):
    version = make_version(factory, simple_survey(languages=["uk", "en"]))
    link = make_link(factory, version)
    open_link(client, link)
    page = text(client.get("/r/consent"))
    assert 'value="en"' in page and 'value="ru"' not in page
    client.post("/r/language", data={"language": "ru", "back": "consent"})
    assert '<html lang="uk">' in text(client.get("/r/consent"))
