"""Small survey definitions for tests."""

from __future__ import annotations

from surveys.schema import Choice, ChoiceList, Question, Section, Survey


def tri(en: str, uk: str | None = None, ru: str | None = None) -> dict[str, str]:
    return {"en": en, "uk": uk or f"{en} (uk)", "ru": ru or f"{en} (ru)"}


def simple_survey(**overrides) -> Survey:
    """Two pages: consent, then an age and a conditional follow-up."""
    survey = Survey(
        title=tri("Follow-up"),
        audience="person",
        sections=[
            Section("start", tri("Start"), questions=[
                Question("consent", "yes_no", tri("Do you agree to take part?"), required=True),
            ]),
            Section("about", tri("About you"), relevant="${consent} = 'yes'", questions=[
                Question("age", "integer", tri("How old are you?"), minimum=14, maximum=99,
                         constraint=". >= 14", constraint_message=tri("At least 14.")),
                Question("housing", "select_one", tri("Where do you live?"), choices="housing"),
                Question("housing_other", "text", tri("Where, then?"),
                         relevant="${housing} = 'other'"),
            ]),
        ],
        choice_lists={"housing": ChoiceList("housing", [
            Choice("own", tri("Own or rented home")), Choice("shelter", tri("Shelter")),
            Choice("other", tri("Other"))])},
    )
    for key, value in overrides.items():
        setattr(survey, key, value)
    return survey
