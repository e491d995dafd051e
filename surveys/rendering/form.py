"""One section (page) of a survey as a WTForms form, with what the template shows of each question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from markupsafe import Markup
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm

from surveys.rendering.drawing import draw_question
from surveys.rendering.fields import (
    RADIO_LIMIT,
    DateAnswer,
    ListAnswer,
    LongTextAnswer,
    ManyAnswer,
    NumberAnswer,
    OneAnswer,
    TextAnswer,
    _check_answer,
)
from surveys.rendering.relevance import settle, shown_questions, visible_questions
from surveys.rendering.text import UI, pick_language, ui
from surveys.schema import (
    YES_NO_VALUES,
    MatrixItem,
    Question,
    QuestionType,
    Section,
    Survey,
)


@dataclass
class Row:
    """One row of a matrix question as shown."""

    item: MatrixItem
    label: str
    field: OneAnswer
    required: bool

    @property
    def anchor(self) -> str:
        return f"{self.field.id}-0"


@dataclass
class Shown:
    """One question as the respondent sees it.

    ``kind`` tells the template how to draw it: ``text``, ``long_text``, ``number``, ``date``,
    ``radios``, ``select``, ``checks``, ``likert``, ``matrix`` or ``note``.
    """

    question: Question
    kind: str
    label: str
    hint: str
    required: bool
    field: Field | None = None
    rows: list[Row] = dataclass_field(default_factory=list)
    columns: list[str] = dataclass_field(default_factory=list)
    revealed: bool = False

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def dom_id(self) -> str:
        return f"q-{self.question.key}"

    @property
    def anchor(self) -> str:
        """Where the error summary links: the input, or the first option of a group."""
        if self.kind in ("radios", "checks", "likert"):
            return f"{self.field.id}-0"
        if self.kind == "matrix":
            bad = next((r for r in self.rows if r.field.errors), self.rows[0] if self.rows else None)
            return bad.anchor if bad else self.dom_id
        return self.field.id if self.field is not None else self.dom_id

    @property
    def errors(self) -> list[str]:
        if self.field is not None:
            return list(self.field.errors)
        return [e for r in self.rows for e in r.field.errors]

    def described_by(self, *, errors: bool = True) -> str:
        """The ids of the hint and the error messages, for ``aria-describedby``."""
        ids = []
        if self.hint:
            ids.append(f"{self.dom_id}-hint")
        if errors and self.field is not None and self.field.errors:
            ids.append(f"{self.dom_id}-error")
        return " ".join(ids)


# --- the form --------------------------------------------------------------------------------

class SectionForm(BaseForm):
    """The answers of one section, with relevance applied.

    Fields are named by answer key (``form[key]``); the page's CSRF token is the template's
    (the app protects every POST). Use :func:`build_form` to make one.
    """

    def __init__(self, survey: Survey, section: Section, language: str,
                 answers: Mapping[str, Any], parts: SectionParts) -> None:
        super().__init__(parts.fields, prefix="")
        self.survey = survey
        self.section = section
        self.language = language
        self.before = dict(answers)
        self.parts = parts
        self._questions = parts.questions
        self.revealed: set[str] = set()
        self.values: dict[str, Any] = {}
        self._items: list[Shown] | None = None

    @property
    def ui(self) -> dict[str, str]:
        return UI.get(self.language, UI["en"])

    @property
    def title(self) -> str:
        return self.survey.text(self.section.title, self.language)

    def page_answers(self) -> dict[str, Any]:
        """This page's answers as the fields read them (unreadable ones left out)."""
        out = {}
        for name, f in self._fields.items():
            value = f.answer()
            if value is not None:
                out[name] = value
        return out

    def merged(self) -> dict[str, Any]:
        """The answers so far with this page's replaced by what the fields hold, settled."""
        own = self.parts.own
        return settle(self.survey, {**{k: v for k, v in self.before.items() if k not in own},
                                    **self.page_answers()})

    def answers(self) -> dict[str, Any]:
        """Every answer after this page (hidden questions' answers dropped)."""
        return self.merged()

    def validate(self, extra_validators=None) -> bool:  # noqa: ARG002
        """Check the questions shown both before and after this page's answers.

        A question this page's answers have just revealed is not checked yet (the respondent
        has not seen it) but recorded in ``revealed``; a hidden one is not checked and its
        answer is dropped from :meth:`answers`.
        """
        self._items = None
        self.values = self.merged()
        shown = {q.key for q in visible_questions(self.survey, self.section, self.before)}
        now = {q.key for q in shown_questions(self.section, self.values)}
        self.revealed = {k for k in now - shown
                         if self._questions[k].type != QuestionType.note}
        ok = True
        for f in self._fields.values():
            if f.question.key in now and f.question.key not in self.revealed:
                ok = f.validate(self) and ok
            else:
                f.errors = []
        return ok

    @property
    def items(self) -> list[Shown]:
        """The questions to show, in order, given the answers as they stand (worked out once
        per state of the form: the page asks for them three times)."""
        if self._items is None:
            self._items = [self._shown(q) for q in shown_questions(self.section, self.merged())]
        return self._items

    @property
    def error_list(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) of every error shown, for the summary at the top."""
        out = []
        for item in self.items:
            if item.kind == "matrix":
                for row in item.rows:
                    for message in row.field.errors:
                        out.append((row.anchor, row.label, message))
            elif item.field is not None:
                for message in item.field.errors:
                    out.append((item.anchor, item.label, message))
        return out

    def draw(self, item: Shown) -> Markup:
        """The HTML of one shown question (see :func:`draw_question`)."""
        return draw_question(self, item)

    def _shown(self, q: Question) -> Shown:
        text = self.survey.text
        lang = self.language
        label = text(q.label, lang)
        hint = text(q.hint, lang) if q.hint else ""
        shown = Shown(question=q, kind="note", label=label, hint=hint, required=q.required,
                      revealed=q.key in self.revealed)
        if q.type == QuestionType.note:
            return shown
        if q.type == QuestionType.matrix:
            choice_list = self.survey.choice_list(q)
            shown.kind = "matrix"
            shown.columns = [text(c.label, lang) for c in choice_list.choices] if choice_list else []
            for item in q.items:
                required = q.required if item.required is None else item.required
                shown.rows.append(Row(item, text(item.label, lang), self._fields[item.key],
                                      required))
            return shown
        shown.field = self._fields[q.key]
        shown.kind = {
            QuestionType.text: "text", QuestionType.long_text: "long_text",
            QuestionType.integer: "number", QuestionType.decimal: "number",
            QuestionType.date: "date", QuestionType.yes_no: "radios",
            QuestionType.select_multiple: "checks", QuestionType.likert: "likert",
        }.get(q.type, "radios")
        if q.type == QuestionType.select_one and isinstance(shown.field, ListAnswer):
            shown.kind = "select"
        return shown


@dataclass(frozen=True)
class SectionParts:
    """What every form of one section in one language is built from, whatever the answers:
    the unbound fields (WTForms binds fresh fields from them for each form; nothing binding or
    drawing does changes them), the questions by key, the section's answer keys, and the HTML
    of its questions as drawn unanswered and without errors (see :func:`draw_question`).

    Valid as long as the survey does not change: the respondent pages keep one per published
    version, section and language (``monitor.fieldwork.respondent.services.Instrument.parts``); anything
    else (the designer's preview of a draft) makes one per form.
    """

    fields: tuple[tuple[str, Any], ...]
    questions: Mapping[str, Question]
    own: frozenset[str]
    drawn: dict[tuple[str, bool], Markup] = dataclass_field(default_factory=dict, compare=False)


def section_parts(survey: Survey, section: Section, language: str) -> SectionParts:
    """The parts of the form of ``section`` in ``language`` (see :class:`SectionParts`).

    Every answerable question of the section gets a field (matrix rows one each, keyed by the
    row key), so that relevance can be decided on the answers as posted; calculations have
    none.
    """
    language = pick_language(survey, language)
    fields: list[tuple[str, Any]] = []
    questions: dict[str, Question] = {}
    for q in section.questions:
        questions[q.key] = q
        if q.type in (QuestionType.note, QuestionType.calculate):
            continue
        if q.type == QuestionType.matrix:
            options = _options(survey, q, language)
            for item in q.items:
                fields.append((item.key, OneAnswer(
                    survey.text(item.label, language), validators=[_check_answer],
                    choices=options, id=f"q-{item.key}", question=q, language=language,
                    item=item)))
            continue
        fields.append((q.key, _field(survey, q, language)))
    own = frozenset(k for q in section.questions for k in q.answer_keys())
    return SectionParts(tuple(fields), questions, own)


def build_form(survey: Survey, section: Section, language: str,
               answers: Mapping[str, Any] | None = None, formdata=None,
               parts: SectionParts | None = None) -> SectionForm:
    """The form of ``section`` in ``language``, filled from ``answers`` or, when given, from
    ``formdata`` (a ``MultiDict`` such as ``request.form``).

    ``parts`` is ``section_parts(survey, section, language)`` when the caller keeps it for an
    unchanging survey; without it the parts are made for this form alone.
    :attr:`SectionForm.items` lists the questions to show.
    """
    answers = dict(answers or {})
    language = pick_language(survey, language)
    if parts is None:
        parts = section_parts(survey, section, language)
    form = SectionForm(survey, section, language, answers, parts)
    own = parts.own
    form.process(formdata, data={k: v for k, v in answers.items() if k in own})
    if formdata is None:
        form.values = form.merged()
    return form


def _options(survey: Survey, q: Question, language: str) -> list[SelectChoice]:
    if q.type == QuestionType.yes_no:
        return [SelectChoice(v, ui(language, v)) for v in YES_NO_VALUES]
    choice_list = survey.choice_list(q)
    if choice_list is None:
        return []
    return [SelectChoice(c.value, survey.text(c.label, language) or c.value)
            for c in choice_list.choices]


def _field(survey: Survey, q: Question, language: str):
    label = survey.text(q.label, language)
    common = {"validators": [_check_answer], "id": f"q-{q.key}", "question": q,
              "language": language}
    if q.type == QuestionType.text:
        return TextAnswer(label, render_kw={"autocomplete": "off"}, **common)
    if q.type == QuestionType.long_text:
        return LongTextAnswer(label, render_kw={"rows": 4}, **common)
    if q.type in (QuestionType.integer, QuestionType.decimal):
        render = {"inputmode": "numeric" if q.type == QuestionType.integer else "decimal",
                  "autocomplete": "off"}
        return NumberAnswer(label, render_kw=render, **common)
    if q.type == QuestionType.date:
        return DateAnswer(label, **common)
    options = _options(survey, q, language)
    if q.type == QuestionType.select_multiple:
        return ManyAnswer(label, choices=options, **common)
    if q.type == QuestionType.select_one and len(options) > RADIO_LIMIT:
        return ListAnswer(label, choices=[SelectChoice("", ui(language, "choose")), *options],
                          **common)
    return OneAnswer(label, choices=options, **common)
