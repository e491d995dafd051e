"""The instrument library: every instrument loads, round-trips, is complete in every language,
has well-formed keys, choices, expressions and scores, and keeps its scoring rules right."""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from typing import Any

import pytest

from surveys.library import (
    INSTRUMENTS,
    InstrumentInfo,
    UnknownInstrument,
    instruments_for,
    load_instrument,
)
from surveys.schema import (
    KEY_PATTERN,
    LANGUAGES,
    RESERVED_KEYS,
    WITH_CHOICES,
    Audience,
    QuestionType,
    ScoreMethod,
    Survey,
)

IDS = list(INSTRUMENTS)
TEXT_FIELDS = ("title", "description", "label", "hint", "constraint_message")


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


expressions = _optional_module("surveys.expressions")
validation = _optional_module("surveys.validation")

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def references(expression: str) -> set[str]:
    """The keys ``expression`` refers to, with the project's parser when there is one."""
    if expressions is not None and hasattr(expressions, "references") \
            and hasattr(expressions, "parse"):
        return set(expressions.references(expressions.parse(expression)))
    return set(_REFERENCE.findall(expression))


@pytest.fixture(params=IDS)
def survey(request) -> Survey:
    return load_instrument(request.param)


# --- the catalogue -------------------------------------------------------------------------

def test_catalogue_lists_the_three_instruments():
    assert IDS == ["person_followup", "provider_followup", "quality_checklist"]
    assert {i: info.audience for i, info in INSTRUMENTS.items()} == {
        "person_followup": Audience.person,
        "provider_followup": Audience.provider,
        "quality_checklist": Audience.officer,
    }
    assert [info.id for info in instruments_for("provider")] == ["provider_followup"]


@pytest.mark.parametrize("instrument_id", IDS)
def test_info_matches_the_instrument_and_is_complete(instrument_id):
    info = INSTRUMENTS[instrument_id]
    assert isinstance(info, InstrumentInfo) and info.id == instrument_id
    loaded = load_instrument(instrument_id)
    assert info.title == loaded.title
    assert info.audience == loaded.audience
    for text in (info.title, info.description):
        assert set(text) == set(LANGUAGES)
        assert all(value.strip() for value in text.values())
    json.dumps([info.title, info.description])  # plain data, ready for a template or JSON


def test_each_load_is_a_fresh_copy():
    first = load_instrument("person_followup")
    first.sections.clear()
    first.title["en"] = "changed"
    second = load_instrument("person_followup")
    assert second.sections and second.title["en"] != "changed"
    assert INSTRUMENTS["person_followup"].title["en"] != "changed"


def test_unknown_instrument_is_refused():
    with pytest.raises(UnknownInstrument):
        load_instrument("no_such_instrument")
    with pytest.raises(KeyError):
        load_instrument("")


# --- every instrument ----------------------------------------------------------------------

def test_round_trips_through_dict_and_json(survey):
    data = survey.to_dict()
    again = Survey.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert again == survey
    assert again.to_dict() == data


