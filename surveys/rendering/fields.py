"""The WTForms fields and widgets of a survey page: one field class per answer kind."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, RadioInput, TextInput
from wtforms.widgets.core import clean_key

from surveys.expressions import (
    ExpressionError,
    evaluate_bool,
)
from surveys.rendering.answers import NUMBER_DIGITS, NumberUnfit, _empty, _number_text, read_number
from surveys.rendering.text import ui
from surveys.schema import (
    MatrixItem,
    Question,
    QuestionType,
)

if TYPE_CHECKING:
    from surveys.rendering.form import SectionForm


#: Above this many options a select-one is a drop-down list rather than radio buttons.
RADIO_LIMIT = 12
#: The most characters a text and a long-text answer may hold.
TEXT_MAX = 1000
LONG_TEXT_MAX = 10_000


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
