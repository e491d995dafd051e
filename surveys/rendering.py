"""The respondent's form, built at run time from the survey schema, one section (page) at a
time, in one language.

What lives here, and is shared by the designer's preview and the respondent pages:

* relevance on the server: :func:`settle` (answers of questions that are not relevant dropped,
  calculations recomputed), :func:`section_relevant`, :func:`visible_questions`,
  :func:`visible_sections`, :func:`next_section` and :func:`previous_section`;
* :func:`build_form`: a WTForms form for one section whose fields are named by answer key,
  with labels, hints, options and messages in the respondent's language, required only when
  the question is shown, number ranges, constraints with their message in that language;
* :func:`answers_to_json` / :func:`answers_from_json`: answers as JSON and back, typed by
  question (dates become ``datetime.date`` again);
* :data:`UI`: the interface strings (Next, Back, error messages) in uk, ru and en.

Answers are Python values keyed by answer key: ``str`` (text, yes/no, select one, Likert,
matrix rows, calculations), ``int`` (integer), ``float`` (decimal), ``datetime.date``,
``list[str]`` (select multiple). An unanswered question has no key.

Questions revealed by this page's own answers (``${housing} = 'other'`` on the housing page)
appear when the respondent presses Next: the page is shown again with them (see
:attr:`SectionForm.revealed`), and their answers are checked on the following Next. The
optional JavaScript that shows them live must follow the same rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, RadioInput, TextInput
from wtforms.widgets.core import clean_key

from surveys.expressions import (
    ExpressionError,
    evaluate,
    evaluate_bool,
    parse_cached,
    references,
    to_string,
)
from surveys.schema import (
    LANGUAGES,
    YES_NO_VALUES,
    MatrixItem,
    Question,
    QuestionType,
    Section,
    Survey,
)

#: Interface strings per language. The next step moves them to Flask-Babel catalogues.
UI: dict[str, dict[str, str]] = {
    "en": {
        "next": "Next",
        "back": "Back",
        "finish": "Finish",
        "required": "This question needs an answer.",
        "required_word": "required",
        "not_integer": "Enter a whole number.",
        "not_number": "Enter a number.",
        "not_date": "Enter a valid date.",
        "too_many_digits": "Enter a number with at most {digits} digits.",
        "range": "Enter a number from {minimum} to {maximum}.",
        "at_least": "Enter a number of at least {minimum}.",
        "at_most": "Enter a number of at most {maximum}.",
        "not_choice": "Choose one of the options.",
        "constraint": "This answer is not accepted. Please check it.",
        "too_long": "The answer is too long (at most {maximum} characters).",
        "error_summary": "Please check your answers",
        "page_of": "Page {page} of {pages}",
        "yes": "Yes",
        "no": "No",
        "choose": "Choose…",
        "preview": "Preview — answers are not saved",
        "end_title": "Thank you!",
        "end_text": "You have answered all the questions.",
        "revealed": "New questions have appeared, based on your answers. Please answer them too.",
        "language": "Language",
        "start_again": "Start again",
    },
    "uk": {
        "next": "Далі",
        "back": "Назад",
        "finish": "Завершити",
        "required": "Це запитання потребує відповіді.",
        "required_word": "обов'язкове",
        "not_integer": "Введіть ціле число.",
        "not_number": "Введіть число.",
        "not_date": "Введіть правильну дату.",
        "too_many_digits": "Введіть число, що має не більше {digits} цифр.",
        "range": "Введіть число від {minimum} до {maximum}.",
        "at_least": "Введіть число, не менше ніж {minimum}.",
        "at_most": "Введіть число, не більше ніж {maximum}.",
        "not_choice": "Оберіть один із варіантів.",
        "constraint": "Ця відповідь не приймається. Перевірте її, будь ласка.",
        "too_long": "Відповідь задовга (не більше {maximum} символів).",
        "error_summary": "Перевірте, будь ласка, відповіді",
        "page_of": "Сторінка {page} з {pages}",
        "yes": "Так",
        "no": "Ні",
        "choose": "Оберіть…",
        "preview": "Попередній перегляд — відповіді не зберігаються",
        "end_title": "Дякуємо!",
        "end_text": "Ви відповіли на всі запитання.",
        "revealed": "Залежно від ваших відповідей з'явилися нові запитання. Дайте, будь ласка, "
                    "відповідь і на них.",
        "language": "Мова",
        "start_again": "Почати знову",
    },
    "ru": {
        "next": "Далее",
        "back": "Назад",
        "finish": "Завершить",
        "required": "Этот вопрос требует ответа.",
        "required_word": "обязательный",
        "not_integer": "Введите целое число.",
        "not_number": "Введите число.",
        "not_date": "Введите правильную дату.",
        "too_many_digits": "Введите число, в котором не больше {digits} цифр.",
        "range": "Введите число от {minimum} до {maximum}.",
        "at_least": "Введите число не меньше {minimum}.",
        "at_most": "Введите число не больше {maximum}.",
        "not_choice": "Выберите один из вариантов.",
        "constraint": "Этот ответ не принимается. Проверьте его, пожалуйста.",
        "too_long": "Ответ слишком длинный (не более {maximum} символов).",
        "error_summary": "Проверьте, пожалуйста, ответы",
        "page_of": "Страница {page} из {pages}",
        "yes": "Да",
        "no": "Нет",
        "choose": "Выберите…",
        "preview": "Предварительный просмотр — ответы не сохраняются",
        "end_title": "Спасибо!",
        "end_text": "Вы ответили на все вопросы.",
        "revealed": "В зависимости от ваших ответов появились новые вопросы. Ответьте, "
                    "пожалуйста, и на них.",
        "language": "Язык",
        "start_again": "Начать заново",
    },
}

#: Above this many options a select-one is a drop-down list rather than radio buttons.
RADIO_LIMIT = 12
TEXT_MAX = 1000
LONG_TEXT_MAX = 10_000


def ui(language: str, name: str, **values: Any) -> str:
    """The interface string ``name`` in ``language`` (English when unknown)."""
    text = UI.get(language, UI["en"]).get(name) or UI["en"][name]
    return text.format(**values) if values else text


def pick_language(survey: Survey, requested: str | None) -> str:
    """``requested`` when the survey offers it, else its default language."""
    if requested in survey.languages:
        return requested  # type: ignore[return-value]
    return survey.default_language if survey.default_language in LANGUAGES else "en"


# --- relevance -------------------------------------------------------------------------------

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


# --- answers as JSON -------------------------------------------------------------------------

def answers_to_json(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as JSON-ready values (dates as ``YYYY-MM-DD``)."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items()
            if not _empty(v)}


def answer_kinds(survey: Survey) -> dict[str, QuestionType]:
    """The question type of every answer key of ``survey`` (how a stored answer is read)."""
    kinds: dict[str, QuestionType] = {}
    for question in survey.questions():
        for key in question.answer_keys():
            kinds[key] = question.type
    return kinds


def answers_from_json(survey: Survey, data: Mapping[str, Any],
                      kinds: Mapping[str, QuestionType] | None = None) -> dict[str, Any]:
    """Answers read back from JSON, typed by question; keys that are not answer keys of
    ``survey`` and values that do not fit their question are dropped, so the question is asked
    again: a value of the wrong shape, or a number its field would refuse (not finite, more
    than ``NUMBER_DIGITS`` digits; drafts saved before that rule may hold one). ``kinds`` is
    ``answer_kinds(survey)`` when the caller keeps it (a published version's never changes)."""
    if kinds is None:
        kinds = answer_kinds(survey)
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = kinds.get(key)
        if kind is None or _empty(value):
            continue
        read = _stored_answer(kind, value)
        if not _empty(read):
            out[key] = read
    return out


def _stored_answer(kind: QuestionType, value: Any) -> Any:
    """One stored value as an answer to a question of ``kind``, None when it does not fit."""
    if kind in (QuestionType.integer, QuestionType.decimal):
        return stored_number(value, integer=kind == QuestionType.integer)
    if kind == QuestionType.date:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if kind == QuestionType.select_multiple:
        if isinstance(value, str):
            return value.split()
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = stored_number(value, integer=False)
        return None if number is None else _number_text(number)
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


# --- widgets ---------------------------------------------------------------------------------

def html_params(**kwargs: Any) -> Markup:
    """The attributes ``wtforms.widgets.html_params`` writes, the same text in the same order,
    without its ``Markup.format`` per attribute: drawing the inputs was the costliest part of
    a respondent page."""
    out = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        if "_" in key:
            key = clean_key(key)  # a Python name, maybe with hyphens: nothing to escape
        if value is True:
            out.append(key)
        else:
            out.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(out))


