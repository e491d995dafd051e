"""The respondent pages' language, chosen as the design says (the catalogues themselves are
checked in test_i18n.py)."""

from __future__ import annotations

from tests.monitor.respondent_support import make_link, make_version, open_link, text
from tests.surveys.factories import simple_survey


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
