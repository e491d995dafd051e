"""The survey designer through the test client, as an officer: creating, editing, translating,
publishing, comparing and previewing surveys; evaluators are refused everywhere."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql_text

from monitor.extensions import db
from surveys import schema, versions
from surveys.designer import editing, services
from surveys.library import INSTRUMENTS, load_instrument
from surveys.models import Survey, SurveyVersion
from surveys.schema import LANGUAGES, Choice, ChoiceList, MatrixItem, Question, QuestionType
from tests.surveys.factories import simple_survey, tri


@pytest.fixture
def officer(login):
    return login("officer")


def make_survey(definition=None) -> Survey:
    survey = versions.create_survey(definition or simple_survey())
    db.session.commit()
    return survey


def current(survey: Survey):
    """The survey's draft definition as stored now."""
    db.session.expire_all()
    return versions.draft(survey).schema()


def text(response) -> str:
    return response.get_data(as_text=True)


def publish(client, survey, **kwargs):
    """Publish the draft as an officer does: open the confirmation page, then confirm what it
    shows (its revision of the draft). Without a button on the page (errors block it), the
    draft's current revision is sent, as a stale page would."""
    page = text(client.get(f"/surveys/{survey.id}/draft/publish"))
    shown = re.search(r'<input[^>]*name="revision"[^>]*value="([^"]+)"', page)
    if shown:
        revision = shown.group(1)
    else:
        db.session.expire_all()
        revision = services.revision(versions.draft(survey).definition)
    return client.post(f"/surveys/{survey.id}/draft/publish", data={"revision": revision},
                       **kwargs)


def question_data(definition, question_key: str, /, **changes) -> dict[str, str]:
    """What the question form posts for question ``key`` as it stands, with ``changes``."""
    q = definition.question(question_key)
    data = {"key": q.key, "type": q.type.value, "relevant": q.relevant or "",
            "constraint": q.constraint or "", "choices": q.choices or "", "new_list": "",
            "calculation": q.calculation or "",
            "minimum": "" if q.minimum is None else str(q.minimum),
            "maximum": "" if q.maximum is None else str(q.maximum), "action": "save"}
    for name in ("label", "hint", "constraint_message"):
        for lang in LANGUAGES:
            data[f"{name}_{lang}"] = getattr(q, name).get(lang, "")
    if q.required:
        data["required"] = "y"
    if q.reverse:
        data["reverse"] = "y"
    for i, item in enumerate(q.items):
        data[f"rows-{i}-original"] = item.key
        data[f"rows-{i}-key"] = item.key
        for lang in LANGUAGES:
            data[f"rows-{i}-label_{lang}"] = item.label.get(lang, "")
        if item.reverse:
            data[f"rows-{i}-reverse"] = "y"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# --- creating ---------------------------------------------------------------------------------

@pytest.mark.parametrize("instrument", sorted(INSTRUMENTS))
def test_create_from_each_library_instrument(client, officer, instrument):
    page = client.get("/surveys/new")
    assert INSTRUMENTS[instrument].title["en"] in text(page)
    assert INSTRUMENTS[instrument].description["en"] in text(page)
    response = client.post("/surveys/new/library", data={"instrument": instrument})
    assert response.status_code == 302
    survey = db.session.scalar(select(Survey).where(Survey.instrument == instrument))
    assert response.headers["Location"] == f"/surveys/{survey.id}"
    assert current(survey) == load_instrument(instrument)
    listing = text(client.get("/surveys"))
    assert survey.title in listing and "edit version 1" in listing
    assert client.get(f"/surveys/{survey.id}/draft").status_code == 200


def test_copies_of_a_library_instrument_get_distinct_titles(client, officer):
    instrument = INSTRUMENTS["person_followup"]
    for _ in range(3):
        assert client.post("/surveys/new/library",
                           data={"instrument": "person_followup"}).status_code == 302
    surveys = db.session.scalars(select(Survey).order_by(Survey.id)).all()
    english = instrument.title["en"]
    assert [s.title for s in surveys] == [english, f"{english} (2)", f"{english} (3)"]
    # The title is the draft's own, in every language, so saving the draft keeps it.
    assert current(surveys[1]).title == {lang: f"{text} (2)"
                                         for lang, text in instrument.title.items()}
    assert current(surveys[0]) == load_instrument("person_followup")
    listing = text(client.get("/surveys"))
    assert f"{english} (2)" in listing and f"{english} (3)" in listing


def test_unknown_instrument_is_not_found(client, officer):
    assert client.post("/surveys/new/library", data={"instrument": "nope"}).status_code == 404


def test_create_blank_survey_needs_a_title(client, officer):
    response = client.post("/surveys/new", data={"audience": "provider"})
    assert response.status_code == 200
    assert "at least one language" in text(response)
    response = client.post("/surveys/new", data={"title_uk": "Опитування", "audience": "provider"})
    survey = db.session.scalar(select(Survey))
    assert response.headers["Location"] == f"/surveys/{survey.id}/draft"
    definition = current(survey)
    assert definition.title == {"uk": "Опитування"} and definition.audience == "provider"
    assert definition.sections == []


# --- sections ---------------------------------------------------------------------------------

