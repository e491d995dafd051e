"""The review page's content: every page the respondent goes through, with each shown
question's answer written out in the respondent's language (labels, never stored codes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.fieldwork.respondent.i18n import long_date
from surveys import rendering
from surveys.schema import QuestionType, Section, Survey


@dataclass
class Line:
    """One answer as shown: the question (or matrix row) and the answer's text (None when
    not answered)."""

    label: str
    answer: str | None


@dataclass
class Block:
    """Answers shown together: a matrix question's rows under its label, or plain questions."""

    heading: str | None
    lines: list[Line] = field(default_factory=list)


@dataclass
class Page:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, line: Line, heading: str | None = None) -> None:
        if not self.blocks or self.blocks[-1].heading != heading:
            self.blocks.append(Block(heading))
        self.blocks[-1].lines.append(line)


def answer_text(survey: Survey, question_type: QuestionType, choices: str | None, value: Any,
                language: str) -> str:
    """``value`` as the respondent would say it: the option's label, Yes/No, a local date."""
    if question_type == QuestionType.yes_no:
        return rendering.ui(language, str(value)) if value in ("yes", "no") else str(value)
    choice_list = survey.choice_lists.get(choices or "")
    if choice_list is not None:
        def label(v: Any) -> str:
            choice = choice_list.get(str(v))
            if choice is None:
                return str(v)
            return survey.text(choice.label, language) or str(v)

        if isinstance(value, list | tuple):
            return "; ".join(label(v) for v in value)
        return label(value)
    if isinstance(value, date):
        return long_date(value)
    return rendering.format_answer(value)


def review_pages(survey: Survey, sections: list[tuple[int, Section]], answers: Mapping[str, Any],
                 language: str) -> list[Page]:
    """The pages ``sections`` with the questions shown given ``answers``; notes left out."""
    out = []
    values = rendering.settle(survey, answers)
    for _, section in sections:
        page = Page(key=section.key, title=survey.text(section.title, language))
        for question in rendering.shown_questions(section, values):
            if question.type == QuestionType.note:
                continue
            label = survey.text(question.label, language)
            if question.type == QuestionType.matrix:
                for item in question.items:
                    value = answers.get(item.key)
                    page.add(Line(survey.text(item.label, language),
                                  None if value is None else answer_text(
                                      survey, question.type, question.choices, value, language)),
                             heading=label)
                continue
            value = answers.get(question.key)
            page.add(Line(label, None if value is None else answer_text(
                survey, question.type, question.choices, value, language)))
        out.append(page)
    return out
