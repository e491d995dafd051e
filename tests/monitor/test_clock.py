"""One clock: aware UTC instants, and the programme's own date for due dates and expiry, the same
on the officers' side and the respondents' side."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor import clock
from monitor.config import ConfigError
from monitor.fieldwork import services as officer_services
from monitor.fieldwork.respondent import services as respondent_services
from tests.conftest import make_app

# 26 hours apart: on any day, at any hour, these two zones are on different dates.
EAST, WEST = "Pacific/Kiritimati", "Etc/GMT+12"


def test_instants_are_aware_utc():
    now = clock.utcnow()
    assert now.tzinfo is not None and now.utcoffset().total_seconds() == 0


def test_a_late_evening_in_utc_is_the_next_day_in_kyiv():
    # 22:30 UTC on 28 February 2026 is 00:30 on 1 March in Kyiv (UTC+2 in winter).
    late = datetime(2026, 2, 28, 22, 30, tzinfo=UTC)
    assert clock.programme_date(late) == date(2026, 3, 1)
    assert clock.programme_date(late.replace(tzinfo=None)) == date(2026, 3, 1)


@pytest.mark.parametrize("zone", [EAST, WEST])
def test_officer_and_respondent_sides_read_the_same_programme_date(database_url, zone):
    app = make_app(database_url, PROGRAMME_TIMEZONE=zone)
    with app.app_context():
        before = datetime.now(ZoneInfo(zone)).date()
        officer, respondent = officer_services.current_date(), respondent_services.today()
        after = datetime.now(ZoneInfo(zone)).date()
    assert officer == respondent
    assert officer in {before, after}


def test_the_time_zone_setting_decides_the_date(database_url):
    dates = []
    for zone in (EAST, WEST):
        with make_app(database_url, PROGRAMME_TIMEZONE=zone).app_context():
            dates.append(clock.programme_today())
    assert dates[0] > dates[1]


def test_the_default_programme_zone_is_kyiv(app):
    assert app.config["PROGRAMME_TIMEZONE"] == "Europe/Kyiv"


def test_an_unknown_time_zone_is_refused_at_start_up(database_url):
    with pytest.raises(ConfigError, match="PROGRAMME_TIMEZONE"):
        make_app(database_url, PROGRAMME_TIMEZONE="Europe/Atlantis")
