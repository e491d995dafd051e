"""Checks on an uploaded Excel workbook (.xlsx) before any reader opens it.

An .xlsx file is a zip archive, and a small one can unpack to gigabytes (a "zip bomb": a sheet
of millions of repeated cells compresses a thousand to one). openpyxl and pyxform unpack and
parse whatever they are given, so a 200 KB upload could hold a worker for minutes and take
gigabytes of memory. ``check_xlsx`` reads only the archive's directory and refuses such a file
in milliseconds. The sizes it reads there are a real bound: Python's ``zipfile`` never inflates
a member past the size its directory entry declares (a member that lies is cut short and then
fails its CRC check), and both readers go through ``zipfile``.

Used by the XLSForm import (``surveys.xlsform``) and the registry import
(``monitor.registry.importing``), which word the refusal for their own pages.
"""

from __future__ import annotations

import io
import zipfile

__all__ = ["MAX_INFLATE_RATIO", "MAX_UNPACKED_BYTES", "WorkbookRefused", "check_xlsx"]

#: The most all parts of a workbook may unpack to.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

#: The most a part larger than ``_RATIO_FLOOR`` may unpack to per compressed byte. Sheets that
#: people save compress 5 to 20 to one; a bomb of repeated cells 500 to 1000 to one. (Apache
#: POI refuses workbooks past the same ratio.) Without it a bomb just under the total cap still
#: costs minutes and gigabytes to parse.
MAX_INFLATE_RATIO = 100
_RATIO_FLOOR = 1024 * 1024

#: The first bytes of an OLE2 file: an old .xls workbook, or an encrypted .xlsx.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"


class WorkbookRefused(ValueError):
    """The bytes are not a workbook that is safe to open.

    ``reason`` is one of "old_format" (an .xls or an encrypted workbook), "not_zip",
    "not_workbook" (a zip archive without a workbook in it) and "too_large" (it would unpack
    to more than the cap, or a part inflates like a zip bomb); ``message`` says it to the user,
    in English; ``ratio`` is how many times its size a zip bomb's part unpacks to (None for
    the other reasons), for a caller that words the refusal in the user's language.
    """

    def __init__(self, reason: str, message: str, ratio: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.ratio = ratio


def check_xlsx(data: bytes, subject: str, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse ``data`` unless it is an .xlsx workbook that unpacks to a bounded size.

    ``subject`` names the file in the messages ("survey.xlsx", "The file"). Only the zip
    directory is read; nothing is inflated.

    Raises:
        WorkbookRefused: with the reason and a message that says what to do.
    """
    if data[: len(_OLE2_MAGIC)] == _OLE2_MAGIC:
        raise WorkbookRefused("old_format", f"{subject} is an old Excel (.xls) or encrypted "
                                            "workbook; save it as .xlsx (Excel Workbook) without "
                                            "a password and import that.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise WorkbookRefused("not_zip", f"{subject} is not an Excel workbook (.xlsx).") from None
    with archive:
        members = archive.infolist()
    if not any(member.filename == "xl/workbook.xml" for member in members):
        raise WorkbookRefused("not_workbook",
                              f"{subject} is a zip archive but not an Excel workbook (.xlsx).")
    if sum(member.file_size for member in members) > max_unpacked:
        raise WorkbookRefused("too_large", f"{subject} unpacks to more than "
                                           f"{max_unpacked // (1024 * 1024)} MB; split it into "
                                           "smaller files.")
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > MAX_INFLATE_RATIO:
            raise WorkbookRefused("too_large", f"{subject} unpacks to {ratio:,} times its size, "
                                               "as no saved spreadsheet does (it looks like a "
                                               "zip bomb), so it was not opened.",
                                  ratio=ratio)
