"""Turning an uploaded CSV or XLSX file into a header and a stream of rows.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is 2.
Rows are yielded one at a time so a file of many thousand rows is never held twice in memory.
The reasons a file is refused are English templates marked with ``N_`` for the registry's
catalogue; the importer shows them in the officer's language, so this module needs no Flask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from surveys.workbooks import WorkbookRefused, check_xlsx

#: Longest CSV field accepted (the csv module's own default is 128 KiB).
MAX_FIELD_SIZE = 10_000

Row = Sequence[Any]


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (the importer does, when shown)."""
    return message


class FileProblem(Exception):
    """The file as a whole cannot be read; ``row`` is set when the trouble starts at a row.

    ``reason`` is the English template, ``params`` fill its ``%(name)s`` placeholders.
    """

    def __init__(self, reason: str, row: int | None = None, **params: Any) -> None:
        super().__init__(reason % params if params else reason)
        self.reason = reason
        self.row = row
        self.params = params


def file_format(filename: str) -> str:
    """'csv' or 'xlsx' from the file name.

    Raises:
        FileProblem: any other extension, with advice for the usual mistakes.
    """
    name = (filename or "").strip().lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".xls", ".ods", ".xlsm", ".xlsb")):
        raise FileProblem(N_(
            "This spreadsheet format is not supported. Save the sheet as an Excel workbook "
            "(.xlsx) or as CSV UTF-8 (.csv) and upload that."
        ))
    raise FileProblem(N_("The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."))


def read_table(filename: str, data: bytes) -> tuple[list[Any], Iterator[tuple[int, Row]]]:
    """Return the header cells and an iterator of ``(row number, cells)`` for the data rows.

    Raises:
        FileProblem: wrong type, empty, undecodable or unreadable file, or no header row. The
            iterator itself raises ``FileProblem`` (with ``row``) when the file breaks midway.
    """
    kind = file_format(filename)
    if not data or not data.strip():
        raise FileProblem(N_("The file is empty."))
    rows = _csv_rows(data) if kind == "csv" else _xlsx_rows(data)
    try:
        first = next(rows)
    except StopIteration:
        raise FileProblem(N_("The file is empty.")) from None
    _, header = first
    if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in header):
        raise FileProblem(N_("Row 1 must hold the column names, but it is empty."), row=1)
    return list(header), rows


def _csv_rows(data: bytes) -> Iterator[tuple[int, Row]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(N_(
            "The file is saved as UTF-16 text. Save it as CSV UTF-8 (comma delimited) instead."
        ))
    if data.startswith(b"PK\x03\x04"):
        raise FileProblem(N_("This looks like an Excel workbook. Name it .xlsx, or save it as CSV."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            N_("The file is not UTF-8 text (the first unreadable character is on line %(line)s). "
               "In Excel choose Save As > CSV UTF-8 (comma delimited)."),
            row=None, line=line,
        ) from None
    if "\x00" in text:
        raise FileProblem(N_("The file contains NUL characters; it is not a plain text CSV file."))
    return _csv_records(text)


def _csv_records(text: str) -> Iterator[tuple[int, Row]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            for cell in record:
                if len(cell) > MAX_FIELD_SIZE:
                    raise FileProblem(
                        N_("A value is longer than %(count)s characters; a quote is probably missing."),
                        row=number, count=MAX_FIELD_SIZE,
                    )
            yield number, record
    except csv.Error as exc:
        raise FileProblem(
            N_("The CSV file is malformed near row %(near)s (%(error)s); check for a stray quote."),
            row=number + 1, near=number + 1, error=str(exc),
        ) from None


def _delimiter(text: str) -> str:
    """',' unless the header line holds more ';' (or tabs) than commas."""
    first_line = text.split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Row]]:
    from openpyxl import load_workbook

    try:
        # Before openpyxl sees it: a small zip bomb would hold the worker for minutes.
        check_xlsx(data, "The file")
    except WorkbookRefused as refused:
        hint = " Or save the sheet as CSV UTF-8." if refused.reason == "old_format" else ""
        raise FileProblem(refused.message + hint) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged workbook
        raise FileProblem(N_("The workbook could not be opened; it may be damaged.")) from None
    if not workbook.worksheets:
        workbook.close()
        raise FileProblem(N_("The workbook has no worksheet."))
    return _xlsx_records(workbook)


def _xlsx_records(workbook) -> Iterator[tuple[int, Row]]:
    sheet = workbook.worksheets[0]
    number = 0
    try:
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # saved dimensions are often wrong; read what is there
        rows = sheet.iter_rows(min_row=1, values_only=True)
        while True:
            try:
                record = next(rows)
            except StopIteration:
                return
            except Exception:  # a damaged sheet part
                raise FileProblem(
                    N_("The workbook could not be read past row %(last)s; it may be damaged."),
                    row=number + 1, last=number,
                ) from None
            number += 1
            yield number, record
    finally:
        workbook.close()
