"""The one clock: aware UTC for instants, the programme's own calendar date for due dates.

Instants (when a page was saved, when a link was issued) are stored as UTC. Dates that people
read against a calendar (a wave's due date, the day a link expires, "trained before the episode
began") are the programme's local date: a respondent in Kyiv answering at 01:00 on 1 March is
answering on 1 March, whatever the server's time zone or UTC says. The time zone is the
``PROGRAMME_TIMEZONE`` setting (default Europe/Kyiv); officer and respondent sides both read the
date from here so they never disagree about which day it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: The programme's time zone when no app (or no setting) says otherwise.
DEFAULT_TIMEZONE = "Europe/Kyiv"


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-UTC by SQLite, aware by PostgreSQL)."""
    return datetime.now(UTC)


def programme_timezone() -> ZoneInfo:
    """The time zone of the programme's calendar: the app's setting, else Europe/Kyiv."""
    name = current_app.config.get("PROGRAMME_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def programme_today() -> date:
    """Today's date in the programme's time zone: what due dates and expiry are measured by."""
    return datetime.now(programme_timezone()).date()


def programme_date(instant: datetime) -> date:
    """The programme's calendar date of ``instant`` (naive values are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(programme_timezone()).date()
