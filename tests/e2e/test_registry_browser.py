"""The registry and the overview in a real browser, as an officer and as an evaluator, on a
desktop and a phone. Screenshots of every page land in tests/e2e/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from monitor.demo import DEMO_LOGINS, build_demo
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

LOGINS = {role: (email, password) for role, email, password in DEMO_LOGINS}


@pytest.fixture
def demo(app):
    build_demo(size="small", seed=7)


def log_in(page, base: str, role: str) -> None:
    email, password = LOGINS[role]
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def no_horizontal_scroll(page) -> bool:
    """The page body fits the viewport (tables may scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


REGISTRY_PAGES = [
    ("regions", "/registry/regions", "Regions"),
    ("organisations", "/registry/organisations", "Organisations"),
    ("providers", "/registry/providers", "Providers"),
    ("training", "/registry/training", "Training sessions"),
    ("persons", "/registry/persons", "Assisted persons"),
    ("episodes", "/registry/episodes", "Assistance episodes"),
    ("import", "/registry/imports", "Import"),
]


@pytest.mark.parametrize("viewport_name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_officer_walks_the_registry(live_server, page_factory, demo, viewport_name, viewport):
    page = page_factory(viewport)
    log_in(page, live_server, "officer")
    expect(page.get_by_role("heading", name="The programme at a glance")).to_be_visible()
    assert all(w > 0 for w in page.locator("img.chart").evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
    assert no_horizontal_scroll(page)
    shot(page, f"officer-{viewport_name}-overview")
    for name, path, heading in REGISTRY_PAGES:
        page.goto(live_server + path)
        assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading), path
        assert no_horizontal_scroll(page), path
        shot(page, f"officer-{viewport_name}-{name}")
    # Drill down: a provider, then a person they assisted, then a training session.
    page.goto(live_server + "/registry/providers?trained=yes")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Training attended")).to_be_visible()
    shot(page, f"officer-{viewport_name}-provider")
    page.goto(live_server + "/registry/persons")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Training exposure today")).to_be_visible()
    shot(page, f"officer-{viewport_name}-person")
    page.goto(live_server + "/registry/training")
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Attendance").first).to_be_visible()
    shot(page, f"officer-{viewport_name}-session")


def test_officer_registers_a_provider_with_the_form(live_server, page_factory, demo):
    page = page_factory(DESKTOP)
    log_in(page, live_server, "officer")
    page.goto(live_server + "/registry/providers/new")
    page.get_by_label("Pseudonymous code").fill("PR-BROWSER-1")
    page.get_by_label("Profession").select_option("medical")
    page.get_by_label("Region").select_option(label="Kharkiv")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Provider PR-BROWSER-1")).to_be_visible()
    expect(page.get_by_text("Saved.")).to_be_visible()
    # The same code again is refused with a message next to the field.
    page.goto(live_server + "/registry/providers/new")
    page.get_by_label("Pseudonymous code").fill("PR-BROWSER-1")
    page.get_by_label("Region").select_option(label="Kharkiv")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is already registered")).to_be_visible()
    shot(page, "officer-desktop-provider-form-error")


@pytest.mark.parametrize("viewport_name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_evaluator_sees_the_overview_but_never_the_registry(live_server, page_factory, demo,
                                                           viewport_name, viewport):
    page = page_factory(viewport)
    log_in(page, live_server, "evaluator")
    expect(page.get_by_role("heading", name="The programme at a glance")).to_be_visible()
    assert page.get_by_role("link", name="Providers").count() == 0
    expect(page.get_by_text("Counts below 11 are hidden")).to_be_visible()
    shot(page, f"evaluator-{viewport_name}-overview")
    response = page.goto(live_server + "/registry/persons")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    shot(page, f"evaluator-{viewport_name}-forbidden")


def test_login_page_on_a_phone(live_server, page_factory, app):
    page = page_factory(PHONE)
    page.goto(live_server + "/registry/providers")
    assert page.url.startswith(live_server + "/login")
    page.get_by_label("E-mail").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The e-mail or the password is not right.")).to_be_visible()
    assert no_horizontal_scroll(page)
    shot(page, "anonymous-phone-login")
