"""Invitation links as the officer receives them: a CSV to hand to whoever contacts the
respondents, or a printable sheet with a QR code per invitation for handing over in person.

Both are shaped once as (headers, rows) by :func:`link_table` and only serialised here. The
tokens in them exist nowhere else: the database keeps their hashes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from flask import current_app
from markupsafe import Markup

from monitor.fieldwork.services import IssuedLink

HEADERS = ["respondent_code", "region", "wave", "due_on", "closes_on", "link"]
#: A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def respondent_link(token: str, base: str | None = None) -> str:
    """The absolute URL a respondent opens: the respondent blueprint's ``open`` page (the one
    place to change if the route moves) under ``base``, by default ``PUBLIC_URL``.

    Never under the request's host: that comes from the client's Host header, and a forged
    one would hand out links to another site. Needs an app context only.
    """
    path = current_app.url_map.bind("", script_name="/").build("respondent.open",
                                                               {"token": token})
    return (base or current_app.config["PUBLIC_URL"]).rstrip("/") + path


@dataclass(frozen=True)
class LinkRow:
    """One issued link, ready to show or write."""

    code: str
    region: str
    wave: str
    due_on: str
    closes_on: str
    url: str


def link_rows(issued: Sequence[IssuedLink], base: str | None = None) -> list[LinkRow]:
    """The rows of ``issued``, their links under ``base`` (by default ``PUBLIC_URL``)."""
    return [LinkRow(link.respondent_code, link.region, link.wave, link.due_on.isoformat(),
                    link.closes_on.isoformat(), respondent_link(link.token, base))
            for link in issued]


def link_table(rows: Sequence[LinkRow]) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the CSV."""
    return HEADERS, [[r.code, r.region, r.wave, r.due_on, r.closes_on, r.url] for r in rows]


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """UTF-8 CSV text (with a BOM so Excel reads Cyrillic region names right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[_safe_cell(str(v)) for v in row] for row in rows])
    return out.getvalue()


def qr_svg(url: str) -> Markup:
    """A QR code of ``url`` as inline SVG that scales with CSS (no width/height, a viewBox;
    no inline style, which the CSP forbids)."""
    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=2,
            svgclass="qr", lineclass=None, title=None)
    return Markup(buf.getvalue().decode("ascii"))
