"""XLSForm import and export: the spreadsheet format of ODK and KoboToolbox, mapped onto the
survey schema (``surveys.schema``).

Reading uses pyxform's own workbook reader, so a cell means here what it means to ODK (values
stripped, numbers written as text, blank rows kept for row numbers). Writing uses openpyxl and
the ODK conventions: ``label::English (en)`` columns, ``begin group``/``end group``, a ``choices``
and a ``settings`` sheet. What ODK has no column for travels in extension columns and a sheet
that ODK ignores, so ``import_xlsform(export_xlsform(s)).survey == s``:

survey sheet
    ``nrm_type`` (likert, matrix, long_text, yes_no), ``reverse`` (reverse-coded item),
    ``nrm_required`` (a matrix's own ``required``; on a matrix row: yes/no, or blank for "as the
    matrix says"), ``nrm_minimum``/``nrm_maximum`` (the numeric range, which is also written
    into ``constraint`` so that ODK enforces it).
choices sheet
    ``score`` (the option's score), ``nrm_generated`` (a list the exporter made up, such as the
    options of yes/no questions; it is not a list of the survey).
settings sheet
    ``nrm_title::<language>``, ``nrm_description::<language>``, ``nrm_audience``,
    ``nrm_languages`` (codes, space-separated), ``nrm_allow_fallback``.
``nrm_scores`` sheet
    ``key``, ``label::<language>``, ``items`` (space-separated keys), ``method``,
    ``multiplier``, ``offset``, ``min_items``.

Structure. Top-level groups become sections; questions outside any group go into a section of
their own (a calculation outside any group joins the section before it, as its place on the
page does not matter). A group inside a section is flattened into it: its relevance is AND-ed
into each of its questions, and its label, if any, becomes a note. A group marked
``nrm_type = matrix`` is rebuilt as a matrix question. Each such change is reported as a
warning.

What is refused with an error naming the row: repeats, locations, media and file questions,
barcodes, date-times and times, ranges, rankings, triggers, hidden fields, selects from files
or with ``or_other``, cascading choices (``choice_filter``) and conditional ``required``.
What is left out with a warning (never silently): metadata fields such as ``start``, ``end``,
``today``, ``deviceid``, ``username`` or ``audit`` (the platform records its own response
times and collects no device data), disabled rows, appearances other than ``multiline`` and
columns the schema has no place for (media, ``default``, ``read_only``, ``guidance_hint``...),
and texts in languages other than Ukrainian, Russian and English. A question needs a label
in at least one of those languages (as pyxform requires a label); other missing translations
make the survey fall back to its default language, with one warning.

As in ODK, reading stops after 60 blank rows in a row, and the title comes from
``form_title`` (or ``form_id``, or the file's name); ``form_title::<language>`` columns are
read too, though pyxform does not accept them, so the exporter writes ``nrm_title::``.
Expressions pass through as they are written: ``surveys.expressions`` reads the XLSForm
syntax itself.

Messages (refusals and warnings) are in the language of the page that asks, English outside a
request (the command line); what they quote of the file (sheet and column names, types, values)
stays as the file has it.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from pyxform.xls2json_backends import xlsx_to_dict

from surveys.schema import (
    KEY_PATTERN,
    LANGUAGES,
    Audience,
    Choice,
    ChoiceList,
    MatrixItem,
    Question,
    QuestionType,
    Score,
    ScoreMethod,
    Section,
    Survey,
    Text,
)
from surveys.validation import errors as _validation_errors
from surveys.validation import validate
from surveys.workbooks import MAX_UNPACKED_BYTES, WorkbookRefused, check_xlsx

__all__ = ["ImportedForm", "XLSFormError", "export_xlsform", "import_xlsform", "language_code"]

#: Largest upload read; what its parts may unpack to is capped by ``surveys.workbooks``.
MAX_BYTES = 10 * 1024 * 1024

#: The names the exporter writes after ``label::`` (the ODK convention ``Name (code)``).
LANGUAGE_COLUMN = {"en": "English (en)", "uk": "Ukrainian (uk)", "ru": "Russian (ru)"}
_LANGUAGE_ALIASES = {
    "en": "en", "eng": "en", "english": "en", "англійська": "en", "английский": "en",
    "uk": "uk", "ukr": "uk", "ua": "uk", "ukrainian": "uk", "українська": "uk",
    "украинский": "uk", "украинская": "uk",
    "ru": "ru", "rus": "ru", "russian": "ru", "русский": "ru", "російська": "ru",
}
_CODE_IN_PARENS = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*\)\s*$")

YES_NO_LIST = "yes_no"
_YES_NO_LABELS = {"yes": {"en": "Yes", "uk": "Так", "ru": "Да"},
                  "no": {"en": "No", "uk": "Ні", "ru": "Нет"}}

_TRUE = frozenset({"yes", "true", "1", "true()", "y"})
_FALSE = frozenset({"no", "false", "0", "false()", "n", ""})

_NRM_TYPES = {
    "likert": QuestionType.likert,
    "matrix": QuestionType.matrix,
    "long_text": QuestionType.long_text,
    "yes_no": QuestionType.yes_no,
}
_PLAIN_TYPES = {
    "text": QuestionType.text,
    "string": QuestionType.text,
    "integer": QuestionType.integer,
    "int": QuestionType.integer,
    "decimal": QuestionType.decimal,
    "date": QuestionType.date,
    "note": QuestionType.note,
    "calculate": QuestionType.calculate,
}
#: Filled in automatically by ODK; the platform keeps its own times and no device data.
_METADATA_TYPES = frozenset({
    "start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start_geopoint", "background_audio", "background_geopoint",
    "uri:deviceid", "uri:subscriberid", "uri:simserial", "uri:phonenumber", "uri:username",
    "uri:email",
})
_REFUSED_TYPES = {
    "geopoint": _l("locations are not collected"),
    "geotrace": _l("locations are not collected"),
    "geoshape": _l("locations are not collected"),
    "gps": _l("locations are not collected"),
    "location": _l("locations are not collected"),
    "image": _l("photos and files are not collected"),
    "photo": _l("photos and files are not collected"),
    "audio": _l("recordings are not collected"),
    "video": _l("recordings are not collected"),
    "file": _l("photos and files are not collected"),
    "barcode": _l("barcodes are not supported"),
    "acknowledge": _l("use a yes/no question instead"),
    "trigger": _l("use a yes/no question instead"),
    "datetime": _l("use a date question instead"),
    "date_time": _l("use a date question instead"),
    "time": _l("use a text or date question instead"),
    "hidden": _l("hidden fields are not supported; use a calculation"),
    "range": _l("use an integer question with a minimum and maximum instead"),
    "rank": _l("ranking is not supported"),
    "xml_external": _l("external data is not supported"),
    "csv_external": _l("external data is not supported"),
    "osm": _l("maps are not supported"),
    "select_one_from_file": _l("options must be on the choices sheet"),
    "select_multiple_from_file": _l("options must be on the choices sheet"),
    "select_one_external": _l("options must be on the choices sheet"),
}
_SELECT = re.compile(
    r"^(?P<cmd>select_one|select one|select1|select_multiple|select multiple"
    r"|select all that apply)\s+(?P<list>\S+)(?:\s+(?P<rest>.+))?$", re.IGNORECASE)
_CONTROL = re.compile(r"^(?P<end>begin|end)[ _]+(?P<what>.+)$", re.IGNORECASE)

#: Columns whose meaning cannot be kept: a value in them refuses the form.
_REFUSED_COLUMNS = {
    "choice_filter": _l("cascading choices (choice_filter) are not supported"),
    "trigger": _l("triggers are not supported"),
    "repeat_count": _l("repeats are not supported"),
}
_HEADER_ALIASES = {
    "relevance": "relevant",
    "calculate": "calculation",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "caption": "label",
    "value": "name",
    "readonly": "read_only",
    "set_form_title": "form_title",
    "set_form_id": "form_id",
}
_TRANSLATABLE = frozenset({"label", "hint", "constraint_message", "form_title", "nrm_title",
                           "nrm_description"})
_SURVEY_COLUMNS = frozenset({"type", "name", "label", "hint", "required", "relevant",
                             "constraint", "constraint_message", "calculation", "appearance",
                             "nrm_type", "reverse", "nrm_required", "nrm_minimum",
                             "nrm_maximum", "disabled"})
_CHOICE_COLUMNS = frozenset({"list_name", "name", "label", "score", "nrm_generated"})
_SCORE_COLUMNS = frozenset({"key", "label", "items", "method", "multiplier", "offset",
                            "min_items"})
#: Settings that describe a deployment rather than the survey; not carried over.
_DEPLOYMENT_SETTINGS = frozenset({"form_id", "version", "instance_name", "style", "public_key",
                                  "submission_url", "auto_send", "auto_delete", "namespaces",
                                  "allow_choice_duplicates", "clean_text_values", "omit_instanceID",
                                  "omit_instanceid", "name", "id_string"})
_SETTINGS_COLUMNS = frozenset({"form_title", "default_language", "nrm_title", "nrm_description",
                               "nrm_audience", "nrm_languages", "nrm_allow_fallback"})


class XLSFormError(ValueError):
    """An XLSForm that cannot be imported. ``problems`` lists every reason found, each naming
    the sheet and row (the header is row 1) or the question."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.message = message
        self.problems = list(problems) if problems else [message]
        super().__init__(message)


