"""The respondent pages' own controls (the answers' fields are built by ``surveys.rendering``).

Each form is given the cleaned post (``inputs.posted_form``), never ``request.form`` itself.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired

from surveys.schema import LANGUAGES

LANGUAGE_ACTIONS = tuple(f"language:{lang}" for lang in LANGUAGES)
#: The buttons of a section page: Next, Back, Save and continue later, or a language.
PAGE_ACTIONS = ("next", "back", "save", *LANGUAGE_ACTIONS)
#: Where the language form may return to (never a URL: no open redirect).
RETURNS = ("consent", "review", "resume", "done")


class _RespondentForm(FlaskForm):
    """The respondent pages' controls: a form that does not validate is refused with 400 and
    its messages are never shown, so WTForms' own message catalogue is not loaded (Flask-WTF
    would parse it for every request that builds a form).

    No CSRF field of their own: the app's ``CSRFProtect`` checks the token of every POST before
    the view runs (a missing or wrong token is the "expired form" page), and the pages write
    the token with ``csrf_token()``. A form's own field would sign a fresh token on every post
    and check the one already checked.
    """

    class Meta:
        csrf = False

        def get_translations(self, form):  # noqa: ARG002
            return None


class PageControls(_RespondentForm):
    """The button pressed on a section page and whether the page was opened from the review."""

    action = StringField(validators=[DataRequired(), AnyOf(PAGE_ACTIONS)])
    review = HiddenField()

    @property
    def language(self) -> str | None:
        """The language chosen with a language button, None for the other buttons."""
        value = self.action.data or ""
        return value.split(":", 1)[1] if value.startswith("language:") else None


class ConsentForm(_RespondentForm):
    """Yes, no (asks to confirm), confirmed no, or back from the confirmation."""

    choice = StringField(validators=[DataRequired(), AnyOf(("yes", "no", "confirm_no", "back"))])


class LanguageForm(_RespondentForm):
    """The language switch of the pages without answers on them."""

    language = StringField(validators=[DataRequired(), AnyOf(LANGUAGES)])
    back = StringField(validators=[DataRequired(), AnyOf(RETURNS)])
