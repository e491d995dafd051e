"""What publishing a draft changes from the last published version (the confirmation page's
list), computed on definitions: questions and pages added, removed and changed, field by field."""

from __future__ import annotations

from surveys.designer.changes import Change, Changes, ItemChanges, compare
from surveys.schema import Choice, ChoiceList, MatrixItem, Question, Score, Section
from tests.surveys.factories import simple_survey, tri


def changes_of(changes: Changes, key: str) -> list[Change]:
    item = next(i for i in changes.questions_changed if i.key == key)
    return list(item.changes)


def test_a_first_publication_says_so_and_lists_nothing():
    changes = compare(None, simple_survey())
    assert changes.first and not changes.empty
    assert changes.questions_added == () and changes.questions_changed == ()


def test_the_same_definition_changes_nothing():
    changes = compare(simple_survey(), simple_survey())
    assert changes.empty and not changes.first


def test_questions_added_and_removed_with_their_label_and_page():
    new = simple_survey()
    new.sections[1].questions = [q for q in new.sections[1].questions if q.key != "age"]
    new.sections[1].questions.append(Question("income", "integer", tri("Income?")))
    changes = compare(simple_survey(), new)
    assert changes.questions_added == (ItemChanges("income", "Income? (uk)", "about"),)
    assert changes.questions_removed == (ItemChanges("age", "How old are you? (uk)", "about"),)
    assert changes.questions_changed == ()


def test_sections_added_removed_and_changed():
    new = simple_survey()
    new.sections[1].title = {**new.sections[1].title, "ru": "О себе"}
    new.sections[1].relevant = None
    new.sections.append(Section("closing", tri("Closing"), questions=[
        Question("thanks", "note", tri("Thank you"))]))
    old = simple_survey()
    old.sections.insert(1, Section("extra", tri("Extra")))
    changes = compare(old, new)
    assert [s.key for s in changes.sections_added] == ["closing"]
    assert [s.key for s in changes.sections_removed] == ["extra"]
    assert changes.sections_changed == (ItemChanges("about", "About you (uk)", None, (
        Change("title (ru)", "About you (ru)", "О себе"),
        Change("shown only if", "${consent} = 'yes'", None))),)
    assert [q.key for q in changes.questions_added] == ["thanks"]


def test_a_question_changes_field_by_field():
    new = simple_survey()
    age = new.question("age")
    age.type = "decimal"
    age.label = {**age.label, "uk": "Скільки вам років?"}
    del age.label["ru"]
    age.required = True
    age.relevant = "${consent} = 'yes'"
    age.constraint = ". >= 16"
    age.maximum = 120
    changes = changes_of(compare(simple_survey(), new), "age")
    assert changes == [
        Change("type", "Whole number", "Decimal number"),
        Change("label (uk)", "How old are you? (uk)", "Скільки вам років?"),
        Change("label (ru)", "How old are you? (ru)", None),
        Change("required", "no", "yes"),
        Change("shown only if", None, "${consent} = 'yes'"),
        Change("accepted only if", ". >= 14", ". >= 16"),
        Change("largest answer", "99", "120"),
    ]


def test_a_question_moved_to_another_page():
    new = simple_survey()
    age = new.question("age")
    new.sections[1].questions.remove(age)
    new.sections[0].questions.append(age)
    assert changes_of(compare(simple_survey(), new), "age") == [Change("page", "about", "start")]


def test_options_added_removed_relabelled_rescored_and_reordered():
    new = simple_survey()
    housing = new.choice_lists["housing"]
    housing.choices = [housing.choices[1], housing.choices[0],
                       Choice("street", tri("On the street"))]  # 'other' removed
    housing.choices[0].label = {**housing.choices[0].label, "en": "A shelter"}
    housing.choices[1].score = 2
    changes = changes_of(compare(simple_survey(), new), "housing")
    assert changes == [
        Change("option 'street'", None, "On the street (uk)"),
        Change("option 'other'", "Other (uk)", None),
        Change("option 'shelter' (en)", "Shelter", "A shelter"),
        Change("option 'own', score", None, "2"),
        Change("order of options", "own, shelter", "shelter, own"),
    ]


def test_a_renamed_list_with_the_same_options_is_only_a_new_list_name():
    new = simple_survey()
    new.choice_lists["home"] = new.choice_lists.pop("housing")
    new.choice_lists["home"].name = "home"
    new.question("housing").choices = "home"
    assert changes_of(compare(simple_survey(), new), "housing") == [
        Change("choice list", "housing", "home")]


def test_a_question_whose_list_is_shared_shows_the_list_change_too():
    old = simple_survey()
    old.sections[1].questions.append(Question("before", "select_one", tri("Before?"),
                                              choices="housing"))
    new = simple_survey()
    new.sections[1].questions.append(Question("before", "select_one", tri("Before?"),
                                              choices="housing"))
    new.choice_lists["housing"].choices.append(Choice("hostel", tri("Hostel")))
    changes = compare(old, new)
    assert [q.key for q in changes.questions_changed] == ["housing", "before"]


def test_matrix_rows_and_settings():
    def survey(rows, **settings):
        definition = simple_survey(**settings)
        definition.choice_lists["agree"] = ChoiceList("agree", [Choice("1", tri("No"), 1),
                                                                Choice("2", tri("Yes"), 2)])
        definition.sections[1].questions.append(Question("grid", "matrix", tri("Grid"),
                                                         choices="agree", items=rows))
        return definition

    old = survey([MatrixItem("g1", tri("One")), MatrixItem("g2", tri("Two"))])
    new = survey([MatrixItem("g1", tri("One"), reverse=True), MatrixItem("g3", tri("Three"))],
                 title=tri("Follow-up 2"), allow_fallback=True)
    new.scores = [Score("total", tri("Total"), ["g1", "g3"], multiplier=2)]
    changes = compare(old, new)
    assert changes_of(changes, "grid") == [
        Change("row 'g3'", None, "Three (uk)"), Change("row 'g2'", "Two (uk)", None),
        Change("row 'g1', reverse-coded", "no", "yes")]
    assert list(changes.settings) == [
        Change("survey title (uk)", "Follow-up (uk)", "Follow-up 2 (uk)"),
        Change("survey title (ru)", "Follow-up (ru)", "Follow-up 2 (ru)"),
        Change("survey title (en)", "Follow-up", "Follow-up 2"),
        Change("fallback to the default language", "no", "yes"),
        Change("score 'total'", None, "sum of g1, g3, x 2")]
