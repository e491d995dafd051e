"""Checking a whole survey before it is published (and as the designer edits it).

Errors block publishing; warnings (a text missing in a language that may fall back) do not.
Every problem names where it is, so the designer can link to the question at fault.

Messages are in the language of the page that asks (Flask-Babel; English outside a request).
``Problem.where`` stays the English locator the code reads (``"question 'age', relevant"``:
links, XLSForm row numbers); ``Problem.place`` is the same place for people, translated.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

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

    @property
    def place(self) -> str:
        """``where`` for people, in the page's language."""
        return place_name(self.where)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


#: The parts of a place after the comma (``"question 'age', relevant"``), for people.
_PARTS = {
    "relevant": _l("relevant"),
    "constraint": _l("constraint"),
    "constraint message": _l("constraint message"),
    "calculation": _l("calculation"),
    "label": _l("label"),
    "hint": _l("hint"),
    "title": _l("title"),
}
_PLACE = re.compile(r"^(section|question|choice list|score|key) '(.*?)'(?:, (.*))?$", re.S)
_NAMED_PART = re.compile(r"^(row|option) '(.*)'$", re.S)


def place_name(where: str) -> str:
    """A place in a survey definition as the code names it (``"question 'age', relevant"``,
    ``"choice list 'agree', option 'yes'"``, ``"survey title"``) in the page's language;
    a place it does not know is shown as it is."""
    whole = {"survey": _l("survey"), "survey title": _l("survey title"),
             "stored definition": _l("stored definition")}
    if where in whole:
        return str(whole[where])
    match = _PLACE.match(where)
    if match is None:
        return where
    kind, name, part = match.groups()
    if part is not None and part not in _PARTS and not _NAMED_PART.match(part):
        return where  # e.g. a malformed key that itself holds "', "
    if kind == "section":
        place = _("section '%(key)s'", key=name)
    elif kind == "question":
        place = _("question '%(key)s'", key=name)
    elif kind == "choice list":
        place = _("choice list '%(name)s'", name=name)
    elif kind == "score":
        place = _("score '%(key)s'", key=name)
    else:
        place = _("key '%(key)s'", key=name)
    if part is None:
        return place
    if part in _PARTS:
        return f"{place}, {_PARTS[part]}"
    named = _NAMED_PART.match(part)
    assert named is not None
    if named.group(1) == "row":
        return _("%(place)s, row '%(key)s'", place=place, key=named.group(2))
    return _("%(place)s, option '%(value)s'", place=place, value=named.group(2))


def expression_message(exc: ExpressionError) -> str:
    """An expression's problem for people: its place, what is wrong, the hint."""
    text = f"{place_name(exc.where)}: {exc.message}" if exc.where else exc.message
    return f"{text} ({exc.hint})" if exc.hint else text


