"""Opening a link: the token is exchanged for a server-side session and leaves the URL; unknown
tokens are counted per client in the database; closed links say why in plain words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork.models import RespondentSession, Response
from monitor.fieldwork.respondent import services
from monitor.fieldwork.tokens import new_token, token_hash
from monitor.models.throttle import ThrottleCounter
from tests.conftest import make_app
from tests.monitor.respondent_support import (
    consent,
    invitation_of,
    make_link,
    open_link,
    response_of,
    text,
)


def test_a_link_becomes_a_session_and_the_token_leaves_the_url(client, factory):
    link = make_link(factory)
    response = client.get(link.url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/r/consent"  # straight there, not via /r/
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    assert invitation_of(link).status == "opened"
    assert invitation_of(link).opened_at is not None
    stored = db.session.scalars(select(RespondentSession)).all()
    assert len(stored) == 1
    with client.session_transaction() as cookie:
        session_id = cookie["respondent"]
    assert stored[0].session_hash == token_hash(session_id) != session_id
    assert link.token not in session_id
    page = client.get("/r/", follow_redirects=True)
    assert page.status_code == 200 and link.token not in text(page)
    assert page.request.path == "/r/consent"


@pytest.mark.parametrize(("method", "agent"), [
    ("GET", "TelegramBot (like TwitterBot)"),
    ("GET", "WhatsApp/2.23.20.0 A"),
    ("GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
    ("GET", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"),
    ("GET", "Viber/20.0"),
    ("HEAD", "Mozilla/5.0 (Linux; Android 10) Chrome/120.0 Mobile Safari/537.36"),
])
def test_a_link_preview_opens_nothing_and_shows_no_title(client, factory, method, agent):
    """A chat app drawing a preview card must not open the invitation nor show what it is."""
    link = make_link(factory)
    response = client.open(link.url, method=method, headers={"User-Agent": agent})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert invitation_of(link).status == "pending" and invitation_of(link).opened_at is None
    assert db.session.scalar(select(func.count()).select_from(RespondentSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    if method == "GET":
        page = text(response)
        assert "<title>Опитування</title>" in page
        assert "Follow-up" not in page  # the survey's title (every language says it so here)
    # The respondent's own browser, afterwards, opens it as usual.
    opened = client.get(link.url, headers={"User-Agent": "Mozilla/5.0 (Linux; Android 10) Mobile"})
    assert opened.status_code == 303 and invitation_of(link).status == "opened"


def test_opening_twice_makes_one_response_and_ends_the_earlier_session(client, factory):
    link = make_link(factory)
    open_link(client, link)
    open_link(client, link)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    sessions = db.session.scalars(select(RespondentSession).order_by(RespondentSession.id)).all()
    assert len(sessions) == 2
    assert sessions[0].ended_at is not None and sessions[1].ended_at is None


def test_parallel_browsers_share_the_one_response(app, factory):
    link = make_link(factory)
    first, second = app.test_client(), app.test_client()
    open_link(first, link)
    open_link(second, link)
    consent(first)
    assert second.get("/r/").headers["Location"] == "/r/s/about"  # consent is per wave, once
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_unknown_link_says_so_in_plain_words_and_is_counted(client, factory):
    make_link(factory)
    response = client.get(f"/r/{new_token()}", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This link does not work" in text(response)
    assert 'href="/r/exit"' in text(response)
    counter = db.session.scalar(select(ThrottleCounter))
    assert counter.key == "respondent-link:127.0.0.1" and counter.failures == 1


@pytest.mark.parametrize("junk", ["short", "x" * 43 + "y", "a" * 42 + "%00", "not a token!"])
def test_malformed_tokens_never_reach_the_lookup_but_count(client, junk):
    response = client.get(f"/r/{junk}")
    assert response.status_code == 404
    assert db.session.scalar(select(ThrottleCounter.failures)) == 1


def test_unknown_link_page_follows_the_browser_language(client):
    assert "Посилання не працює" in text(client.get(f"/r/{new_token()}",
                                                    headers={"Accept-Language": "uk"}))
    page = text(client.get(f"/r/{new_token()}", headers={"Accept-Language": "ru,en;q=0.5"}))
    assert "Ссылка не работает" in page and '<html lang="ru">' in page


def test_too_many_unknown_links_block_the_client_then_429(client, factory):
    link = make_link(factory)
    for _ in range(services.TOKEN_FAILURE_LIMIT):
        assert client.get(f"/r/{new_token()}").status_code == 404
    blocked = client.get(f"/r/{new_token()}", headers={"Accept-Language": "en"})
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "900"
    assert "Too many tries" in text(blocked)
    # Even a good link waits: the check comes before the look-up.
    assert client.get(link.url).status_code == 429
    # Another client is not blocked.
    other = client.get(link.url, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_the_limit_holds_across_app_instances_on_one_database(database_url, app, factory):
    """Two app objects (two gunicorn workers) count into the same database row."""
    link = make_link(factory)
    other_app = make_app(database_url)
    clients = [app.test_client(), other_app.test_client()]
    for i in range(services.TOKEN_FAILURE_LIMIT):
        assert clients[i % 2].get(f"/r/{new_token()}").status_code == 404
    for c in clients:
        assert c.get(link.url).status_code == 429
    with other_app.app_context():
        db.engine.dispose()


def test_the_window_passes(client, factory):
    link = make_link(factory)
    for _ in range(services.TOKEN_FAILURE_LIMIT):
        client.get(f"/r/{new_token()}")
    counter = db.session.scalar(select(ThrottleCounter))
    counter.window_start -= services.TOKEN_FAILURE_WINDOW + timedelta(seconds=1)
    db.session.commit()
    assert client.get(link.url).status_code == 303


CLOSED = [
    ({"closes_on": date.today() - timedelta(days=1)}, 410, "This survey is closed"),
    ({"status": "expired"}, 410, "This survey is closed"),
    ({"status": "revoked"}, 410, "This link no longer works"),
    ({"opens_on": date(2099, 3, 14)}, 200, "This survey is not open yet"),
    ({"status": "completed"}, 200, "You have already answered"),
    ({"status": "declined"}, 200, "You chose not to take part"),
]


@pytest.mark.parametrize("state,status,words", CLOSED)
def test_closed_links_say_why_and_show_no_survey(client, factory, state, status, words):
    link = make_link(factory, **state)
    response = client.get(link.url + "?lang=en")
    assert response.status_code == status
    page = text(response)
    assert words in page
    assert "contact the person who gave you the link" in page or "Nothing more is needed" in page
    for survey_text in ("Follow-up", "How old are you", "About you", "Hello."):
        assert survey_text not in page
    assert db.session.scalar(select(func.count()).select_from(RespondentSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(ThrottleCounter)) == 0
    if "opens_on" in state:
        assert "14 March 2099" in page


def test_closed_link_page_is_in_the_surveys_language_then_as_asked(client, factory):
    link = make_link(factory, status="revoked")
    page = text(client.get(link.url, headers={"Accept-Language": "en"}))
    assert '<html lang="uk">' in page and "Це посилання більше не працює" in page
    page = text(client.get(link.url + "?lang=ru"))
    assert '<html lang="ru">' in page and "Эта ссылка больше не работает" in page
    assert 'href="?lang=en"' in page


def test_a_link_revoked_while_answering_closes_the_session(client, factory):
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    invitation = invitation_of(link)
    invitation.status = "revoked"
    db.session.commit()
    response = client.get("/r/s/about?lang=en")
    assert response.status_code == 410
    assert "How old are you" not in text(response)


def test_a_session_idle_too_long_is_over(client, factory):
    link = make_link(factory)
    open_link(client, link)
    stored = db.session.scalar(select(RespondentSession))
    stored.last_seen_at -= services.SESSION_IDLE + timedelta(minutes=1)
    db.session.commit()
    response = client.get("/r/")
    assert response.headers["Location"] == "/r/notice/ended"
    db.session.expire_all()
    assert db.session.scalar(select(RespondentSession)).ended_at is not None
    # The link opens a new session and the response is still the one.
    open_link(client, link)
    assert response_of(link).status == "draft"


def test_pages_without_a_session_send_to_the_notice(client):
    for url in ("/r/", "/r/consent", "/r/s/about", "/r/review", "/r/done"):
        response = client.get(url)
        assert response.status_code == 303 and response.headers["Location"] == "/r/notice/ended"
    assert client.post("/r/submit").headers["Location"] == "/r/notice/ended"
    page = text(client.get("/r/notice/ended?lang=en"))
    assert "This page is closed" in page and "open the link you received again" in page
