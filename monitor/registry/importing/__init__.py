"""Importing registry records from CSV and XLSX files, all or nothing.

``import_table(kind, filename, data)`` reads providers, training attendance, assisted persons or
assistance episodes. Every row is checked before anything is written; a file with any bad row is
rejected with ``ImportRejected``, whose ``errors`` name the row (as the spreadsheet numbers it:
header 1, first data row 2), the column, the value and the reason. A good file is inserted with
bulk inserts and one audit event; the service flushes and the caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from monitor import audit
from monitor.extensions import db
from monitor.registry.importing.kinds import IMPORT_KINDS, Column, ImportKind
from monitor.registry.importing.reading import N_, FileProblem, read_table
from monitor.registry.importing.report import (
    MAX_ERRORS,
    ImportRejected,
    ImportResult,
    Report,
    RowError,
)
from monitor.registry.importing.values import is_blank, shown

__all__ = [
    "IMPORT_KINDS",
    "MAX_ERRORS",
    "MAX_ROWS",
    "Column",
    "ImportKind",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_table",
    "template_csv",
]

#: Most data rows one file may hold; larger files are refused (split them).
MAX_ROWS = 500_000


def latest_allowed_date() -> date:
    """Today where the day is furthest ahead (UTC+14): later dates are in the future everywhere."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def import_table(
    kind: str, filename: str, data: bytes, actor_id: int | None = None
) -> ImportResult:
    """Import the rows of ``data`` (a .csv or .xlsx file called ``filename``) as ``kind``.

    ``kind`` is one of ``IMPORT_KINDS``: "providers", "attendance", "persons", "episodes".
    Nothing is written unless every row is good. On success the rows are inserted (flushed,
    not committed) and one audit event "import" records the kind, row count and file name,
    attributed to ``actor_id`` (or the logged-in user).

    Raises:
        ImportRejected: the kind is unknown; the file is not a readable CSV/XLSX, is empty or
            has a wrong header; or rows are bad (each problem with row, column, value and
            reason, the first ``MAX_ERRORS`` listed). Also when another change conflicts while
            writing; the caller must then roll the session back.
    """
    spec = IMPORT_KINDS.get(kind)
    if spec is None:
        raise ImportRejected([_refusal(N_("Unknown kind of import; choose one of: %(kinds)s."),
                                       value=shown(kind), kinds=", ".join(IMPORT_KINDS))])
    try:
        header, rows = read_table(filename, data)
    except FileProblem as problem:
        raise ImportRejected([_refusal(problem.reason, problem.row, **problem.params)]) from None
    positions, unnamed = _match_header(spec, header)
    width = len(header)

    report = Report(MAX_ERRORS)
    report.column_order = dict(positions)
    importer = spec.importer(report, positions, latest_allowed_date())
    importer.load()
    padding = [None] * width
    count = 0
    try:
        for number, cells in rows:
            first = cells[0] if cells else None
            if (first is None or (first.__class__ is str and (not first or first.isspace()))) \
                    and all(is_blank(cell) for cell in cells):
                continue  # blank lines, and the empty rows a spreadsheet keeps at its end
            count += 1
            if count > MAX_ROWS:
                report.add(number, None, None,
                           ngettext("The file has more than %(count)s data row; split it into "
                                    "smaller files.",
                                    "The file has more than %(count)s data rows; split it into "
                                    "smaller files.", MAX_ROWS, count=format_decimal(MAX_ROWS)))
                break
            if len(cells) > width or unnamed:
                _check_unnamed(report, number, cells, width, unnamed)
            if len(cells) < width:
                cells = [*cells, *padding[len(cells) :]]
            importer.check(number, cells)
    except FileProblem as problem:
        report.add(problem.row, None, None, _refusal(problem.reason, **problem.params).reason)
    if count == 0 and not report.count:
        raise ImportRejected([_refusal(N_("The file has column names but no data rows."))])

    report.checks_after_reading()
    importer.finish()
    if report.count:
        raise report.rejection()

    try:
        created = importer.write()
    except IntegrityError:
        raise ImportRejected([_refusal(N_("Someone changed the registry while this file was being "
                                          "imported, so nothing was imported. Please try again."))]
                             ) from None
    audit.record("import", kind, user_id=actor_id, rows=count,
                 filename=shown(filename) or None, created=created)
    db.session.flush()
    return ImportResult(kind=kind, rows=count, created=created, message=importer.message(created))


def _refusal(reason: str, row: int | None = None, value: str | None = None, **params: Any) -> RowError:
    """A problem with the file as a whole: ``reason`` (an English template marked with ``N_``)
    in the officer's language, numbers grouped, and in English for the audit log."""
    shown_params = {key: format_decimal(number) if isinstance(number, int) else number
                    for key, number in params.items()}
    return RowError(row, None, value, _(reason, **shown_params),
                    logged=reason % params if params else reason)


def _normalise(name: str) -> str:
    """Header cells match case-insensitively, ignoring spaces around them."""
    return "_".join(str(name).strip().casefold().split())


def _match_header(spec: ImportKind, header: list[Any]) -> tuple[dict[str, int], list[int]]:
    """Map column names to positions; reject unknown, repeated and missing required columns.

    Raises:
        ImportRejected: with one error (on row 1) per wrong column.
    """
    known = {_normalise(column.name): column.name for column in spec.columns}
    positions: dict[str, int] = {}
    unnamed: list[int] = []
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        if is_blank(cell):
            unnamed.append(index)
            continue
        name = known.get(_normalise(cell))
        if name is None:
            errors.append(RowError(1, shown(cell), shown(cell),
                                   _("Unknown column for an import of %(kind)s. The columns are: "
                                     "%(columns)s.", kind=str(spec.title).lower(),
                                     columns=", ".join(known.values()))))
        elif name in positions:
            errors.append(RowError(1, name, shown(cell), _("This column appears twice.")))
        else:
            positions[name] = index
    for column in spec.columns:
        if column.required == "yes" and column.name not in positions:
            errors.append(RowError(1, column.name, "", _("This required column is missing.")))
    if errors:
        names = {_normalise(cell) for cell in header if not is_blank(cell)}
        for other in IMPORT_KINDS.values():
            other_names = {_normalise(c.name) for c in other.columns}
            if (other is not spec and names <= other_names
                    and {_normalise(c) for c in other.required_columns} <= names):
                errors.insert(0, RowError(1, None, None,
                                          _("These columns are those of an import of %(kind)s; "
                                            "choose that kind of import.",
                                            kind=str(other.title).lower())))
                break
        raise ImportRejected(errors)
    return positions, unnamed


def _check_unnamed(report: Report, number: int, cells: Any, width: int, unnamed: list[int]) -> None:
    for index in unnamed:
        if index < len(cells) and not is_blank(cells[index]):
            report.add(number, _("column %(number)s", number=index + 1), shown(cells[index]),
                       _("A value in a column without a name in row 1."))
    for index in range(width, len(cells)):
        if not is_blank(cells[index]):
            report.add(number, _("column %(number)s", number=index + 1), shown(cells[index]),
                       _("A value to the right of the last named column."))
            break


def template_csv(kind: str) -> bytes:
    """A CSV file with the column names of ``kind`` (UTF-8 with BOM so Excel opens it right).

    Raises:
        KeyError: for an unknown kind.
    """
    spec = IMPORT_KINDS[kind]
    return ("\ufeff" + ",".join(column.name for column in spec.columns) + "\r\n").encode("utf-8")
