"""Interface text in the user's language (Flask-Babel), for staff and respondents alike.

Which language a page is drawn in:

- a respondent page chooses its own (``monitor.fieldwork.respondent.i18n.use_language``: the
  respondent session's language, the survey's default, the browser's);
- a staff member's pages are in the language kept on their account (``User.language``), chosen
  at their first sign-in from the browser's Accept-Language and changed from any page;
- a page before sign-in (the login page, an error) follows the browser, else English;
- outside a request (the command line, a job) English: the command line speaks English.

Each part of the product keeps its own catalogue beside its code (``CATALOGUES``): its
``babel.cfg`` says which files it extracts from, ``translations/<lang>/LC_MESSAGES`` holds the
``.po`` and the compiled ``.mo`` (committed, so the app runs without a build step). Flask-Babel
merges them into one set of translations per language. ``make translations`` extracts, updates
and compiles them all; tests check that every marked string is translated in uk and ru and that
the ``.mo`` files match.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, format_decimal, get_locale, gettext, refresh
from flask_login import current_user

from surveys.schema import LANGUAGE_NAMES, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
#: The catalogues, by name: the folder holding ``babel.cfg``, ``messages.pot`` and
#: ``translations/``.
CATALOGUES: dict[str, Path] = {
    "monitor": ROOT / "monitor",
    "registry": ROOT / "monitor" / "registry",
    "fieldwork": ROOT / "monitor" / "fieldwork",
    "respondent": ROOT / "monitor" / "fieldwork" / "respondent",
    "surveys": ROOT / "surveys",
}
#: What a page is drawn in when nothing says otherwise (no account, no usable Accept-Language).
FALLBACK = "en"


def N_(message: str) -> str:  # noqa: N802  (the name pybabel looks for)
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


def browser_language(offered: tuple[str, ...] | list[str] = LANGUAGES) -> str | None:
    """The browser's preferred language among ``offered``, from Accept-Language."""
    return request.accept_languages.best_match(list(offered))


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring for the order)."""
    if not has_request_context():
        return FALLBACK
    chosen = g.get("respondent_language")
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        language = getattr(current_user, "language", None)
        if language in LANGUAGES:
            return language
    return browser_language() or FALLBACK


def init_app(app: Flask) -> None:
    """Install Flask-Babel with every catalogue and the locale selector."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          ";".join(str(path / "translations") for path in CATALOGUES.values()))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", FALLBACK)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["number"] = number

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on ``g``; a request must never inherit another's.
        g.pop("respondent_language", None)
        refresh()

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"interface_languages": LANGUAGES, "language_names": LANGUAGE_NAMES,
                "current_locale": current_locale, "role_name": role_name}


def current_locale() -> str:
    """The language this page is drawn in (uk, ru or en)."""
    locale = get_locale()
    return locale.language if locale is not None else FALLBACK


def number(value: int | float) -> str:
    """A count in the page's language: 1,234 in English, 1 234 in Ukrainian and Russian (where
    a comma would read as a decimal point)."""
    return format_decimal(value)


def role_name(role: str) -> str:
    """A staff role's name in the page's language."""
    names = {"admin": gettext("administrator"), "officer": gettext("monitoring officer"),
             "evaluator": gettext("evaluator")}
    return names.get(role, role)
