"""The respondent path stays fast without giving anything up: a bounded number of SQL
statements per request, published instruments cached per process (drafts never), no cookie
rewritten on every page, redirects straight to where the respondent is, and questions drawn in
Python with the markup the template macro wrote."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import Markup
from sqlalchemy import event
from werkzeug.datastructures import MultiDict
from wtforms.widgets import html_params as wtforms_html_params

from monitor.extensions import db
from monitor.fieldwork.respondent import services
from surveys import rendering, versions
from surveys.models import SurveyVersion
from surveys.schema import Question
from tests.monitor.respondent_support import (
    consent,
    make_link,
    make_version,
    open_link,
    response_of,
    text,
)
from tests.surveys.test_rendering import every_type


@contextmanager
def counted():
    """The SQL statements sent while inside (executemany counts once)."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- statements per request ------------------------------------------------------------------

#: The most statements each request of the path may send (the survey cached, as in production).
#: Reading the visit, answers included, is one statement; a page save adds the conditional
#: touch of the response (returning the answers as stored under its lock) and the upsert.
#: Opening the link the first time: the throttle, the invitation, the response (an insert
#: that returns it), the invitation marked opened, the session. Consent: the visit, the response, the instrument's
#: consent answer, the invitation. The submit: the visit and the two conditional updates.
BOUNDS = {"open": 5, "consent page": 1, "consent": 4, "page": 1, "save": 3, "review": 1,
          "submit": 3, "thanks": 1}


