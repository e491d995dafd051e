"""A page per section: relevance and validation on the server, every page saved as a draft,
resume where the respondent stopped, Back keeps answers, language switch keeps typed answers,
and a review page that writes the answers out."""

from __future__ import annotations

import re

from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, RespondentSession
from tests.monitor.respondent_support import (
    consent,
    make_link,
    open_link,
    response_of,
    text,
)


def stored(link) -> dict:
    db.session.expire_all()
    response = response_of(link)
    return {a.question_key: a.value for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id))}


def started(client, factory, **kwargs):
    link = make_link(factory, **kwargs)
    open_link(client, link)
    consent(client, "yes")
    return link


def test_next_saves_the_page_and_moves_on(client, factory):
    link = started(client, factory)
    before = response_of(link).updated_at
    response = client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    assert response.status_code == 303 and response.headers["Location"] == "/r/s/work"
    assert stored(link) == {"consent_given": "yes", "age": 30, "housing": "own"}
    saved = response_of(link)
    assert saved.current_section == "work" and saved.updated_at > before


def test_errors_are_in_the_respondents_language_with_a_linked_summary(client, factory):
    link = started(client, factory)
    response = client.post("/r/s/about", data={"action": "next", "age": "abc"})
    assert response.status_code == 422
    page = text(response)
    summary = page[page.index('class="error-summary"'):page.index("</ul>")]
    assert 'href="#q-age"' in summary and "Введіть ціле число." in summary
    assert 'href="#q-housing-0"' in summary and "Це запитання потребує відповіді." in summary
    assert 'id="q-age"' in page and 'id="q-housing-0"' in page  # the targets exist
    assert "<title>Помилка:" in page
    response = client.post("/r/s/about", data={"action": "next", "age": "7", "housing": "own"})
    assert "Введіть число від 14 до 99." in text(response)
    # The readable answer was saved even though the page has an error.
    assert stored(link)["housing"] == "own"


def test_relevance_shows_and_hides_questions_and_clears_hidden_answers(client, factory):
    link = started(client, factory)
    # "Other" reveals a question on the same page: the page comes back with it.
    response = client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "other"})
    assert response.status_code == 200
    page = text(response)
    assert "Where, then? (uk)" in page and 'class="revealed-note"' in page
    response = client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "other",
                                                "housing_other": "a tent"})
    assert response.headers["Location"] == "/r/s/work"
    assert stored(link)["housing_other"] == "a tent"
    # Changing the answer hides the question and its saved answer is deleted.
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own",
                                    "housing_other": "a tent"})
    assert "housing_other" not in stored(link)


def test_a_page_that_is_not_relevant_is_skipped_and_its_answers_cleared(client, factory):
    link = started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    client.post("/r/s/work", data={"action": "next", "works": "yes", "hours": "40"})
    assert stored(link)["hours"] == 40
    # Under 18: the work page is not asked, and what it held is dropped.
    response = client.post("/r/s/about", data={"action": "next", "age": "16", "housing": "own"})
    assert response.headers["Location"] == "/r/s/closing"
    assert "works" not in stored(link) and "hours" not in stored(link)
    assert client.get("/r/s/work").headers["Location"] == "/r/"
    page = text(client.get("/r/s/closing"))
    assert "Сторінка 2 з 2" in page


def test_a_hidden_question_is_not_required(client, factory):
    started(client, factory)
    response = client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    assert response.status_code == 303  # housing_other is required but hidden


def test_back_keeps_the_answers_typed_on_the_page(client, factory):
    link = started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    response = client.post("/r/s/work", data={"action": "back", "works": "no"})
    assert response.headers["Location"] == "/r/s/about"
    assert stored(link)["works"] == "no"
    assert response_of(link).current_section == "about"
    page = text(client.get("/r/s/about"))
    assert 'value="30"' in page and re.search(r'checked[^>]*value="own"|value="own"[^>]*checked', page)


def test_save_and_continue_later_then_the_link_resumes_with_the_answers(app, factory):
    client = app.test_client()
    link = started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    # A page that is not valid yet (hours out of range): still saved, and the session ends.
    response = client.post("/r/s/work", data={"action": "save", "works": "yes", "hours": "120"})
    assert response.headers["Location"] == "/r/notice/saved"
    assert stored(link)["hours"] == 120
    page = text(client.get("/r/notice/saved"))
    assert "Ваші відповіді збережено" in page
    assert client.get("/r/s/work").headers["Location"] == "/r/notice/ended"
    ended = db.session.scalars(select(RespondentSession.ended_at)).all()
    assert all(ended)
    # Another browser (or the same, later) opens the link and lands on the same page.
    later = app.test_client()
    open_link(later, link)
    assert later.get("/r/").headers["Location"] == "/r/s/work"
    page = text(later.get("/r/s/work"))
    assert 'value="120"' in page
    assert "Введіть число від 0 до 100." in text(later.post("/r/s/work", data={
        "action": "next", "works": "yes", "hours": "120"}))


def test_reading_errors_never_delete_a_saved_answer(client, factory):
    link = started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    response = client.post("/r/s/about", data={"action": "back", "age": "3O", "housing": "own"})
    assert stored(link)["age"] == 30
    response = client.post("/r/s/about", data={"action": "next", "age": "3O", "housing": "own"})
    assert response.status_code == 422 and 'value="3O"' in text(response)
    assert stored(link)["age"] == 30