def test_sections_are_added_edited_moved_and_deleted(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft"
    response = client.post(f"{base}/sections")
    assert response.headers["Location"] == f"{base}/sections/section1"
    response = client.post(f"{base}/sections/section1", data={
        "key": "closing", "title_uk": "Кінець", "title_ru": "Конец", "title_en": "The end",
        "relevant": "${consent} = 'yes'"})
    assert response.status_code == 302
    definition = current(survey)
    assert [s.key for s in definition.sections] == ["start", "about", "closing"]
    assert definition.sections[2].title == {"uk": "Кінець", "ru": "Конец", "en": "The end"}
    assert definition.sections[2].relevant == "${consent} = 'yes'"

    client.post(f"{base}/sections/closing/move", data={"direction": "up"})
    assert [s.key for s in current(survey).sections] == ["start", "closing", "about"]
    client.post(f"{base}/sections/closing/move", data={"direction": "up"})
    client.post(f"{base}/sections/closing/move", data={"direction": "up"})  # stays at the top
    assert [s.key for s in current(survey).sections] == ["closing", "start", "about"]

    assert "Delete section closing" in text(client.get(f"{base}/sections/closing/delete"))
    client.post(f"{base}/sections/closing/delete")
    assert [s.key for s in current(survey).sections] == ["start", "about"]


def test_section_key_must_be_unique_and_its_relevance_must_parse(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft/sections/about"
    response = client.post(base, data={"key": "start", "title_en": "About", "relevant": ""})
    assert response.status_code == 422 and "already used" in text(response)
    response = client.post(base, data={"key": "about", "title_en": "About",
                                       "relevant": "${consent} = = 'yes'"})
    assert response.status_code == 422
    assert re.search(r"at position \d+", text(response))
    assert current(survey) == simple_survey()


def test_deleting_a_section_whose_questions_are_used_elsewhere_is_refused(client, officer):
    definition = simple_survey()
    definition.sections[0].relevant = None
    definition.sections[0].questions.append(
        Question("follow", "text", tri("More?"), relevant="${age} > 20"))
    survey = make_survey(definition)
    response = client.post(f"/surveys/{survey.id}/draft/sections/about/delete")
    assert response.status_code == 422
    assert "question &#39;follow&#39;, relevant" in text(response)
    assert [s.key for s in current(survey).sections] == ["start", "about"]


# --- questions --------------------------------------------------------------------------------

def test_questions_are_added_edited_moved_and_deleted(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft"
    response = client.post(f"{base}/sections/about/questions", data={"type": "integer"})
    assert response.headers["Location"] == f"{base}/questions/q1"
    form_page = text(client.get(f"{base}/questions/q1"))
    assert 'name="minimum"' in form_page and 'name="label_ru"' in form_page

    data = question_data(current(survey), "q1", key="income", label_uk="Дохід?",
                         label_ru="Доход?", label_en="Income?", hint_en="Per month",
                         minimum="0", maximum="100000", required="y")
    response = client.post(f"{base}/questions/q1", data=data)
    assert response.status_code == 302, text(response)
    q = current(survey).question("income")
    assert q.type == QuestionType.integer and q.required
    assert q.label == {"uk": "Дохід?", "ru": "Доход?", "en": "Income?"}
    assert q.hint == {"en": "Per month"} and (q.minimum, q.maximum) == (0, 100000)

    client.post(f"{base}/questions/income/move", data={"direction": "up"})
    assert [q.key for q in current(survey).sections[1].questions] == [
        "age", "housing", "income", "housing_other"]
    # Past the top of a section a question goes to the end of the previous one.
    client.post(f"{base}/questions/age/move", data={"direction": "up"})
    assert [q.key for q in current(survey).sections[0].questions] == ["consent", "age"]

    assert client.get(f"{base}/questions/income/delete").status_code == 200
    client.post(f"{base}/questions/income/delete")
    assert current(survey).question("income") is None


def test_editor_lists_sections_questions_and_problems(client, officer):
    survey = make_survey()
    page = text(client.get(f"/surveys/{survey.id}/draft"))
    assert 'id="s-about"' in page and 'id="q-housing_other"' in page
    assert "Where do you live? (uk)" in page  # the label in the default language
    assert "No problems: the draft can be published." in page
    client.post(f"/surveys/{survey.id}/draft/sections/about/questions", data={"type": "select_one"})
    page = text(client.get(f"/surveys/{survey.id}/draft"))
    assert "block publishing" in page
    assert f'href="/surveys/{survey.id}/draft/questions/q1' in page  # the link to the fault


def test_broken_relevance_is_refused_with_its_position(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/draft/questions/housing_other"
    response = client.post(url, data=question_data(current(survey), "housing_other",
                                                    relevant="${housing} = 'other' and ("))
    assert response.status_code == 422
    page = text(response)
    assert re.search(r"at position \d+", page)
    assert 'class="expr-marker"' in page and "<mark>" in page
    assert current(survey).question("housing_other").relevant == "${housing} = 'other'"

    response = client.post(url, data=question_data(current(survey), "housing_other",
                                                    relevant="${housng} = 'other'"))
    assert response.status_code == 422
    assert "unknown question &#39;housng&#39; at position 2" in text(response)
    assert "did you mean &#39;housing&#39;?" in text(response)


def test_constraint_may_use_dot_but_relevance_may_not(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/draft/questions/age"
    response = client.post(url, data=question_data(current(survey), "age", relevant=". > 3"))
    assert response.status_code == 422 and "not allowed here" in text(response)
    response = client.post(url, data=question_data(current(survey), "age", constraint=". <= 90"))
    assert response.status_code == 302
    assert current(survey).question("age").constraint == ". <= 90"


def _with_services() -> schema.Survey:
    """The simple survey with a select_multiple ``services`` (list ``services``)."""
    definition = simple_survey()
    definition.sections[1].questions.append(Question("services", "select_multiple",
                                                     tri("Services?"), choices="services"))
    definition.choice_lists["services"] = ChoiceList("services", [
        Choice("legal", tri("Legal")), Choice("medical", tri("Medical")),
        Choice("none", tri("None"))])
    return definition


@pytest.mark.parametrize("relevant", [
    "${housing} = 'shelterr'", "'shelterr' = ${housing}", "${housing} != 'shelterr'",
    "selected(${housing}, 'shelterr')"])
def test_relevance_comparing_a_select_one_with_a_value_it_lacks_is_refused(client, officer,
                                                                             relevant):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing_other",
                           data=question_data(current(survey), "housing_other",
                                              relevant=relevant))
    assert response.status_code == 422
    page = text(response)
    position = relevant.index("shelterr")
    assert (f"&#39;shelterr&#39; is not an option of question &#39;housing&#39; at position "
            f"{position} (did you mean &#39;shelter&#39;?)") in page
    assert 'class="expr-marker"' in page and "<mark>" in page
    assert current(survey) == simple_survey()


@pytest.mark.parametrize("field, expression, value, close", [
    ("relevant", "selected(${services}, 'medicall')", "medicall", "medical"),
    ("relevant", "${services} = 'legal medicall'", "medicall", "medical"),
    ("relevant", "${services} != 'legall'", "legall", "legal"),
    ("relevant", "'legall' = ${services}", "legall", "legal"),
    ("constraint", ". != 'shelterr'", "shelterr", "shelter"),
    ("constraint", "not(selected(., 'shelterr'))", "shelterr", "shelter"),
])
def test_constraints_and_select_multiple_values_are_checked_too(client, officer, field,
                                                                  expression, value, close):
    survey = make_survey(_with_services())
    key = "housing" if field == "constraint" else "housing_other"
    response = client.post(f"/surveys/{survey.id}/draft/questions/{key}",
                           data=question_data(current(survey), key, **{field: expression}))
    assert response.status_code == 422
    assert f"&#39;{value}&#39; is not an option of" in text(response)
    assert f"did you mean &#39;{close}&#39;?" in text(response)
    assert current(survey) == _with_services()
    # The right values are saved.
    fixed = expression.replace(value, close)
    response = client.post(f"/surveys/{survey.id}/draft/questions/{key}",
                           data=question_data(current(survey), key, **{field: fixed}))
    assert response.status_code == 302
    assert getattr(current(survey).question(key), field) == fixed


def test_a_constraint_is_checked_against_the_list_the_same_edit_chooses(client, officer):
    survey = make_survey(_with_services())
    data = question_data(current(survey), "housing", choices="services",
                         constraint="not(selected(., 'shelter'))")
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing", data=data)
    assert response.status_code == 422 and "is not an option of this question" in text(response)
    data["constraint"] = ". != 'none'"
    assert client.post(f"/surveys/{survey.id}/draft/questions/housing",
                       data=data).status_code == 302


def test_section_relevance_with_a_yes_no_value_it_lacks_is_refused(client, officer):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/sections/about", data={
        "key": "about", "title_en": "About", "relevant": "${consent} = 'yse'"})
    assert response.status_code == 422
    assert "&#39;yse&#39; is not an option of question &#39;consent&#39;" in text(response)
    assert "did you mean &#39;yes&#39;?" in text(response)
    assert current(survey) == simple_survey()


def test_renaming_an_option_lists_the_rules_still_using_the_old_value(client, officer):
    """The list editor renames values freely; the rules that compare with the old value are
    then problems that block publishing, each with its suggestion."""
    definition = simple_survey()
    definition.choice_lists["housing"].choices[2].value = "elsewhere"  # 'other' is gone
    survey = make_survey(definition)
    page = text(client.get(f"/surveys/{survey.id}/draft"))
    problem = re.search(r'<li class="problem problem-error">(.*?)</li>', page, re.S).group(1)
    assert f'href="/surveys/{survey.id}/draft/questions/housing_other#relevant"' in problem
    assert ("&#39;other&#39; is not an option of question &#39;housing&#39; at position 14 "
            "(the options are &#39;own&#39;, &#39;shelter&#39;, &#39;elsewhere&#39;)") in problem
    response = publish(client, survey)
    assert response.status_code == 422
    assert "&#39;other&#39; is not an option of question &#39;housing&#39;" in text(response)


def _stored_json_is_strict(survey) -> bool:
    """Every stored version of ``survey`` reads back as strict JSON (no NaN, no Infinity)."""
    def refuse(constant):
        raise ValueError(constant)

    db.session.expire_all()
    for stored in db.session.execute(sql_text(
            "SELECT definition FROM survey_version WHERE survey_id = :id"), {"id": survey.id}
    ).scalars():
        try:
            if isinstance(stored, str):  # SQLite hands back the text
                json.loads(stored, parse_constant=refuse)
            else:  # PostgreSQL's driver has parsed it already
                json.dumps(stored, allow_nan=False)
        except ValueError:
            return False
    return True


@pytest.mark.parametrize("qtype", ["integer", "decimal"])
@pytest.mark.parametrize("bound, value", [("minimum", "nan"), ("maximum", "NaN"),
                                          ("minimum", "-inf"), ("maximum", "Infinity"),
                                          ("maximum", "1e999")])
def test_nan_and_infinity_are_refused_as_limits(client, officer, qtype, bound, value):
    survey = make_survey()
    url = f"/surveys/{survey.id}/draft/questions/age"
    response = client.post(url, data=question_data(current(survey), "age", type=qtype,
                                                   **{bound: value}))
    assert response.status_code == 422
    assert "NaN and Infinity are not numbers here" in text(response)
    assert current(survey) == simple_survey()
    publish(client, survey)
    assert _stored_json_is_strict(survey)


def test_nan_is_refused_as_an_option_score(client, officer):
    survey = make_survey()
    housing = current(survey).choice_lists["housing"]
    data = {"name": "housing", "action": "save"}
    for i, choice in enumerate(housing.choices):
        data[f"rows-{i}-value"] = choice.value
        data[f"rows-{i}-score"] = "nan" if i == 1 else str(i)
        for lang in LANGUAGES:
            data[f"rows-{i}-label_{lang}"] = choice.label.get(lang, "")
    response = client.post(f"/surveys/{survey.id}/draft/lists/housing", data=data)
    assert response.status_code == 422
    assert "NaN and Infinity are not numbers here" in text(response)
    assert current(survey) == simple_survey()


def test_the_pure_edits_refuse_nan_and_infinity_too():
    survey = simple_survey()
    edit = editing.QuestionEdit(key="age", type=QuestionType.integer, label=tri("Age"),
                                minimum=float("nan"), maximum=float("inf"))
    with pytest.raises(editing.EditError) as caught:
        editing.update_question(survey, "age", edit)
    assert {p.field for p in caught.value.problems} == {"minimum", "maximum"}
    rows = [editing.ChoiceEdit("own", tri("Own"), float("-inf"))]
    with pytest.raises(editing.EditError) as caught:
        editing.update_choice_list(survey, "housing", "housing", rows)
    assert [p.field for p in caught.value.problems] == ["rows-0-score"]
    assert survey == simple_survey()


def test_duplicate_key_is_refused(client, officer):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing_other",
                           data=question_data(current(survey), "housing_other", key="age"))
    assert response.status_code == 422
    assert "already used" in text(response)
    assert current(survey) == simple_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/age",
                           data=question_data(current(survey), "age", key="page"))
    assert response.status_code == 422 and "reserved" in text(response)


