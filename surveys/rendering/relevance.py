"""Relevance on the server: which questions and pages a respondent sees given the answers so far,
with answers of questions that are not relevant dropped and calculations recomputed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.expressions import (
    ExpressionError,
    evaluate,
    evaluate_bool,
    parse_cached,
    references,
    to_string,
)
from surveys.rendering.answers import _empty
from surveys.schema import (
    Question,
    QuestionType,
    Section,
    Survey,
)


def _relevant(expression: str | None, values: Mapping[str, Any]) -> bool:
    """An empty relevance is true; one that does not parse (a draft being edited) shows the
    question rather than hiding it."""
    if not expression:
        return True
    try:
        return evaluate_bool(expression, values)
    except ExpressionError:
        return True


def _calculate(expression: str | None, values: Mapping[str, Any]) -> str | None:
    if not expression:
        return None
    try:
        text = to_string(evaluate(expression, values))
    except ExpressionError:
        return None
    return None if text in ("", "NaN") else text


def settle(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as they stand: those of questions (or sections) that are not relevant now
    are dropped and calculations are recomputed, in form order, until nothing changes."""
    values = {k: v for k, v in answers.items() if not _empty(v)}
    for _ in range(len(survey.sections) + 2):
        before = dict(values)
        for section in survey.sections:
            shown = _relevant(section.relevant, values)
            for question in section.questions:
                if not shown or not _relevant(question.relevant, values):
                    for key in question.answer_keys():
                        values.pop(key, None)
                    continue
                if question.type == QuestionType.calculate:
                    result = _calculate(question.calculation, values)
                    if result is None:
                        values.pop(question.key, None)
                    else:
                        values[question.key] = result
        if values == before:
            break
    return values


def section_relevant(survey: Survey, section: Section, answers: Mapping[str, Any]) -> bool:
    return _relevant(section.relevant, settle(survey, answers))


def visible_questions(survey: Survey, section: Section,
                      answers: Mapping[str, Any]) -> list[Question]:
    """The questions of ``section`` a respondent sees given ``answers``: none when the section
    is not relevant; never calculations."""
    return shown_questions(section, settle(survey, answers))


def shown_questions(section: Section, settled: Mapping[str, Any]) -> list[Question]:
    """:func:`visible_questions` for answers already settled (``settle``'s result): a page
    that asks about several sections settles once, not once per section."""
    if not _relevant(section.relevant, settled):
        return []
    return [q for q in section.questions
            if q.type != QuestionType.calculate and _relevant(q.relevant, settled)]


def visible_sections(survey: Survey, answers: Mapping[str, Any]) -> list[Section]:
    """The pages a respondent goes through given ``answers``."""
    values = settle(survey, answers)
    return [s for s in survey.sections if shown_questions(s, values)]


def next_section(survey: Survey, index: int, answers: Mapping[str, Any]) -> int | None:
    """The index of the next page to show after page ``index`` (0-based), or None at the end."""
    values = settle(survey, answers)
    for i in range(index + 1, len(survey.sections)):
        if shown_questions(survey.sections[i], values):
            return i
    return None


def previous_section(survey: Survey, index: int, answers: Mapping[str, Any]) -> int | None:
    """The index of the page before page ``index`` (0-based), or None at the start."""
    values = settle(survey, answers)
    for i in range(min(index, len(survey.sections)) - 1, -1, -1):
        if shown_questions(survey.sections[i], values):
            return i
    return None


def _undecided(expression: str | None, values: Mapping[str, Any]) -> bool:
    """True when ``expression`` refers to a question not answered yet (so it may still change)."""
    if not expression:
        return False
    try:
        return bool(references(parse_cached(expression)) - set(values))
    except ExpressionError:
        return False


def may_show(survey: Survey, section: Section, answers: Mapping[str, Any]) -> bool:
    """Whether the respondent may still see ``section``: it shows now, or it depends on
    questions not answered yet (the consent page does not know yet whether more follow)."""
    return _may_show(section, settle(survey, answers))


def _may_show(section: Section, values: Mapping[str, Any]) -> bool:
    """:func:`may_show` for settled answers."""
    if shown_questions(section, values):
        return True

    def open_(expression: str | None) -> bool:
        return _relevant(expression, values) or _undecided(expression, values)

    return open_(section.relevant) and any(
        q.type != QuestionType.calculate and open_(q.relevant) for q in section.questions)


def is_last_page(survey: Survey, index: int, answers: Mapping[str, Any]) -> bool:
    """Whether no page after ``index`` can follow (the button then says Finish)."""
    values = settle(survey, answers)
    return not any(_may_show(s, values) for s in survey.sections[index + 1:])


def page_position(survey: Survey, index: int, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(page number, pages) as the respondent counts them: the pages they have gone through
    and the ones that may still follow."""
    values = settle(survey, answers)
    pages = [i for i, s in enumerate(survey.sections) if i == index or _may_show(s, values)]
    return pages.index(index) + 1, len(pages)