class _QuickParams:
    html_params = staticmethod(html_params)


class QuickTextInput(_QuickParams, TextInput):
    """``TextInput`` with the quicker :func:`html_params`."""


class QuickRadioInput(_QuickParams, RadioInput):
    """``RadioInput`` with the quicker :func:`html_params`."""


class QuickCheckboxInput(_QuickParams, CheckboxInput):
    """``CheckboxInput`` with the quicker :func:`html_params`."""


# --- fields ----------------------------------------------------------------------------------

def _number_text(value: float) -> str:
    """A number written as a respondent types it: every digit the float keeps (``repr``'s
    shortest round trip, never rounded to six digits as ``%g`` did, which changed a saved
    123456.789 into 123457 when the page was posted again), no exponent, ``12`` not ``12.0``."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f") if math.isfinite(value) else str(value)


class _Answer:
    """What every answer field knows: its question, the language, and how to read its answer."""

    question: Question
    language: str
    item: MatrixItem | None = None

    def _setup(self, question: Question, language: str, item: MatrixItem | None) -> None:
        self.question = question
        self.language = language
        self.item = item

    def answer(self) -> Any:
        """The answer as a Python value, None when unanswered or unreadable."""
        return None if _empty(self.data) or self.process_errors else self.data  # type: ignore[attr-defined]


class TextAnswer(_Answer, StringField):
    widget = QuickTextInput()

    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()


class LongTextAnswer(_Answer, TextAreaField):
    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()


_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NUMBER_PARTS = re.compile(r"^([+-]?)(\d*)\.?(\d*)$")

#: The most digits a number answer may have (leading zeros, and zeros that end a fraction, not
#: counted). Fifteen digits are what a 64-bit float keeps exactly and writes back as typed, so
#: an answer reads back as typed everywhere it goes: SQLite, whose JSON column (NUMERIC
#: affinity) turns a larger integer into a float (19 nines came back as 1.0e+19) and whose
#: ``json()`` writes a float with 15 digits; pandas, SPSS and Stata, which hold numbers as
#: floats. No overflow to infinity (which JSON cannot hold) and no integer too long for
#: Python to read. Far beyond any age, count or amount a survey asks about.
NUMBER_DIGITS = 15
_NUMBER_LIMIT = 10 ** NUMBER_DIGITS


class NumberUnfit(ValueError):
    """Text that is not an answer to a number question; ``reason`` names the message
    (:data:`UI`) that says why: ``not_integer``, ``not_number`` or ``too_many_digits``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_number(text: str, integer: bool) -> int | float:
    """``text`` (digits, an optional sign and, for a decimal, one point) as the answer of an
    integer or decimal question, exactly as typed: an ``int``, or the ``float`` that writes
    back as the same digits.

    Raises:
        NumberUnfit: ``text`` is not such a number, or it has more than ``NUMBER_DIGITS``
            digits (counted before ``int()`` sees it, which refuses 4,300 digits and more).
    """
    if not (_INTEGER if integer else _DECIMAL).match(text):
        raise NumberUnfit("not_integer" if integer else "not_number")
    sign, whole, fraction = _NUMBER_PARTS.match(text).groups()
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if len(whole) + len(fraction) > NUMBER_DIGITS:
        raise NumberUnfit("too_many_digits")
    if integer:
        return int(sign + (whole or "0"))
    return float(f"{sign}{whole or '0'}.{fraction or '0'}")


