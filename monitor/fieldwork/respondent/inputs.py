"""What a respondent's browser posts, made safe before any form reads it.

* The body is limited (``MAX_BODY_BYTES``): Flask and Werkzeug accept any size by default.
  A larger post is refused with 413 and nothing on the page is saved; earlier pages are kept.
* Invalid UTF-8 is refused (400) rather than decoded into garbage or a missing field: a field
  that silently disappears would look like an answer the respondent cleared, and the page save
  would delete their earlier answer.
* NUL and the other control characters (except tab, line feed and carriage return) are
  stripped from every value: nobody types them, PostgreSQL refuses NUL in text, and they would
  make an export unreadable. Stripping rather than refusing keeps a pasted answer that happens
  to carry one; the respondent sees the cleaned answer when the page is shown again.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask import request
from werkzeug.datastructures import MultiDict

#: Largest body a respondent page accepts: a page of several long answers in Cyrillic, which
#: URL-encoding turns into six bytes a letter, stays well below it.
MAX_BODY_BYTES = 512 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnreadableInput(ValueError):
    """The posted form is not valid UTF-8."""


def limit_body() -> None:
    """Set this request's body limits (called before the form is parsed)."""
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_memory_size = MAX_BODY_BYTES


def clean(value: str) -> str:
    """``value`` without NUL and other control characters (tab and line breaks kept)."""
    return _CONTROL.sub("", value)


def posted_form() -> MultiDict:
    """The posted fields, checked and cleaned (see the module docstring).

    Raises:
        UnreadableInput: the body is not valid UTF-8.
        werkzeug.exceptions.RequestEntityTooLarge: the body is over the limit.
    """
    if request.mimetype == "application/x-www-form-urlencoded":
        body = request.get_data(cache=True)
        try:
            parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                      errors="strict")
        except UnicodeDecodeError:
            raise UnreadableInput() from None
    return MultiDict([(clean(key), clean(value)) for key, value in request.form.items(multi=True)])
