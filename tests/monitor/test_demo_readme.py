"""The README's command lines work as written on a freshly loaded demo, and the demo's links file
holds every try-out link at the address the app is served on.

The commands are read from the README's ``sh`` blocks, so the README stays true."""

from __future__ import annotations

import csv
import re
import shlex
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.demo.fieldwork import TRYOUT_PLAN_ID
from monitor.extensions import db
from monitor.fieldwork.models import Invitation
from monitor.fieldwork.tokens import token_hash
from surveys.models import Survey

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands(prefix: str) -> list[list[str]]:
    """The arguments (after ``monitor``) of every README command line starting with ``prefix``."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            words = shlex.split(line, comments=True)
            if " ".join(words).startswith(prefix):
                commands.append(words[1:])
    return commands


def served_address() -> str:
    """Where the README says `make run` serves."""
    match = re.search(r"make run\s.*?serves[\s#]+(http://[0-9.]+:[0-9]+)", README.read_text(encoding="utf-8"),
                      re.S)
    assert match, "the README says where make run serves"
    return match.group(1)


def _as_make_run_configures(app) -> None:
    """The address setting `make run` gets: the development default, no PUBLIC_URL set (the
    test app's own is another)."""
    app.config["PUBLIC_URL"] = load_config(app.instance_path, {"SECRET_KEY": "x" * 32})["PUBLIC_URL"]


@pytest.fixture
def demo(app, runner, tmp_path, monkeypatch) -> Path:
    """The small demo loaded with `monitor demo` as `make run` loads it; its links file."""
    for name in ("PUBLIC_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    _as_make_run_configures(app)
    links = tmp_path / "demo-links.csv"
    app.config["DEMO_LINKS_PATH"] = str(links)
    result = runner.invoke(args=["demo", "--size", "small"])
    assert result.exit_code == 0, result.output
    return links


def _tryout() -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).where(Invitation.plan_id == TRYOUT_PLAN_ID)))


def _links(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def _token(url: str, base: str) -> str:
    match = re.fullmatch(re.escape(base) + r"/r/([A-Za-z0-9_-]{43})", url)
    assert match, (url, base)
    return match.group(1)


def test_the_readme_survey_ids_are_the_demo_surveys(demo):
    assert db.session.get(Survey, 1).instrument == "person_followup"


def test_the_readme_invitations_command_issues_new_try_out_links(demo, runner, tmp_path, monkeypatch):
    commands = readme_commands("monitor invitations create")
    assert commands, "the README shows `monitor invitations create` on the demo"
    without_link = {i.id for i in _tryout() if i.token_hash is None}
    assert without_link, "the demo leaves try-out invitations for the command to issue"
    monkeypatch.chdir(tmp_path)
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert f"Issued {len(without_link)} link" in result.output
        out = Path(args[args.index("--out") + 1])
        urls = _links(out, "link")
        assert len(urls) == len(without_link)
        by_hash = {i.token_hash: i for i in _tryout()}
        for url in urls:
            invitation = by_hash[token_hash(_token(url, served_address()))]
            assert invitation.id in without_link and invitation.status == "pending"
            assert invitation.opens_on <= date.today() <= invitation.closes_on
    assert all(i.token_hash is not None for i in _tryout())


def test_the_links_file_holds_every_try_out_link_at_the_served_address(demo, client):
    linked = {i.token_hash for i in _tryout() if i.token_hash is not None}
    urls = _links(demo, "url")
    assert 1 <= len(urls) == len(linked) <= 10
    assert {token_hash(_token(url, served_address())) for url in urls} == linked
    assert client.get(urls[0].removeprefix(served_address())).status_code == 303  # opens the form


def test_no_try_out_link_is_left_out_of_the_file_when_there_are_more_than_it_takes(app, runner, tmp_path,
                                                                                   monitor_links_cap):
    # The medium demo has more try-out invitations than links written out; the small one, with
    # the cap lowered, is the same case.
    _as_make_run_configures(app)
    app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")
    assert runner.invoke(args=["demo", "--size", "small"]).exit_code == 0
    assert len(_tryout()) > monitor_links_cap
    linked = {i.token_hash for i in _tryout() if i.token_hash is not None}
    urls = _links(tmp_path / "demo-links.csv", "url")
    assert len(urls) == monitor_links_cap
    assert {token_hash(_token(url, served_address())) for url in urls} == linked


@pytest.fixture
def monitor_links_cap(monkeypatch) -> int:
    import monitor.demo.fieldwork as demo_fieldwork

    monkeypatch.setattr(demo_fieldwork, "LINKS", 2)
    return 2


def test_the_links_file_uses_the_public_address_when_one_is_set(app, runner, tmp_path):
    app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")
    app.config["PUBLIC_URL"] = "https://survey.example.org/"
    result = runner.invoke(args=["demo", "--size", "small"])
    assert result.exit_code == 0, result.output
    urls = _links(tmp_path / "demo-links.csv", "url")
    linked = {i.token_hash for i in _tryout() if i.token_hash is not None}
    assert urls and {token_hash(_token(url, "https://survey.example.org")) for url in urls} == linked
    assert "https://survey.example.org" in result.output


def test_the_readme_analyze_commands_run_on_the_demo(demo, runner):
    commands = readme_commands("monitor analyze --survey")
    assert len(commands) >= 2, "the README shows `monitor analyze --survey` on the demo"
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


def test_several_active_plans_are_told_apart_by_the_wave_or_listed(demo, runner, tmp_path):
    # Survey 1 has the follow-up plan (baseline, m3, m6, m12) and the try-out plan (tryout).
    result = runner.invoke(args=["invitations", "create", "--survey", "1", "--wave", "m9",
                                 "--out", str(tmp_path / "none.csv")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "No active plan of survey 1 has a wave 'm9'" in result.output
    assert "1 (Follow-up of assisted persons (demo); waves baseline, m3, m6, m12)" in result.output
    assert f"{TRYOUT_PLAN_ID} (Try-out" in result.output and "waves tryout)" in result.output
    assert not (tmp_path / "none.csv").exists()
    m3 = runner.invoke(args=["invitations", "create", "--survey", "1", "--wave", "m3",
                             "--out", str(tmp_path / "m3.csv")])
    assert m3.exit_code == 0, m3.output
    assert "wave m3 of plan 1" in m3.output