def test_clearing_an_answer_deletes_it(client, factory):
    link = started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    client.post("/r/s/work", data={"action": "next", "works": "yes", "hours": "40"})
    client.post("/r/s/work", data={"action": "next", "works": "yes", "hours": ""})
    assert "hours" not in stored(link)


def test_language_switch_keeps_what_was_typed_and_changes_everything(client, factory):
    link = started(client, factory)
    response = client.post("/r/s/about", data={"action": "language:ru", "age": "44"})
    assert response.headers["Location"] == "/r/s/about"
    assert stored(link)["age"] == 44
    page = text(client.get("/r/s/about"))
    assert '<html lang="ru">' in page and "How old are you? (ru)" in page
    assert 'value="44"' in page and "Быстрый выход" in page and "Страница 1 из 3" in page
    assert response_of(link).language == "ru"
    # Messages follow too.
    assert "Этот вопрос требует ответа." in text(client.post("/r/s/about",
                                                             data={"action": "next"}))
    # And the choice survives the session: a new one starts in Russian.
    open_link(client, link)
    assert '<html lang="ru">' in text(client.get("/r/s/about"))


def test_language_form_on_pages_without_answers(client, factory):
    link = make_link(factory)
    open_link(client, link)
    response = client.post("/r/language", data={"language": "en", "back": "consent"})
    assert response.headers["Location"] == "/r/consent"
    assert "Before you start" in text(client.get("/r/consent"))
    assert client.post("/r/language", data={"language": "de", "back": "consent"}).status_code == 400
    assert client.post("/r/language", data={"language": "en",
                                            "back": "//evil.example"}).status_code == 400
    assert response_of(link).language == "en"


def test_every_input_has_a_label_and_groups_have_a_legend(client, factory):
    started(client, factory)
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    for url in ("/r/s/about", "/r/s/work", "/r/s/closing"):
        page = text(client.get(url))
        labels = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
        for input_id in re.findall(r'<(?:input|textarea|select)(?![^>]*type="hidden")[^>]*id="([^"]+)"',
                                   page):
            assert input_id in labels, (url, input_id)
        assert page.count("<fieldset") == page.count("<legend")


def test_review_writes_answers_out_and_change_returns_to_it(client, factory):
    link = started(client, factory)
    client.post("/r/s/language", data={"action": "next"})  # no such page: ignored
    client.post("/r/language", data={"language": "en", "back": "resume"})
    client.post("/r/s/about", data={"action": "next", "age": "30", "housing": "shelter"})
    client.post("/r/s/work", data={"action": "next", "works": "no"})
    response = client.post("/r/s/closing", data={"action": "next", "comments": "Fine."})
    assert response.headers["Location"] == "/r/review"
    assert response_of(link).current_section == "@review"
    page = text(client.get("/r/review"))
    assert "Shelter" in page and ">shelter<" not in page  # labels, never codes
    assert "Do you work?" in page and "<dd>No</dd>" in page
    assert "Hours a week?" not in page  # hidden question
    assert 'href="/r/s/about?review=1"' in page
    # Change a page from the review: Next returns to the review.
    page = text(client.get("/r/s/about?review=1"))
    assert 'name="review" value="1"' in page
    response = client.post("/r/s/about", data={"action": "next", "age": "31", "housing": "shelter",
                                               "review": "1"})
    assert response.headers["Location"] == "/r/review"
    # Reopening the link resumes at the review.
    open_link(client, link)
    assert client.get("/r/").headers["Location"] == "/r/review"


def test_not_answered_is_said_on_the_review(client, factory):
    started(client, factory)
    client.post("/r/language", data={"language": "en", "back": "resume"})
    client.post("/r/s/about", data={"action": "next", "age": "16", "housing": "own"})
    page = text(client.get("/r/review"))
    assert "Not answered" in page  # comments


def test_unknown_page_controls_are_refused(client, factory):
    link = started(client, factory)
    response = client.post("/r/s/about", data={"action": "delete-everything", "age": "30"})
    assert response.status_code == 400
    assert "age" not in stored(link)


def test_ids_are_unique_and_every_label_names_an_input_on_every_library_page(client, factory):
    """A duplicate id would tie a label to the wrong element (screen readers would read no
    label); checked on every page of every library instrument, with errors shown."""
    from surveys.library import INSTRUMENTS, load_instrument
    from tests.monitor.respondent_support import make_version

    for instrument in INSTRUMENTS:
        version = make_version(factory, load_instrument(instrument))
        link = make_link(factory, version)
        open_link(client, link)
        consent(client, "yes")
        definition = version.schema()
        for section in definition.sections:
            response = client.post(f"/r/s/{section.key}", data={"action": "next"})
            page = text(client.get(f"/r/s/{section.key}")) if response.status_code == 303 \
                else text(response)
            ids = re.findall(r'\sid="([^"]+)"', page)
            assert len(ids) == len(set(ids)), (instrument, section.key,
                                               sorted({i for i in ids if ids.count(i) > 1}))
            inputs = set(re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', page))
            for target in re.findall(r'<label[^>]*for="([^"]+)"', page):
                assert target in inputs, (instrument, section.key, target)
