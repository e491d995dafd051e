"""Forms of the designer pages (Flask-WTF: CSRF on every form).

Texts are edited per language side by side: a field ``<name>_<lang>`` for each of uk, ru, en;
:func:`text_of` and :func:`text_data` convert between those fields and a schema ``Text``.

Labels, descriptions, choices and messages are lazy (``lazy_gettext``): drawn in the language of
the page. A lazy string counts as safe HTML in a template, so only fixed text is lazy; a label
that holds survey data (the translations form's) is made at request time.
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from surveys.designer.editing import NOT_FINITE
from surveys.schema import LANGUAGE_NAMES, LANGUAGES, Audience, QuestionType, Text

LANGUAGE_LABELS = {"uk": _l("Ukrainian"), "ru": _l("Russian"), "en": _l("English")}
AUDIENCES = {
    Audience.person.value: _l("Assisted persons"),
    Audience.provider.value: _l("Service providers"),
    Audience.officer.value: _l("Officers (checklists)"),
}
TYPE_LABELS = {
    QuestionType.text: _l("Short text"),
    QuestionType.long_text: _l("Long text"),
    QuestionType.integer: _l("Whole number"),
    QuestionType.decimal: _l("Decimal number"),
    QuestionType.date: _l("Date"),
    QuestionType.yes_no: _l("Yes / no"),
    QuestionType.select_one: _l("Choose one"),
    QuestionType.select_multiple: _l("Choose several"),
    QuestionType.likert: _l("Likert scale"),
    QuestionType.matrix: _l("Matrix (rows on one scale)"),
    QuestionType.note: _l("Note (text only)"),
    QuestionType.calculate: _l("Calculated value (hidden)"),
}
MAX_TEXT = 5000


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def _in_language(label: object, lang: str) -> str:
    """``Title (Ukrainian)``: a field's label and the language it is written in."""
    return f"{label} ({LANGUAGE_LABELS[lang]})"


def _language_choice(lang: str) -> str:
    """``Ukrainian (Українська)``: the language in the page's language, then its own name."""
    return f"{LANGUAGE_LABELS[lang]} ({LANGUAGE_NAMES[lang]})"


def language_options() -> list[SelectChoice]:
    return options((lang, LazyString(_language_choice, lang)) for lang in LANGUAGES)


def type_options() -> list[SelectChoice]:
    return options((t.value, label) for t, label in TYPE_LABELS.items())


def text_of(form, name: str) -> Text:
    """The ``Text`` held by the fields ``<name>_uk``, ``<name>_ru``, ``<name>_en`` of ``form``."""
    return {lang: (form[f"{name}_{lang}"].data or "").strip() for lang in LANGUAGES}


def text_data(name: str, text: Text) -> dict[str, str]:
    """Initial data for those fields."""
    return {f"{name}_{lang}": text.get(lang, "") for lang in LANGUAGES}


def _texts(cls, name: str, label: LazyString, area: bool = False, max_length: int = MAX_TEXT,
           rows: int = 3) -> None:
    for lang in LANGUAGES:
        field_class = TextAreaField if area else StringField
        setattr(cls, f"{name}_{lang}", field_class(
            LazyString(_in_language, label, lang),
            validators=[Optional(), Length(max=max_length)],
            render_kw={"lang": lang, **({"rows": rows} if area else {})}))


def finite(form, field) -> None:  # noqa: ARG001 (the signature WTForms calls)
    """Refuse NaN and Infinity: a FloatField reads them from 'nan', 'inf' or '1e999', and
    neither is a usable limit or score nor valid JSON."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(str(NOT_FINITE))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RevisionForm(FlaskForm):
    """Carries the draft's revision, to notice that someone else saved it meanwhile."""

    revision = HiddenField()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token (delete, start a draft)."""


class PublishForm(FlaskForm):
    """The confirmation of publishing: it carries the revision of the draft whose changes the
    page showed, so that what is published is what the officer saw."""

    revision = HiddenField(validators=[DataRequired()])


class MoveForm(FlaskForm):
    """The up and down buttons of a section or question."""

    direction = SelectField(choices=options([("up", _l("Up")), ("down", _l("Down"))]),
                            validators=[DataRequired()])

    @property
    def offset(self) -> int:
        return -1 if self.direction.data == "up" else 1


class PreviewForm(FlaskForm):
    """The preview's own controls: the button pressed and the answers carried so far."""

    action = SelectField(choices=options([("next", _l("Next")), ("back", _l("Back")),
                                          ("stay", _l("Stay"))]),
                         default="stay", validate_choice=False)
    state = HiddenField(name="preview-state")


