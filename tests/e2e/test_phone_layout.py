"""Pages that used to scroll sideways on a phone: the staff accounts and the response rates (whose
chart's labels were cut off and tiny). Each is checked at 390 px and on a desktop, on the small
demo, and photographed to tests/e2e/screenshots/layout-*.png for people to look at."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from monitor.demo import DEMO_LOGINS, build_demo
from monitor.extensions import db
from surveys.models import Survey
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

#: Scrolls sideways: the document is wider than the window's layout width.
SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
#: What sticks out on the right, to say why a page scrolls sideways.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
#: The rate chart's SVG and the width it is drawn at on the screen.
CHART = """() => { const img = document.querySelector('img.chart');
  return {src: img.src, shown: img.getBoundingClientRect().width}; }"""


def _chart_text(page) -> tuple[list[float], list[str]]:
    """The on-screen size (CSS px) of every text of the rate chart, and the texts themselves.

    Matplotlib draws each text as glyph paths scaled by font size / 100 (``scale(s -s)``) in a
    viewBox measured in points, with the text itself in a comment beside it.
    """
    chart = page.evaluate(CHART)
    svg = base64.b64decode(chart["src"].split(",", 1)[1]).decode()
    view_width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    points = [100 * float(s) for s in re.findall(r"scale\(([0-9.]+) -\1\)", svg)]
    return [pt * chart["shown"] / view_width for pt in points], re.findall(r"<!-- (.*?) -->", svg)


@pytest.fixture
def demo(app, tmp_path, factory):
    """The small demo, and staff with long addresses, as an admin sees them."""
    app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")
    build_demo(size="small", seed=2012)
    factory.user("evaluator", email="evaluation.unit.regional.office@ministry-of-social-policy.example.org")
    factory.user("officer", email="kharkiv.oblast.monitoring.officer@example.org")
    return {role: email for role, email, _ in DEMO_LOGINS}


def _log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def _password(role: str) -> str:
    return next(password for r, _, password in DEMO_LOGINS if r == role)


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_staff_accounts_fit_the_screen(app, live_server, page_factory, demo, name, viewport):
    page = page_factory(viewport)
    _log_in(page, live_server, demo["admin"], _password("admin"))
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("heading", name="Staff accounts").wait_for()
    shot(page, f"layout-users-{name}")
    assert not page.evaluate(SCROLLS_SIDEWAYS), page.evaluate(WIDE)
    # Every account's actions are there to use, without scrolling sideways.
    row = page.locator("tr", has_text="kharkiv.oblast.monitoring.officer@example.org")
    for control in (row.get_by_role("button", name="Deactivate"), row.get_by_role("button", name="Set"),
                    row.get_by_label("New password for kharkiv.oblast.monitoring.officer@example.org")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= page.evaluate("document.documentElement.clientWidth")


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_response_rates_fit_the_screen_and_the_chart_is_legible(app, live_server, page_factory, demo,
                                                                 name, viewport):
    page = page_factory(viewport)
    _log_in(page, live_server, demo["officer"], _password("officer"))
    page.goto(f"{live_server}/fieldwork/rates")
    page.get_by_role("heading", name="Response rates").wait_for()
    page.wait_for_function("document.querySelector('img.chart').complete")
    shot(page, f"layout-rates-{name}")
    assert not page.evaluate(SCROLLS_SIDEWAYS), page.evaluate(WIDE)
    sizes, texts = _chart_text(page)
    # Legible on the screen it is shown on: no text under 11 CSS px, none blown up past 20.
    assert sizes and 11 <= min(sizes) and max(sizes) <= 20, sizes
    # Nothing cut: each survey's full title (however it wraps) and every wave are drawn.
    drawn = " ".join(texts)
    for title in db.session.scalars(select(Survey.title)):
        if title in _rated_titles(page):
            assert all(word in drawn for word in title.split()), (title, texts)
    for wave in ("baseline", "m3", "m6", "m12"):
        assert wave in texts


def _rated_titles(page) -> str:
    """The text of the totals table, which names every survey with a rate."""
    return page.locator("table.rate-totals").inner_text()
