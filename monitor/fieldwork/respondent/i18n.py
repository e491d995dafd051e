"""Interface text in the respondent's language with Flask-Babel; staff pages stay English.

The respondent pages choose the language (see :func:`use_language`): the respondent session's
language, else the invitation's survey default, else the browser's Accept-Language among
uk, ru and en. Every other page gets English.

The catalogues live beside this module (``translations/<lang>/LC_MESSAGES``), and the compiled
``.mo`` files are committed so the app runs without a build step; a test checks they match the
``.po`` files. After changing a marked string, from the repository root::

    .venv/bin/pybabel extract -F monitor/fieldwork/respondent/babel.cfg --no-location --sort-output \\
        --project "NRM Monitor" --version 0.1 --copyright-holder "NRM Monitor" \\
        --msgid-bugs-address "NRM Monitor team" -o monitor/fieldwork/respondent/messages.pot .
    .venv/bin/pybabel update -i monitor/fieldwork/respondent/messages.pot \\
        -d monitor/fieldwork/respondent/translations --no-fuzzy-matching --ignore-obsolete
    (translate the new entries in uk and ru)
    .venv/bin/pybabel compile -d monitor/fieldwork/respondent/translations
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import Flask, g, request
from flask_babel import Babel, get_translations, refresh
from jinja2 import pass_context
from markupsafe import Markup

from surveys.schema import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: The language of respondent pages when nothing else says which: the programme's own.
FALLBACK = "uk"
#: The Babel locale of each language for dates ("14 March 2099", not the US order).
DATE_LOCALES = {"uk": "uk_UA", "ru": "ru_RU", "en": "en_GB"}


def select_locale() -> str:
    """Flask-Babel's locale selector: what a respondent page chose, else English."""
    return g.get("respondent_language") or "en"


def use_language(language: str) -> None:
    """Draw the rest of this request in ``language`` (one of uk, ru, en)."""
    g.respondent_language = language if language in LANGUAGES else FALLBACK
    refresh()


def current_language() -> str:
    return g.get("respondent_language") or "en"


def template_gettext():
    """``_()`` for the respondent templates of this request: what Flask-Babel installs in
    Jinja (newstyle gettext: the translation marked safe under autoescape, then ``%``-formatted
    with the keyword arguments), with the catalogue looked up once per page instead of once per
    string (the look-up, not the translation, was a fifth of drawing the consent page). Put
    into the template context after the page's language is chosen, so it is that language."""
    translate = get_translations().ugettext

    @pass_context
    def gettext(__context, __string: str, **variables: Any) -> str:
        rv = translate(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return gettext


def long_date(value: date) -> str:
    """``value`` written out in the current respondent language (e.g. "14 березня 2099 р.")."""
    return format_date(value, format="long", locale=DATE_LOCALES.get(current_language(), "en_GB"))


def browser_language(offered: tuple[str, ...] | list[str] = LANGUAGES) -> str | None:
    """The browser's preferred language among ``offered``, from Accept-Language."""
    return request.accept_languages.best_match(list(offered))


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    Babel(app, locale_selector=select_locale)

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on ``g``; a request must never inherit another's.
        g.pop("respondent_language", None)
        refresh()
