"""The overview page: aggregates per region, and small cells hidden from evaluators."""

from __future__ import annotations

import base64
import re
from datetime import date

from monitor import dashboard


def _programme(factory):
    pilot = factory.region("Pilot", joined_year=2012)
    later = factory.region("Later", joined_year=2014)
    trained = [factory.provider(region=pilot) for _ in range(3)]
    factory.provider(region=pilot)  # never trained
    late = factory.provider(region=later)
    s2012 = factory.session(date(2012, 10, 1), region=pilot)
    s2013 = factory.session(date(2013, 3, 1), region=pilot)
    s2014 = factory.session(date(2014, 6, 1), region=later)
    factory.attend(trained[0], s2012)
    factory.attend(trained[1], s2012)
    factory.attend(trained[1], s2013)  # trained again: still one person
    factory.attend(trained[2], s2013)
    factory.attend(late, s2014)
    for i in range(12):
        person = factory.person(region=pilot)
        factory.episode(person, trained[i % 3], date(2014, 1, 1), None if i < 5 else date(2014, 6, 1))
    person = factory.person(region=later)
    factory.episode(person, late, date(2015, 1, 1))
    return pilot, later


def test_region_table_and_coverage_by_year(factory):
    _programme(factory)
    table = dashboard.region_table().set_index("region")
    assert table.loc["Pilot", ["providers", "trained", "persons", "episodes", "ongoing"]].tolist() \
        == [4, 3, 12, 12, 5]
    assert table.loc["Pilot", "coverage"] == 0.75
    assert table.loc["Later", ["providers", "trained", "persons"]].tolist() == [1, 1, 1]
    by_year = dashboard.coverage_by_year().set_index(["region", "year"])
    assert by_year.loc[("Pilot", 2012), "trained"] == 2
    assert by_year.loc[("Pilot", 2013), "trained"] == 3  # the one trained twice counts once
    assert by_year.loc[("Pilot", 2014), "coverage"] == 0.75
    assert by_year.loc[("Later", 2013), "trained"] == 0
    totals = dashboard.totals()
    assert (totals.providers, totals.trained_providers, totals.persons) == (5, 4, 13)


def test_officer_sees_exact_counts_and_evaluator_sees_suppressed(client, login, factory):
    _programme(factory)
    login("officer")
    officer_page = client.get("/").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in officer_page
    assert ">12<" in officer_page and ">1<" in officer_page
    client.post("/logout")
    login("evaluator")
    page = client.get("/").get_data(as_text=True)
    # "Later" has 1 person: hidden. Only one cell would be hidden, so the total would reveal it;
    # the next smallest (Pilot, 12) is hidden too.
    assert ">12<" not in page
    # persons, episodes and ongoing episodes, in both regions (and, as they are small too, the
    # providers and the trained, and the totals of those)
    for row in _region_rows(page).values():
        assert row[4:] == ["<11"] * 3
    assert "/registry/" not in page


def _region_rows(page: str) -> dict[str, list[str]]:
    """The overview's table: region -> the text of its cells after the name."""
    body = page.split("<h2>By region</h2>", 1)[1]
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip().replace("&lt;", "<")
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def _heat_map_texts(page: str) -> list[str]:
    """The texts drawn in the coverage heat map (matplotlib keeps each in an SVG comment)."""
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    return re.findall(r"<!-- (.*?) -->", base64.b64decode(uri).decode())


def test_evaluators_see_no_small_provider_counts_nor_a_share_that_reveals_one(
        client, login, factory):
    sizes = {"Big": (30, 20), "Mid": (15, 12), "Small": (4, 3)}  # providers, trained
    for name, (providers, trained) in sizes.items():
        region = factory.region(name, joined_year=2012)
        session = factory.session(date(2013, 3, 1), region=region)
        for i in range(providers):
            provider = factory.provider(region=region)
            if i < trained:
                factory.attend(provider, session)
    login("officer")
    rows = _region_rows(client.get("/").get_data(as_text=True))
    assert rows["Small"][1:4] == ["4", "3", "75%"]
    client.post("/logout")
    login("evaluator")
    page = client.get("/").get_data(as_text=True)
    rows = _region_rows(page)
    # Small's 4 and 3 are hidden; Mid's too, or the totals would give them away.
    assert rows["Small"][1:4] == rows["Mid"][1:4] == ["<11", "<11", "hidden"]
    assert rows["Big"][1:4] == ["30", "20", "67%"]
    # The heat map shows Big's share (67) but neither hidden region's (75, 80).
    texts = _heat_map_texts(page)
    assert "67" in texts and "75" not in texts and "80" not in texts
    # The totals are large enough to show.
    assert ">35<" in page and "of 49 registered providers" in page
