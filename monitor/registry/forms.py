"""Forms for the registry pages, built with Flask-WTF (CSRF on every form)."""

from __future__ import annotations

from datetime import date

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

from monitor.models import (
    AGE_BROAD,
    EXPLOIT_TYPES,
    GENDERS,
    MAJORITY_STATUS,
    MODULES,
    ORGANISATION_KINDS,
    PROFESSIONS,
    SERVICES,
)

CODE = [DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$",
               message="Use letters, digits and - _ . / only (a pseudonymous code, never a name).")]
COUNTRY = [Optional(), Regexp(r"^[A-Za-z]{2}$", message="Two letters (ISO 3166-1 alpha-2), e.g. UA.")]


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs or plain values."""
    return [SelectChoice(*p) if isinstance(p, tuple) else SelectChoice(p) for p in pairs]


def _blank(label: str) -> list[SelectChoice]:
    return [SelectChoice("", label)]


def not_in_future(form, field) -> None:  # noqa: ARG001
    if field.data and field.data > date.today():
        raise ValidationError("The date is in the future.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier on a phone than a multiple select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RegionForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=16)],
                       description="ISO 3166-2 code, e.g. UA-77.")
    name = StringField("Name (English)", validators=[DataRequired(), Length(max=120)])
    name_uk = StringField("Name (Ukrainian)", validators=[Optional(), Length(max=120)])
    name_ru = StringField("Name (Russian)", validators=[Optional(), Length(max=120)])
    joined_year = IntegerField("Joined the programme in", validators=[Optional(), NumberRange(2000, 2100)])


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=options(ORGANISATION_KINDS.items()), validators=[DataRequired()])
    region_id = SelectField("Region", coerce=int, validators=[DataRequired()])


class ProviderForm(FlaskForm):
    code = StringField("Pseudonymous code", validators=CODE)
    profession = SelectField("Profession", choices=options(PROFESSIONS.items()), validators=[DataRequired()])
    region_id = SelectField("Region", coerce=int, validators=[DataRequired()])
    organisation_id = SelectField("Organisation", coerce=lambda v: int(v) if v else None,
                                  validators=[Optional()])


class SessionForm(FlaskForm):
    code = StringField("Session code", validators=CODE)
    held_on = DateField("Date", validators=[DataRequired(), not_in_future])
    region_id = SelectField("Region", coerce=int, validators=[DataRequired()])
    hours = FloatField("Hours", validators=[DataRequired(), NumberRange(min=0.5, max=500)])
    modules = MultiCheckboxField("Modules", choices=options(MODULES.items()))


class AttendanceForm(FlaskForm):
    provider_code = StringField("Provider code", validators=CODE)
    hours_attended = FloatField("Hours attended", validators=[DataRequired(), NumberRange(min=0)])


class PersonForm(FlaskForm):
    code = StringField("Pseudonymous code", validators=CODE)
    region_id = SelectField("Region", coerce=int, validators=[DataRequired()])
    referred_on = DateField("Referred through the NRM on", validators=[Optional(), not_in_future])
    gender = SelectField("gender", choices=_blank("Not known") + options(GENDERS))
    age_broad = SelectField("ageBroad", choices=_blank("Not known") + options(AGE_BROAD))
    majority_status = SelectField("majorityStatus",
                                  choices=_blank("Not known") + options(MAJORITY_STATUS))
    citizenship = StringField("citizenship", validators=COUNTRY, description="ISO alpha-2, e.g. UA.")
    type_of_exploit = SelectField("typeOfExploit",
                                  choices=_blank("Not known") + options(EXPLOIT_TYPES))
    country_of_exploitation = StringField("CountryOfExploitation", validators=COUNTRY,
                                          description="ISO alpha-2, e.g. PL.")
    year_of_registration = IntegerField("yearOfRegistration",
                                        validators=[Optional(), NumberRange(1990, 2100)])


class ContactForm(FlaskForm):
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = StringField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)],
                         description="How and when contact is safe. No names.")


class EpisodeForm(FlaskForm):
    person_code = StringField("Assisted person code", validators=CODE)
    provider_code = StringField("Provider code", validators=CODE)
    started_on = DateField("Started on", validators=[DataRequired(), not_in_future])
    ended_on = DateField("Ended on", validators=[Optional(), not_in_future])
    services = MultiCheckboxField("Services", choices=options(SERVICES.items()))

    def validate_ended_on(self, field) -> None:
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError("The end is before the start.")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""