def test_renaming_a_key_rewrites_the_references_to_it(client, officer):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing",
                           data=question_data(current(survey), "housing", key="housing_now"))
    assert response.status_code == 302
    definition = current(survey)
    assert definition.question("housing_now").choices == "housing"
    assert definition.question("housing_other").relevant == "${housing_now} = 'other'"
    client.post(f"/surveys/{survey.id}/draft/questions/consent",
                data=question_data(definition, "consent", key="agreed"))
    assert current(survey).sections[1].relevant == "${agreed} = 'yes'"


def test_deleting_a_question_that_others_use_is_refused(client, officer):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing/delete")
    assert response.status_code == 422
    assert "question &#39;housing_other&#39;, relevant" in text(response)
    assert current(survey).question("housing") is not None


def test_type_change_clears_what_the_new_type_does_not_use(client, officer):
    survey = make_survey()
    response = client.post(f"/surveys/{survey.id}/draft/questions/housing",
                           data=question_data(current(survey), "housing", type="text"))
    assert response.headers["Location"].endswith("/questions/housing")  # to see the new form
    assert current(survey).question("housing").choices is None


def test_matrix_rows_are_added_renamed_moved_and_removed(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft"
    client.post(f"{base}/sections/about/questions", data={"type": "matrix"})
    data = question_data(current(survey), "q1", key="mood", choices="housing",
                         label_en="How are you?")
    data.update({"rows-0-key": "mood_a", "rows-0-label_en": "Sleep",
                 "rows-1-original": "", "rows-1-key": "", "rows-1-label_en": "Appetite",
                 "rows-2-original": "", "rows-2-key": "mood_c", "rows-2-label_en": "Energy",
                 "rows-2-reverse": "y", "rows-3-original": "", "rows-3-key": ""})
    response = client.post(f"{base}/questions/q1", data=data)
    assert response.status_code == 302, text(response)
    q = current(survey).question("mood")
    assert [(i.key, i.label.get("en"), i.reverse) for i in q.items] == [
        ("mood_a", "Sleep", False), ("mood_1", "Appetite", False), ("mood_c", "Energy", True)]

    response = client.post(f"{base}/questions/mood",
                           data=question_data(current(survey), "mood", action="up-2"))
    assert response.headers["Location"].endswith("/questions/mood#rows")
    assert [i.key for i in current(survey).question("mood").items] == ["mood_a", "mood_c",
                                                                       "mood_1"]
    client.post(f"{base}/questions/mood",
                data=question_data(current(survey), "mood", action="remove-0"))
    assert [i.key for i in current(survey).question("mood").items] == ["mood_c", "mood_1"]

    response = client.post(f"{base}/questions/mood", data=question_data(
        current(survey), "mood", **{"rows-1-key": "age"}))
    assert response.status_code == 422 and "already used" in text(response)


def test_a_new_choice_list_can_be_made_from_the_question_form(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft"
    client.post(f"{base}/sections/about/questions", data={"type": "select_one"})
    response = client.post(f"{base}/questions/q1", data=question_data(
        current(survey), "q1", new_list="work", label_en="Work?"))
    assert response.headers["Location"] == f"{base}/lists/work"
    definition = current(survey)
    assert definition.question("q1").choices == "work" and "work" in definition.choice_lists


def test_stale_revision_is_refused(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/draft/questions/age"
    data = question_data(current(survey), "age", label_en="Age?", revision="0000000000000000")
    response = client.post(url, data=data)
    assert response.status_code == 422 and "Someone else saved this draft" in text(response)
    assert current(survey).question("age").label["en"] == "How old are you?"


# --- settings, translations, choice lists -----------------------------------------------------

def test_settings_are_saved_and_checked(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/draft/settings"
    data = {"title_uk": "Нове", "title_ru": "Новое", "title_en": "New", "audience": "provider",
            "languages": ["uk", "en"], "default_language": "ru", "allow_fallback": "y"}
    response = client.post(url, data=data)
    assert response.status_code == 422 and "must be one of the survey" in text(response)
    response = client.post(url, data={**data, "default_language": "en"})
    assert response.status_code == 302
    definition = current(survey)
    assert definition.languages == ["uk", "en"] and definition.default_language == "en"
    assert definition.allow_fallback and definition.audience == "provider"
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).title == "New"


def test_translations_are_shown_side_by_side_and_saved_in_one_post(client, officer):
    definition = simple_survey()
    del definition.question("age").label["ru"]
    survey = make_survey(definition)
    url = f"/surveys/{survey.id}/draft/translations"
    page = text(client.get(url))
    slots = editing.text_slots(current(survey))
    age = next(i for i, s in enumerate(slots) if s.path == "q.age.label")
    assert page.count('class="missing"') == 1  # the one missing Russian label, highlighted
    assert f'name="t{age}_ru"' in page

    data = {f"t{i}_{lang}": slot.text.get(lang, "") for i, slot in enumerate(slots)
            for lang in LANGUAGES}
    data[f"t{age}_ru"] = "Сколько вам лет?"
    title = next(i for i, s in enumerate(slots) if s.path == "title")
    data[f"t{title}_uk"] = "Подальше опитування"
    option = next(i for i, s in enumerate(slots) if s.path == "list.housing.1")
    data[f"t{option}_en"] = "A shelter"
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = current(survey)
    assert saved.question("age").label["ru"] == "Сколько вам лет?"
    assert saved.title["uk"] == "Подальше опитування"
    assert saved.choice_lists["housing"].choices[1].label["en"] == "A shelter"
    assert 'class="missing"' not in text(client.get(url))


def test_choice_lists_are_edited(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}/draft/lists"
    page = text(client.get(base))
    assert "housing" in page and "Own or rented home" in page

    def rows(choice_list, **extra):
        data = {"name": choice_list.name, "action": "save"}
        for i, c in enumerate(choice_list.choices):
            data[f"rows-{i}-value"] = c.value
            data[f"rows-{i}-score"] = "" if c.score is None else str(c.score)
            for lang in LANGUAGES:
                data[f"rows-{i}-label_{lang}"] = c.label.get(lang, "")
        data.update(extra)
        return data

    housing = current(survey).choice_lists["housing"]
    response = client.post(f"{base}/housing", data=rows(
        housing, name="home", **{"rows-3-value": "", "rows-3-label_en": "Street",
                                 "rows-3-score": "4", "rows-0-score": "1"}))
    assert response.status_code == 302, text(response)
    definition = current(survey)
    assert "housing" not in definition.choice_lists
    assert definition.question("housing").choices == "home"  # the question follows the rename
    home = definition.choice_lists["home"]
    assert home.values() == ["own", "shelter", "other", "1"]
    assert home.choices[3].label == {"en": "Street"} and home.choices[3].score == 4
    assert home.choices[0].score == 1

    client.post(f"{base}/home", data=rows(home, action="up-3"))
    assert current(survey).choice_lists["home"].values() == ["own", "shelter", "1", "other"]
    client.post(f"{base}/home", data=rows(current(survey).choice_lists["home"], action="remove-2"))
    assert current(survey).choice_lists["home"].values() == ["own", "shelter", "other"]

    response = client.post(f"{base}/home", data=rows(current(survey).choice_lists["home"],
                                                     **{"rows-1-value": "own"}))
    assert response.status_code == 422 and "used twice" in text(response)

    response = client.post(base, data={"name": "spare"})
    assert response.headers["Location"] == f"{base}/spare"
    assert client.post(f"{base}/home/delete").status_code == 422  # in use
    client.post(f"{base}/spare/delete")
    assert "spare" not in current(survey).choice_lists


# --- publishing, versions, history ------------------------------------------------------------

def test_publish_succeeds_for_a_complete_survey(client, officer):
    survey = make_survey()
    response = publish(client, survey)
    assert response.status_code == 302
    db.session.expire_all()
    version = db.session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id))
    assert version.is_published
    page = text(client.get(f"/surveys/{survey.id}"))
    assert "Version 1 published." in page and "Edit: start a new draft" in page


def test_publishing_asks_for_confirmation_first(client, officer):
    """The publish controls lead to a page that says what will happen; opening it publishes
    nothing, and only its own form (a POST with the draft's revision) publishes."""
    survey = make_survey()
    confirm_url = f"/surveys/{survey.id}/draft/publish"
    for url in (f"/surveys/{survey.id}", f"/surveys/{survey.id}/draft"):
        page = text(client.get(url))
        assert f'href="{confirm_url}"' in page, url
        assert f'action="{confirm_url}"' not in page, url  # no one-click publishing
    page = text(client.get(confirm_url))
    assert "Publish version 1?" in page
    assert "This is the <strong>first version</strong> of the survey: 2 pages and 4 questions" \
        in page
    form = re.search(r'<form method="post"[^>]*>.*?</form>', page, re.S).group(0)
    assert f'action="{confirm_url}"' in form and 'name="revision"' in form
    assert "Publish version 1</button>" in form
    db.session.expire_all()
    assert not versions.draft(db.session.get(Survey, survey.id)).is_published
    # A POST that confirms nothing (no revision) is refused.
    assert client.post(confirm_url).status_code == 400
    assert publish(client, survey).status_code == 302
    db.session.expire_all()
    assert versions.latest_published(db.session.get(Survey, survey.id)).number == 1


def test_the_confirmation_lists_what_changes_from_the_published_version(client, officer):
    survey = make_survey()
    publish(client, survey)
    client.post(f"/surveys/{survey.id}/draft/start")
    draft = versions.draft(survey)
    changed = draft.schema()
    changed.sections[1].questions = [q for q in changed.sections[1].questions if q.key != "age"]
    housing = changed.question("housing")
    housing.label["uk"] = "Де ви живете зараз?"
    housing.required = True
    changed.choice_lists["housing"].choices.append(Choice("hostel", tri("Hostel")))
    changed.question("housing_other").relevant = "${housing} = 'other' or ${housing} = 'hostel'"
    changed.sections.append(schema.Section("closing", tri("Closing"), questions=[
        Question("income", "integer", tri("Income?"))]))
    versions.save_draft(draft, changed)
    db.session.commit()
    page = text(client.get(f"/surveys/{survey.id}/draft/publish"))
    assert "What changes from version 1, published" in page
    assert "1 question added" in page and "1 removed" in page and "2 changed" in page
    pages = page[page.index('id="pages-title"'):page.index('id="questions-title"')]
    assert "<code>closing</code>" in pages and "added" in pages
    questions = page[page.index('id="questions-title"'):]
    added = re.search(r'<li class="change-item change-added">(.*?)</li>', questions, re.S)
    assert "<code>income</code>" in added.group(1) and "page closing" in added.group(1)
    removed = re.search(r'<li class="change-item change-removed">(.*?)</li>', questions, re.S)
    assert "<code>age</code>" in removed.group(1)
    changed_housing = questions[questions.index("<code>housing</code>"):
                                questions.index("<code>housing_other</code>")]
    lines = [re.sub(r"<[^>]+>|\s+", " ", line).split()
             for line in re.findall(r'<li class="change">(.*?)</li>', changed_housing, re.S)]
    assert lines == [
        ["label", "(uk)", "Where", "do", "you", "live?", "(uk)", "→", "becomes", "Де", "ви",
         "живете", "зараз?"],
        ["required", "no", "→", "becomes", "yes"],
        ["option", "&#39;hostel&#39;", "added", "Hostel", "(uk)"],
    ]
    assert '<del class="diff-old">Where do you live? (uk)</del>' in changed_housing
    assert '<ins class="diff-new">Де ви живете зараз?</ins>' in changed_housing
    changed_other = questions[questions.index("<code>housing_other</code>"):]
    assert "shown only if" in changed_other
    assert "${housing} = &#39;other&#39; or ${housing} = &#39;hostel&#39;" in changed_other
    assert publish(client, survey).status_code == 302


def test_a_draft_saved_after_the_confirmation_was_shown_is_not_published(client, officer):
    survey = make_survey()
    page = text(client.get(f"/surveys/{survey.id}/draft/publish"))
    shown = re.search(r'name="revision"[^>]*value="([^"]+)"', page).group(1)
    # Someone else changes the draft meanwhile.
    draft = versions.draft(survey)
    changed = draft.schema()
    changed.question("age").maximum = 120
    versions.save_draft(draft, changed)
    db.session.commit()
    response = client.post(f"/surveys/{survey.id}/draft/publish", data={"revision": shown})
    assert response.status_code == 409
    assert "The draft changed after this page showed its changes" in text(response)
    db.session.expire_all()
    assert versions.latest_published(db.session.get(Survey, survey.id)) is None
    # The page now carries the new revision: confirming it publishes.
    fresh = re.search(r'name="revision"[^>]*value="([^"]+)"', text(response)).group(1)
    assert fresh != shown
    assert client.post(f"/surveys/{survey.id}/draft/publish",
                       data={"revision": fresh}).status_code == 302


def test_the_confirmation_of_a_draft_with_errors_lists_them_without_a_button(client, officer):
    definition = simple_survey()
    definition.sections[1].questions.append(Question("pick", "select_one", tri("Pick")))
    survey = make_survey(definition)
    page = text(client.get(f"/surveys/{survey.id}/draft/publish"))
    assert "What blocks publishing" in page and "Choose the list of options." in page
    assert f'href="/surveys/{survey.id}/draft/questions/pick"' in page
    assert "Publish version 1</button>" not in page
    assert "Back to the draft" in page


def test_publish_fails_with_the_problems_listed_and_linked(client, officer):
    definition = simple_survey()
    definition.question("age").label = {}
    definition.sections[1].questions.append(Question("pick", "select_one", tri("Pick")))
    survey = make_survey(definition)
    response = publish(client, survey)
    assert response.status_code == 422
    page = text(response)
    assert "was not published" in page
    assert "Choose the list of options." in page
    assert f'href="/surveys/{survey.id}/draft/questions/pick"' in page
    assert f'href="/surveys/{survey.id}/draft/questions/age#label_en"' in page
    db.session.expire_all()
    assert versions.draft(db.session.get(Survey, survey.id)) is not None


def test_warnings_are_shown_after_publishing(client, officer):
    definition = simple_survey(allow_fallback=True)
    del definition.question("age").label["ru"]
    survey = make_survey(definition)
    response = publish(client, survey, follow_redirects=True)
    page = text(response)
    assert "1 warning(s)" in page and "No text in ru." in page


def test_editing_a_published_survey_starts_draft_2_and_leaves_version_1(client, officer):
    survey = make_survey()
    publish(client, survey)
    response = client.get(f"/surveys/{survey.id}/draft")
    assert response.status_code == 302  # no draft: back to the survey page
    response = client.post(f"/surveys/{survey.id}/draft/start")
    assert response.headers["Location"] == f"/surveys/{survey.id}/draft"
    client.post(f"/surveys/{survey.id}/draft/sections/about/questions", data={"type": "text"})
    db.session.expire_all()
    v1, v2 = db.session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
                                .order_by(SurveyVersion.number)).all()
    assert (v1.number, v1.status, v2.number, v2.status) == (1, "published", 2, "draft")
    assert v1.schema() == simple_survey()
    assert v2.schema().question("q1") is not None