def _texts(node: Any, path: str = "survey"):
    """Every per-language text in a ``to_dict`` document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key in TEXT_FIELDS and isinstance(value, dict):
                yield where, value
            else:
                yield from _texts(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("key") or value.get("value") or value.get("name") or i \
                if isinstance(value, dict) else i
            yield from _texts(value, f"{path}[{label}]")


def test_every_text_is_in_every_language(survey):
    found = list(_texts(survey.to_dict()))
    assert len(found) > 20
    for where, text in found:
        if not text:  # an optional text left out everywhere (e.g. no hint)
            assert where.endswith((".hint", ".constraint_message")), where
            continue
        assert set(text) == set(LANGUAGES), where
        for lang in LANGUAGES:
            assert isinstance(text[lang], str) and text[lang].strip(), f"{where} [{lang}]"
            assert text[lang] == text[lang].strip(), f"{where} [{lang}] has stray spaces"


def test_required_texts_are_present(survey):
    def full(text):
        return set(text) == set(LANGUAGES) and all(text[lang].strip() for lang in LANGUAGES)

    assert full(survey.title) and full(survey.description)
    for section in survey.sections:
        assert full(section.title), section.key
    for q in survey.questions():
        assert full(q.label), q.key  # calculated values too: the codebook shows them
        if q.constraint:
            assert full(q.constraint_message), q.key
        for item in q.items:
            assert full(item.label), item.key
    for choice_list in survey.choice_lists.values():
        for c in choice_list.choices:
            assert full(c.label), f"{choice_list.name}.{c.value}"
    for score in survey.scores:
        assert full(score.label), score.key


def test_languages_are_not_copies_of_each_other(survey):
    """A text left untranslated usually equals the English one."""
    labels = [q.label for q in survey.questions() if q.type != QuestionType.note]
    assert all(label["uk"] != label["en"] and label["ru"] != label["en"] for label in labels)
    assert all(label["uk"] != label["ru"] for label in labels)
    cyrillic = re.compile("[\u0400-\u04ff]")
    for _, text in _texts(survey.to_dict()):
        if text:
            assert cyrillic.search(text["uk"]) or not re.search("[A-Za-z]{4}", text["uk"]), text
            assert cyrillic.search(text["ru"]) or not re.search("[A-Za-z]{4}", text["ru"]), text


def test_keys_are_unique_and_valid(survey):
    keys = [q.key for q in survey.questions()]
    keys += [item.key for q in survey.questions() for item in q.items]
    keys += [score.key for score in survey.scores]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    sections = [s.key for s in survey.sections]
    assert len(set(sections)) == len(sections)
    for key in keys + sections:
        assert KEY_PATTERN.match(key), key
        assert key not in RESERVED_KEYS, key
        assert key == key.lower(), key


def test_choice_lists_exist_are_used_and_well_formed(survey):
    used = set()
    for q in survey.questions():
        if q.type in WITH_CHOICES:
            assert q.choices in survey.choice_lists, q.key
            used.add(q.choices)
        else:
            assert q.choices is None, q.key
    assert used == set(survey.choice_lists)
    for name, choice_list in survey.choice_lists.items():
        assert choice_list.name == name
        values = choice_list.values()
        assert values and len(set(values)) == len(values), name
        assert all(re.fullmatch(r"[a-z0-9_]+", v) for v in values), name


def test_likert_and_matrix_lists_are_scored(survey):
    for q in survey.questions():
        if q.type in (QuestionType.likert, QuestionType.matrix):
            choices = survey.choice_lists[q.choices].choices
            scored = [c for c in choices if c.score is not None]
            assert len(scored) >= 3, q.key
            # Unscored options are only the opt-outs, never a point of the scale.
            assert {c.value for c in choices if c.score is None} <= {
                "prefer_not", "not_applicable", "dont_know"}, q.key


def test_scores_reference_scored_items(survey):
    by_key = {k: q for q in survey.questions() for k in q.answer_keys()}
    for score in survey.scores:
        assert score.items and len(set(score.items)) == len(score.items), score.key
        for item in score.items:
            q = by_key.get(item)
            assert q is not None, f"{score.key}: {item}"
            assert q.type in (QuestionType.likert, QuestionType.matrix,
                              QuestionType.select_one), f"{score.key}: {item}"
            assert survey.choice_lists[q.choices].score_range() is not None, item
        if score.min_items is not None:
            assert 1 <= score.min_items <= len(score.items), score.key


def test_expressions_reference_only_earlier_questions(survey):
    seen: set[str] = set()
    for section in survey.sections:
        if section.relevant:
            assert references(section.relevant) <= seen, section.key
            assert references(section.relevant), section.key
        for q in section.questions:
            for kind in ("relevant", "calculation", "constraint"):
                expression = getattr(q, kind)
                if expression:
                    refs = references(expression)
                    assert refs <= seen, f"{q.key} {kind}: {refs - seen}"
                    if expressions is not None and hasattr(expressions, "check"):
                        expressions.check(expression, seen,
                                          allow_current=kind == "constraint", where=q.key)
            seen.update(q.answer_keys())


def test_sensitive_questions_are_optional(survey):
    for q in survey.questions():
        choices = survey.choice_lists.get(q.choices) if q.choices else None
        if choices is not None and "prefer_not" in choices.values():
            assert not q.required, q.key
        if q.type in (QuestionType.text, QuestionType.long_text):
            assert not q.required, q.key
        if q.type == QuestionType.note:
            assert not q.required, q.key


def test_is_valid_for_the_validator(survey):
    if validation is None:
        pytest.skip("surveys.validation cannot be imported yet")
    problems = validation.validate(survey)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert [str(p) for p in problems] == []


# --- person follow-up ----------------------------------------------------------------------

@pytest.fixture
def person() -> Survey:
    return load_instrument("person_followup")


def test_person_consent_gates_every_later_page(person):
    first = person.sections[0]
    consent = next(q for q in first.questions if q.type == QuestionType.yes_no)
    assert consent.required and consent.key == "consent_given"
    assert first.questions[0].type == QuestionType.note
    intro = first.questions[0].label["en"]
    for phrase in ("choice", "confidential", "skip", "stop", "527", "0 800 500 335", "116 123"):
        assert phrase in intro
    assert first.relevant is None
    for section in person.sections[1:]:
        assert section.relevant and section.relevant.startswith("${consent_given} = 'yes'"), \
            section.key


def test_who5_scoring_metadata(person):
    matrix = person.question("who5")
    assert matrix.type == QuestionType.matrix
    assert [item.key for item in matrix.items] == [f"who5_{i}" for i in range(1, 6)]
    assert not any(item.reverse for item in matrix.items)
    assert [item.label["en"] for item in matrix.items] == [
        "I have felt cheerful and in good spirits",
        "I have felt calm and relaxed",
        "I have felt active and vigorous",
        "I woke up feeling fresh and rested",
        "My daily life has been filled with things that interest me",
    ]
    scale = person.choice_lists[matrix.choices]
    assert [c.score for c in scale.choices] == [5, 4, 3, 2, 1, 0]
    assert scale.choices[0].label["en"] == "All of the time"
    assert scale.choices[-1].label["en"] == "At no time"
    (score,) = [s for s in person.scores if s.key == "who5_score"]
    assert score.items == [f"who5_{i}" for i in range(1, 6)]
    assert score.method == ScoreMethod.sum and score.multiplier == 4 and score.offset == 0
    assert score.min_items == 5
    assert (0 * 5 * score.multiplier, 5 * 5 * score.multiplier) == (0, 100)


def test_housing_stable_is_an_if_calculation(person):
    calc = person.question("housing_stable")
    assert calc.type == QuestionType.calculate
    assert calc.calculation.startswith("if(")
    assert references(calc.calculation) == {"housing_situation", "moves_3m"}
    assert "'own_rented'" in calc.calculation and "'family_friends'" in calc.calculation
    assert "<= 1" in calc.calculation
    moves = person.question("moves_3m")
    assert (moves.minimum, moves.maximum) == (0, 50)


@pytest.mark.parametrize(("answers", "expected"), [
    ({"housing_situation": "own_rented", "moves_3m": 0}, 1),
    ({"housing_situation": "family_friends", "moves_3m": 1}, 1),
    ({"housing_situation": "family_friends", "moves_3m": 2}, 0),
    ({"housing_situation": "shelter", "moves_3m": 0}, 0),
    ({"housing_situation": "homeless"}, 0),
    ({"housing_situation": "own_rented"}, ""),  # moves unknown: cannot tell
    ({"moves_3m": 0}, ""),
    ({}, ""),
])
def test_housing_stable_values(person, answers, expected):
    if expressions is None or not hasattr(expressions, "evaluate"):
        pytest.skip("surveys.expressions has no evaluator yet")
    assert expressions.evaluate(person.question("housing_stable").calculation,
                                answers) == expected


def test_constraints_and_relevance_behave(person):
    if expressions is None or not hasattr(expressions, "evaluate_bool"):
        pytest.skip("surveys.expressions has no evaluator yet")
    ok = expressions.evaluate_bool
    none_alone = person.question("services_received").constraint
    assert ok(none_alone, {}, ["none"]) and ok(none_alone, {}, ["shelter", "medical"])
    assert not ok(none_alone, {}, ["none", "shelter"])
    gate = next(s for s in person.sections if s.key == "satisfaction").relevant
    assert ok(gate, {"consent_given": "yes", "services_received": ["shelter"]})
    assert not ok(gate, {"consent_given": "yes", "services_received": ["none"]})
    assert not ok(gate, {"consent_given": "no"})
    assert ok(person.question("hours_week").relevant, {"employment_status": "employed_part"})
    assert not ok(person.question("hours_week").relevant, {"employment_status": "looking"})
    provider = load_instrument("provider_followup")
    referred = provider.question("referred").constraint
    assert ok(referred, {"identified": 3}, 3) and not ok(referred, {"identified": 3}, 4)
    survivors = provider.question("caseload_survivors").constraint
    assert ok(survivors, {"caseload": 10}, 0) and not ok(survivors, {"caseload": 10}, 11)


def test_person_relevance_rules(person):
    assert "employment_status" in person.question("hours_week").relevant
    assert person.question("contact_type").type == QuestionType.select_multiple
    assert person.question("contact_type").relevant == "${exploiter_contact} = 'yes'"
    assert person.question("threatened").relevant == "${exploiter_contact} = 'yes'"
    for key in ("services_received_other", "services_needed_other"):
        assert person.question(key).relevant.startswith("selected(")
    assert person.question("exploiter_contact").choices == "yes_no_prefer_not"
    assert person.question("comments").type == QuestionType.long_text


def test_person_hotlines_are_given_in_the_safety_page(person):
    notes = [q for q in person.sections[person.sections.index(person.section_of("feel_safe"))]
             .questions if q.type == QuestionType.note]
    assert notes
    for lang in LANGUAGES:
        text = notes[0].label[lang]
        assert "527" in text and "0 800 500 335" in text and "116 123" in text


def test_services_follow_the_registry_vocabulary(person):
    from monitor.models.registry import SERVICES

    values = person.choice_lists["services"].values()
    assert [v for v in values if v != "none"] == list(SERVICES)
    assert person.question("services_received").choices == "services"
    assert person.question("services_needed").choices == "services"


def test_satisfaction_scale_and_reverse_item(person):
    matrix = person.question("satisfaction")
    assert [c.score for c in person.choice_lists[matrix.choices].choices] == [1, 2, 3, 4, 5]
    reversed_items = [item.key for item in matrix.items if item.reverse]
    assert reversed_items == ["sat_pressured"]
    (score,) = [s for s in person.scores if s.key == "satisfaction_score"]
    assert score.method == ScoreMethod.mean and score.min_items == 3
    assert score.items == [item.key for item in matrix.items]


# --- provider follow-up --------------------------------------------------------------------

@pytest.fixture
def provider() -> Survey:
    return load_instrument("provider_followup")


def test_knowledge_check_has_one_correct_answer_each(provider):
    (score,) = [s for s in provider.scores if s.key == "knowledge_score"]
    assert 5 <= len(score.items) <= 6 and score.method == ScoreMethod.sum
    positions = set()
    for key in score.items:
        q = provider.question(key)
        assert q.type == QuestionType.select_one
        choices = provider.choice_lists[q.choices].choices
        assert sorted(c.score for c in choices) == [0] * (len(choices) - 1) + [1], key
        assert "dont_know" in [c.value for c in choices]
        positions.add([c.score for c in choices].index(1))
    assert len(positions) > 1  # the right answer is not always in the same place
    (pct,) = [s for s in provider.scores if s.key == "knowledge_pct"]
    assert pct.items == score.items
    assert pct.multiplier * len(pct.items) == pytest.approx(100)


def test_training_reaction_and_modules(provider):
    from monitor.models.registry import MODULES

    matrix = provider.question("reaction")
    (score,) = [s for s in provider.scores if s.key == "training_reaction"]
    assert score.items == [item.key for item in matrix.items] and len(score.items) == 4
    assert score.method == ScoreMethod.mean
    assert [c.score for c in provider.choice_lists[matrix.choices].choices] == [1, 2, 3, 4, 5]
    assert provider.section_of("reaction").relevant.endswith("${trained} = 'yes'")
    values = provider.choice_lists["modules"].values()
    assert [v for v in values if v != "other"] == list(MODULES)
    count = provider.question("trainings_count")
    assert count.minimum is not None and count.maximum is not None


def test_counts_cannot_exceed_their_totals(provider):
    referred = provider.question("referred")
    assert referred.constraint == ". <= ${identified}"
    assert set(referred.constraint_message) == set(LANGUAGES)
    survivors = provider.question("caseload_survivors")
    assert survivors.constraint == ". <= ${caseload}"
    caseload = provider.question("caseload")
    assert (caseload.minimum, caseload.maximum) == (0, 1000)
    assert provider.question("first_action").type == QuestionType.select_one
    assert provider.question("barriers").type == QuestionType.select_multiple


# --- quality checklist ---------------------------------------------------------------------

def test_checklist_pillars_and_scores():
    checklist = load_instrument("quality_checklist")
    scale = checklist.choice_lists["met"]
    assert {c.value: c.score for c in scale.choices} == {
        "yes": 2, "partly": 1, "no": 0, "not_applicable": None}
    matrices = [q for q in checklist.questions() if q.type == QuestionType.matrix]
    assert len(matrices) == 4
    pillar_scores = {s.key: s for s in checklist.scores if s.key != "quality_score"}
    assert len(pillar_scores) == 4
    all_items = []
    for matrix, score in zip(matrices, pillar_scores.values(), strict=True):
        items = [item.key for item in matrix.items]
        assert 4 <= len(items) <= 6
        assert matrix.choices == "met"
        assert score.items == items and score.method == ScoreMethod.mean
        assert score.min_items == 2
        section = checklist.section_of(matrix.key)
        comments = [q for q in section.questions if q.type == QuestionType.long_text]
        assert len(comments) == 1 and not comments[0].required
        all_items += items
    (overall,) = [s for s in checklist.scores if s.key == "quality_score"]
    assert overall.items == all_items and overall.method == ScoreMethod.mean
    assert all(s.multiplier * 2 == 100 for s in checklist.scores)
