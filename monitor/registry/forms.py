"""Forms for the registry pages, built with Flask-WTF (CSRF on every form)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from monitor.models import MODULES, ORGANISATION_KINDS, PROFESSIONS, SERVICES
from monitor.models.registry import (
    AGE_BROAD_LABELS,
    CTDC_LABELS,
    EXPLOIT_TYPE_LABELS,
    GENDER_LABELS,
    MAJORITY_STATUS_LABELS,
)

CODE = [DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$",
               message=_l("Use letters, digits and - _ . / only (a pseudonymous code, never a name)."))]
COUNTRY = [Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters (ISO 3166-1 alpha-2), e.g. UA."))]


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs or plain values."""
    return [SelectChoice(*p) if isinstance(p, tuple) else SelectChoice(p) for p in pairs]


def _blank(label: str) -> list[SelectChoice]:
    return [SelectChoice("", label)]


def not_in_future(form, field) -> None:  # noqa: ARG001
    if field.data and field.data > date.today():
        raise ValidationError(_l("The date is in the future."))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier on a phone than a multiple select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)],
                       description=_l("ISO 3166-2 code, e.g. UA-77."))
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_uk = StringField(_l("Name (Ukrainian)"), validators=[Optional(), Length(max=120)])
    name_ru = StringField(_l("Name (Russian)"), validators=[Optional(), Length(max=120)])
    joined_year = IntegerField(_l("Joined the programme in"), validators=[Optional(), NumberRange(2000, 2100)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options(ORGANISATION_KINDS.items()), validators=[DataRequired()])
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])


class ProviderForm(FlaskForm):
    code = StringField(_l("Pseudonymous code"), validators=CODE)
    profession = SelectField(_l("Profession"), choices=options(PROFESSIONS.items()), validators=[DataRequired()])
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    organisation_id = SelectField(_l("Organisation"), coerce=lambda v: int(v) if v else None,
                                  validators=[Optional()])


class SessionForm(FlaskForm):
    code = StringField(_l("Session code"), validators=CODE)
    held_on = DateField(_l("Date"), validators=[DataRequired(), not_in_future])
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    hours = FloatField(_l("Hours"), validators=[DataRequired(), NumberRange(min=0.5, max=500)])
    modules = MultiCheckboxField(_l("Modules"), choices=options(MODULES.items()))


class AttendanceForm(FlaskForm):
    provider_code = StringField(_l("Provider code"), validators=CODE)
    hours_attended = FloatField(_l("Hours attended"), validators=[DataRequired(), NumberRange(min=0)])


class PersonForm(FlaskForm):
    code = StringField(_l("Pseudonymous code"), validators=CODE)
    region_id = SelectField(_l("Region"), coerce=int, validators=[DataRequired()])
    referred_on = DateField(_l("Referred through the NRM on"), validators=[Optional(), not_in_future])
    # Labelled in words; the CTDC names (ageBroad, ...) are the columns of imports and exports.
    gender = SelectField(CTDC_LABELS["gender"],
                         choices=_blank(_l("Not known")) + options(GENDER_LABELS.items()))
    age_broad = SelectField(CTDC_LABELS["ageBroad"],
                            choices=_blank(_l("Not known")) + options(AGE_BROAD_LABELS.items()))
    majority_status = SelectField(CTDC_LABELS["majorityStatus"],
                                  choices=_blank(_l("Not known")) + options(MAJORITY_STATUS_LABELS.items()))
    citizenship = StringField(CTDC_LABELS["citizenship"], validators=COUNTRY,
                              description=_l("ISO alpha-2, e.g. UA."))
    type_of_exploit = SelectField(CTDC_LABELS["typeOfExploit"],
                                  choices=_blank(_l("Not known")) + options(EXPLOIT_TYPE_LABELS.items()))
    country_of_exploitation = StringField(CTDC_LABELS["CountryOfExploitation"], validators=COUNTRY,
                                          description=_l("ISO alpha-2, e.g. PL."))
    year_of_registration = IntegerField(CTDC_LABELS["yearOfRegistration"],
                                        validators=[Optional(), NumberRange(1990, 2100)])


class ContactForm(FlaskForm):
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)],
                         description=_l("How and when contact is safe. No names."))


class EpisodeForm(FlaskForm):
    person_code = StringField(_l("Assisted person code"), validators=CODE)
    provider_code = StringField(_l("Provider code"), validators=CODE)
    started_on = DateField(_l("Started on"), validators=[DataRequired(), not_in_future])
    ended_on = DateField(_l("Ended on"), validators=[Optional(), not_in_future])
    services = MultiCheckboxField(_l("Services"), choices=options(SERVICES.items()))

    def validate_ended_on(self, field) -> None:
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(_l("The end is before the start."))


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""
