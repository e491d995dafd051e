"""What a respondent's browser posts, made safe before anything reads it.

* The body is limited (``MAX_BODY_BYTES``): Flask and Werkzeug accept any size by default.
  A larger post is refused with 413 and nothing on the page is saved; earlier pages are kept.
* Invalid UTF-8 is refused (400) rather than decoded into garbage or a missing field: a field
  that silently disappears would look like an answer the respondent cleared, and the page save
  would delete their earlier answer. Werkzeug's own parser reads a urlencoded body that does
  not decode as an empty form and a multipart field as replacement characters.
* NUL and the other control characters (except tab, line feed and carriage return) are
  stripped from every value: nobody types them, PostgreSQL refuses NUL in text, and they would
  make an export unreadable. Stripping rather than refusing keeps a pasted answer that happens
  to carry one; the respondent sees the cleaned answer when the page is shown again.

The first two are checked by ``check_request``, which ``init_app`` runs on the app ahead of
``CSRFProtect``: the CSRF check reads the form before any blueprint hook runs, so limits set
there came too late (the body was already parsed under the app's 20 MB upload limit) and a
body that did not decode reached the CSRF check as a form without its token (the "expired"
page).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from monitor.fieldwork.respondent import bp

#: Largest body a respondent page accepts: a page of several long answers in Cyrillic, which
#: URL-encoding turns into six bytes a letter, stays well below it.
MAX_BODY_BYTES = 512 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnreadableInput(ValueError):
    """The posted form is not valid UTF-8 (or not a form that can be read at all)."""


def init_app(app: Flask) -> None:
    """Run ``check_request`` on every request, before the CSRF check reads the body.

    Raises:
        RuntimeError: ``CSRFProtect`` was registered on ``app`` first; its check would run
            first and read the body unchecked.
    """
    if "csrf" in app.extensions:
        raise RuntimeError("monitor.fieldwork.respondent.inputs.init_app must run before CSRFProtect's")
    app.before_request(check_request)


def check_request() -> None:
    """For a respondent page: set the body limits, then read a posted body and refuse it
    unless it is valid UTF-8. Other pages are left alone.

    Raises:
        werkzeug.exceptions.RequestEntityTooLarge: the body is over ``MAX_BODY_BYTES``.
        UnreadableInput: the body does not decode as UTF-8 form data.
    """
    if request.blueprint != bp.name:
        return
    limit_body()
    if request.method not in _BODY_METHODS:
        return
    body = request.get_data(cache=True)  # within the limit; the form is parsed from this copy
    try:
        if request.mimetype == "application/x-www-form-urlencoded":
            _check_urlencoded(body)
        elif request.mimetype == "multipart/form-data":
            _check_multipart(body, request.mimetype_params.get("boundary", ""))
    except ValueError:  # UnicodeDecodeError, or a multipart body that does not parse
        raise UnreadableInput() from None


def limit_body() -> None:
    """Set this request's body limits (before anything reads the body)."""
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_memory_size = MAX_BODY_BYTES


def _check_urlencoded(body: bytes) -> None:
    for pair in body.split(b"&"):
        for part in pair.split(b"=", 1):
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")


def _check_multipart(body: bytes, boundary: str) -> None:
    if not boundary:
        raise ValueError("no boundary")
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_form_memory_size=MAX_BODY_BYTES)
    decoder.receive_data(body)
    decoder.receive_data(None)
    chunks: list[bytes] | None = None
    while not isinstance(event := decoder.next_event(), Epilogue):
        if isinstance(event, NeedData):
            raise ValueError("the body ends inside a part")
        if isinstance(event, Field):
            chunks = []
        elif isinstance(event, File):
            chunks = None  # no respondent page has a file input; a file is never read
        elif isinstance(event, Data) and chunks is not None:
            chunks.append(event.data)
            if not event.more_data:
                b"".join(chunks).decode("utf-8")


def clean(value: str) -> str:
    """``value`` without NUL and other control characters (tab and line breaks kept)."""
    return _CONTROL.sub("", value)


def posted_form() -> MultiDict:
    """The posted fields, cleaned (see the module docstring); ``check_request`` has already
    refused a body that is too large or not UTF-8."""
    return MultiDict([(clean(key), clean(value)) for key, value in request.form.items(multi=True)])
