"""Zip-bomb workbooks for the import tests, and a deadline that fails a test that runs long.

A bomb is a real .xlsx (openpyxl's parts) whose first sheet is a header row and then one row
of hundreds of thousands of repeated cells: a few hundred KB that unpack to ``unpacked`` bytes,
the shape of the file that held a worker for minutes before imports checked the zip first.
"""

from __future__ import annotations

import io
import signal
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from xml.sax.saxutils import escape

from openpyxl import Workbook

_SHEET = "xl/worksheets/sheet1.xml"
_CELLS = b"<c><v>1</v></c>" * 65536


@lru_cache(maxsize=8)
def xlsx_bomb(unpacked: int, header: tuple[str, ...] = ("code", "profession", "region")) -> bytes:
    """An .xlsx whose first sheet unpacks to at least ``unpacked`` bytes of repeated cells."""
    book = Workbook()
    book.active.append(list(header))
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            if item.filename != _SHEET:
                target.writestr(item, source.read(item))
                continue
            with target.open(_SHEET, "w", force_zip64=True) as sheet:
                names = "".join(f'<c t="inlineStr"><is><t>{escape(name)}</t></is></c>'
                                for name in header)
                sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                            b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                            b'<row r="1">' + names.encode() + b'</row><row r="2">')
                written = 0
                while written < unpacked:
                    sheet.write(_CELLS)
                    written += len(_CELLS)
                sheet.write(b"</row></sheetData></worksheet>")
    return out.getvalue()


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than ``seconds`` (main thread only).

    Without it a regression would not fail: it would parse the bomb for minutes and gigabytes.
    """

    def expired(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
