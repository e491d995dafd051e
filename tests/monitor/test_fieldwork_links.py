"""Invitation links: issuing (CSV and the printable sheet with QR codes), re-issuing, revoking,
expiry, the audit trail, and ``monitor invitations create``."""

from __future__ import annotations

import csv
import io
import re
import stat
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from monitor.clock import utcnow
from monitor.extensions import db
from monitor.fieldwork import services
from monitor.fieldwork.links import to_csv
from monitor.fieldwork.models import Invitation, RespondentSession
from monitor.fieldwork.services import WaveSpec
from monitor.fieldwork.tokens import token_hash
from monitor.models import AuditEvent, Region
from tests.monitor.fieldwork_support import answer, forged_host, invitations, plan_for, publish

TODAY = date.today()


@pytest.fixture
def plan(app, factory):
    """Four persons in two regions whose m3 window is open today (baseline's has closed)."""
    north, south = factory.region(name="North"), factory.region(name="South")
    provider = factory.provider(north)
    for i, region in enumerate((north, north, south, south)):
        person = factory.person(region, code=f"AP-{i + 1:03d}")
        # A week apart: a day apart, two of them could fall due on the same day near a month's end
        # (31 August and 30 August both + 3 months = 30 November).
        factory.episode(person, provider, TODAY - timedelta(days=90 + 7 * i))
    return plan_for(publish("person"), [WaveSpec("baseline", 0, 14, 30), WaveSpec("m3", 3, 14, 45)],
                    today=TODAY)


def _rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _token(url: str) -> str:
    match = re.fullmatch(r"http://localhost/r/([A-Za-z0-9_-]{43})", url)
    assert match, url
    return match.group(1)


def _due_as_of(client, plan) -> str:
    page = client.get(f"/fieldwork/plans/{plan.id}/due").get_data(as_text=True)
    return re.search(r'name="as_of" type="hidden" value="([^"]+)"', page).group(1)


def test_issue_links_for_a_wave_as_csv(app, client, login, plan):
    officer = login("officer")
    assert {i.status for i in invitations(plan, wave="baseline")} == {"expired"}
    response = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-csv", "wave": "m3"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert [r["respondent_code"] for r in rows] == ["AP-004", "AP-003", "AP-002", "AP-001"]  # by due date
    assert list(rows[0]) == ["respondent_code", "region", "wave", "due_on", "closes_on", "link"]
    stored = {i.person_id: i for i in invitations(plan, wave="m3")}
    by_hash = {i.token_hash: i for i in stored.values()}
    for row in rows:
        inv = by_hash[token_hash(_token(row["link"]))]  # the link opens exactly its invitation
        assert row["due_on"] == inv.due_on.isoformat() and row["closes_on"] == inv.closes_on.isoformat()
        assert row["wave"] == "m3" and row["region"] in ("North", "South")
        assert inv.token_issued_at is not None
    assert len(by_hash) == 4 and None not in by_hash
    # Tokens are stored nowhere: not in the invitation, not in the audit log.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations_issued"))
    assert event.user_id == officer.id and event.detail["count"] == 4 and event.detail["wave"] == "m3"
    tokens = [_token(r["link"]) for r in rows]
    assert not any(t in str(event.detail) for t in tokens)
    # Nothing left to issue: a second click gives no file and says so.
    again = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-csv", "wave": "m3"})
    assert again.status_code == 302
    assert "No links were issued" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_ticked_invitations_and_region_filter(app, client, login, plan, factory):
    login("officer")
    north = db.session.scalar(select(Region.id).where(Region.name == "North"))
    response = client.post(f"/fieldwork/plans/{plan.id}/links",
                           data={"action": "all-csv", "wave": "m3", "region": str(north)})
    assert {r["region"] for r in _rows(response)} == {"North"}
    south = [i for i in invitations(plan, wave="m3") if i.region_id != north]
    response = client.post(f"/fieldwork/plans/{plan.id}/links",
                           data={"action": "ticked-csv", "ids": [str(south[0].id)]})
    assert len(_rows(response)) == 1
    # Ticking nothing is refused with a message, not a file.
    response = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "ticked-csv"},
                           follow_redirects=True)
    assert "Tick the invitations first" in response.get_data(as_text=True)
    # Another plan's invitation ticked here is ignored.
    other = plan_for(publish("person"), [WaveSpec("m3", 3, 14, 45)], today=TODAY)
    foreign = invitations(other)[0]
    response = client.post(f"/fieldwork/plans/{plan.id}/links",
                           data={"action": "ticked-csv", "ids": [str(foreign.id)]})
    assert response.status_code == 302
    assert invitations(other)[0].token_hash is None


