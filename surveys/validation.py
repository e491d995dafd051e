"""Checking a whole survey before it is published (and as the designer edits it).

Errors block publishing; warnings (a text missing in a language that may fall back) do not.
Every problem names where it is, so the designer can link to the question at fault.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from surveys.expressions import ExpressionError, Options, check, find_cycle, references
from surveys.schema import (
    KEY_PATTERN,
    RESERVED_KEYS,
    WITH_CHOICES,
    YES_NO_VALUES,
    Question,
    QuestionType,
    Survey,
    Text,
)


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "question 'age'", "choice list 'agree'", "survey"
    message: str
    severity: Literal["error", "warning"] = "error"
    key: str | None = None  # the question key, when the problem belongs to a question

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SurveyInvalid(ValueError):
    """Raised when a survey with errors is published or imported; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5])
                         + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def validate(survey: Survey) -> list[Problem]:
    """Every problem of ``survey``, errors first, in form order."""
    found: list[Problem] = []
    found += _structure(survey)
    found += _numbers(survey)
    found += _keys(survey)
    found += _choices(survey)
    found += _expressions(survey)
    found += _scores(survey)
    found += _languages(survey)
    return sorted(found, key=lambda p: p.severity != "error")


def ensure_valid(survey: Survey) -> list[Problem]:
    """Return the warnings of ``survey``. Raises SurveyInvalid when it has errors."""
    problems = validate(survey)
    if errors(problems):
        raise SurveyInvalid(errors(problems))
    return problems


def _structure(survey: Survey) -> list[Problem]:
    out = []
    if not survey.sections:
        out.append(Problem("survey", "The survey has no sections."))
    elif not any(q.type != QuestionType.note for q in survey.questions()):
        out.append(Problem("survey", "The survey asks no questions."))
    if survey.default_language not in survey.languages:
        out.append(Problem("survey", f"The default language {survey.default_language!r} is not "
                                     "one of the survey's languages."))
    for section in survey.sections:
        if not section.questions:
            out.append(Problem(f"section '{section.key}'", "The section has no questions."))
    for q in survey.questions():
        where = f"question '{q.key}'"
        if q.type == QuestionType.calculate and not (q.calculation or "").strip():
            out.append(Problem(where, "A calculated value needs a calculation.", key=q.key))
        if q.type != QuestionType.calculate and q.calculation:
            out.append(Problem(where, "Only calculated values have a calculation.", key=q.key))
        if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
            out.append(Problem(where, "The minimum is larger than the maximum.", key=q.key))
        if q.type == QuestionType.matrix and not q.items:
            out.append(Problem(where, "A matrix needs at least one row.", key=q.key))
        if q.type == QuestionType.note and q.required:
            out.append(Problem(where, "A note cannot be required.", key=q.key))
    return out


def _numbers(survey: Survey) -> list[Problem]:
    """Every number of the definition is finite: NaN and Infinity have no place in a range or
    a score, and the stored JSON could not hold them (strict JSON has neither)."""
    out = []

    def need(value: float | None, where: str, what: str, key: str | None = None) -> None:
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            out.append(Problem(where, f"The {what} {value!r} is not a finite number.", key=key))

    for q in survey.questions():
        need(q.minimum, f"question '{q.key}'", "minimum", q.key)
        need(q.maximum, f"question '{q.key}'", "maximum", q.key)
    for name, choice_list in survey.choice_lists.items():
        for choice in choice_list.choices:
            need(choice.score, f"choice list '{name}', option '{choice.value}'", "score")
    for score in survey.scores:
        need(score.multiplier, f"score '{score.key}'", "multiplier")
        need(score.offset, f"score '{score.key}'", "offset")
    return out


def _keys(survey: Survey) -> list[Problem]:
    out = []
    section_keys = Counter(s.key for s in survey.sections)
    for key, n in section_keys.items():
        if n > 1:
            out.append(Problem(f"section '{key}'", f"The section key is used {n} times."))
    all_keys = [q.key for q in survey.questions()] + [
        item.key for q in survey.questions() if q.type == QuestionType.matrix for item in q.items]
    all_keys += [s.key for s in survey.scores]
    for key, n in Counter(all_keys).items():
        if n > 1:
            out.append(Problem(f"question '{key}'", f"The key {key!r} is used {n} times; keys "
                                                    "must be unique.", key=key))
    for key in set(all_keys) | set(section_keys):
        if not KEY_PATTERN.match(key):
            out.append(Problem(f"key '{key}'", "A key starts with a letter or _ and holds only "
                                               "letters, digits and _ (at most 64).", key=key))
        elif key in RESERVED_KEYS:
            out.append(Problem(f"key '{key}'", f"{key!r} is reserved; choose another key.",
                               key=key))
    return out


def _choices(survey: Survey) -> list[Problem]:
    out = []
    used = set()
    for q in survey.questions():
        where = f"question '{q.key}'"
        if q.type in WITH_CHOICES:
            if not q.choices:
                out.append(Problem(where, "Choose the list of options.", key=q.key))
                continue
            choice_list = survey.choice_lists.get(q.choices)
            used.add(q.choices)
            if choice_list is None:
                out.append(Problem(where, f"The choice list {q.choices!r} does not exist.",
                                   key=q.key))
            elif q.type in (QuestionType.likert, QuestionType.matrix) and not any(
                    c.score is not None for c in choice_list.choices):
                out.append(Problem(where, f"A Likert scale needs scores on list {q.choices!r}.",
                                   key=q.key))
        elif q.choices:
            out.append(Problem(where, "Only select, Likert and matrix questions have options.",
                               key=q.key))
    for name, choice_list in survey.choice_lists.items():
        where = f"choice list '{name}'"
        if not choice_list.choices:
            out.append(Problem(where, "The list has no options."))
        for value, n in Counter(choice_list.values()).items():
            if n > 1:
                out.append(Problem(where, f"The value {value!r} is used {n} times."))
        for value in choice_list.values():
            # Select-multiple answers are stored space-separated, as ODK does.
            if not value or any(ch.isspace() for ch in value):
                out.append(Problem(where, f"The value {value!r} must be non-empty without spaces."))
    return out