class NewSurveyForm(FlaskForm):
    audience = SelectField(_l("Who answers it"), choices=options(AUDIENCES.items()),
                           validators=[DataRequired()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any(v for v in text_of(self, "title").values()):
            self.title_en.errors = [*self.title_en.errors,
                                    _("Give the survey a title in at least one language.")]
            return False
        return ok


_texts(NewSurveyForm, "title", _l("Title"), max_length=300)


class LibraryForm(FlaskForm):
    instrument = HiddenField(validators=[DataRequired()])


class SettingsForm(RevisionForm):
    audience = SelectField(_l("Who answers it"), choices=options(AUDIENCES.items()),
                           validators=[DataRequired()])
    languages = MultiCheckboxField(_l("Languages"), choices=language_options())
    default_language = SelectField(_l("Default language"), choices=language_options())
    allow_fallback = BooleanField(
        _l("Allow fallback: a text missing in a language is shown in the default language "
           "(publishing only warns)"))


_texts(SettingsForm, "title", _l("Title"), max_length=300)
_texts(SettingsForm, "description", _l("Description"), area=True)


class SectionForm(RevisionForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=64)],
                      description=_l("Letters, digits and _; it names the page in exports."))
    relevant = TextAreaField(_l("Show this page only if"),
                             validators=[Optional(), Length(max=10_000)],
                             description=_l("An expression, e.g. ${consent} = 'yes'. Empty: "
                                            "always."),
                             render_kw={"rows": 2, "spellcheck": "false", "class": "code"})


_texts(SectionForm, "title", _l("Title"), max_length=300)


class AddQuestionForm(FlaskForm):
    type = SelectField(_l("Type"), choices=type_options(), validators=[DataRequired()])


class MatrixRowForm(Form):
    original = HiddenField()
    key = StringField(_l("Row key"), validators=[Optional(), Length(max=64)],
                      render_kw={"spellcheck": "false"})
    reverse = BooleanField(_l("Reverse-coded"))


_texts(MatrixRowForm, "label", _l("Row"), area=True, max_length=1000, rows=2)


class QuestionForm(RevisionForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=64)],
                      description=_l("The variable name in exports and analysis. Renaming "
                                     "updates the ${key} references in this draft."),
                      render_kw={"spellcheck": "false"})
    type = SelectField(_l("Type"), choices=type_options(), validators=[DataRequired()])
    required = BooleanField(_l("An answer is required (when the question is shown)"))
    relevant = TextAreaField(_l("Show only if"), validators=[Optional(), Length(max=10_000)],
                             description=_l("e.g. ${consent_given} = 'yes'. Empty: always "
                                            "shown."),
                             render_kw={"rows": 2, "spellcheck": "false", "class": "code"})
    constraint = TextAreaField(_l("Accept the answer only if"),
                               validators=[Optional(), Length(max=10_000)],
                               description=_l("'.' is this answer, e.g. . <= ${caseload}"),
                               render_kw={"rows": 2, "spellcheck": "false", "class": "code"})
    choices = SelectField(_l("Choice list"), choices=[], validate_choice=False)
    new_list = StringField(_l("…or create a new list named"),
                           validators=[Optional(), Length(max=64)],
                           render_kw={"spellcheck": "false"})
    minimum = FloatField(_l("Smallest answer"), validators=[Optional(), finite])
    maximum = FloatField(_l("Largest answer"), validators=[Optional(), finite])
    reverse = BooleanField(_l("Reverse-coded (the scale's scores count backwards for this "
                              "item)"))
    calculation = TextAreaField(_l("Calculation"), validators=[Optional(), Length(max=10_000)],
                                description=_l("e.g. ${income} div ${household}"),
                                render_kw={"rows": 2, "spellcheck": "false", "class": "code"})
    rows = FieldList(FormField(MatrixRowForm), min_entries=0)
    action = HiddenField()  # set by the buttons: save, remove-N, up-N, down-N


_texts(QuestionForm, "label", _l("Label"), area=True)
_texts(QuestionForm, "hint", _l("Hint"), area=True, max_length=2000)
_texts(QuestionForm, "constraint_message", _l("Message when refused"), area=True,
       max_length=1000, rows=2)


class NewListForm(FlaskForm):
    name = StringField(_l("New list name"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"spellcheck": "false"})


class ChoiceRowForm(Form):
    value = StringField(_l("Value"), validators=[Optional(), Length(max=64)],
                        render_kw={"spellcheck": "false"})
    score = FloatField(_l("Score"), validators=[Optional(), finite])


_texts(ChoiceRowForm, "label", _l("Label"), max_length=1000)


class ChoiceListForm(RevisionForm):
    name = StringField(_l("List name"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"spellcheck": "false"})
    rows = FieldList(FormField(ChoiceRowForm), min_entries=0)
    action = HiddenField()  # set by the buttons: save, remove-N, up-N, down-N


def row_action(value: str | None) -> tuple[str, int | None]:
    """``'remove-3'`` -> ``('remove', 3)``; anything else is a plain save."""
    name, _, index = (value or "").partition("-")
    if name in ("remove", "up", "down") and index.isdigit():
        return name, int(index)
    return "save", None


def translation_form(slots, languages: list[str]) -> type[FlaskForm]:
    """A form class with one text area per (text, language), named ``t<i>_<lang>``; made at
    request time, its labels (which hold survey keys) are plain text in the page's language."""
    attrs: dict[str, Any] = {"revision": HiddenField()}
    for index, slot in enumerate(slots):
        for lang in languages:
            attrs[f"t{index}_{lang}"] = TextAreaField(
                _in_language(slot.what, lang),
                validators=[Optional(), Length(max=MAX_TEXT)],
                default=slot.text.get(lang, ""),
                render_kw={"lang": lang, "rows": 2})
    return type("TranslationForm", (FlaskForm,), attrs)
