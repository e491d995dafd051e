"""A response as an officer reads it: the questions of the exact version that was answered, with
their labels, and choice labels instead of stored codes. The survey's own texts come in the
language asked for (the survey's translations); Yes and No in the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from surveys.schema import Question, QuestionType, Survey

LANGUAGE = "en"
NOT_ANSWERED = "—"


@dataclass(frozen=True)
class ShownAnswer:
    key: str
    label: str
    text: str
    answered: bool
    #: The matrix question a row belongs to (its stem is shown once above its rows).
    group: str | None = None


@dataclass
class ShownSection:
    title: str
    answers: list[ShownAnswer] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers if a.answered)


def _choice_text(survey: Survey, question: Question, value: Any, language: str) -> str:
    choices = survey.choice_list(question)
    choice = choices.get(str(value)) if choices else None
    return (survey.text(choice.label, language) or str(value)) if choice else str(value)


def answer_text(survey: Survey, question: Question, value: Any, language: str = LANGUAGE) -> str:
    """One stored value as words: a choice's label, Yes/No, a number, a date, a text."""
    if value is None or value == "" or value == []:
        return NOT_ANSWERED
    kind = question.type
    if kind == QuestionType.yes_no:
        said = {"yes": True, "no": False, True: True, False: False}.get(value)
        return str(value) if said is None else gettext("Yes") if said else gettext("No")
    if kind == QuestionType.select_multiple:
        values = value if isinstance(value, list) else str(value).split()
        return "; ".join(_choice_text(survey, question, v, language) for v in values)
    if kind in (QuestionType.select_one, QuestionType.likert, QuestionType.matrix):
        return _choice_text(survey, question, value, language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def labelled(survey: Survey, answers: Mapping[str, Any],
             language: str = LANGUAGE) -> tuple[list[ShownSection], list[ShownAnswer]]:
    """The answers section by section in form order (every question, answered or not), and any
    stored answer whose key the version does not have (kept, never hidden)."""
    sections, known = [], set()
    for section in survey.sections:
        shown = ShownSection(survey.text(section.title, language) or section.key)
        for q in section.questions:
            if q.type == QuestionType.note:
                continue
            label = survey.text(q.label, language) or q.key
            if q.type == QuestionType.matrix:
                for item in q.items:
                    known.add(item.key)
                    value = answers.get(item.key)
                    item_label = survey.text(item.label, language) or item.key
                    shown.answers.append(ShownAnswer(item.key, item_label,
                                                     answer_text(survey, q, value, language),
                                                     item.key in answers, group=label))
                continue
            known.add(q.key)
            shown.answers.append(ShownAnswer(q.key, label, answer_text(survey, q, answers.get(q.key), language),
                                             q.key in answers))
        sections.append(shown)
    extra = [ShownAnswer(key, key, str(value), True) for key, value in answers.items() if key not in known]
    return sections, extra
