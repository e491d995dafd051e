"""Logs never hold a respondent's link token.

The token travels in one URL, the respondent blueprint's ``open`` page (``/r/<token>``), and a
request log writes URLs in full: the development server's (logger "werkzeug"), gunicorn's
access log (logger "gunicorn.access", when ``--access-logfile`` is given) and Flask's own line
for an unhandled error ("Exception on /r/... [GET]"). Whoever reads a log could then open the
survey as the respondent, answers and all. ``init_app`` puts a filter on those loggers that
rewrites each line with the token replaced by ``[token]``; the other paths (``/r/consent``,
``/r/s/<key>``) stay as they are, so the log still says what happened.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

#: What the token becomes in a log line.
REDACTED = "[token]"
#: The loggers whose lines may carry a request's URL (besides the app's own).
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class TokenFilter(logging.Filter):
    """Rewrites a record's message with the segment after the respondent prefix redacted,
    unless it is one of the respondent pages' own names (consent, review, ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.pattern: re.Pattern[str] | None = None

    def configure(self, prefix: str, names: set[str]) -> None:
        """Redact the path segment after ``prefix``, unless it is one of ``names``."""
        kept = "|".join(sorted(re.escape(name) for name in names)) or "(?!)"
        end = r"""(?=[\s?#"'/]|$)"""
        self.pattern = re.compile(rf"({re.escape(prefix)})(?!(?:{kept}){end})[^\s?#\"'/]+{end}")

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern is not None:
            message = record.getMessage()
            redacted = self.pattern.sub(rf"\g<1>{REDACTED}", message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


FILTER = TokenFilter()


def init_app(app: Flask) -> None:
    """Redact tokens in the request logs and the app's log (after the blueprints are in)."""
    rules = list(app.url_map.iter_rules())
    opening = next(rule.rule for rule in rules if rule.endpoint == "respondent.open")
    prefix = opening[: opening.index("<")]
    # The first segment of every other page under the prefix: consent, s (for s/<key>), ...
    names = {rule.rule[len(prefix):].split("/", 1)[0] for rule in rules
             if rule.rule.startswith(prefix)} - {"", opening[len(prefix):]}
    if any("<" in name for name in names):
        raise RuntimeError(f"a respondent route other than {opening} starts with a variable; "
                           "the log filter could not tell its paths from tokens")
    FILTER.configure(prefix, names)
    for logger in (*(logging.getLogger(name) for name in LOGGERS), app.logger):
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)
