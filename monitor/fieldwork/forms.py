"""Forms of the fieldwork pages (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from monitor.fieldwork.models import DEFAULT_WINDOW_AFTER_DAYS, DEFAULT_WINDOW_BEFORE_DAYS
from monitor.fieldwork.services import MAX_OFFSET_MONTHS, MAX_WINDOW_DAYS, WaveSpec

#: Blank wave rows offered under the existing ones.
BLANK_WAVES = 2
#: The most wave rows a plan form accepts (a plan has a handful of waves).
MAX_WAVE_ROWS = 40


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("Not a number.") from None


class WaveForm(Form):
    """One row of the waves table (a subform: the page's form carries the CSRF token)."""

    wave_id = HiddenField(filters=[lambda v: int(v) if v and str(v).isdigit() else None])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=32)],
                       filters=[lambda v: v.strip().lower() if v else v])
    offset_months = IntegerField(_l("Months after the anchor"),
                                 validators=[Optional(), NumberRange(0, MAX_OFFSET_MONTHS)])
    window_before_days = IntegerField(_l("Opens days before"), default=DEFAULT_WINDOW_BEFORE_DAYS,
                                      validators=[Optional(), NumberRange(0, MAX_WINDOW_DAYS)])
    window_after_days = IntegerField(_l("Closes days after"), default=DEFAULT_WINDOW_AFTER_DAYS,
                                     validators=[Optional(), NumberRange(1, MAX_WINDOW_DAYS)])
    remove = BooleanField(_l("Remove"))

    def validate(self, extra_validators=None) -> bool:
        """Row rules that Optional() would skip: an existing wave keeps a name, a named wave
        needs its months."""
        ok = super().validate(extra_validators)
        if self.remove.data:
            return ok
        if self.wave_id.data and not self.name.data:
            self.name.errors = [*self.name.errors, _("Give the wave a name, or tick Remove.")]
            ok = False
        if self.name.data and self.offset_months.data is None and not self.offset_months.errors:
            self.offset_months.errors = [*self.offset_months.errors, _("How many months after the anchor?")]
            ok = False
        return ok


class PlanForm(FlaskForm):
    """A follow-up plan: of whom and when (``NewPlanForm`` adds what is asked)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Leave empty to use the survey's title."))
    region_id = SelectField(_l("Region"), coerce=_optional_int, validators=[Optional()])
    anchor_from = DateField(_l("Only anchors from"), validators=[Optional()],
                            description=_l("Leave out episodes or training before this date, e.g. "
                                           "the day fieldwork begins. Without it every respondent "
                                           "in the registry is invited, and waves whose window "
                                           "closed long ago are marked expired at once."))
    waves = FieldList(FormField(WaveForm), min_entries=0, max_entries=MAX_WAVE_ROWS)

    def wave_specs(self) -> list[WaveSpec]:
        """The waves as submitted: rows without a name are skipped, ticked ones removed."""
        specs = []
        for entry in self.waves:
            row = entry.form
            if row.remove.data or not row.name.data:
                continue
            specs.append(WaveSpec(
                name=row.name.data, offset_months=row.offset_months.data,
                window_before_days=(DEFAULT_WINDOW_BEFORE_DAYS if row.window_before_days.data is None
                                    else row.window_before_days.data),
                window_after_days=(DEFAULT_WINDOW_AFTER_DAYS if row.window_after_days.data is None
                                   else row.window_after_days.data),
                wave_id=row.wave_id.data))
        return specs


ACTIONS = {
    # action: (scope, mode, output)
    "ticked-csv": ("ticked", "new", "csv"),
    "ticked-sheet": ("ticked", "new", "sheet"),
    "reissue-csv": ("ticked", "reissue", "csv"),
    "reissue-sheet": ("ticked", "reissue", "sheet"),
    "all-csv": ("filter", "new", "csv"),
    "all-sheet": ("filter", "new", "sheet"),
    # Only when MAIL_SERVER is set (checked in the view): new links to persons with an address.
    "ticked-email": ("ticked", "new", "email"),
    "all-email": ("filter", "new", "email"),
}


def version_label(survey_id: int, title: str, number: int, audience: str) -> str:
    """How the plan form offers a published version: the survey's id and title, the version
    and who answers it, e.g. "#3 Person follow-up, version 2 (for assisted persons)". The id
    tells apart surveys that share a title."""
    return _("#%(id)s %(title)s, version %(number)s (for %(audience)s)", id=survey_id, title=title,
             number=number, audience=audience)


class NewPlanForm(PlanForm):
    survey_version_id = SelectField(
        _l("Survey version"), coerce=_optional_int,
        validators=[DataRequired(message=_l("Choose a published survey version."))],
        description=_l("Only published versions of surveys for assisted persons or providers can "
                       "be put into the field."))


class EditPlanForm(PlanForm):
    status = SelectField(_l("Status"), choices=[SelectChoice("active", _l("Active")),
                                                SelectChoice("closed", _l("Closed"))],
                         validators=[AnyOf(["active", "closed"])],
                         description=_l("A closed plan keeps its invitations and answers but "
                                        "generates no new invitations."))


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SelectionForm(FlaskForm):
    """Which invitations: the ticked ones, and the due list's filter (carried as hidden fields)."""

    #: Whatever the page listed; the services only act on invitations of the plan.
    ids = SelectMultipleField(_l("Invitations"), coerce=int, validate_choice=False)
    wave = StringField(validators=[Optional(), Length(max=32)])
    region = IntegerField(validators=[Optional()])
    due_from = DateField(validators=[Optional()])
    due_to = DateField(validators=[Optional()])


class LinksForm(SelectionForm):
    """The due list's action form: links for the ticked invitations or for the filter."""

    as_of = HiddenField(filters=[_aware])
    action = StringField(validators=[DataRequired(), AnyOf(list(ACTIONS))])

    def validate_ids(self, field) -> None:
        scope = ACTIONS.get(self.action.data or "", ("filter",))[0]
        if scope == "ticked" and not field.data:
            raise ValidationError(_("Tick the invitations first."))


class RevokeForm(SelectionForm):
    def validate_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Tick the invitations to revoke."))