def stored_number(value: Any, integer: bool) -> int | float | None:
    """A stored answer of an integer or decimal question as the question reads it, or None
    when its field would refuse it: not a number (a ``bool`` neither), not finite, or more
    than ``NUMBER_DIGITS`` digits. An integer stays an ``int``, never a float."""
    if isinstance(value, str):
        try:
            return read_number(value.strip(), integer)
        except NumberUnfit:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        if abs(value) >= _NUMBER_LIMIT:
            return None
        return value if integer else float(value)
    if not math.isfinite(value) or abs(value) >= _NUMBER_LIMIT:
        return None
    if integer:
        return int(value) if value.is_integer() else None
    try:
        return read_number(_number_text(value), integer=False)
    except NumberUnfit:
        return None


class NumberAnswer(_Answer, Field):
    """A whole or decimal number typed as text: spaces between digit groups and a decimal comma
    are accepted, as people write them in Ukrainian and Russian."""

    widget = QuickTextInput()

    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)
        self.raw = ""

    def _value(self) -> str:
        if self.raw:
            return self.raw
        return "" if self.data is None else _number_text(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = (valuelist[0] or "").strip()
        text = re.sub(r"[\s\u00a0\u202f]", "", self.raw).replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            self.data = read_number(text, integer=self.question.type == QuestionType.integer)
        except NumberUnfit as unfit:
            # A reading error: the field holds no answer, so the page save keeps the earlier
            # one (views._draft_answers) and nothing that does not fit reaches the draft.
            self.data = None
            raise ValueError(ui(self.language, unfit.reason, digits=NUMBER_DIGITS)) from None


class DateAnswer(_Answer, Field):
    """``<input type="date">``: the browser sends ``YYYY-MM-DD`` whatever it displays."""

    widget = QuickTextInput(input_type="date")

    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)
        self.raw = ""

    def _value(self) -> str:
        if self.raw:
            return self.raw
        return self.data.isoformat() if isinstance(self.data, date) else (self.data or "")

    def process_data(self, value):
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        self.data = value

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = (valuelist[0] or "").strip()
        if not self.raw:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(self.raw)
        except ValueError:
            self.data = None
            raise ValueError(ui(self.language, "not_date")) from None