def test_statements_per_request_stay_bounded(app, client, factory):
    version = make_version(factory)
    link = make_link(factory, version=version)
    open_link(app.test_client(), make_link(factory, version=version))  # the instrument cached
    seen: dict[str, int] = {}

    def step(kind, method, url, **kwargs):
        with counted() as sent:
            response = client.open(url, method=method, **kwargs)
        assert response.status_code in (200, 303), (kind, response.status_code)
        seen[kind] = max(seen.get(kind, 0), len(sent))
        return response

    assert step("open", "GET", link.url).headers["Location"] == "/r/consent"
    step("consent page", "GET", "/r/consent")
    assert step("consent", "POST", "/r/consent", data={"choice": "yes"}).headers[
        "Location"] == "/r/s/about"
    step("page", "GET", "/r/s/about")
    step("save", "POST", "/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    step("page", "GET", "/r/s/work")
    step("save", "POST", "/r/s/work", data={"action": "next", "works": "no"})
    step("page", "GET", "/r/s/closing")
    step("save", "POST", "/r/s/closing", data={"action": "next", "comments": "none"})
    step("review", "GET", "/r/review")
    assert step("submit", "POST", "/r/submit").headers["Location"] == "/r/done"
    step("thanks", "GET", "/r/done")
    over = {kind: (n, BOUNDS[kind]) for kind, n in seen.items() if n > BOUNDS[kind]}
    assert not over, f"more statements than allowed (sent, allowed): {over}"
    assert response_of(link).status == "submitted"


def test_a_page_reads_no_definition_once_the_instrument_is_cached(client, factory):
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    with counted() as sent:
        assert client.get("/r/s/about").status_code == 200
    assert len(sent) == 1
    assert not any("definition" in statement for statement in sent)


# --- the instrument cache --------------------------------------------------------------------

def test_published_instruments_are_prepared_once_per_process(factory):
    version = make_version(factory)
    first = services.instrument_for(version)
    assert services.instrument_for(version) is first
    db.session.expire_all()  # a fresh read of the same published row
    again = db.session.get(SurveyVersion, version.id)
    assert services.instrument_for(again) is first


def test_the_cache_never_serves_a_draft(factory):
    version = make_version(factory)
    draft = versions.start_draft(version.survey)
    db.session.commit()
    before = len(services.INSTRUMENTS)
    first = services.instrument_for(draft)
    assert len(services.INSTRUMENTS) == before
    # The designer edits the draft: the next look gets the edit, never a cached copy.
    definition = draft.schema()
    definition.sections[-1].questions.append(Question("later", "text", {"uk": "Пізніше"}))
    versions.save_draft(draft, definition)
    db.session.commit()
    second = services.instrument_for(draft)
    assert second is not first
    assert "later" in second.pages.answer_keys() and "later" not in first.pages.answer_keys()


def test_a_version_published_again_under_a_reused_id_is_not_mistaken(factory):
    """The key holds the publication time: a database rebuilt under a running server (the
    demo's reset) reuses ids, and must not be shown the old survey."""
    version = make_version(factory)
    old = services.instrument_for(version)
    key = (version.id, version.survey_id, version.published_at)
    assert services.INSTRUMENTS.get(key) is old
    other = services._instrument(version.id, version.survey_id, "published",
                                 version.published_at.replace(year=2001),
                                 lambda: version.definition)
    assert other is not old


def test_the_cache_is_bounded_and_drops_the_least_recently_used():
    cache = services._InstrumentCache(size=2)
    a, b, c = object(), object(), object()
    cache.put((1, 1, None), a)
    cache.put((2, 1, None), b)
    assert cache.get((1, 1, None)) is a  # 1 is now the most recently used
    cache.put((3, 1, None), c)
    assert cache.get((2, 1, None)) is None
    assert cache.get((1, 1, None)) is a and cache.get((3, 1, None)) is c
    assert len(cache) == 2


# --- round trips and cookies -----------------------------------------------------------------

def test_reopening_the_link_goes_straight_to_where_the_respondent_stopped(app, factory):
    link = make_link(factory)
    first = app.test_client()
    open_link(first, link)
    consent(first)
    first.post("/r/s/about", data={"action": "next", "age": "30", "housing": "own"})
    later = app.test_client()
    response = later.get(link.url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/r/s/work"  # no hop through /r/
    assert link.token not in response.headers["Location"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_do_not_rewrite_the_cookie(client, factory):
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    client.get("/r/s/about")  # the CSRF token is put in the session once
    for url in ("/r/s/about", "/r/consent", "/r/review"):
        response = client.get(url)
        assert response.headers.getlist("Set-Cookie") == [], url


def test_a_logged_in_officer_stays_logged_in_across_respondent_pages(client, factory, login):
    login("officer")
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    assert client.get("/r/s/about").status_code == 200
    with client.session_transaction() as cookie:
        assert cookie.get("_user_id")
    assert client.get("/fieldwork/").status_code == 200


# --- drawing the page ------------------------------------------------------------------------

#: The question macro as it was before questions were drawn in Python, kept as the reference.
REFERENCE_MACROS = (Path(__file__).parent / "question_macro_reference.html").read_text()
REFERENCE = REFERENCE_MACROS + "{% for item in form.items %}{{ question(form, item) }}{% endfor %}"


def _same_html(a: str, b: str) -> bool:
    """Equal as a browser reads them: runs of whitespace count as one."""
    return re.sub(r"\s+", " ", a).strip() == re.sub(r"\s+", " ", b).strip()


@pytest.mark.parametrize("language", ["uk", "en"])
@pytest.mark.parametrize("posted", [
    None,
    [],
    [("people", "x"), ("agreed", "maybe"), ("several", "o1"), ("several", "o2"),
     ("grid_b", "9"), ("name_code", 'a "quoted" <b>code</b> & more'), ("visit", "2024-02-30")],
    [("people", "3"), ("income", "1 234,5"), ("agreed", "yes"), ("pick", "2"),
     ("long_pick", "o3"), ("several", "o2"), ("mood", "4"), ("grid_a", "1"), ("grid_b", "5"),
     ("visit", "2024-02-03"), ("story", "Line one\nline <two>")],
])
def test_drawn_questions_match_the_macro_they_replaced(app, language, posted):
    survey = every_type()
    formdata = None if posted is None else MultiDict(posted)
    with app.test_request_context():
        form = rendering.build_form(survey, survey.sections[0], language, formdata=formdata)
        if formdata is not None:
            form.validate()
        drawn = "\n".join(str(form.draw(item)) for item in form.items)
        reference = render_template_string(REFERENCE, form=form)
    assert _same_html(drawn, reference), (drawn, reference)


@pytest.mark.parametrize("attributes", [
    {"id": "q-a", "name": "a", "type": "text", "value": ""},
    {"value": 'x "y" <z> & \'w\'', "aria_invalid": "true", "aria_describedby": "a b"},
    {"checked": True, "disabled": False, "value": 3, "data_x_y": None},
    {"class_": "c", "for_": "f", "value": Markup('<b class="x">m</b>')},
])
def test_quick_html_params_write_what_wtforms_writes(attributes):
    assert str(rendering.html_params(**attributes)) == str(wtforms_html_params(**attributes))


@pytest.mark.parametrize("language", ["uk", "en"])
def test_questions_drawn_from_the_kept_parts_match_a_fresh_drawing(app, language):
    """The unanswered questions' HTML is kept with the section's parts: a form from the same
    parts, blank or answered, draws what a form made from scratch draws."""
    survey = every_type()
    section = survey.sections[0]
    answered = MultiDict([("people", "3"), ("agreed", "yes"), ("several", "o2"),
                          ("grid_a", "1"), ("story", "mine")])
    with app.test_request_context():
        parts = rendering.section_parts(survey, section, language)
        for formdata in (None, None, answered, None, MultiDict([("people", "x")])):
            kept = rendering.build_form(survey, section, language, formdata=formdata,
                                        parts=parts)
            fresh = rendering.build_form(survey, section, language, formdata=formdata)
            if formdata is not None:
                kept.validate()
                fresh.validate()
            assert [str(kept.draw(i)) for i in kept.items] == \
                [str(fresh.draw(i)) for i in fresh.items]
        assert parts.drawn  # the blank questions were kept
        assert all(not str(html).count("checked") for html in parts.drawn.values())


def test_published_instruments_keep_their_form_parts_per_page_and_language(factory):
    version = make_version(factory)
    instrument = services.instrument_for(version)
    parts = instrument.parts(0, "uk")
    assert instrument.parts(0, "uk") is parts
    assert instrument.parts(0, "en") is not parts
    assert instrument.parts(1, "uk") is not parts
    assert services.instrument_for(version).parts(0, "uk") is parts


def test_a_new_version_is_never_drawn_from_the_old_versions_parts(app, client, factory):
    """A new published version has its own instrument and parts: a question changed in it
    shows, even while the old version's parts are kept."""
    old = make_version(factory)
    open_link(client, make_link(factory, version=old))
    consent(client)
    assert "How old are you?" in text(client.get("/r/s/about", headers={"Accept-Language": "en"}))
    definition = old.schema()
    definition.sections[1].questions[0].label = {"uk": "Вік?", "ru": "Возраст?", "en": "Your age?"}
    draft = versions.start_draft(old.survey)
    versions.save_draft(draft, definition)
    versions.publish(draft)
    db.session.commit()
    other = app.test_client()
    open_link(other, make_link(factory, version=draft))
    consent(other)
    page = text(other.get("/r/s/about"))
    assert "Your age?" in page or "Вік?" in page
    assert "How old are you?" not in page
    assert services.instrument_for(draft).parts(0, "uk") is not \
        services.instrument_for(old).parts(0, "uk")


def test_a_draft_instruments_parts_live_for_one_request(factory):
    version = make_version(factory)
    draft = versions.start_draft(version.survey)
    db.session.commit()
    first = services.instrument_for(draft)
    assert services.instrument_for(draft).parts(0, "uk") is not first.parts(0, "uk")


def test_respondent_posts_need_the_csrf_token(database_url, _schema, factory):
    """The respondent's forms carry no CSRF field of their own: the app's CSRF protection
    refuses every post without the page's token (the "expired form" page) and accepts it with."""
    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        try:
            _walk_with_and_without_tokens(app, make_link(factory))
        finally:
            db.session.remove()
            db.engine.dispose()  # this app's own engine: close its connections now


def _walk_with_and_without_tokens(app, link) -> None:
    from tests.monitor.respondent_support import csrf_token

    client = app.test_client()
    open_link(client, link)
    page = text(client.get("/r/consent"))
    assert client.post("/r/consent", data={"choice": "yes"}).status_code == 400
    assert response_of(link).consent is None
    given = client.post("/r/consent", data={"choice": "yes", "csrf_token": csrf_token(page)})
    assert given.status_code == 303
    page = text(client.get(given.headers["Location"]))
    assert client.post("/r/s/about", data={"action": "next", "age": "30"}).status_code == 400
    saved = client.post("/r/s/about", data={"action": "save", "age": "30",
                                            "csrf_token": csrf_token(page)})
    assert saved.status_code == 303
    assert client.post("/r/submit").status_code == 400
    assert response_of(link).status == "draft"


def test_a_page_with_errors_still_links_the_summary_to_the_fields(client, factory):
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    page = text(client.post("/r/s/about", data={"action": "next", "age": "abc"}))
    assert 'href="#q-age"' in page and 'href="#q-housing-0"' in page
    assert '<input aria-describedby="q-age-error" aria-invalid="true" aria-required="true"' in page
    assert 'id="q-housing-0" name="housing" type="radio" value="own"' in page


def test_sqlite_commits_are_synced_before_the_respondent_is_told_they_are_saved(app):
    """WAL with synchronous=FULL: a saved page survives a power cut, not only an app crash."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_page_read_runs_without_a_transaction_on_postgresql(client, factory):
    """A GET only reads: on PostgreSQL its statements autocommit (no BEGIN and ROLLBACK round
    trips); a save keeps its transaction."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL round trip")
    link = make_link(factory)
    open_link(client, link)
    consent(client)
    modes: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        modes.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    db.session.commit()  # the tests share the app's session: no transaction left open
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/r/s/about").status_code == 200
        reads = list(modes)
        db.session.commit()
        modes.clear()
        assert client.post("/r/s/about", data={"action": "next", "age": "30",
                                               "housing": "own"}).status_code == 303
        saves = list(modes)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert reads and all(autocommit for _, autocommit in reads)
    assert saves and not any(autocommit for _, autocommit in saves)
    assert response_of(link).current_section == "work"


def test_answers_read_with_the_visit_keep_their_types(app, factory):
    """The answers come back aggregated as one JSON object with the visit: every type reads
    back as it was saved (numbers, dates, lists, matrix rows)."""
    from datetime import date

    version = make_version(factory, every_type())
    link = make_link(factory, version=version)
    session_id, visit = services.open_link(link.token, "127.0.0.1")
    db.session.commit()
    services.give_consent(visit)
    answers = {"name_code": 'A "b" <c>', "story": "Line one\nline two", "people": 3,
               "income": 1234.5, "visit": date(2024, 2, 3), "agreed": "yes", "pick": "2",
               "long_pick": "o3", "several": ["o2", "o5"], "mood": "4", "grid_a": "1",
               "grid_b": "5"}
    services.save_draft(visit, rendering.settle(visit.survey, answers), "all")
    db.session.commit()
    again = services.load_visit(session_id)
    db.session.commit()
    expected = rendering.settle(visit.survey, answers)
    assert again.answers == expected
    assert again.answers == services.stored_answers(again.response.id, again.instrument.full)