class SurveyInvalid(ValueError):
    """Raised when a survey with errors is published or imported; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = len(problems) - 5
        super().__init__("; ".join(str(p) for p in problems[:5]) + (
            " " + ngettext("(and %(num)d more)", "(and %(num)d more)", more) if more > 0 else ""))


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
        out.append(Problem("survey", _("The survey has no sections.")))
    elif not any(q.type != QuestionType.note for q in survey.questions()):
        out.append(Problem("survey", _("The survey asks no questions.")))
    if survey.default_language not in survey.languages:
        out.append(Problem("survey", _("The default language %(language)s is not one of the "
                                       "survey's languages.",
                                       language=repr(survey.default_language))))
    for section in survey.sections:
        if not section.questions:
            out.append(Problem(f"section '{section.key}'", _("The section has no questions.")))
    for q in survey.questions():
        where = f"question '{q.key}'"
        if q.type == QuestionType.calculate and not (q.calculation or "").strip():
            out.append(Problem(where, _("A calculated value needs a calculation."), key=q.key))
        if q.type != QuestionType.calculate and q.calculation:
            out.append(Problem(where, _("Only calculated values have a calculation."),
                               key=q.key))
        if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
            out.append(Problem(where, _("The minimum is larger than the maximum."), key=q.key))
        if q.type == QuestionType.matrix and not q.items:
            out.append(Problem(where, _("A matrix needs at least one row."), key=q.key))
        if q.type == QuestionType.note and q.required:
            out.append(Problem(where, _("A note cannot be required."), key=q.key))
    return out


def _numbers(survey: Survey) -> list[Problem]:
    """Every number of the definition is finite: NaN and Infinity have no place in a range or
    a score, and the stored JSON could not hold them (strict JSON has neither)."""
    out = []

    messages = {"minimum": _l("The minimum %(value)s is not a finite number."),
                "maximum": _l("The maximum %(value)s is not a finite number."),
                "score": _l("The score %(value)s is not a finite number."),
                "multiplier": _l("The multiplier %(value)s is not a finite number."),
                "offset": _l("The offset %(value)s is not a finite number.")}

    def need(value: float | None, where: str, what: str, key: str | None = None) -> None:
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            out.append(Problem(where, str(messages[what]) % {"value": repr(value)}, key=key))

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
            out.append(Problem(f"section '{key}'", ngettext(
                "The section key is used %(num)d time.", "The section key is used %(num)d times.",
                n)))
    all_keys = [q.key for q in survey.questions()] + [
        item.key for q in survey.questions() if q.type == QuestionType.matrix for item in q.items]
    all_keys += [s.key for s in survey.scores]
    for key, n in Counter(all_keys).items():
        if n > 1:
            out.append(Problem(f"question '{key}'", ngettext(
                "The key %(key)s is used %(num)d time; keys must be unique.",
                "The key %(key)s is used %(num)d times; keys must be unique.", n, key=repr(key)),
                key=key))
    for key in set(all_keys) | set(section_keys):
        if not KEY_PATTERN.match(key):
            out.append(Problem(f"key '{key}'", _("A key starts with a letter or _ and holds "
                                                 "only letters, digits and _ (at most 64)."),
                               key=key))
        elif key in RESERVED_KEYS:
            out.append(Problem(f"key '{key}'", _("%(key)s is reserved; choose another key.",
                                                 key=repr(key)), key=key))
    return out


def _choices(survey: Survey) -> list[Problem]:
    out = []
    used = set()
    for q in survey.questions():
        where = f"question '{q.key}'"
        if q.type in WITH_CHOICES:
            if not q.choices:
                out.append(Problem(where, _("Choose the list of options."), key=q.key))
                continue
            choice_list = survey.choice_lists.get(q.choices)
            used.add(q.choices)
            if choice_list is None:
                out.append(Problem(where, _("The choice list %(name)s does not exist.",
                                            name=repr(q.choices)), key=q.key))
            elif q.type in (QuestionType.likert, QuestionType.matrix) and not any(
                    c.score is not None for c in choice_list.choices):
                out.append(Problem(where, _("A Likert scale needs scores on list %(name)s.",
                                            name=repr(q.choices)), key=q.key))
        elif q.choices:
            out.append(Problem(where, _("Only select, Likert and matrix questions have "
                                        "options."), key=q.key))
    for name, choice_list in survey.choice_lists.items():
        where = f"choice list '{name}'"
        if not choice_list.choices:
            out.append(Problem(where, _("The list has no options.")))
        for value, n in Counter(choice_list.values()).items():
            if n > 1:
                out.append(Problem(where, ngettext("The value %(value)s is used %(num)d time.",
                                                   "The value %(value)s is used %(num)d times.",
                                                   n, value=repr(value))))
        for value in choice_list.values():
            # Select-multiple answers are stored space-separated, as ODK does.
            if not value or any(ch.isspace() for ch in value):
                out.append(Problem(where, _("The value %(value)s must be non-empty without "
                                            "spaces.", value=repr(value))))
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
                out.append(Problem(f"{where}, relevant",
                                   _("A question cannot depend on itself."), key=q.key))
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
        out.append(Problem(f"question '{cycle[0]}'", _(
            "The calculations depend on each other in a circle: %(keys)s.",
            keys=" -> ".join(cycle)), key=cycle[0]))
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
        out.append(Problem(where, expression_message(exc), key=key))
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
            out.append(Problem(where, _("A score needs items.")))
        for item in score.items:
            q = by_key.get(item)
            if q is None:
                out.append(Problem(where, _("The item %(item)s is not a question of the survey.",
                                            item=repr(item))))
            elif q.type not in (QuestionType.likert, QuestionType.matrix, QuestionType.select_one,
                                QuestionType.integer, QuestionType.decimal, QuestionType.yes_no,
                                QuestionType.calculate):
                out.append(Problem(where, _("The item %(item)s (%(type)s) has no score.",
                                            item=repr(item), type=q.type)))
        if score.min_items is not None and not 1 <= score.min_items <= len(score.items):
            out.append(Problem(where, _("The minimum number of answered items is out of "
                                        "range.")))
    return out


def _languages(survey: Survey) -> list[Problem]:
    severity: Literal["error", "warning"] = "warning" if survey.allow_fallback else "error"
    out = []

    def need(text: Text, where: str, key: str | None = None, shown: bool = False) -> None:
        """``shown``: the respondent must see some text here (a label, an option)."""
        missing = [lang for lang in survey.languages if not (text.get(lang) or "").strip()]
        if missing == list(survey.languages):
            if shown:  # nothing to fall back to: the respondent would see an empty label
                out.append(Problem(where, _("No text in any language."), "error", key))
        elif missing:
            out.append(Problem(where, _("No text in %(languages)s.",
                                        languages=", ".join(missing)), severity, key))

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