@dataclass(frozen=True)
class ImportedForm:
    """An imported survey and what the import had to leave out or change, for the user."""

    survey: Survey
    warnings: list[str] = field(default_factory=list)


# =============================================================================================
# Import
# =============================================================================================


def import_xlsform(data: bytes, filename: str = "form.xlsx") -> ImportedForm:
    """Read an XLSForm workbook (.xlsx) into a survey.

    ``filename`` only names the file in messages and gives the title when the form has none.
    Raises XLSFormError when the file is not a workbook, the form uses what the platform does
    not support, or the survey it describes is not valid (its ``problems`` list every reason).
    """
    book, scores_sheet = _read_workbook(data, filename)
    return _Importer(book, scores_sheet, filename).run()


def _read_workbook(data: bytes, filename: str
                   ) -> tuple[dict[str, Any], list[tuple[int, dict[str, str]]] | None]:
    name = PurePath(filename or "form.xlsx").name
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("import_xlsform() takes the file's bytes")
    data = bytes(data)
    if not data:
        raise XLSFormError(_("%(file)s is empty.", file=name))
    if len(data) > MAX_BYTES:
        raise XLSFormError(_("%(file)s is larger than %(num)d MB.", file=name,
                             num=MAX_BYTES // (1024 * 1024)))
    try:
        check_xlsx(data, name, MAX_UNPACKED_BYTES)
    except WorkbookRefused as refused:
        raise XLSFormError(_refusal(refused, name, data)) from None
    try:
        book = xlsx_to_dict(data)
    except Exception as exc:  # any failure to read arbitrary bytes means: not a usable workbook
        raise XLSFormError(_("%(file)s cannot be read as an Excel workbook: %(error)s",
                             file=name, error=str(exc))) from None
    scores = None
    if any(s.lower() == "nrm_scores" for s in book.get("sheet_names", [])):
        scores = _read_extra_sheet(data, "nrm_scores")
    return book, scores


def _refusal(refused: WorkbookRefused, name: str, data: bytes) -> str:
    """What ``check_xlsx`` refused, said in the page's language (its own message is English)."""
    if refused.reason == "old_format":
        return _("%(file)s is an old Excel (.xls) or encrypted workbook; save it as .xlsx (Excel "
                 "Workbook) without a password and import that.", file=name)
    if refused.reason == "not_zip":
        if _looks_like_text(data):
            return _("%(file)s is not an Excel workbook (.xlsx). A CSV or text XLSForm cannot be "
                     "imported; open it in a spreadsheet and save it as .xlsx.", file=name)
        return _("%(file)s is not an Excel workbook (.xlsx).", file=name)
    if refused.reason == "not_workbook":
        return _("%(file)s is a zip archive but not an Excel workbook (.xlsx).", file=name)
    if refused.reason == "too_large" and refused.ratio is not None:
        ratio = format_decimal(refused.ratio) if get_locale() else f"{refused.ratio:,}"
        return _("%(file)s unpacks to %(ratio)s times its size, as no saved spreadsheet does (it "
                 "looks like a zip bomb), so it was not opened.", file=name, ratio=ratio)
    if refused.reason == "too_large":
        return _("%(file)s unpacks to more than %(num)d MB; split it into smaller files.",
                 file=name, num=MAX_UNPACKED_BYTES // (1024 * 1024))
    return refused.message


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def _read_extra_sheet(data: bytes, sheet_name: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a sheet pyxform's reader skips, as (row number, {header: text})."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = next(workbook[s] for s in workbook.sheetnames if s.lower() == sheet_name)
        rows = sheet.iter_rows(values_only=True)
        header = [(_cell_text(v) or None) for v in next(rows, ())]
        out = []
        for number, values in enumerate(rows, start=2):
            row = {h: t for h, v in zip(header, values, strict=False)
                   if h and (t := _cell_text(v))}
            if row:
                out.append((number, row))
        return out
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\xa0", " ").strip()


def _snake(text: str) -> str:
    return "_".join(text.split()).lower()


def language_code(name: str) -> str | None:
    """The schema's code for a language as XLSForms name it (``English (en)``, ``Русский``,
    ``uk``...), or None for a language the platform does not support."""
    text = name.strip()
    match = _CODE_IN_PARENS.search(text)
    if match:
        return _LANGUAGE_ALIASES.get(match.group(1).lower())
    return _LANGUAGE_ALIASES.get(text.lower())


@dataclass
class _Columns:
    """A sheet's headers understood: plain columns and texts per language."""

    sheet: str
    plain: dict[str, str] = field(default_factory=dict)  # base name -> header
    #: base name -> [(header, language code, or None for the default language)]
    texts: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    foreign_language: list[str] = field(default_factory=list)  # headers in other languages
    other: list[str] = field(default_factory=list)  # headers the schema has no place for
    languages: list[str] = field(default_factory=list)  # codes, in order of appearance


def _columns(sheet: str, headers: Iterable[str], known: frozenset[str],
             problems: list[str]) -> _Columns:
    cols = _Columns(sheet)
    headers = list(headers)
    double_colon = any("::" in h for h in headers)
    seen_text: dict[tuple[str, str | None], str] = {}
    for header in headers:
        if header.startswith("$"):  # KoboToolbox's own bookkeeping ($kuid, $autoname...)
            continue
        if "::" in header:
            base, suffix = header.split("::", 1)
        elif not double_colon and ":" in header and _snake(header.split(":")[0]) in _TRANSLATABLE:
            base, suffix = header.split(":", 1)
        else:
            base, suffix = header, ""
        base = _snake(base)
        base = _HEADER_ALIASES.get(base, base)
        suffix = suffix.strip()
        if base in ("bind", "control", "body") and suffix and "::" not in suffix:
            base, suffix = _HEADER_ALIASES.get(_snake(suffix), _snake(suffix)), ""
        if base in _TRANSLATABLE and base in known:
            language = None
            if suffix and suffix.lower() != "default":
                language = language_code(suffix)
                if language is None:
                    cols.foreign_language.append(header)
                    continue
            if (base, language) in seen_text:
                problems.append(_same_text(sheet, seen_text[base, language], header))
                continue
            seen_text[base, language] = header
            cols.texts.setdefault(base, []).append((header, language))
            if language and language not in cols.languages:
                cols.languages.append(language)
        elif base in known and not suffix:
            if base in cols.plain:
                problems.append(_("%(sheet)s sheet: the columns %(first)s and %(second)s mean "
                                  "the same; keep one.", sheet=sheet,
                                  first=repr(cols.plain[base]), second=repr(header)))
                continue
            cols.plain[base] = header
        else:
            cols.other.append(header)
    return cols


def _parse_bool(value: str | None) -> bool | None:
    """True/False for yes/no style values, None when the text is not one."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _and(outer: str | None, inner: str | None) -> str | None:
    if not outer:
        return inner
    if not inner:
        return outer
    return f"({outer}) and ({inner})"


def _range_text(minimum: float | None, maximum: float | None) -> str:
    parts = []
    if minimum is not None:
        parts.append(f". >= {_format_number(minimum)}")
    if maximum is not None:
        parts.append(f". <= {_format_number(maximum)}")
    return " and ".join(parts)


def _format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def _constraint_with_range(constraint: str | None, minimum: float | None,
                           maximum: float | None) -> str | None:
    """The constraint ODK enforces: the range, and the question's own constraint."""
    if minimum is None and maximum is None:
        return constraint
    range_text = _range_text(minimum, maximum)
    return f"({range_text}) and ({constraint})" if constraint else range_text


def _constraint_without_range(constraint: str | None, minimum: float | None,
                              maximum: float | None) -> str | None:
    """The inverse of ``_constraint_with_range``; a constraint edited by hand is kept whole."""
    if not constraint or (minimum is None and maximum is None):
        return constraint
    range_text = _range_text(minimum, maximum)
    if constraint == range_text:
        return None
    prefix = f"({range_text}) and ("
    if constraint.startswith(prefix) and constraint.endswith(")"):
        return constraint[len(prefix):-1]
    return constraint


@dataclass
class _Row:
    number: int
    values: dict[str, str]


@dataclass
class _Open:
    """A group that has begun and not yet ended."""

    kind: str  # "section", "nested" or "matrix"
    row: int
    name: str
    condition: str | None = None  # relevance carried into the questions (nested groups)
    matrix: Question | None = None
    matrix_rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    matrix_range: tuple[float | None, float | None] = (None, None)
    matrix_has_nrm_required: bool = False


class _Importer:
    def __init__(self, book: dict[str, Any], scores_sheet: list[tuple[int, dict[str, str]]] | None,
                 filename: str) -> None:
        self.book = book
        self.scores_sheet = scores_sheet
        self.stem = PurePath(filename or "form.xlsx").stem or "form"
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.rows_of_key: dict[str, int] = {}
        self.rows_of_section: dict[str, int] = {}
        self.rows_of_score: dict[str, int] = {}
        self.appearances: dict[str, list[int]] = defaultdict(list)

    # --- the whole ---------------------------------------------------------------------------

    def run(self) -> ImportedForm:
        if "survey" not in self.book:
            raise XLSFormError(_("The workbook has no 'survey' sheet, so it is not an XLSForm."))
        survey_rows = list(self.book.get("survey") or [])
        survey_cols = _columns("survey", _headers(self.book, "survey"), _SURVEY_COLUMNS,
                               self.problems)
        choice_cols = (_columns("choices", _headers(self.book, "choices"), _CHOICE_COLUMNS,
                                self.problems) if "choices" in self.book else None)
        settings_cols = _columns("settings", _headers(self.book, "settings"),
                                 _SETTINGS_COLUMNS | _DEPLOYMENT_SETTINGS, self.problems)
        score_headers = list(dict.fromkeys(h for _, r in self.scores_sheet or [] for h in r))
        score_cols = _columns("nrm_scores", score_headers, _SCORE_COLUMNS, self.problems)
        if "type" not in survey_cols.plain:
            raise XLSFormError(_("The survey sheet has no 'type' column, so it is not an "
                                 "XLSForm."))
        if self.problems:
            raise self._error()

        settings = next((r for r in self.book.get("settings") or [] if r), {})
        self.default_language, self.languages = self._languages(
            settings, settings_cols, [survey_cols, choice_cols, score_cols])
        for cols in (survey_cols, choice_cols, settings_cols, score_cols):
            self._plain_and_default(cols)
        self._foreign_columns([("survey", survey_cols, survey_rows),
                               ("choices", choice_cols, self.book.get("choices") or []),
                               ("settings", settings_cols, [settings])])
        title, description, audience, allow_fallback = self._settings(settings, settings_cols)

        choice_lists, generated = self._choices(choice_cols)
        sections = self._survey(survey_rows, survey_cols, choice_lists, title)
        scores = self._scores(score_cols)
        used = {q.choices for s in sections for q in s.questions if q.choices}
        for name in generated - used:
            del choice_lists[name]
        if self.problems:
            raise self._error()
        if not any(True for s in sections for _ in s.questions):
            raise XLSFormError(_("The form has no questions."))

        survey = Survey(title=title, languages=self.languages,
                        default_language=self.default_language, description=description,
                        sections=sections, choice_lists=choice_lists, scores=scores)
        if audience is not None:
            survey.audience = audience
        missing = _missing_languages(survey)
        if allow_fallback is None:
            allow_fallback = bool(missing)
            if missing:
                self.warnings.append(_(
                    "Some texts are missing in %(languages)s; they fall back to %(default)s "
                    "until they are translated.", languages=", ".join(
                        f"{LANGUAGE_COLUMN[lang]} ({n})" for lang, n in missing.items()),
                    default=LANGUAGE_COLUMN[self.default_language]))
        survey.allow_fallback = allow_fallback
        self._validate(survey)
        self._appearance_warning()
        return ImportedForm(survey=survey, warnings=self.warnings)

    def _error(self) -> XLSFormError:
        shown = "; ".join(self.problems[:5])
        more = len(self.problems) - 5
        if more > 0:
            shown += " " + ngettext("(and %(num)d more)", "(and %(num)d more)", more)
        return XLSFormError(ngettext("The form cannot be imported (%(num)d problem): %(list)s",
                                     "The form cannot be imported (%(num)d problems): %(list)s",
                                     len(self.problems), list=shown), self.problems)

    def _validate(self, survey: Survey) -> None:
        found = _validation_errors(validate(survey))
        if not found:
            return
        for problem in found:
            sheet, row = "survey", self.rows_of_key.get(problem.key or "")
            if problem.key is None and problem.where.startswith(("section '", "score '")):
                name = problem.where.split("'")[1]
                if problem.where.startswith("section"):
                    row = self.rows_of_section.get(name)
                else:
                    sheet, row = "nrm_scores", self.rows_of_score.get(name)
            self.problems.append(f"{_row(sheet, row)}, {problem}" if row else str(problem))
        raise self._error()

    # --- languages and settings ------------------------------------------------------------

    def _languages(self, settings: dict[str, str], settings_cols: _Columns,
                   sheets: list[_Columns | None]) -> tuple[str, list[str]]:
        found: list[str] = []
        for cols in [*sheets, settings_cols]:
            for language in cols.languages if cols else []:
                if language not in found:
                    found.append(language)
        default = None
        header = settings_cols.plain.get("default_language")
        if header and settings.get(header):
            default = language_code(settings[header])
            if default is None:
                self.warnings.append(_(
                    "The default language %(language)s is not one of Ukrainian, Russian and "
                    "English; texts without a language are not imported.",
                    language=repr(settings[header])))
        plain_texts = any(lang is None for cols in [*sheets, settings_cols] if cols
                          for entries in cols.texts.values() for _, lang in entries)
        if default is None:
            default = "en" if "en" in found or plain_texts or not found else found[0]
        self.plain_ok = header is None or not settings.get(header) or \
            language_code(settings[header]) is not None
        languages = list(found)
        listed = settings_cols.plain.get("nrm_languages")
        if listed and settings.get(listed):
            codes = settings[listed].split()
            unknown = [c for c in codes if c not in LANGUAGES]
            if unknown:
                self.problems.append(_("settings sheet: nrm_languages names %(unknown)s; the "
                                       "platform knows %(known)s.", unknown=", ".join(unknown),
                                       known=", ".join(LANGUAGES)))
            languages = [c for c in codes if c in LANGUAGES]
        if default not in languages:
            languages.insert(0, default)
        return default, languages

    def _plain_and_default(self, cols: _Columns | None) -> None:
        for entries in cols.texts.values() if cols else []:
            plain = [h for h, lang in entries if lang is None]
            default = [h for h, lang in entries if lang == self.default_language]
            if plain and default:
                self.problems.append(_same_text(cols.sheet, plain[0], default[0]))

    def _text(self, row: dict[str, str], cols: _Columns | None, base: str) -> Text:
        out: Text = {}
        for header, language in cols.texts.get(base, []) if cols else []:
            value = row.get(header)
            if not value:
                continue
            if language is None:
                if not self.plain_ok:
                    continue
                language = self.default_language
            out[language] = value
        return out

    def _settings(self, settings: dict[str, str], cols: _Columns
                  ) -> tuple[Text, Text, Audience | None, bool | None]:
        def plain(name: str) -> str:
            header = cols.plain.get(name)
            return settings.get(header, "") if header else ""

        if cols.texts.get("nrm_title"):
            title = self._text(settings, cols, "nrm_title")
        else:
            title = {lang: text for lang, text in self._text(settings, cols, "form_title").items()}
            if self.default_language not in title:
                fallback = plain("form_id") or self.stem
                title = {self.default_language: fallback, **title}
        description = self._text(settings, cols, "nrm_description")
        audience = None
        if plain("nrm_audience"):
            try:
                audience = Audience(plain("nrm_audience").lower())
            except ValueError:
                self.problems.append(_("settings sheet: nrm_audience %(value)s is not one of "
                                       "%(known)s.", value=repr(plain("nrm_audience")),
                                       known=", ".join(a.value for a in Audience)))
        allow_fallback = None
        if plain("nrm_allow_fallback"):
            allow_fallback = _parse_bool(plain("nrm_allow_fallback"))
            if allow_fallback is None:
                self.problems.append(_("settings sheet: nrm_allow_fallback must be yes or no."))
        return title, description, audience, allow_fallback

    def _foreign_columns(self, sheets: list[tuple[str, _Columns | None, list[dict[str, str]]]]
                         ) -> None:
        for sheet, cols, rows in sheets:
            if cols is None:
                continue
            for header in cols.other + cols.foreign_language:
                numbers = [n for n, row in enumerate(rows, start=2) if row.get(header)]
                if not numbers:
                    continue
                base = _HEADER_ALIASES.get(_snake(header.split("::")[0]),
                                           _snake(header.split("::")[0]))
                if sheet == "survey" and base in _REFUSED_COLUMNS:
                    self.problems.append(_("%(where)s: column %(column)s: %(reason)s.",
                                           where=_rows_text(numbers, "survey"),
                                           column=repr(header),
                                           reason=_REFUSED_COLUMNS[base]))
                elif header in cols.foreign_language:
                    self.warnings.append(_("The %(sheet)s column %(column)s is in a language "
                                           "the platform does not support (Ukrainian, Russian, "
                                           "English); its texts are not imported.",
                                           sheet=sheet, column=repr(header)))
                elif sheet == "settings":
                    self.warnings.append(_("The setting %(column)s is not imported.",
                                           column=repr(header)))
                else:
                    self.warnings.append(_("The %(sheet)s column %(column)s is not imported "
                                           "(%(rows)s).", sheet=sheet, column=repr(header),
                                           rows=_rows_text(numbers)))

    # --- choices --------------------------------------------------------------------------

    def _choices(self, cols: _Columns | None) -> tuple[dict[str, ChoiceList], set[str]]:
        lists: dict[str, ChoiceList] = {}
        generated: set[str] = set()
        if cols is None:
            return lists, generated
        for number, row in enumerate(self.book.get("choices") or [], start=2):
            if not row:
                continue
            list_name = row.get(cols.plain.get("list_name", ""), "")
            value = row.get(cols.plain.get("name", ""), "")
            where = _row("choices", number)
            if not list_name:
                if value or self._text(row, cols, "label"):
                    self.problems.append(_("%(where)s: the option has no list_name.",
                                           where=where))
                continue
            if not value:
                self.problems.append(_("%(where)s: the option of list %(name)s has no name.",
                                       where=where, name=repr(list_name)))
                continue
            score = None
            score_text = row.get(cols.plain.get("score", ""), "")
            if score_text:
                score = _number(score_text)
                if score is None:
                    self.problems.append(_("%(where)s: the score %(value)s is not a number.",
                                           where=where, value=repr(score_text)))
            if _parse_bool(row.get(cols.plain.get("nrm_generated", ""), "")):
                generated.add(list_name)
            lists.setdefault(list_name, ChoiceList(list_name)).choices.append(
                Choice(value=value, label=self._text(row, cols, "label"), score=score))
        return lists, generated

    # --- scores ---------------------------------------------------------------------------

    def _scores(self, cols: _Columns) -> list[Score]:
        scores = []
        for number, row in self.scores_sheet or []:
            where = _row("nrm_scores", number)

            def get(name: str, row: dict[str, str] = row) -> str:
                return row.get(cols.plain.get(name, ""), "")

            key = get("key")
            if not key:
                self.problems.append(_("%(where)s: the score has no key.", where=where))
                continue
            numbers = {}
            for name in ("multiplier", "offset", "min_items"):
                text = get(name)
                numbers[name] = _number(text) if text else None
                if text and numbers[name] is None:
                    self.problems.append(_not_a_number(where, name, text))
            min_items = numbers["min_items"]
            if min_items is not None and not float(min_items).is_integer():
                self.problems.append(_("%(where)s: min_items must be a whole number.",
                                       where=where))
            method = get("method") or "sum"
            if method not in ScoreMethod.__members__:
                self.problems.append(_("%(where)s: the method %(method)s is not sum or mean.",
                                       where=where, method=repr(method)))
                continue
            scores.append(Score(
                key=key, label=self._text(row, cols, "label"), items=get("items").split(),
                method=ScoreMethod(method),
                multiplier=1.0 if numbers["multiplier"] is None else numbers["multiplier"],
                offset=0.0 if numbers["offset"] is None else numbers["offset"],
                min_items=None if min_items is None else int(min_items)))
            self.rows_of_score.setdefault(key, number)
        return scores

    # --- the survey sheet -----------------------------------------------------------------

    def _survey(self, rows: list[dict[str, str]], cols: _Columns,
                lists: dict[str, ChoiceList], title: Text
                ) -> list[Section]:
        def get(row: dict[str, str], name: str) -> str:
            return row.get(cols.plain.get(name, ""), "")

        # Sections and questions have keys of their own (a section may share its question's).
        names: dict[tuple[str, str], list[int]] = defaultdict(list)
        sections: list[Section] = []
        stack: list[_Open] = []
        loose: Section | None = None  # the section of questions outside any group
        pending_calculations: list[Question] = []
        loose_count = 0
        used_names = {get(r, "name") for r in rows if r}

        def new_section(key: str, text: Text, relevant: str | None) -> Section:
            section = Section(key=key, title=text, relevant=relevant)
            section.questions.extend(pending_calculations)
            pending_calculations.clear()
            sections.append(section)
            return section

        def loose_section() -> Section:
            nonlocal loose, loose_count
            if loose is None:
                loose_count += 1
                while f"section_{loose_count}" in used_names:
                    loose_count += 1
                number = loose_count
                used_names.add(f"section_{number}")
                loose = new_section(f"section_{number}", dict(title), None)
            return loose

        def place(question: Question, number: int) -> None:
            self.rows_of_key[question.key] = number
            if stack:
                if stack[0].kind == "section":
                    sections[-1].questions.append(question)
                else:  # a matrix outside any section
                    loose_section().questions.append(question)
            elif question.type == QuestionType.calculate and loose is None:
                if sections:
                    sections[-1].questions.append(question)
                else:
                    pending_calculations.append(question)
            else:
                loose_section().questions.append(question)

        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            raw_type = " ".join(get(row, "type").split())
            name = get(row, "name")
            where = _row("survey", number)
            if _parse_bool(get(row, "disabled")):
                self.warnings.append(_("%(where)s (%(name)s) is disabled and is not imported.",
                                       where=where, name=name or raw_type))
                continue
            if not raw_type:
                if name:
                    self.problems.append(_("%(where)s: %(name)s has no type.", where=where,
                                           name=name))
                elif self._text(row, cols, "label"):
                    self.problems.append(_("%(where)s: the row has no type.", where=where))
                else:
                    self.warnings.append(_("%(where)s has no type and is not imported.",
                                           where=where))
                continue
            control = _CONTROL.match(raw_type)
            lowered = _snake(raw_type).replace("-", "_")
            what = _snake(control.group("what")) if control else ""
            if control and what.split("_")[0] in ("group", "repeat", "looped", "loop",
                                                   "lgroup"):
                is_begin = control.group("end").lower() == "begin"
                if what != "group":
                    self.problems.append(_("%(where)s: type %(type)s is not supported: repeats "
                                           "cannot be imported.", where=where,
                                           type=repr(raw_type)))
                    continue
                if is_begin:
                    self._begin_group(row, number, name, get, cols, names, stack, sections,
                                      new_section)
                    if stack and stack[-1].kind == "section":
                        loose = None
                else:
                    if not stack:
                        self.problems.append(_("%(where)s: 'end group' without a 'begin "
                                               "group'.", where=where))
                        continue
                    closed = stack.pop()
                    if closed.kind == "matrix":
                        matrix = self._finish_matrix(closed)
                        place(matrix, closed.row)
                continue
            if lowered in _METADATA_TYPES:
                what = f"{raw_type!r} ({name})" if name else repr(raw_type)
                self.warnings.append(_("%(where)s: %(what)s is metadata ODK records by itself; "
                                       "it is not imported (the platform keeps its own "
                                       "response times and collects no device data).",
                                       where=where, what=what))
                continue
            in_matrix = bool(stack) and stack[-1].kind == "matrix"
            question = self._question(row, number, raw_type, lowered, name, get, cols, lists,
                                      in_matrix)
            if question is None:
                continue
            names["question", question.key].append(number)
            if in_matrix:
                self.rows_of_key[question.key] = number
                stack[-1].matrix_rows.append((number, {
                    "question": question, "nrm_required": get(row, "nrm_required"),
                    "appearance": get(row, "appearance")}))
                continue
            question.relevant = _and(_conditions(stack), question.relevant)
            place(question, number)

        for open_group in stack:
            self.problems.append(_("%(where)s: 'begin group' %(name)s has no 'end group'.",
                                   where=_row("survey", open_group.row),
                                   name=repr(open_group.name)))
        for (kind, key), numbers in names.items():
            if len(numbers) > 1:
                rows = ", ".join(map(str, numbers))
                if kind == "section":
                    message = ngettext(
                        "survey rows %(rows)s: the section name %(name)s is used %(num)d time; "
                        "names must be unique.",
                        "survey rows %(rows)s: the section name %(name)s is used %(num)d times; "
                        "names must be unique.", len(numbers), rows=rows, name=repr(key))
                else:
                    message = ngettext(
                        "survey rows %(rows)s: the question name %(name)s is used %(num)d time; "
                        "names must be unique.",
                        "survey rows %(rows)s: the question name %(name)s is used %(num)d "
                        "times; names must be unique.", len(numbers), rows=rows, name=repr(key))
                self.problems.append(message)
        if pending_calculations:
            loose_section()
        return sections

    def _begin_group(self, row, number, name, get, cols, names, stack, sections,
                     new_section) -> None:
        where = _row("survey", number)
        if not name:
            self.problems.append(_("%(where)s: 'begin group' needs a name.", where=where))
            name = f"group_{number}"
        elif not KEY_PATTERN.match(name):
            self.problems.append(_invalid_name(where, name))
        kind = "section" if not stack and get(row, "nrm_type") != "matrix" else "question"
        if kind == "section" or get(row, "nrm_type") == "matrix" or self._text(row, cols, "label"):
            names[kind, name].append(number)
        label = self._text(row, cols, "label")
        hint = self._text(row, cols, "hint")
        relevant = get(row, "relevant") or None
        nrm_type = get(row, "nrm_type")
        appearance = get(row, "appearance")
        if nrm_type and nrm_type != "matrix":
            self.problems.append(_("%(where)s: nrm_type %(value)s does not fit a group.",
                                   where=where, value=repr(nrm_type)))
        if stack and stack[-1].kind == "matrix":
            self.problems.append(_("%(where)s: a group cannot be inside the matrix %(name)s.",
                                   where=where, name=repr(stack[-1].name)))
        if nrm_type == "matrix":
            required = _parse_bool(get(row, "nrm_required"))
            reverse = _parse_bool(get(row, "reverse"))
            minimum, maximum = self._range(row, number, get)
            matrix = Question(key=name, type=QuestionType.matrix, label=label, hint=hint,
                              required=bool(required), reverse=bool(reverse),
                              relevant=_and(_conditions(stack), relevant),
                              minimum=minimum, maximum=maximum)
            stack.append(_Open("matrix", number, name, matrix=matrix,
                               matrix_range=(minimum, maximum),
                               matrix_has_nrm_required=bool(get(row, "nrm_required"))))
            return
        if appearance and appearance.lower() not in ("field-list",):
            self.appearances[appearance].append(number)
        if not stack:
            self.rows_of_section[name] = number
            new_section(name, label, relevant)
            stack.append(_Open("section", number, name))
            return
        # A group inside a section: flattened, its relevance carried into its questions.
        section_key = stack[0].name
        condition = _and(_conditions(stack), relevant)
        if label:
            note = Question(key=name, type=QuestionType.note, label=label, hint=hint,
                            relevant=condition)
            self.rows_of_key[name] = number
            sections[-1].questions.append(note)
            if relevant:
                message = _("%(where)s: the group %(name)s inside section %(section)s is "
                            "flattened into it; its label is kept as a note and its relevance "
                            "is added to each of its questions.", where=where, name=repr(name),
                            section=repr(section_key))
            else:
                message = _("%(where)s: the group %(name)s inside section %(section)s is "
                            "flattened into it; its label is kept as a note.", where=where,
                            name=repr(name), section=repr(section_key))
        elif relevant:
            message = _("%(where)s: the group %(name)s inside section %(section)s is flattened "
                        "into it and its relevance is added to each of its questions.",
                        where=where, name=repr(name), section=repr(section_key))
        else:
            message = _("%(where)s: the group %(name)s inside section %(section)s is flattened "
                        "into it.", where=where, name=repr(name), section=repr(section_key))
        self.warnings.append(message)
        stack.append(_Open("nested", number, name, condition=relevant))

    def _range(self, row, number, get) -> tuple[float | None, float | None]:
        bounds = []
        for name in ("nrm_minimum", "nrm_maximum"):
            text = get(row, name)
            value = _number(text) if text else None
            if text and value is None:
                self.problems.append(_not_a_number(_row("survey", number), name, text))
            bounds.append(value)
        return bounds[0], bounds[1]

    def _question(self, row, number, raw_type, lowered, name, get, cols, lists,
                  in_matrix: bool) -> Question | None:
        where = _row("survey", number)
        select = _SELECT.match(raw_type)
        list_name = None
        if select:
            if select.group("rest"):
                rest = select.group("rest")
                if _snake(rest) in ("or_other", "or_specify_other"):
                    message = _("%(where)s: type %(type)s: 'or_other' is not supported: add an "
                                "'other' option and a text question relevant on it.",
                                where=where, type=repr(raw_type))
                else:
                    message = _("%(where)s: type %(type)s: %(rest)s is not understood.",
                                where=where, type=repr(raw_type), rest=repr(rest))
                self.problems.append(message)
                return None
            list_name = select.group("list")
            qtype = (QuestionType.select_one if _snake(select.group("cmd")) in
                     ("select_one", "select1") else QuestionType.select_multiple)
        elif lowered in _PLAIN_TYPES:
            qtype = _PLAIN_TYPES[lowered]
        else:
            refused = next((reason for t, reason in _REFUSED_TYPES.items()
                            if lowered == t or lowered.startswith(t + "_")), None)
            if refused:
                self.problems.append(_("%(where)s: type %(type)s is not supported: "
                                       "%(reason)s.", where=where, type=repr(raw_type),
                                       reason=refused))
            else:
                self.problems.append(_("%(where)s: type %(type)s is not a known XLSForm type.",
                                       where=where, type=repr(raw_type)))
            return None
        if not name:
            self.problems.append(_("%(where)s: the %(type)s question has no name.",
                                   where=where, type=repr(raw_type)))
            return None
        if not KEY_PATTERN.match(name):
            self.problems.append(_invalid_name(where, name))
            return None
        if list_name is not None:
            if "choices" not in self.book:
                self.problems.append(_("%(where)s: %(name)s uses the list %(list)s but the "
                                       "workbook has no choices sheet.", where=where,
                                       name=repr(name), list=repr(list_name)))
                return None
            if list_name not in lists:
                self.problems.append(_("%(where)s: %(name)s uses the list %(list)s, which is "
                                       "not on the choices sheet.", where=where,
                                       name=repr(name), list=repr(list_name)))
                return None

        label = self._text(row, cols, "label")
        if not label and qtype != QuestionType.calculate:
            self.problems.append(_("%(where)s: %(name)s has no label in Ukrainian, Russian or "
                                   "English.", where=where, name=repr(name)))
        required = _parse_bool(get(row, "required"))
        if required is None:
            self.problems.append(_("%(where)s: required must be yes or no, not %(value)s (a "
                                   "condition is not supported).", where=where,
                                   value=repr(get(row, "required"))))
        reverse = _parse_bool(get(row, "reverse"))
        if reverse is None:
            self.problems.append(_("%(where)s: reverse must be yes or no.", where=where))
        minimum, maximum = self._range(row, number, get)
        appearance = get(row, "appearance")
        nrm_type = get(row, "nrm_type")
        if nrm_type:
            qtype = self._nrm_type(nrm_type, qtype, list_name, lists, where)
            if qtype is None:
                return None
            if qtype == QuestionType.yes_no:
                list_name = None
        elif qtype == QuestionType.text and appearance.lower() == "multiline":
            qtype = QuestionType.long_text
        expected_appearance = {QuestionType.long_text: "multiline",
                               QuestionType.likert: "likert"}.get(qtype)
        if appearance and appearance.lower() != expected_appearance and not in_matrix:
            self.appearances[appearance].append(number)
        constraint = get(row, "constraint") or None
        return Question(
            key=name, type=qtype,
            label=label, hint=self._text(row, cols, "hint"),
            required=bool(required), relevant=get(row, "relevant") or None,
            constraint=_constraint_without_range(constraint, minimum, maximum),
            constraint_message=self._text(row, cols, "constraint_message"),
            choices=list_name, calculation=get(row, "calculation") or None,
            minimum=minimum, maximum=maximum, reverse=bool(reverse))

    def _nrm_type(self, nrm_type: str, qtype: QuestionType, list_name: str | None,
                  lists: dict[str, ChoiceList], where: str) -> QuestionType | None:
        wanted = _NRM_TYPES.get(nrm_type.lower())
        if wanted is None or wanted == QuestionType.matrix:
            self.problems.append(_("%(where)s: nrm_type %(value)s is not one of likert, "
                                   "long_text, yes_no (matrix goes on a group).", where=where,
                                   value=repr(nrm_type)))
            return None
        fits = {QuestionType.likert: qtype == QuestionType.select_one,
                QuestionType.yes_no: qtype == QuestionType.select_one,
                QuestionType.long_text: qtype == QuestionType.text}[wanted]
        if not fits:
            self.problems.append(_("%(where)s: nrm_type %(value)s does not fit the type "
                                   "%(type)s.", where=where, value=repr(nrm_type),
                                   type=repr(qtype.value)))
            return None
        if wanted == QuestionType.yes_no and list_name is not None and sorted(
                lists[list_name].values()) != ["no", "yes"]:
            self.problems.append(_("%(where)s: a yes_no question needs a list with the "
                                   "options 'yes' and 'no'; %(list)s has others.", where=where,
                                   list=repr(list_name)))
            return None
        return wanted

    def _finish_matrix(self, group: _Open) -> Question:
        matrix = group.matrix
        assert matrix is not None
        where = _row("survey", group.row)
        list_names = set()
        constraints = set()
        for number, parts in group.matrix_rows:
            question: Question = parts["question"]
            if question.type != QuestionType.select_one or question.hint or question.relevant \
                    or question.calculation:
                self.problems.append(_("%(where)s: a row of the matrix %(name)s must be a plain "
                                       "select_one (no hint, relevance or calculation).",
                                       where=_row("survey", number), name=repr(matrix.key)))
                continue
            if parts["appearance"] and parts["appearance"].lower() != "likert":
                self.appearances[parts["appearance"]].append(number)
            list_names.add(question.choices)
            constraints.add((question.constraint,
                             tuple(sorted(question.constraint_message.items()))))
            if group.matrix_has_nrm_required:
                item_required = _parse_bool(parts["nrm_required"]) if parts["nrm_required"] \
                    else None
            else:
                item_required = question.required
            matrix.items.append(MatrixItem(key=question.key, label=question.label,
                                           reverse=question.reverse, required=item_required))
        if len(list_names) > 1:
            self.problems.append(_("%(where)s: the rows of the matrix %(name)s use different "
                                   "lists (%(lists)s).", where=where, name=repr(matrix.key),
                                   lists=", ".join(sorted(map(str, list_names)))))
        if len(constraints) > 1:
            self.problems.append(_("%(where)s: the rows of the matrix %(name)s have different "
                                   "constraints; a matrix has one.", where=where,
                                   name=repr(matrix.key)))
        if list_names:
            matrix.choices = sorted(map(str, list_names))[0]
        if constraints:
            constraint, message = sorted(constraints, key=repr)[0]
            matrix.constraint = _constraint_without_range(constraint, *group.matrix_range)
            matrix.constraint_message = dict(message)
        return matrix

    def _appearance_warning(self) -> None:
        if self.appearances:
            self.warnings.append(_("Appearances are not imported (the platform lays questions "
                                   "out itself): %(list)s.", list="; ".join(
                                       f"{a!r} ({_rows_text(n)})"
                                       for a, n in self.appearances.items())))


def _conditions(stack: list[_Open]) -> str | None:
    condition = None
    for group in stack:
        if group.kind == "nested":
            condition = _and(condition, group.condition)
    return condition


def _headers(book: dict[str, Any], sheet: str) -> list[str]:
    header = book.get(f"{sheet}_header") or []
    return [h for h in (header[0] if header else {}) if h]


def _row(sheet: str, number: int | None) -> str:
    """``survey row 5``: a row of a sheet, named as the file names the sheet."""
    return _("%(sheet)s row %(row)s", sheet=sheet, row=number)


def _rows_text(numbers: list[int], sheet: str | None = None) -> str:
    """``rows 4, 7`` (at most ten listed), or ``survey rows 4, 7`` with ``sheet``."""
    shown = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
    if sheet is None:
        return ngettext("row %(rows)s", "rows %(rows)s", len(numbers), rows=shown)
    return ngettext("%(sheet)s row %(rows)s", "%(sheet)s rows %(rows)s", len(numbers),
                    sheet=sheet, rows=shown)


def _same_text(sheet: str, first: str, second: str) -> str:
    return _("%(sheet)s sheet: the columns %(first)s and %(second)s give the same text; keep "
             "one.", sheet=sheet, first=repr(first), second=repr(second))


def _not_a_number(where: str, column: str, text: str) -> str:
    return _("%(where)s: %(column)s %(value)s is not a number.", where=where, column=column,
             value=repr(text))


def _invalid_name(where: str, name: str) -> str:
    return _("%(where)s: the name %(name)s is not a valid key (a letter or _, then letters, "
             "digits or _, at most 64).", where=where, name=repr(name))


def _texts(survey: Survey) -> Iterator[tuple[Text, bool]]:
    """Every text of the survey, and whether validation requires it in every language."""
    yield survey.title, True
    yield survey.description, False
    for section in survey.sections:
        yield section.title, True
    for q in survey.questions():
        yield q.label, q.type != QuestionType.calculate
        yield q.hint, bool(q.hint)
        yield q.constraint_message, bool(q.constraint and q.constraint_message)
        for item in q.items:
            yield item.label, True
    for choice_list in survey.choice_lists.values():
        for choice in choice_list.choices:
            yield choice.label, True
    for score in survey.scores:
        yield score.label, False


def _missing_languages(survey: Survey) -> dict[str, int]:
    """How many required texts lack each survey language (the rule validation applies)."""
    missing: Counter[str] = Counter()
    for text, needed in _texts(survey):
        if needed:
            for language in survey.languages:
                if not (text.get(language) or "").strip():
                    missing[language] += 1
    return dict(missing)


# =============================================================================================
# Export
# =============================================================================================

_SURVEY_ORDER = ["type", "name", "label", "hint", "required", "relevant", "constraint",
                 "constraint_message", "calculation", "appearance", "nrm_type", "reverse",
                 "nrm_required", "nrm_minimum", "nrm_maximum"]
_CHOICES_ORDER = ["list_name", "name", "label", "score", "nrm_generated"]
_SETTINGS_ORDER = ["form_title", "form_id", "default_language", "nrm_title", "nrm_description",
                   "nrm_audience", "nrm_languages", "nrm_allow_fallback"]
_SCORES_ORDER = ["key", "label", "items", "method", "multiplier", "offset", "min_items"]


def export_xlsform(survey: Survey) -> bytes:
    """The survey as an XLSForm workbook (.xlsx bytes) that ODK and KoboToolbox read and that
    ``import_xlsform`` turns back into an equal survey."""
    languages = list(survey.languages) + [
        lang for lang in LANGUAGES if lang not in survey.languages
        and any(text.get(lang) for text, _ in _texts(survey))]
    languages = [lang for lang in languages if lang in LANGUAGE_COLUMN]
    yes_no = YES_NO_LIST
    number = 1
    while yes_no in survey.choice_lists:
        number += 1
        yes_no = f"{YES_NO_LIST}_{number}"
    uses_yes_no = any(q.type == QuestionType.yes_no for q in survey.questions())

    survey_rows: list[dict[str, Any]] = []
    for section in survey.sections:
        survey_rows.append({"type": "begin group", "name": section.key, "label": section.title,
                            "relevant": section.relevant, "appearance": "field-list"})
        for q in section.questions:
            survey_rows.extend(_question_rows(q, yes_no))
        survey_rows.append({"type": "end group", "name": section.key})

    choice_rows: list[dict[str, Any]] = []
    for name, choice_list in survey.choice_lists.items():
        for choice in choice_list.choices:
            choice_rows.append({"list_name": name, "name": choice.value, "label": choice.label,
                                "score": choice.score})
    if uses_yes_no:
        for value in ("yes", "no"):
            labels = {lang: _YES_NO_LABELS[value][lang] for lang in languages}
            choice_rows.append({"list_name": yes_no, "name": value, "label": labels,
                                "nrm_generated": "yes"})

    default = survey.default_language
    settings = {
        "form_title": survey.text(survey.title, default) or "Survey",
        "form_id": _form_id(survey),
        "default_language": LANGUAGE_COLUMN.get(default, default),
        "nrm_title": survey.title,
        "nrm_description": survey.description,
        "nrm_audience": survey.audience.value,
        "nrm_languages": " ".join(survey.languages),
        "nrm_allow_fallback": "yes" if survey.allow_fallback else "no",
    }
    score_rows = [{"key": s.key, "label": s.label, "items": " ".join(s.items),
                   "method": s.method.value, "multiplier": s.multiplier, "offset": s.offset,
                   "min_items": s.min_items} for s in survey.scores]

    workbook = Workbook()
    sheets = [("survey", _SURVEY_ORDER, survey_rows, {"label"}),
              ("choices", _CHOICES_ORDER, choice_rows, {"label"}),
              ("settings", _SETTINGS_ORDER, [settings], {"nrm_title"})]
    if score_rows:
        sheets.append(("nrm_scores", _SCORES_ORDER, score_rows, {"label"}))
    for index, (title, order, rows, always) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        _write_sheet(sheet, order, rows, languages, always)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _question_rows(q: Question, yes_no: str) -> list[dict[str, Any]]:
    row: dict[str, Any] = {
        "name": q.key, "label": q.label, "hint": q.hint,
        "required": "yes" if q.required else None, "relevant": q.relevant,
        "constraint": _constraint_with_range(q.constraint, q.minimum, q.maximum),
        "constraint_message": q.constraint_message, "calculation": q.calculation,
        "reverse": "yes" if q.reverse else None,
        "nrm_minimum": q.minimum, "nrm_maximum": q.maximum,
    }
    t = q.type
    if t == QuestionType.matrix:
        constraint = row.pop("constraint")
        message = row.pop("constraint_message")
        row.pop("required")
        rows = [{**row, "type": "begin group", "appearance": "field-list", "nrm_type": "matrix",
                 "nrm_required": "yes" if q.required else "no"}]
        for item in q.items:
            required = q.required if item.required is None else item.required
            rows.append({
                "type": f"select_one {q.choices or ''}".strip(), "name": item.key,
                "label": item.label, "required": "yes" if required else None,
                "constraint": constraint, "constraint_message": message,
                "appearance": "likert", "reverse": "yes" if item.reverse else None,
                "nrm_required": None if item.required is None else
                ("yes" if item.required else "no")})
        rows.append({"type": "end group", "name": q.key})
        return rows
    if t in (QuestionType.select_one, QuestionType.select_multiple):
        row["type"] = f"{t.value} {q.choices or ''}".strip()
    elif t == QuestionType.likert:
        row.update(type=f"select_one {q.choices or ''}".strip(), nrm_type="likert",
                   appearance="likert")
    elif t == QuestionType.yes_no:
        row.update(type=f"select_one {yes_no}", nrm_type="yes_no")
    elif t == QuestionType.long_text:
        row.update(type="text", nrm_type="long_text", appearance="multiline")
    else:
        row["type"] = t.value
    return [row]


def _form_id(survey: Survey) -> str:
    title = survey.text(survey.title, "en")
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50]
    return slug if slug and slug[0].isalpha() else "nrm_survey"


def _write_sheet(sheet, order: list[str], rows: list[dict[str, Any]], languages: list[str],
                 always: set[str]) -> None:
    columns: list[tuple[str, str, str | None]] = []  # (header, base, language)
    for base in order:
        values = [row.get(base) for row in rows]
        if base in always or any(isinstance(v, dict) for v in values):
            if base in always or any(values):
                columns += [(f"{base}::{LANGUAGE_COLUMN[lang]}", base, lang)
                            for lang in languages]
        elif any(v is not None and v != "" for v in values):
            columns.append((base, base, None))
    sheet.append([header for header, _, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        values = []
        for _header, base, language in columns:
            value = row.get(base)
            if language is not None:
                value = (value or {}).get(language)
            values.append(_cell_value(value))
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                # A text, never a spreadsheet formula.
                sheet.cell(row=number, column=column).data_type = "s"
    sheet.freeze_panes = "A2"
    for index, (header, _base, _language) in enumerate(columns, start=1):
        width = 12 if header in ("required", "reverse", "score") else (
            40 if header.startswith(("label", "hint", "relevant", "constraint")) else 20)
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width


def _cell_value(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        # A workbook keeps about 15 significant digits; a number that needs more is written
        # as its exact text, which the importer reads back as the same float.
        return float(value) if float(f"{value:.15g}") == value else repr(float(value))
    # Control characters cannot be stored in a workbook at all.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))
