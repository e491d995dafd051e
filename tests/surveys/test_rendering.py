"""The respondent form built from the schema: every question type, relevance on the server,
messages in the respondent's language."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from surveys import rendering
from surveys.rendering import (
    UI,
    ListAnswer,
    ManyAnswer,
    NumberAnswer,
    OneAnswer,
    answers_from_json,
    answers_to_json,
    build_form,
    next_section,
    previous_section,
    settle,
    visible_questions,
)
from surveys.schema import Choice, ChoiceList, MatrixItem, Question, Section, Survey
from tests.surveys.factories import simple_survey, tri


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def every_type() -> Survey:
    """One question of each type on one page."""
    scale = ChoiceList("agree", [Choice(str(n), tri(f"Agree {n}"), score=n) for n in range(1, 6)])
    many = ChoiceList("many", [Choice(f"o{n}", tri(f"Option {n}")) for n in range(1, 16)])
    return Survey(
        title=tri("All types"),
        sections=[Section("all", tri("Everything"), questions=[
            Question("intro", "note", tri("Read this.\n\nThen answer.")),
            Question("name_code", "text", tri("Code"), hint=tri("Any code")),
            Question("story", "long_text", tri("Story")),
            Question("people", "integer", tri("People"), minimum=1, maximum=20),
            Question("income", "decimal", tri("Income"), minimum=0),
            Question("visit", "date", tri("Visit")),
            Question("agreed", "yes_no", tri("Agreed?"), required=True),
            Question("pick", "select_one", tri("Pick"), choices="agree"),
            Question("long_pick", "select_one", tri("Long pick"), choices="many"),
            Question("several", "select_multiple", tri("Several"), choices="many",
                     constraint="not(selected(., 'o1') and count-selected(.) > 1)",
                     constraint_message={"uk": "Лише окремо.", "ru": "Только отдельно.",
                                         "en": "Only on its own."}),
            Question("mood", "likert", tri("Mood"), choices="agree"),
            Question("grid", "matrix", tri("Grid"), choices="agree", required=True, items=[
                MatrixItem("grid_a", tri("Row A")), MatrixItem("grid_b", tri("Row B"),
                                                               reverse=True, required=False)]),
            Question("total", "calculate", tri("Total"), calculation="${people} * 2"),
        ])],
        choice_lists={"agree": scale, "many": many},
    )


def test_every_question_type_gets_the_right_field_and_kind(ctx):
    survey = every_type()
    form = build_form(survey, survey.sections[0], "en")
    kinds = {item.key: item.kind for item in form.items}
    assert kinds == {"intro": "note", "name_code": "text", "story": "long_text",
                     "people": "number", "income": "number", "visit": "date",
                     "agreed": "radios", "pick": "radios", "long_pick": "select",
                     "several": "checks", "mood": "likert", "grid": "matrix"}
    assert "total" not in form._fields  # a calculation is computed, never asked
    assert "intro" not in form._fields
    assert isinstance(form["people"], NumberAnswer)
    assert isinstance(form["long_pick"], ListAnswer)
    assert isinstance(form["several"], ManyAnswer)
    assert isinstance(form["grid_a"], OneAnswer) and isinstance(form["grid_b"], OneAnswer)
    assert [c.value for c in form["agreed"].choices] == ["yes", "no"]
    assert [c.label for c in form["agreed"].choices] == ["Yes", "No"]
    assert form["long_pick"].choices[0].value == ""  # the "Choose…" placeholder
    grid = next(i for i in form.items if i.key == "grid")
    assert [r.label for r in grid.rows] == ["Row A", "Row B"]
    assert [r.required for r in grid.rows] == [True, False]
    assert grid.columns == [f"Agree {n}" for n in range(1, 6)]


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_labels_hints_and_options_are_in_the_language(ctx, lang):
    survey = every_type()
    form = build_form(survey, survey.sections[0], lang)
    suffix = "" if lang == "en" else f" ({lang})"
    item = next(i for i in form.items if i.key == "name_code")
    assert item.label == f"Code{suffix}" and item.hint == f"Any code{suffix}"
    assert form["pick"].choices[0].label == f"Agree 1{suffix}"
    assert form["agreed"].choices[0].label == UI[lang]["yes"]
    assert form.title == f"Everything{suffix}"


def test_a_missing_translation_falls_back_to_the_default_language(ctx):
    survey = simple_survey(default_language="en")
    del survey.question("consent").label["ru"]
    form = build_form(survey, survey.sections[0], "ru")
    assert form.items[0].label == "Do you agree to take part?"


def test_answers_are_read_typed(ctx):
    survey = every_type()
    form = build_form(survey, survey.sections[0], "uk", formdata=MultiDict([
        ("name_code", "  A-1 "), ("people", "1 2"), ("income", "2,5"), ("visit", "2024-03-01"),
        ("agreed", "yes"), ("pick", "3"), ("long_pick", "o12"), ("several", "o2"),
        ("several", "o3"), ("mood", "4"), ("grid_a", "5")]))
    assert form.validate(), form.errors
    answers = form.answers()
    assert answers == {"name_code": "A-1", "people": 12, "income": 2.5,
                       "visit": date(2024, 3, 1), "agreed": "yes", "pick": "3",
                       "long_pick": "o12", "several": ["o2", "o3"], "mood": "4", "grid_a": "5",
                       "total": "24"}
    assert answers_from_json(survey, answers_to_json(answers)) == answers


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_reading_and_range_errors_are_in_the_language(ctx, lang):
    survey = every_type()
    form = build_form(survey, survey.sections[0], lang, formdata=MultiDict([
        ("people", "2.5"), ("income", "abc"), ("visit", "2024-02-30"), ("agreed", "maybe")]))
    assert not form.validate()
    assert form.errors["people"] == [UI[lang]["not_integer"]]
    assert form.errors["income"] == [UI[lang]["not_number"]]
    assert form.errors["visit"] == [UI[lang]["not_date"]]
    assert form.errors["agreed"] == [UI[lang]["not_choice"]]
    form = build_form(survey, survey.sections[0], lang, formdata=MultiDict([
        ("people", "21"), ("income", "-1"), ("agreed", "no"), ("grid_a", "1")]))
    assert not form.validate()
    assert form.errors["people"] == [UI[lang]["range"].format(minimum=1, maximum=20)]
    assert form.errors["income"] == [UI[lang]["at_least"].format(minimum=0)]


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_required_messages_are_in_the_language(ctx, lang):
    survey = every_type()
    form = build_form(survey, survey.sections[0], lang, formdata=MultiDict())
    assert not form.validate()
    required = UI[lang]["required"]
    assert form.errors == {"agreed": [required], "grid_a": [required]}  # grid_b is optional
    summary = form.error_list
    assert ("q-agreed-0", form["agreed"].label.text, required) in summary
    assert ("q-grid_a-0", "Row A" if lang == "en" else f"Row A ({lang})", required) in summary


@pytest.mark.parametrize("lang,message", [("uk", "Лише окремо."), ("ru", "Только отдельно."),
                                          ("en", "Only on its own.")])
def test_constraint_messages_are_in_the_language(ctx, lang, message):
    survey = every_type()
    form = build_form(survey, survey.sections[0], lang, formdata=MultiDict([
        ("agreed", "yes"), ("grid_a", "1"), ("several", "o1"), ("several", "o2")]))
    assert not form.validate()
    assert form.errors == {"several": [message]}


def test_a_constraint_without_a_message_says_so_in_the_language(ctx):
    survey = simple_survey()
    survey.question("age").constraint_message = {}
    survey.question("age").constraint = ". != 50"
    form = build_form(survey, survey.sections[1], "ru", {"consent": "yes"},
                      MultiDict({"age": "50"}))
    assert not form.validate()
    assert form.errors == {"age": [UI["ru"]["constraint"]]}


def test_constraints_see_the_other_answers(ctx):
    survey = simple_survey()
    survey.sections[1].questions.insert(0, Question("household", "integer", tri("Household")))
    survey.question("age").constraint = ". >= ${household}"
    form = build_form(survey, survey.sections[1], "en", {"consent": "yes"},
                      MultiDict({"household": "40", "age": "30"}))
    assert not form.validate()
    assert form.errors == {"age": ["At least 14."]}


def test_required_is_skipped_when_the_question_is_hidden(ctx):
    survey = simple_survey()
    survey.question("housing_other").required = True
    section = survey.sections[1]
    form = build_form(survey, section, "en", {"consent": "yes"},
                      MultiDict({"age": "30", "housing": "own"}))
    assert form.validate(), form.errors
    assert [q.key for q in visible_questions(survey, section, form.answers())] == [
        "age", "housing"]


def test_a_question_revealed_on_this_page_is_shown_before_it_is_checked(ctx):
    survey = simple_survey()
    survey.question("housing_other").required = True
    section = survey.sections[1]
    form = build_form(survey, section, "en", {"consent": "yes"},
                      MultiDict({"age": "30", "housing": "other"}))
    assert form.validate()  # not an error yet: the respondent has not seen it
    assert form.revealed == {"housing_other"}
    assert [i.key for i in form.items] == ["age", "housing", "housing_other"]
    # The page is shown again with it; now the answers say it was shown, so it is checked.
    again = build_form(survey, section, "en", form.answers(),
                       MultiDict({"age": "30", "housing": "other"}))
    assert not again.validate()
    assert again.errors == {"housing_other": [UI["en"]["required"]]}
    assert again.revealed == set()


def test_answers_of_hidden_questions_are_cleared(ctx):
    survey = simple_survey()
    section = survey.sections[1]
    before = {"consent": "yes", "age": 30, "housing": "other", "housing_other": "a tent"}
    form = build_form(survey, section, "en", before,
                      MultiDict({"age": "30", "housing": "own", "housing_other": "a tent"}))
    assert form.validate()
    assert form.answers() == {"consent": "yes", "age": 30, "housing": "own"}
    # Saying no to consent hides the whole second page and drops its answers.
    assert settle(survey, {**before, "consent": "no"}) == {"consent": "no"}


def test_calculations_are_recomputed_and_hidden_ones_dropped():
    survey = every_type()
    assert settle(survey, {"people": 3})["total"] == "6"
    assert "total" not in settle(survey, {})
    survey.question("total").relevant = "${agreed} = 'yes'"
    assert "total" not in settle(survey, {"people": 3, "agreed": "no"})


def test_pages_skip_sections_that_are_not_relevant():
    survey = simple_survey()
    survey.sections.append(Section("end", tri("End"), questions=[
        Question("comments", "long_text", tri("Comments?"))]))
    assert next_section(survey, 0, {"consent": "yes"}) == 1
    assert next_section(survey, 0, {"consent": "no"}) == 2
    assert next_section(survey, 2, {}) is None
    assert previous_section(survey, 2, {"consent": "no"}) == 0
    assert previous_section(survey, 0, {}) is None
    assert rendering.page_position(survey, 2, {"consent": "no"}) == (2, 2)


def test_matrix_rows_are_answered_one_by_one(ctx):
    survey = every_type()
    form = build_form(survey, survey.sections[0], "en", {"grid_a": "2", "grid_b": "5"})
    grid = next(i for i in form.items if i.key == "grid")
    assert [r.field.data for r in grid.rows] == ["2", "5"]
    form = build_form(survey, survey.sections[0], "en", formdata=MultiDict([
        ("agreed", "yes"), ("grid_a", "9")]))
    assert not form.validate()
    assert form.errors == {"grid_a": [UI["en"]["not_choice"]]}


def test_a_broken_relevance_in_a_draft_shows_the_question(ctx):
    survey = simple_survey()
    survey.question("housing_other").relevant = "${housing} = "
    assert "housing_other" in [q.key for q in visible_questions(survey, survey.sections[1],
                                                                  {"consent": "yes"})]


def test_the_template_draws_labels_fieldsets_and_the_error_summary(ctx):
    survey = every_type()
    form = build_form(survey, survey.sections[0], "uk", formdata=MultiDict([("people", "x")]))
    form.validate()
    html = render_template_string(
        '{% from "surveys/rendering/_section.html" import section %}{{ section(form) }}',
        form=form)
    assert 'class="error-summary"' in html and 'href="#q-people"' in html
    assert 'href="#q-agreed-0"' in html
    assert '<label class="question-label" for="q-people">' in html
    assert 'aria-describedby="q-name_code-hint"' in html
    assert 'aria-describedby="q-people-error"' in html
    assert '<fieldset class="question radios has-error" id="q-agreed" ' \
           'aria-describedby="q-agreed-error">' in html
    assert '<legend class="question-label">Agreed? (uk)' in html
    assert html.count('<fieldset class="matrix-row') == 2
    assert '<label for="q-grid_b-4"><span class="matrix-choice">Agree 5 (uk)</span></label>' in html
    assert "<p>Read this.</p><p>Then answer. (uk)</p>" in html  # a note keeps its paragraphs
    assert 'name="total"' not in html
    for item in form.items:  # every input has a label
        if item.field is not None and item.kind in ("text", "long_text", "number", "date",
                                                   "select"):
            assert f'for="{item.field.id}"' in html
    assert UI["uk"]["error_summary"] in html


def test_paragraphs_escape_html():
    assert str(rendering.paragraphs("<b>x</b>\n\ny\nz")) == \
        "<p>&lt;b&gt;x&lt;/b&gt;</p><p>y<br>z</p>"


def test_unknown_language_falls_back_to_the_survey_default(ctx):
    survey = simple_survey(languages=["uk", "en"])
    assert rendering.pick_language(survey, "ru") == "uk"
    assert rendering.pick_language(survey, "en") == "en"


def test_interface_text_comes_from_the_catalogue_in_the_pages_own_language(app):
    from flask_babel import force_locale

    from surveys.rendering import ui

    # The page's language decides, not the request's: an officer reading Ukrainian previews
    # a Russian survey page.
    with force_locale("uk"):
        assert ui("ru", "next") == "Далее"
        assert ui("ru", "page_of", page=2, pages=5) == "Страница 2 из 5"
        assert ui("uk", "next") == "Далі"
        assert ui("en", "next") == "Next"
    assert set(UI) == {"uk", "ru", "en"}
    assert UI["uk"]["yes"] == "Так" and UI["ru"]["yes"] == "Да"