class OneAnswer(_Answer, RadioField):
    """One option: radio buttons (yes/no, select one, Likert, a matrix row)."""

    option_widget = QuickRadioInput()

    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist and valuelist[0] else None

    def pre_validate(self, form):
        if self.data is not None and self.data not in {c.value for c in self.choices}:
            raise StopValidation(ui(self.language, "not_choice"))


class ListAnswer(OneAnswer):
    """One option from a long list: a drop-down, with a blank first option."""

    widget = SelectField.widget
    option_widget = SelectField.option_widget

    def pre_validate(self, form):
        if self.data is not None and self.data not in {c.value for c in self.choices if c.value}:
            raise StopValidation(ui(self.language, "not_choice"))


class ManyAnswer(_Answer, SelectMultipleField):
    """Any number of options: checkboxes."""

    option_widget = QuickCheckboxInput()

    def __init__(self, *args, question, language, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(question, language, item)

    def process_data(self, value):
        self.data = list(value) if value else []

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def pre_validate(self, form):
        values = {c.value for c in self.choices}
        if any(v not in values for v in self.data or []):
            raise StopValidation(ui(self.language, "not_choice"))


def _check_answer(form: SectionForm, field: _Answer) -> None:
    """The one validator of every answer field: required, length, range, then constraint."""
    if field.process_errors:
        raise StopValidation()  # the reading error says it already
    question, language = field.question, field.language
    value = field.answer()
    required = question.required
    if field.item is not None and field.item.required is not None:
        required = field.item.required
    if value is None:
        if required:
            raise StopValidation(ui(language, "required"))
        raise StopValidation()  # nothing to check on an empty answer
    if isinstance(value, str):
        limit = LONG_TEXT_MAX if question.type == QuestionType.long_text else TEXT_MAX
        if len(value) > limit:
            raise StopValidation(ui(language, "too_long", maximum=limit))
    if question.type in (QuestionType.integer, QuestionType.decimal):
        low, high = question.minimum, question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                message = ui(language, "range", minimum=_number_text(low),
                             maximum=_number_text(high))
            elif low is not None:
                message = ui(language, "at_least", minimum=_number_text(low))
            else:
                message = ui(language, "at_most", maximum=_number_text(high))
            raise StopValidation(message)
    if question.constraint:
        try:
            ok = evaluate_bool(question.constraint, form.values, current=value)
        except ExpressionError:
            ok = True  # a draft's broken constraint is the designer's problem, not the respondent's
        if not ok:
            message = form.survey.text(question.constraint_message, language) \
                if question.constraint_message else ""
            raise ValidationError(message or ui(language, "constraint"))


# --- what the template shows -----------------------------------------------------------------

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


# --- drawing a question ----------------------------------------------------------------------
#
# The markup the respondent page's question macro used to write, written here in Python: the
# macro (a dozen small macro calls and a hundred escaped expressions a question) was the
# costliest part of a page. The elements, attributes and texts are the same; only the
# whitespace between elements differs (line breaks instead of indentation), which HTML does not
# show. tests/surveys/test_respondent_performance.py compares it with the macro it replaced.

def _required_mark(form: SectionForm, required: bool) -> str:
    if not required:
        return ""
    return ('<span class="req" aria-hidden="true">*</span><span class="visually-hidden"> ('
            f'{escape(form.ui["required_word"])})</span>')


def _hint(item: Shown) -> str:
    if not item.hint:
        return ""
    return f'<div class="hint" id="{escape(item.dom_id)}-hint">{escape(item.hint)}</div>'


def _messages(errors: Iterable[str]) -> str:
    return "".join(f"<span>{escape(e)}</span> " for e in errors)


def _errors(item: Shown) -> str:
    if item.field is None or not item.field.errors:
        return ""
    return f'<div class="error" id="{escape(item.dom_id)}-error">{_messages(item.field.errors)}</div>'


def _option_inputs(field: OneAnswer | ManyAnswer, invalid: str) -> Iterator[tuple[str, str, str]]:
    """(input HTML, input id, label) of each option of a radio or checkbox group: what
    iterating the field and drawing each option writes (ids ``<field id>-<n>``, ``checked`` on
    the selected ones), without making a WTForms field per option. A field with its own render
    keywords or flags is drawn by WTForms itself."""
    widget = field.option_widget
    if field.render_kw or vars(field.flags) or not isinstance(widget, _QuickParams):
        for option in field:
            yield str(option(aria_invalid=invalid)), option.id, option.label.text
        return
    for i, choice in enumerate(field.iter_choices()):
        option_id = f"{field.id}-{i}"
        attrs = {"aria-invalid": invalid, "id": option_id, "name": field.name,
                 "type": widget.input_type, "value": str(choice.value)}
        if choice.selected:
            attrs["checked"] = True
        yield f"<input {html_params(**attrs)}>", option_id, choice.label or choice.value


def _blank(answer_field: Field) -> bool:
    """True when ``answer_field`` holds nothing and has no error: drawn the same every time."""
    return (not answer_field.errors and not answer_field.process_errors
            and _empty(answer_field.data) and not getattr(answer_field, "raw", ""))


def draw_question(form: SectionForm, item: Shown) -> Markup:
    """One shown question as HTML (see :func:`_draw`).

    A question that holds no answer and no error is drawn the same for every respondent who
    sees it in this language (the markup depends only on the question, the language and
    whether the page's answers have just revealed it), so it is drawn once and kept in the
    form's parts: a page is usually first shown unanswered. The parts of a published version
    are kept per version, section and language; anything answered or in error is drawn anew.
    """
    if item.kind == "matrix":
        blank = all(_blank(row.field) for row in item.rows)
    else:
        blank = item.field is None or _blank(item.field)
    if not blank:
        return _draw(form, item)
    key = (item.question.key, item.revealed)
    found = form.parts.drawn.get(key)
    if found is None:
        # Bounded: at most two entries (revealed or not) per question of the section.
        found = form.parts.drawn[key] = _draw(form, item)
    return found


def _draw(form: SectionForm, item: Shown) -> Markup:
    """One shown question as HTML: a note; radio buttons, checkboxes or a Likert scale in a
    fieldset with a legend; a matrix (a fieldset of row fieldsets); or a labelled input, with
    its hint and errors tied to it by ``aria-describedby``."""
    dom_id = escape(item.dom_id)
    if item.kind == "note":
        parts = [f'<div class="question note" id="{dom_id}">',
                 f'<div class="note-text">{paragraphs(item.label)}</div>', _hint(item), "</div>"]
        return Markup("\n".join(p for p in parts if p))
    described = item.described_by()
    state = (" has-error" if item.errors else "") + (" revealed" if item.revealed else "")
    describe = f' aria-describedby="{escape(described)}"' if described else ""
    if item.kind in ("radios", "checks", "likert"):
        invalid = "true" if item.field.errors else "false"
        parts = [f'<fieldset class="question {item.kind}{state}" id="{dom_id}"{describe}>',
                 f'<legend class="question-label">{escape(item.label)}'
                 f'{_required_mark(form, item.required)}</legend>',
                 _hint(item), _errors(item), '<div class="options">']
        parts.extend(f'<div class="option">{html}<label for="{escape(option_id)}">'
                     f'{escape(label)}</label></div>'
                     for html, option_id, label in _option_inputs(item.field, invalid))
        parts += ["</div>", "</fieldset>"]
        return Markup("\n".join(p for p in parts if p))
    if item.kind == "matrix":
        columns = "".join(f"<span>{escape(c)}</span>" for c in item.columns)
        parts = [f'<fieldset class="question matrix{state}" id="{dom_id}"{describe}>',
                 f'<legend class="question-label">{escape(item.label)}</legend>', _hint(item),
                 f'<div class="matrix-head" aria-hidden="true">\n<span></span>{columns}\n</div>']
        for row in item.rows:
            errors = row.field.errors
            row_id = escape(row.field.id)
            error = (f'<span class="error" id="{row_id}-error">{_messages(errors)}</span>'
                     if errors else "")
            invalid = "true" if errors else "false"
            parts.append(f'<fieldset class="matrix-row{" has-error" if errors else ""}" '
                         f'id="{row_id}">')
            parts.append(f"<legend>{escape(row.label)}{_required_mark(form, row.required)}"
                         f"{error}</legend>")
            parts.extend(f'<div class="matrix-cell">{html}<label for="{escape(option_id)}">'
                         f'<span class="matrix-choice">{escape(label)}</span></label></div>'
                         for html, option_id, label in _option_inputs(row.field, invalid))
            parts.append("</fieldset>")
        parts.append("</fieldset>")
        return Markup("\n".join(p for p in parts if p))
    attrs = {"aria_invalid": "true" if item.field.errors else "false"}
    if described:
        attrs["aria_describedby"] = described
    if item.required:
        attrs["aria_required"] = "true"
    parts = [f'<div class="question {item.kind}{state}" id="{dom_id}-question">',
             f'<label class="question-label" for="{escape(item.field.id)}">{escape(item.label)}'
             f'{_required_mark(form, item.required)}</label>',
             _hint(item), _errors(item), str(item.field(**attrs)), "</div>"]
    return Markup("\n".join(p for p in parts if p))


# --- small helpers for templates --------------------------------------------------------------

def paragraphs(text: str) -> Markup:
    """Plain text with blank lines as paragraphs and line breaks kept (escaped)."""
    parts = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(
        Markup("<br>").join(p.split("\n"))) for p in parts)


def format_answer(value: Any) -> str:
    """An answer as text, for summaries."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number_text(value) if math.isfinite(value) else str(value)
    return str(value)


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


def languages_of(survey: Survey) -> Iterable[str]:
    return [lang for lang in LANGUAGES if lang in survey.languages]
