"""Reading one cell: blank or not, text, numbers, dates, and values from a vocabulary.

Cells come from CSV as strings and from XLSX as typed values (str, int, float, datetime, bool).
Every parser takes a non-blank cell and returns a Python value or raises ``BadValue`` with a
reason in plain words, in the officer's language, that the import report shows next to the row
and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from flask import has_app_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from surveys.schema import LANGUAGES

#: Longest cell text shown back in a report.
SHOWN_VALUE_LENGTH = 60

#: ISO 3166-1 alpha-2 country codes, plus XK (Kosovo), which data sets use widely.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA
    ZM ZW
    """.split()
)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIST_SEPARATORS = re.compile(r"[,;|]")

class BadValue(ValueError):
    """A cell that cannot be used; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, or text that is only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    """The cell as the report shows it: text, dates as ISO, shortened to a readable length."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = _CONTROL.sub("?", text).replace("\n", " ").replace("\r", " ").strip()
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return text


def parse_text(value: Any, max_length: int) -> str:
    """A short piece of text such as a code or a name.

    Raises:
        BadValue: a date or a yes/no cell, control characters, or text longer than ``max_length``.
    """
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool) or isinstance(value, (date, datetime, time)):
        raise BadValue(_("Expected text, found a date or a yes/no value."))
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).strip()
    if _CONTROL.search(text) or "\n" in text or "\r" in text:
        raise BadValue(_("Contains line breaks or control characters."))
    if len(text) > max_length:
        raise BadValue(ngettext("Too long: at most %(num)d character.", "Too long: at most %(num)d characters.",
                                 max_length))
    return text


def parse_number(value: Any) -> float:
    """A decimal number; a decimal comma is accepted (``1,5``).

    Raises:
        BadValue: when the cell is not a finite number.
    """
    if isinstance(value, bool):
        raise BadValue(_("Not a number."))
    if isinstance(value, (int, float)):
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise BadValue(_("Not a number."))
        return number
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            return float(text.replace(",", "."))
    raise BadValue(_("Not a number."))


def parse_year(value: Any, today: date) -> int:
    """A four-digit year, not after this year.

    Raises:
        BadValue: not a whole number, not a plausible year, or a year in the future.
    """
    if isinstance(value, bool):
        raise BadValue(_("Not a year."))
    if isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, int):
        year = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        year = int(value.strip())
    else:
        raise BadValue(_("Not a year; write it with four digits, such as 2015."))
    if year < 1990:
        raise BadValue(_("Not a plausible year of registration; write it with four digits."))
    if year > today.year:
        raise BadValue(_("The year is in the future."))
    return year


def parse_date(value: Any, today: date) -> date:
    """A calendar date: ISO ``YYYY-MM-DD``, ``DD.MM.YYYY``, or a date cell of a workbook.

    Raises:
        BadValue: not a date, an impossible date (31.02.2024), or a date in the future.
    """
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        match = _ISO_DATE.fullmatch(text)
        if match:
            year, month, dom = (int(g) for g in match.groups())
        else:
            match = _DOTTED_DATE.fullmatch(text)
            if not match:
                raise BadValue(_("Not a date; write dates as 2024-03-31 or 31.03.2024."))
            dom, month, year = (int(g) for g in match.groups())
        try:
            day = date(year, month, dom)
        except ValueError:
            raise BadValue(_("No such date; write dates as 2024-03-31 or 31.03.2024.")) from None
    else:
        raise BadValue(_("Not a date; write dates as 2024-03-31 or 31.03.2024."))
    if day.year < 1950:
        raise BadValue(_("The date is implausibly early; check the year."))
    if day > today:
        raise BadValue(_("The date is in the future."))
    return day


class Vocabulary:
    """Codes with labels; a cell may give the code or the label in English, Ukrainian or Russian
    (whatever the officer's own language), in any case, with or without apostrophes.

    ``unknown`` says what is wrong with a cell that is neither (``%(codes)s`` lists the codes);
    ``unknown_items`` the same for items of a list (``%(items)s`` names the first unknown ones).
    They are whole sentences per vocabulary so that every language can inflect its nouns.
    """

    def __init__(self, codes: Mapping[str, str] | Iterable[str], unknown: str,
                 unknown_items: str | None = None) -> None:
        if isinstance(codes, Mapping):
            self.labels: dict[str, str] = dict(codes)
        else:
            self.labels = {code: code for code in codes}
        self.unknown = unknown
        self.unknown_items = unknown_items or unknown
        self._built: dict[str, str] | None = None

    @property
    def codes(self) -> list[str]:
        return list(self.labels)

    @property
    def _lookup(self) -> dict[str, str]:
        """Folded code or label -> code, built on first use (the labels need the app's
        translations; outside an app only the codes and English labels are known)."""
        if self._built is not None:
            return self._built
        lookup = {fold(code): code for code in self.labels}
        claims: dict[str, set[str]] = {}
        for code, label in self.labels.items():
            for text in in_every_language(label):
                claims.setdefault(fold(text), set()).add(code)
        for key, codes in claims.items():
            if key not in lookup and len(codes) == 1:  # a label two codes share names neither
                lookup[key] = next(iter(codes))
        if has_app_context():
            self._built = lookup
        return lookup

    def parse(self, value: Any) -> str:
        """The code for a cell giving a code or a label.

        Raises:
            BadValue: naming the allowed codes.
        """
        code = self._lookup.get(fold(str(value)))
        if code is None:
            raise BadValue(str(self.unknown) % {"codes": ", ".join(self.labels)})
        return code

    def parse_list(self, value: Any) -> list[str]:
        """Codes separated by ``,``, ``;`` or ``|``, without repeats, in the order given.

        Raises:
            BadValue: naming the first unknown items.
        """
        codes: list[str] = []
        unknown: list[str] = []
        for part in _LIST_SEPARATORS.split(str(value)):
            if not part.strip():
                continue
            code = self._lookup.get(fold(part))
            if code is None:
                unknown.append(shown(part))
            elif code not in codes:
                codes.append(code)
        if unknown:
            listed = ", ".join(f"'{u}'" for u in unknown[:3])
            raise BadValue(str(self.unknown_items) % {"items": listed, "codes": ", ".join(self.labels)})
        return codes


def in_every_language(label: Any) -> list[str]:
    """A label as each interface language writes it (a plain string is the same in all)."""
    if not isinstance(label, LazyString) or not has_app_context():
        return [str(label)]
    texts = []
    for language in LANGUAGES:
        with force_locale(language):
            texts.append(str(label))
    return texts


_APOSTROPHES = re.compile("['\u2019\u02bc\u2018`\u00b4]")
_DASHES = re.compile("[\u2010-\u2015\u2212]|--")


def fold(text: str) -> str:
    """The key a code, label or name is matched by: case, apostrophes (' ’ ʼ), ё/е, dashes
    (``18-20``, ``18--20``, ``18–20``), underscores and spacing make no difference."""
    text = _APOSTROPHES.sub("", text.casefold()).replace("ё", "е")
    return " ".join(_DASHES.sub("-", text).replace("_", " ").split())


def parse_country(value: Any) -> str:
    """A two-letter ISO 3166-1 country code, returned in capitals.

    Raises:
        BadValue: anything that is not a known two-letter code.
    """
    code = str(value).strip().upper() if isinstance(value, str) else ""
    if code not in COUNTRY_CODES:
        raise BadValue(_("Not a two-letter ISO 3166-1 country code such as UA, MD or PL."))
    return code
