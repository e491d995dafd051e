"""The respondent pages' language: chosen per page (see :func:`use_language`): the respondent
session's language, else the invitation's survey default, else the browser's Accept-Language
among uk, ru and en, else Ukrainian, the programme's own. ``monitor.i18n`` installs Flask-Babel
for the whole app and merges this folder's catalogue (``translations/``) with the others;
``make translations`` extracts, updates and compiles them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import g
from flask_babel import get_translations, refresh
from jinja2 import pass_context
from markupsafe import Markup

from monitor.i18n import browser_language
from surveys.schema import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: The language of respondent pages when nothing else says which: the programme's own.
FALLBACK = "uk"
#: The Babel locale of each language for dates ("14 March 2099", not the US order).
DATE_LOCALES = {"uk": "uk_UA", "ru": "ru_RU", "en": "en_GB"}


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


__all__ = ["browser_language", "current_language", "long_date", "template_gettext", "use_language"]
