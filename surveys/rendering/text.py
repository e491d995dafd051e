"""Interface text of a survey page: the words around the questions (Next, Back, messages) in the
respondent's language, and which of a survey's languages a page is drawn in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask import has_app_context
from flask_babel import force_locale, gettext

from surveys.schema import (
    LANGUAGES,
    Survey,
)


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue without translating it (Babel extracts ``N_``)."""
    return text


#: The interface strings by name, in English; the catalogue (surveys/translations) holds their
#: Ukrainian and Russian. ``{name}`` placeholders are filled by :func:`ui`.
MESSAGES: dict[str, str] = {
    "next": N_("Next"),
    "back": N_("Back"),
    "finish": N_("Finish"),
    "required": N_("This question needs an answer."),
    "required_word": N_("required"),
    "not_integer": N_("Enter a whole number."),
    "not_number": N_("Enter a number."),
    "not_date": N_("Enter a valid date."),
    "too_many_digits": N_("Enter a number with at most {digits} digits."),
    "range": N_("Enter a number from {minimum} to {maximum}."),
    "at_least": N_("Enter a number of at least {minimum}."),
    "at_most": N_("Enter a number of at most {maximum}."),
    "not_choice": N_("Choose one of the options."),
    "constraint": N_("This answer is not accepted. Please check it."),
    "too_long": N_("The answer is too long (at most {maximum} characters)."),
    "error_summary": N_("Please check your answers"),
    "page_of": N_("Page {page} of {pages}"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "choose": N_("Choose…"),
    "preview": N_("Preview — answers are not saved"),
    "end_title": N_("Thank you!"),
    "end_text": N_("You have answered all the questions."),
    "revealed": N_("New questions have appeared, based on your answers. Please answer them too."),
    "language": N_("Language"),
    "start_again": N_("Start again"),
}


class _Interface(Mapping[str, Mapping[str, str]]):
    """``UI[language][name]``: the interface strings in ``language`` from the catalogues.

    A page names its language explicitly (the designer previews a survey in Russian while the
    officer reads Ukrainian), so this does not follow the request's locale: each language's
    strings are looked up once, under ``force_locale``, and kept for the process (the
    catalogues do not change while it runs). Outside an app there are no catalogues: English.
    """

    def __init__(self) -> None:
        self._by_language: dict[str, dict[str, str]] = {}

    def __getitem__(self, language: str) -> Mapping[str, str]:
        if language not in LANGUAGES:
            raise KeyError(language)
        strings = self._by_language.get(language)
        if strings is None:
            if not has_app_context():
                return MESSAGES
            with force_locale(language):
                strings = {name: gettext(text) for name, text in MESSAGES.items()}
            self._by_language[language] = strings
        return strings

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


UI: Mapping[str, Mapping[str, str]] = _Interface()


def ui(language: str, name: str, **values: Any) -> str:
    """The interface string ``name`` in ``language`` (English when unknown)."""
    text = UI[language if language in LANGUAGES else "en"][name]
    return text.format(**values) if values else text


def pick_language(survey: Survey, requested: str | None) -> str:
    """``requested`` when the survey offers it, else its default language."""
    if requested in survey.languages:
        return requested  # type: ignore[return-value]
    return survey.default_language if survey.default_language in LANGUAGES else "en"


def languages_of(survey: Survey) -> Iterable[str]:
    return [lang for lang in LANGUAGES if lang in survey.languages]