def test_history_shows_added_removed_and_changed_keys(client, officer):
    survey = make_survey()
    publish(client, survey)
    client.post(f"/surveys/{survey.id}/draft/start")
    draft = versions.draft(survey)
    changed = draft.schema()
    changed.sections[1].questions = [q for q in changed.sections[1].questions if q.key != "age"]
    changed.question("housing").label["uk"] = "Where do you live now?"
    changed.sections[1].questions.append(Question("income", "integer", tri("Income?")))
    versions.save_draft(draft, changed)
    db.session.commit()
    response = client.get(f"/surveys/{survey.id}/history?a=1&b=2")
    assert response.status_code == 200
    page = text(response)
    added = page[page.index('id="added"'):page.index('id="removed"')]
    removed = page[page.index('id="removed"'):page.index('id="changed"')]
    changes = page[page.index('id="changed"'):]
    assert "income" in added and "Income?" in added
    assert "age" in removed and "How old are you?" in removed
    assert "housing" in changes
    assert "Where do you live? (uk)" in changes and "Where do you live now?" in changes
    assert "label" in changes


# --- preview ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,label,next_", [("uk", "Do you agree to take part? (uk)", "Далі"),
                                              ("ru", "Do you agree to take part? (ru)", "Далее"),
                                              ("en", "Do you agree to take part?", "Next")])