def test_reissue_kills_the_old_link_and_ends_sessions(app, client, login, plan):
    login("officer")
    first = _rows(client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-csv", "wave": "m3"}))
    old_token = _token(first[0]["link"])
    inv = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(old_token)))
    inv_id = inv.id
    inv.status, inv.opened_at = "in_progress", utcnow()
    db.session.add(RespondentSession(session_hash="b" * 64, invitation_id=inv_id))
    db.session.commit()
    answer(inv, status="draft", values={"age": 30})
    as_of = _due_as_of(client, plan)
    response = client.post(f"/fieldwork/plans/{plan.id}/links",
                           data={"action": "reissue-csv", "ids": [str(inv_id)], "as_of": as_of})
    (row,) = _rows(response)
    new_token = _token(row["link"])
    db.session.expire_all()
    inv = db.session.get(Invitation, inv_id)
    assert inv.token_hash == token_hash(new_token) != token_hash(old_token)
    assert db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(old_token))) is None
    assert inv.status == "in_progress" and inv.response.answers[0].value == 30  # answers kept
    assert db.session.scalar(select(RespondentSession.ended_at)) is not None
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "invitations_reissued"))["ids"] == [inv_id]
    # The same form posted again (a reload of the sheet) re-issues nothing.
    again = client.post(f"/fieldwork/plans/{plan.id}/links",
                        data={"action": "reissue-csv", "ids": [str(inv_id)], "as_of": as_of})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, inv_id).token_hash == token_hash(new_token)


