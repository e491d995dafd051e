"""Survey versions: drafts change, published versions never do (service, ORM and database)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from monitor.extensions import db
from surveys import versions
from surveys.models import PublishedVersionImmutable, SurveyVersion
from surveys.schema import Question, Score
from surveys.validation import SurveyInvalid, validate
from tests.surveys.factories import simple_survey, tri


def test_publish_then_edit_starts_a_new_draft_copied_from_it(app):
    survey = versions.create_survey(simple_survey())
    first = versions.draft(survey)
    versions.publish(first)
    db.session.commit()
    assert first.is_published and first.published_at is not None
    assert versions.draft(survey) is None

    second = versions.start_draft(survey)
    assert second.number == 2 and second.based_on_id == first.id
    assert second.definition == first.definition
    assert versions.start_draft(survey) is second  # one draft at a time

    changed = second.schema()
    changed.sections[1].questions.append(Question("income", "integer", tri("Income?")))
    versions.save_draft(second, changed)
    db.session.commit()
    assert first.schema() == simple_survey()  # the published one is untouched


def test_published_version_cannot_be_changed_through_the_service(app):
    survey = versions.create_survey(simple_survey())
    version = versions.draft(survey)
    versions.publish(version)
    db.session.commit()
    with pytest.raises(PublishedVersionImmutable):
        versions.save_draft(version, simple_survey(title=tri("Changed")))
    with pytest.raises(PublishedVersionImmutable):
        versions.publish(version)


def test_published_version_cannot_be_changed_through_the_orm_session(app):
    survey = versions.create_survey(simple_survey())
    version = versions.draft(survey)
    versions.publish(version)
    db.session.commit()
    version.definition = {"title": {"en": "tampered"}}
    with pytest.raises(PublishedVersionImmutable):
        db.session.flush()
    db.session.rollback()
    version.status = "draft"  # un-publishing is a change too
    with pytest.raises(PublishedVersionImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(version)
    with pytest.raises(PublishedVersionImmutable):
        db.session.flush()
    db.session.rollback()


def test_published_version_is_guarded_by_the_database_itself(app):
    survey = versions.create_survey(simple_survey())
    version = versions.draft(survey)
    versions.publish(version)
    db.session.commit()
    # Core statements bypass the ORM events: only the database's trigger stands in the way.
    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(update(SurveyVersion).where(SurveyVersion.id == version.id)
                           .values(definition={"title": {"en": "tampered"}}))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(text("UPDATE survey_version SET status = 'draft'"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(delete(SurveyVersion))
    db.session.rollback()
    stored = db.session.scalar(select(SurveyVersion.definition).where(SurveyVersion.id == version.id))
    assert stored == simple_survey().to_dict()


def test_drafts_can_still_be_changed_directly(app):
    survey = versions.create_survey(simple_survey())
    db.session.execute(update(SurveyVersion).values(definition=simple_survey(
        title=tri("Renamed")).to_dict()))
    db.session.commit()
    assert versions.draft(survey).schema().title["en"] == "Renamed"


def test_publishing_checks_the_whole_survey(app):
    broken = simple_survey()
    broken.sections[1].questions[0].relevant = "${agee} > 3"
    broken.sections[1].questions.append(Question("age", "text", tri("Again?")))
    broken.sections[0].questions[0].label = {"en": "Only English"}
    survey = versions.create_survey(broken)
    with pytest.raises(SurveyInvalid) as caught:
        versions.publish(versions.draft(survey))
    messages = " | ".join(str(p) for p in caught.value.problems)
    assert "agee" in messages and "used 2 times" in messages and "No text in uk, ru" in messages
    assert not versions.draft(survey).is_published


def test_missing_translations_are_warnings_when_fallback_is_allowed(app):
    survey_def = simple_survey(allow_fallback=True)
    survey_def.sections[0].questions[0].label = {"en": "Only English"}
    survey = versions.create_survey(survey_def)
    warnings = versions.publish(versions.draft(survey))
    assert [w.severity for w in warnings] == ["warning"]


def test_diff_names_added_removed_and_changed_keys():
    old = simple_survey()
    new = simple_survey()
    new.sections[1].questions.pop()  # housing_other removed
    new.sections[1].questions[0].maximum = 120  # age changed
    new.choice_lists["housing"].choices.pop()  # housing's options changed
    new.sections[1].questions.append(Question("income", "integer", tri("Income?")))
    result = versions.diff(old, new)
    assert result.added == ["income"]
    assert result.removed == ["housing_other"]
    assert result.changed == ["age", "housing"]
    assert versions.diff(old, simple_survey()).empty


@pytest.mark.parametrize("where, path", [
    (lambda d: d["sections"][1]["questions"][0].update(minimum=float("nan")),
     "sections[1].questions[0].minimum"),
    (lambda d: d["sections"][1]["questions"][0].update(maximum=float("inf")),
     "sections[1].questions[0].maximum"),
    (lambda d: d["choice_lists"]["housing"]["choices"][0].update(score=float("-inf")),
     "choice_lists.housing.choices[0].score"),
])
def test_publishing_refuses_a_definition_that_is_not_strict_json(app, where, path):
    """JSON has no NaN or Infinity: a definition holding one is refused with a message that
    says where, and stays a draft (on PostgreSQL it could not even be stored)."""
    survey = versions.create_survey(simple_survey())
    db.session.commit()
    version = versions.draft(survey)
    definition = copy.deepcopy(version.definition)
    where(definition)
    version.definition = definition  # as a draft written before NaN was refused holds it
    with pytest.raises(SurveyInvalid) as caught:
        versions.publish(version)
    messages = [str(p) for p in caught.value.problems]
    assert (f"stored definition: The definition is not valid JSON: it holds NaN or Infinity "
            f"(at {path}). Enter a number there and publish again.") in messages
    assert any("is not a finite number" in m for m in messages)  # and where, for the designer
    assert version.status == "draft"
    db.session.rollback()


def test_strict_json_check_names_the_first_bad_number():
    assert versions.json_problems(simple_survey().to_dict()) == []
    assert versions.json_problems({"a": [1, {"b": float("nan")}]})[0].message.endswith(
        "(at a[1].b). Enter a number there and publish again.")
    assert "not valid JSON" in versions.json_problems({"a": {1, 2}})[0].message


def test_validation_names_every_number_that_is_not_finite():
    definition = simple_survey()
    definition.question("age").minimum = float("nan")
    definition.question("age").maximum = float("inf")
    definition.choice_lists["housing"].choices[1].score = float("-inf")
    definition.scores = [Score("s", tri("S"), ["age"], multiplier=float("nan"),
                               offset=float("inf"))]
    found = [(p.where, p.message, p.key) for p in validate(definition)
             if "finite" in p.message]
    assert found == [
        ("question 'age'", "The minimum nan is not a finite number.", "age"),
        ("question 'age'", "The maximum inf is not a finite number.", "age"),
        ("choice list 'housing', option 'shelter'", "The score -inf is not a finite number.",
         None),
        ("score 's'", "The multiplier nan is not a finite number.", None),
        ("score 's'", "The offset inf is not a finite number.", None),
    ]