def test_preview_renders_in_each_language(client, officer, lang, label, next_):
    survey = make_survey()
    response = client.get(f"/surveys/{survey.id}/versions/1/preview?lang={lang}&page=1")
    assert response.status_code == 200
    page = text(response)
    assert label in page and f">{next_}<" in page
    assert f'lang="{lang}"' in page
    from surveys.rendering import UI
    assert UI[lang]["preview"] in page and UI[lang]["yes"] in page


def _state(page: str) -> str:
    return re.search(r'name="preview-state" value="([^"]*)"', page).group(1)


def test_preview_relevance_hides_a_question_after_next(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/versions/1/preview?lang=en"
    page = text(client.get(url + "&page=1"))
    response = client.post(url + "&page=1", data={"action": "next", "consent": "yes",
                                                  "preview-state": _state(page)})
    page = text(response)
    assert "How old are you?" in page and "Where, then?" not in page
    # Answering "other" reveals the follow-up on the same page ...
    response = client.post(url + "&page=2", data={"action": "next", "age": "30",
                                                  "housing": "other",
                                                  "preview-state": _state(page)})
    page = text(response)
    assert "Where, then?" in page and "New questions have appeared" in page
    # ... changing the answer hides it again after Next, and its answer is dropped.
    response = client.post(url + "&page=2", data={"action": "next", "age": "30",
                                                  "housing": "own", "housing_other": "a tent",
                                                  "preview-state": _state(page)})
    page = text(response)
    assert "Thank you!" in page
    assert "housing_other" not in page and "a tent" not in page
    assert "<code>age</code></dt><dd>30</dd>" in page


def test_preview_skips_a_page_that_is_not_relevant_and_goes_back(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/versions/1/preview?lang=en"
    page = text(client.post(url + "&page=1", data={"action": "next", "consent": "no"}))
    assert "Thank you!" in page and "How old are you?" not in page
    page = text(client.post(url + "&page=3", data={"action": "back",
                                                  "preview-state": _state(page)}))
    assert "Do you agree to take part?" in page
    assert 'checked id="q-consent-1"' in page  # the answer (no) came back with the page


def test_preview_messages_are_in_the_respondents_language(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/versions/1/preview?lang=uk&page=1"
    response = client.post(url, data={"action": "next"})
    assert response.status_code == 422
    page = text(response)
    assert "Це запитання потребує відповіді." in page
    assert 'href="#q-consent-0"' in page  # the error summary links to the field
    response = client.post(url.replace("page=1", "page=2"), data={
        "action": "next", "age": "abc", "preview-state": _state(text(client.post(
            url, data={"action": "next", "consent": "yes"})))})
    assert "Введіть ціле число." in text(response)


def test_preview_language_switch_keeps_the_answers(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/versions/1/preview"
    page = text(client.post(url + "?lang=en&page=1", data={"action": "next", "consent": "yes"}))
    page = text(client.post(url + "?lang=ru&page=2", data={"action": "stay", "age": "",
                                                          "preview-state": _state(page)}))
    assert "How old are you? (ru)" in page
    page = text(client.post(url + "?lang=ru&page=2", data={"action": "back",
                                                          "preview-state": _state(page)}))
    assert 'checked id="q-consent-0"' in page


def test_preview_ignores_a_tampered_state(client, officer):
    survey = make_survey()
    url = f"/surveys/{survey.id}/versions/1/preview?lang=en&page=2"
    response = client.post(url, data={"action": "stay", "preview-state": "forged.token"})
    assert response.status_code == 200


def test_preview_of_every_library_instrument_page(client, officer):
    for instrument in INSTRUMENTS:
        survey = versions.create_survey(load_instrument(instrument), instrument=instrument)
        db.session.commit()
        for lang in LANGUAGES:
            for page in range(1, len(load_instrument(instrument).sections) + 2):
                response = client.get(f"/surveys/{survey.id}/versions/1/preview"
                                      f"?lang={lang}&page={page}")
                assert response.status_code == 200, (instrument, lang, page)


# --- access -----------------------------------------------------------------------------------

def _designer_urls(app, survey_id: int, number: int = 1) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("designer."):
            continue
        values = {arg: "about" for arg in rule.arguments}
        values.update({k: v for k, v in {"survey_id": survey_id, "number": number,
                                         "name": "housing"}.items() if k in rule.arguments})
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


def test_evaluators_are_refused_everywhere_under_surveys(app, client, login):
    survey = make_survey()
    login("evaluator")
    urls = _designer_urls(app, survey.id)
    assert len(urls) > 20
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, (method, url)
    assert current(survey) == simple_survey()


def test_missing_surveys_sections_and_questions_are_not_found(client, officer):
    survey = make_survey()
    base = f"/surveys/{survey.id}"
    for url in ("/surveys/999", f"{base}/draft/sections/nope", f"{base}/draft/questions/nope",
                f"{base}/draft/lists/nope", f"{base}/versions/7/preview",
                f"{base}/draft/questions/nope/delete"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/draft/questions/nope/move", f"{base}/draft/sections/nope/questions"):
        assert client.post(url, data={"direction": "up", "type": "text"}).status_code == 404, url


def test_matrix_item_in_problem_links_to_its_question(client, officer):
    definition = simple_survey()
    definition.sections[1].questions.append(Question(
        "grid", "matrix", tri("Grid"), choices="housing",
        items=[MatrixItem("age", tri("Row"))]))
    survey = make_survey(definition)
    page = text(client.get(f"/surveys/{survey.id}/draft"))
    assert "The key &#39;age&#39; is used 2 times" in page


# --- the pure edits, without the web ----------------------------------------------------------

def test_rewrite_references_leaves_string_literals_alone():
    text = "${a} = '${a}' and selected(${ab}, 'a')"
    assert editing.rewrite_references(text, {"a": "b"}) == "${b} = '${a}' and selected(${ab}, 'a')"
    # A text that does not parse (a draft in progress) is still reached.
    assert editing.rewrite_references("${a} = (", {"a": "b"}) == "${b} = ("


def test_next_key_and_key_checks():
    assert editing.next_key({"q1", "q2", "q4"}) == "q3"
    with pytest.raises(editing.EditError, match="not a valid"):
        editing.check_key("2x", set())
    with pytest.raises(editing.EditError, match="reserved"):
        editing.check_key("csrf_token", set())
    with pytest.raises(editing.EditError, match="already used"):
        editing.check_key("age", {"age"})


def test_add_question_gives_matrix_a_first_row_and_a_fresh_key():
    survey = simple_survey()
    q = editing.add_question(survey, "about", "matrix")
    assert q.key == "q1" and [i.key for i in q.items] == ["q1_1"]
    with pytest.raises(editing.NotInSurvey):
        editing.add_question(survey, "nope", "text")


def test_update_question_reports_every_problem_at_once():
    survey = simple_survey()
    edit = editing.QuestionEdit(key="consent", type=QuestionType.integer, relevant="${nope} = 1",
                                constraint="${age} >", minimum=5, maximum=1)
    with pytest.raises(editing.EditError) as caught:
        editing.update_question(survey, "age", edit)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"key", "relevant", "constraint", "minimum"}
    relevant = next(p for p in caught.value.problems if p.field == "relevant")
    assert relevant.position == 2 and relevant.expression == "${nope} = 1"
    assert survey == simple_survey()  # nothing changed


def test_renaming_a_matrix_row_rewrites_references_and_scores():
    survey = simple_survey()
    survey.sections[1].questions.append(Question(
        "grid", "matrix", tri("Grid"), choices="housing", items=[MatrixItem("g1", tri("Row"))]))
    survey.sections[1].questions.append(Question("why", "text", tri("Why?"),
                                                 relevant="${g1} = 'other'"))
    edit = editing.QuestionEdit(key="grid", type=QuestionType.matrix, label=tri("Grid"),
                                choices="housing",
                                rows=[editing.RowEdit("g_first", tri("Row"), original="g1")])
    editing.update_question(survey, "grid", edit)
    assert survey.question("why").relevant == "${g_first} = 'other'"
    # Removing the row now would leave "why" dangling: refused.
    edit.rows = []
    with pytest.raises(editing.EditError, match="used by question 'why', relevant"):
        editing.update_question(survey, "grid", edit)


def test_translations_slots_cover_every_text_and_apply_by_path():
    survey = simple_survey()
    paths = [slot.path for slot in editing.text_slots(survey)]
    assert paths[:3] == ["title", "description", "section.start.title"]
    assert "q.age.constraint_message" in paths and "list.housing.2" in paths
    changed = editing.apply_texts(survey, {"q.age.label": {"ru": "Возраст?\r\nПолных лет",
                                                           "en": ""}})
    assert changed == 2
    assert survey.question("age").label == {"uk": "How old are you? (uk)",
                                            "ru": "Возраст?\nПолных лет"}
    with pytest.raises(editing.EditError, match="not in the survey"):
        editing.apply_texts(survey, {"q.gone.label": {"en": "x"}})


def test_every_post_form_carries_a_csrf_token(database_url, _schema):
    """With CSRF on (as in production) every form of the designer sends a token, and a POST
    without one is refused."""
    from tests.conftest import TEST_PASSWORD, _empty_tables, make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        try:
            from monitor.accounts import create_user

            user = create_user("csrf-officer@example.org", "officer", TEST_PASSWORD)
            survey = make_survey()
            db.session.commit()
            client = app.test_client()
            login_page = text(client.get("/login"))
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
            client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                        "csrf_token": token})
            base = f"/surveys/{survey.id}"
            pages = ["/surveys/new", base, f"{base}/draft", f"{base}/draft/questions/housing",
                     f"{base}/draft/sections/about", f"{base}/draft/lists",
                     f"{base}/draft/lists/housing", f"{base}/draft/translations",
                     f"{base}/draft/questions/age/delete", f"{base}/versions/1/preview?lang=uk",
                     f"{base}/draft/publish"]
            forms_seen = 0
            for url in pages:
                page = text(client.get(url))
                for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S):
                    forms_seen += 1
                    assert 'name="csrf_token"' in form, (url, form[:200])
            assert forms_seen > 20
            assert client.post(f"{base}/draft/sections").status_code == 400
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()
