"""Quick exit on every respondent page: a plain link (works without JavaScript) that ends the
session on the server and leaves for a neutral site; privacy headers on every page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork.models import RespondentSession
from monitor.fieldwork.tokens import new_token
from tests.conftest import _empty_tables, make_app
from tests.monitor.respondent_support import consent, make_link, open_link, text


def test_quick_exit_ends_the_session_and_leaves(client, factory):
    link = make_link(factory)
    open_link(client, link)
    consent(client, "yes")
    response = client.get("/r/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.google.com/search?q=weather"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert db.session.scalar(select(RespondentSession.ended_at)) is not None
    assert client.get_cookie("session") is None  # nothing of the visit is left in the browser
    # Back (or a tab left open) finds a page that names nothing (see below).
    assert client.get("/r/s/about").headers["Location"] == "/r/notice/unavailable"


def test_quick_exit_target_is_configurable(database_url, _schema):
    app = make_app(database_url, QUICK_EXIT_URL="https://example.org/news")
    with app.app_context():
        try:
            client = app.test_client()
            assert 'data-exit-to="https://example.org/news"' in text(client.get("/r/notice/ended"))
            assert client.get("/r/exit").headers["Location"] == "https://example.org/news"
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def _pages(client, factory) -> dict[str, str]:
    """Every kind of respondent page, as HTML."""
    pages = {"unknown": text(client.get(f"/r/{new_token()}")),
             "closed": text(client.get(make_link(factory, status="revoked").url))}
    link = make_link(factory)
    open_link(client, link)
    pages["consent"] = text(client.get("/r/consent"))
    pages["confirm"] = text(consent(client, "no"))
    consent(client, "yes")
    pages["section"] = text(client.get("/r/s/about"))
    pages["errors"] = text(client.post("/r/s/about", data={"action": "next"}))
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    client.post("/r/s/work", data={"action": "next", "works": "no"})
    client.post("/r/s/closing", data={"action": "next"})
    pages["review"] = text(client.get("/r/review"))
    client.post("/r/submit")
    pages["thanks"] = text(client.get("/r/done"))
    for reason in ("ended", "saved", "declined", "too_many"):
        pages[reason] = text(client.get(f"/r/notice/{reason}"))
    pages["error"] = text(client.post("/r/language", data=b"x=%FF",
                                      content_type="application/x-www-form-urlencoded"))
    return pages


def test_every_page_has_the_quick_exit_first_and_a_respondent_layout(client, factory):
    for name, page in _pages(client, factory).items():
        body = page[page.index("<body>"):]
        first_link = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body).group(0)
        assert 'class="quick-exit"' in first_link and 'href="/r/exit"' in first_link, name
        assert "respondent.css" in page and "monitor.css" not in page, name
        assert "Log out" not in page and "NRM Monitor" not in page, name
        assert re.search(r'<html lang="(uk|ru|en)">', page), name
        # Nothing from elsewhere: every asset is our own.
        assert not re.search(r'(src|href)="(https?:)?//', page.replace(
            'data-exit-to="https://www.google.com/search?q=weather"', "")), name


def test_privacy_headers_on_every_respondent_response(client, factory):
    link = make_link(factory)
    for response in (client.get(link.url), client.get("/r/"), client.get("/r/consent"),
                     client.get(f"/r/{new_token()}"), client.get("/r/exit"),
                     client.get("/r/notice/ended")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]
        assert "default-src 'self'" in response.headers.get("Content-Security-Policy", "")


#: Words that say a survey (or answers) exist, in the three languages, and the test survey's
#: title; none may be on the page a browser shows after a quick exit.
TELLING = ("survey", "опитуван", "опрос", "answer", "відповід", "ответ", "follow-up", "consent")


def _after_exit(client, factory, language: str | None = None):
    """A respondent in the middle of the survey (in ``language`` if given, else the survey's
    Ukrainian) on a browser set to English, who then quick-exits."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    link = make_link(factory)
    open_link(client, link)
    consent(client, "yes")
    if language:
        client.post("/r/s/about", data={"action": f"language:{language}"})
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    exited = client.get("/r/exit")
    assert exited.status_code == 303
    return link, exited


@pytest.mark.parametrize(("language", "heading"), [
    (None, "Ця сторінка недоступна"), ("ru", "Эта страница недоступна"),
    ("en", "This page is not available")])
def test_after_a_quick_exit_every_page_is_neutral_in_the_respondents_language(
        client, factory, language, heading):
    _after_exit(client, factory, language)
    requests = [("GET", url) for url in ("/r/s/about", "/r/s/work", "/r/consent", "/r/review",
                                         "/r/done", "/r/", "/r/notice/ended", "/r/notice/saved")]
    requests += [("POST", "/r/s/about"), ("POST", "/r/submit"), ("POST", "/r/language")]
    for method, url in requests:
        response = client.open(url, method=method, data={"action": "next", "age": "31"},
                               follow_redirects=True)
        page = text(response)
        assert response.status_code == 200, (method, url)
        assert not any(word in page.lower() for word in TELLING), (method, url)
        assert f"<h1>{heading}</h1>" in page, (method, url)
        assert response.request.path == "/r/notice/unavailable", (method, url)  # no page key
        assert response.headers["Cache-Control"] == "no-store"


def test_a_quick_exit_leaves_only_the_language_and_the_link_opens_again(client, factory):
    link, exited = _after_exit(client, factory)
    cookies = {c.key: c.value for c in (client.get_cookie("session"), client.get_cookie(
        "lang", path="/r/")) if c is not None}
    assert cookies == {"lang": "uk"}
    [set_lang] = [h for h in exited.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    assert set(set_lang.split("; ")) == {"lang=uk", "HttpOnly", "Path=/r/", "SameSite=Lax"}
    # The respondent, safe again, opens the link: the survey is there with their answers.
    open_link(client, link)
    assert client.get_cookie("lang", path="/r/") is None
    page = text(client.get("/r/s/about"))
    assert "How old are you? (uk)" in page and 'value="30"' in page
