"""Consent comes first, once per wave: a refusal is recorded and ends contact for the wave; an
acceptance pre-answers the instrument's own consent question so it is not asked twice."""

from __future__ import annotations

from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, RespondentSession
from surveys.library import load_instrument
from tests.monitor.respondent_support import (
    consent,
    invitation_of,
    make_link,
    make_version,
    open_link,
    response_of,
    text,
)


def test_consent_page_says_what_the_survey_is_and_what_is_kept(client, factory):
    link = make_link(factory)
    open_link(client, link)
    page = text(client.get("/r/consent"))
    assert '<html lang="uk">' in page
    for words in ("Перш ніж почати", "Участь добровільна", "Ви можете зупинитися будь-коли",
                  "під кодом, а не під вашим ім'ям", "Лише команда моніторингу",
                  "Швидкий вихід"):
        assert words in page, words
    assert "A short survey. (uk)" in page  # the survey's own description
    assert "Hello. (uk)" in page  # the notes of the instrument's consent page
    assert "Do you agree to take part? (uk)" not in page  # asked once, in our words


def test_pages_wait_for_consent(client, factory):
    link = make_link(factory)
    open_link(client, link)
    for url in ("/r/", "/r/s/about", "/r/review"):
        assert client.get(url).headers["Location"] == "/r/consent"
    assert client.post("/r/s/about", data={"action": "next", "age": "30"}).headers[
        "Location"] == "/r/consent"
    assert db.session.scalars(select(Answer)).all() == []


def test_yes_records_consent_and_pre_answers_the_instruments_question(client, factory):
    link = make_link(factory)
    open_link(client, link)
    response = consent(client, "yes")
    assert response.headers["Location"] == "/r/s/about"  # straight to the first page
    stored = response_of(link)
    assert stored.consent == "given" and stored.status == "draft"
    assert invitation_of(link).status == "in_progress"
    answers = {a.question_key: a.value for a in db.session.scalars(select(Answer))}
    assert answers == {"consent_given": "yes"}
    # The first page is the first one after consent; the consent question is on no page.
    assert client.get("/r/").headers["Location"] == "/r/s/about"
    page = text(client.get("/r/s/about"))
    assert "consent_given" not in page and "Сторінка 1 з 3" in page
    # Consent is not asked again.
    assert client.get("/r/consent").headers["Location"] == "/r/"


def test_no_asks_once_more_and_going_back_changes_nothing(client, factory):
    link = make_link(factory)
    open_link(client, link)
    page = text(consent(client, "no"))
    assert "Ви впевнені, що не хочете брати участь?" in page
    assert response_of(link).consent is None
    assert consent(client, "back").headers["Location"] == "/r/consent"
    assert response_of(link).status == "draft"


def test_refusal_is_recorded_ends_the_session_and_the_link_says_so(client, factory):
    link = make_link(factory)
    open_link(client, link)
    client.get("/r/consent")
    response = consent(client, "confirm_no")
    assert response.headers["Location"] == "/r/notice/declined"
    stored = response_of(link)
    assert (stored.status, stored.consent) == ("declined", "refused")
    assert invitation_of(link).status == "declined"
    assert db.session.scalar(select(RespondentSession.ended_at)) is not None
    page = text(client.get("/r/notice/declined"))
    assert "Ви вирішили не брати участь" in page and '<html lang="uk">' in page
    assert client.get("/r/").headers["Location"] == "/r/notice/ended"
    page = text(client.get(link.url))
    assert "Ви вирішили не брати участь" in page
    assert db.session.scalars(select(Answer)).all() == []


def test_consent_is_per_wave(client, factory):
    version = make_version(factory)
    person = factory.person()
    first = make_link(factory, version, wave="m3", person=person)
    second = make_link(factory, version, wave="m6", person=person)
    open_link(client, first)
    consent(client, "yes")
    open_link(client, second)
    assert client.get("/r/").headers["Location"] == "/r/consent"


def test_garbage_consent_choice_is_refused(client, factory):
    link = make_link(factory)
    open_link(client, link)
    response = client.post("/r/consent", data={"choice": "maybe"})
    assert response.status_code == 400
    assert response_of(link).consent is None


def test_library_instrument_intro_and_hotlines_move_to_the_consent_page(client, factory):
    version = make_version(factory, load_instrument("person_followup"))
    link = make_link(factory, version)
    open_link(client, link)
    page = text(client.get("/r/consent?lang=uk"))
    assert "Дякуємо, що відкрили це опитування" in page and "527" in page
    consent(client, "yes")
    assert client.get("/r/").headers["Location"] == "/r/s/wellbeing"
    page = text(client.get("/r/s/wellbeing"))
    assert "Чи погоджуєтеся ви взяти участь в опитуванні?" not in page