def question_options(survey: Survey, question: Question) -> dict[str, Options]:
    """The options of ``question``'s answer keys, as ``answer_options`` gives them."""
    if question.type == QuestionType.yes_no:
        return {question.key: Options(YES_NO_VALUES)}
    choice_list = survey.choice_list(question) if question.type in WITH_CHOICES else None
    if choice_list is None or not choice_list.choices:
        # No list yet, or one still empty: nothing to compare a value with.
        return {}
    options = Options(tuple(choice_list.values()),
                      multiple=question.type == QuestionType.select_multiple)
    return {key: options for key in question.answer_keys()}


def answer_options(survey: Survey) -> dict[str, Options]:
    """Answer key -> the values its answers can take, for the keys whose answers come from a
    closed set (choice lists, matrix rows, yes/no); what expressions are checked against."""
    out: dict[str, Options] = {}
    for q in survey.questions():
        out.update(question_options(survey, q))
    return out


def _expressions(survey: Survey) -> list[Problem]:
    out = []
    keys = set(survey.answer_keys())
    options = answer_options(survey)
    calculations: dict[str, frozenset[str]] = {}
    for section in survey.sections:
        if section.relevant:
            out += _check(section.relevant, keys, False, f"section '{section.key}', relevant",
                          None, options)
    for q in survey.questions():
        where = f"question '{q.key}'"
        if q.relevant:
            tree = _check_tree(q.relevant, keys, False, f"{where}, relevant", q.key, out,
                               options)
            if tree is not None and q.key in references(tree):
                out.append(Problem(f"{where}, relevant", "A question cannot depend on itself.",
                                   key=q.key))
        if q.constraint:
            _check_tree(q.constraint, keys, True, f"{where}, constraint", q.key, out, options)
        if q.calculation:
            tree = _check_tree(q.calculation, keys, False, f"{where}, calculation", q.key, out,
                               options)
            if tree is not None:
                calculations[q.key] = references(tree)
    cycle = find_cycle({k: [d for d in deps if d in calculations] for k, deps in
                        calculations.items()})
    if cycle:
        out.append(Problem(f"question '{cycle[0]}'", "The calculations depend on each other in "
                           "a circle: " + " -> ".join(cycle) + ".", key=cycle[0]))
    return out


def _check(text: str, keys: set[str], allow_current: bool, where: str,
           key: str | None, options: dict[str, Options]) -> list[Problem]:
    out: list[Problem] = []
    _check_tree(text, keys, allow_current, where, key, out, options)
    return out


def _check_tree(text, keys, allow_current, where, key, out, options):
    try:
        return check(text, keys, allow_current=allow_current, where=where, options=options,
                     current=key)
    except ExpressionError as exc:
        out.append(Problem(where, str(exc), key=key))
        return None


def _scores(survey: Survey) -> list[Problem]:
    out = []
    by_key = {}
    for q in survey.questions():
        for k in q.answer_keys():
            by_key[k] = q
    for score in survey.scores:
        where = f"score '{score.key}'"
        if not score.items:
            out.append(Problem(where, "A score needs items."))
        for item in score.items:
            q = by_key.get(item)
            if q is None:
                out.append(Problem(where, f"The item {item!r} is not a question of the survey."))
            elif q.type not in (QuestionType.likert, QuestionType.matrix, QuestionType.select_one,
                                QuestionType.integer, QuestionType.decimal, QuestionType.yes_no,
                                QuestionType.calculate):
                out.append(Problem(where, f"The item {item!r} ({q.type}) has no score."))
        if score.min_items is not None and not 1 <= score.min_items <= len(score.items):
            out.append(Problem(where, "The minimum number of answered items is out of range."))
    return out


def _languages(survey: Survey) -> list[Problem]:
    severity: Literal["error", "warning"] = "warning" if survey.allow_fallback else "error"
    out = []

    def need(text: Text, where: str, key: str | None = None, shown: bool = False) -> None:
        """``shown``: the respondent must see some text here (a label, an option)."""
        missing = [lang for lang in survey.languages if not (text.get(lang) or "").strip()]
        if missing == list(survey.languages):
            if shown:  # nothing to fall back to: the respondent would see an empty label
                out.append(Problem(where, "No text in any language.", "error", key))
        elif missing:
            out.append(Problem(where, "No text in " + ", ".join(missing) + ".", severity, key))

    need(survey.title, "survey title")
    for section in survey.sections:
        need(section.title, f"section '{section.key}', title")
    for q in survey.questions():
        if q.type != QuestionType.calculate:
            need(q.label, f"question '{q.key}', label", q.key,
                 shown=q.type != QuestionType.matrix)
        if q.hint:
            need(q.hint, f"question '{q.key}', hint", q.key)
        if q.constraint and q.constraint_message:
            need(q.constraint_message, f"question '{q.key}', constraint message", q.key)
        for item in q.items:
            need(item.label, f"question '{q.key}', row '{item.key}'", q.key, shown=True)
    for name, choice_list in survey.choice_lists.items():
        for choice in choice_list.choices:
            need(choice.label, f"choice list '{name}', option '{choice.value}'", shown=True)
    return out