def test_revoke_one_or_many(app, client, login, plan):
    officer = login("officer")
    m3 = invitations(plan, wave="m3")
    answer(m3[0])
    db.session.get(Invitation, m3[0].id).status = "completed"
    db.session.commit()
    ids = [str(i.id) for i in m3[:3]]
    response = client.post(f"/fieldwork/plans/{plan.id}/revoke", data={"ids": ids, "wave": "m3"},
                           follow_redirects=True)
    assert "2 invitations revoked" in response.get_data(as_text=True)
    statuses = {i.id: (i.status, i.revoked_at is not None) for i in invitations(plan, wave="m3")}
    assert statuses[m3[0].id] == ("completed", False)  # an answer is never revoked
    assert statuses[m3[1].id] == statuses[m3[2].id] == ("revoked", True)
    assert statuses[m3[3].id] == ("pending", False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations_revoked"))
    assert event.user_id == officer.id and sorted(event.detail["ids"]) == sorted([m3[1].id, m3[2].id])
    # A revoked invitation gets no link, not even by re-issue.
    response = client.post(f"/fieldwork/plans/{plan.id}/links",
                           data={"action": "reissue-csv", "ids": [str(m3[1].id)]})
    assert response.status_code == 302
    response = client.post(f"/fieldwork/plans/{plan.id}/revoke", data={}, follow_redirects=True)
    assert "Tick the invitations to revoke" in response.get_data(as_text=True)


def test_expiry_is_one_update_and_spares_final_statuses(app, plan):
    m3 = invitations(plan, wave="m3")
    closes, last = min(i.closes_on for i in m3), max(i.closes_on for i in m3)
    statuses = ["opened", "in_progress", "completed", "revoked"]
    for inv, status in zip(m3, statuses, strict=True):
        db.session.get(Invitation, inv.id).status = status
    db.session.commit()
    assert services.expire_overdue(closes) == 0  # the last day of the window still counts
    changed = services.expire_overdue(last + timedelta(days=1))
    db.session.commit()
    assert changed == 2
    after = {i.id: i.status for i in invitations(plan, wave="m3")}
    assert [after[i.id] for i in m3] == ["expired", "expired", "completed", "revoked"]
    assert services.expire_overdue(last + timedelta(days=10)) == 0


def test_due_list_counts_filters_and_pages(app, client, login, plan):
    login("officer")
    page = client.get(f"/fieldwork/plans/{plan.id}/due?wave=m3").get_data(as_text=True)
    assert page.count('name="ids"') == 4
    assert "4 pending invitations without a link" in page
    page = client.get(f"/fieldwork/plans/{plan.id}/due?status=expired").get_data(as_text=True)
    assert page.count('name="ids"') == 0 and "AP-001" in page  # expired: listed, not tickable
    due = invitations(plan, wave="m3")[0].due_on
    page = client.get(f"/fieldwork/plans/{plan.id}/due?wave=m3&from={due}&to={due}").get_data(as_text=True)
    assert page.count('name="ids"') == 1
    app.config["PAGE_SIZE"] = 3
    page = client.get(f"/fieldwork/plans/{plan.id}/due").get_data(as_text=True)
    assert "Page 1 of 3" in page
    assert client.get(f"/fieldwork/plans/{plan.id}/due?from=garbage&region=x").status_code == 200


def test_printable_sheet_has_a_qr_code_per_link(app, client, login, plan):
    login("officer")
    response = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-sheet", "wave": "m3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox=') == 4
    assert "These links exist only on this page" in page
    assert "style=" not in page  # the CSP forbids inline styles
    urls = re.findall(r'<p class="card-url">([^<]+)</p>', page)
    stored = {i.token_hash for i in invitations(plan, wave="m3")}
    assert {token_hash(_token(u)) for u in urls} == stored


def test_csv_cells_never_start_a_formula():
    text = to_csv(["a", "b"], [["=HYPERLINK(1)", "-1+2"], ["plain", "@x"]])
    assert "'=HYPERLINK(1)" in text and "'-1+2" in text and "'@x" in text and "plain" in text


def test_links_are_built_on_the_public_address_whatever_the_host_header(app, client, login, plan):
    app.config["PUBLIC_URL"] = "https://survey.example.org"
    login("officer")
    forged = forged_host(client, "evil.example")
    # The printable sheet (links and QR codes) ...
    page = client.post(f"/fieldwork/plans/{plan.id}/links", headers=forged,
                       data={"action": "all-sheet", "wave": "m3"}).get_data(as_text=True)
    assert page.count("https://survey.example.org/r/") == 4 and "evil.example" not in page
    # ... and the CSV.
    ids = [str(i.id) for i in invitations(plan, wave="m3")]
    response = client.post(f"/fieldwork/plans/{plan.id}/links", headers=forged, data={
        "action": "reissue-csv", "ids": ids, "as_of": _due_as_of(client, plan)})
    assert response.status_code == 200
    links = [row["link"] for row in _rows(response)]
    assert len(links) == 4
    assert all(re.fullmatch(r"https://survey\.example\.org/r/[\w-]{43}", link) for link in links)


# --- the command line ----------------------------------------------------------------------------

def test_cli_writes_the_wave_links(app, runner, plan, tmp_path):
    out = tmp_path / "links.csv"
    survey_id = plan.survey_version.survey_id
    result = runner.invoke(args=["invitations", "create", "--survey", str(survey_id), "--wave", "m3",
                                 "--out", str(out), "--base-url", "https://survey.example.org"])
    assert result.exit_code == 0, result.output
    assert "Issued 4 links for wave m3" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    hashes = {i.token_hash for i in invitations(plan, wave="m3")}
    tokens = [re.fullmatch(r"https://survey\.example\.org/r/([\w-]{43})", r["link"]).group(1) for r in rows]
    assert {token_hash(t) for t in tokens} == hashes
    # Run again: the file exists, and is kept.
    result = runner.invoke(args=["invitations", "create", "--survey", str(survey_id), "--wave", "m3",
                                 "--out", str(out)])
    assert result.exit_code != 0 and "exist nowhere else" in result.output
    assert len(out.read_text().splitlines()) == 5
    result = runner.invoke(args=["invitations", "create", "--survey", str(survey_id), "--wave", "m3",
                                 "--out", str(tmp_path / "again.csv")])
    assert result.exit_code == 0 and "No invitation of wave m3" in result.output


@pytest.mark.parametrize("args, message", [
    (["--survey", "999", "--wave", "m3"], "No survey with id 999"),
    (["--wave", "nope"], "has no wave 'nope'"),
    (["--plan", "999", "--wave", "m3"], "has no plan with id 999"),
])
def test_cli_errors_are_one_line_without_traceback(app, runner, plan, tmp_path, args, message):
    survey_id = str(plan.survey_version.survey_id)
    full = ["invitations", "create", "--out", str(tmp_path / "x.csv"), *args]
    if "--survey" not in args:
        full += ["--survey", survey_id]
    result = runner.invoke(args=full)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_cli_wants_a_plan_when_there_are_none_or_several(app, runner, plan, tmp_path):
    version = plan.survey_version
    lonely = publish("person")
    result = runner.invoke(args=["invitations", "create", "--survey", str(lonely.survey_id), "--wave", "m3",
                                 "--out", str(tmp_path / "a.csv")])
    assert result.exit_code != 0 and "no active follow-up plan" in result.output
    second = plan_for(version, [WaveSpec("m3", 3, 14, 45)], today=TODAY)
    result = runner.invoke(args=["invitations", "create", "--survey", str(version.survey_id), "--wave", "m3",
                                 "--out", str(tmp_path / "b.csv")])
    assert result.exit_code != 0 and "Choose one with --plan" in result.output
    result = runner.invoke(args=["invitations", "create", "--survey", str(version.survey_id), "--wave", "m3",
                                 "--plan", str(second.id), "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    assert "Issued 4 links" in result.output and "warning: the links point to" in result.output


def test_cli_links_are_on_public_url_unless_base_url_says_otherwise(app, runner, plan, tmp_path):
    app.config["PUBLIC_URL"] = "https://survey.example.org"
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["invitations", "create", "--survey",
                                 str(plan.survey_version.survey_id), "--wave", "m3",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 4
    assert all(r["link"].startswith("https://survey.example.org/r/") for r in rows)
