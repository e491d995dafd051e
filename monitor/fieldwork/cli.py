"""``monitor invitations create``: links for one wave of a survey's follow-up plan, as a CSV.

Part of the command-line contract (``--survey ID --wave NAME --out links.csv``); ``--plan``,
``--base-url`` and ``--overwrite`` are optional. Errors are one line and a non-zero exit code.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

invitations_cli = click.Group("invitations", help="Invitation links of follow-up plans.")

#: Batches above this many links show a progress bar on stderr.
PROGRESS_FROM = 1000


def _base_url(option: str | None) -> str:
    """--base-url, else PUBLIC_URL; a warning when respondents' phones could not reach it."""
    base = (option or current_app.config["PUBLIC_URL"]).rstrip("/")
    host = urlsplit(base).hostname or ""
    if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.endswith(".localhost"):
        click.echo(f"warning: the links point to {base}/, which only this machine opens; pass "
                   "--base-url (or set PUBLIC_URL) with the address respondents open.", err=True)
    return base


def _describe(plan) -> str:
    return f"{plan.id} ({plan.title}; waves {', '.join(w.name for w in plan.waves)})"


def _plan(survey_id: int, plan_id: int | None, wave: str):
    """The plan to issue links from: --plan, else the survey's one active plan, else the one of
    its active plans that has ``wave``. Raises ClickException, listing the plans, otherwise."""
    from monitor.extensions import db
    from monitor.fieldwork.models import FollowUpPlan
    from monitor.fieldwork.services import active_plans_for_survey
    from surveys.models import Survey

    if db.session.get(Survey, survey_id) is None:
        raise click.ClickException(f"No survey with id {survey_id}.")
    if plan_id is not None:
        plan = db.session.get(FollowUpPlan, plan_id)
        if plan is None or plan.survey_version.survey_id != survey_id:
            raise click.ClickException(f"Survey {survey_id} has no plan with id {plan_id}.")
        if plan.status != "active":
            raise click.ClickException(f"Plan {plan_id} is closed; reopen it to issue links.")
        return plan
    plans = active_plans_for_survey(survey_id)
    if not plans:
        raise click.ClickException(f"Survey {survey_id} has no active follow-up plan: create one "
                                   "under Fieldwork first.")
    if len(plans) == 1:
        return plans[0]
    # Several plans: the wave asked for often tells which (a try-out wave, an extra follow-up).
    with_wave = [p for p in plans if wave in {w.name for w in p.waves}]
    if len(with_wave) == 1:
        return with_wave[0]
    listed = "; ".join(_describe(p) for p in plans)
    if not with_wave:
        raise click.ClickException(f"No active plan of survey {survey_id} has a wave {wave!r}. Its "
                                   f"active plans: {listed}.")
    listed = "; ".join(_describe(p) for p in with_wave)
    raise click.ClickException(f"Survey {survey_id} has {len(with_wave)} active plans with a wave "
                               f"{wave!r}: {listed}. Choose one with --plan ID.")


def _progress(label: str, done: int, total: int) -> None:
    if total >= PROGRESS_FROM:
        from monitor.cli import _progress as bar

        bar(label, done, total)


@invitations_cli.command("create")
@click.option("--survey", "survey_id", type=int, required=True, help="Survey id (see `monitor surveys list`).")
@click.option("--wave", required=True, help="Wave name, e.g. baseline, m3, m6, m12.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write; only its owner may read it.")
@click.option("--plan", "plan_id", type=int, default=None,
              help="The plan, when several active plans of the survey have the wave.")
@click.option("--base-url", default=None,
              help="Address respondents open, e.g. https://survey.example.org (by default the "
                   "PUBLIC_URL setting).")
@click.option("--overwrite", is_flag=True, help="Replace an existing file (its links are lost for good).")
@with_appcontext
def create_command(survey_id: int, wave: str, out: Path, plan_id: int | None, base_url: str | None,
                   overwrite: bool) -> None:
    """Issue links for the wave's invitations that have none yet and write them to a CSV.

    The plan is --plan, or the survey's active plan with that wave. Links start with --base-url,
    else the configured public address (PUBLIC_URL or SERVER_NAME), else the address `monitor run`
    serves on. They exist only in that file (the database keeps their hashes): keep it safe.
    """
    from monitor.extensions import db
    from monitor.fieldwork import links, services

    plan = _plan(survey_id, plan_id, wave)
    names = [w.name for w in plan.waves]
    if wave not in names:
        raise click.ClickException(f"Plan {plan.id} has no wave {wave!r}; its waves are "
                                   f"{', '.join(names)}.")
    if out.exists() and not overwrite:
        raise click.ClickException(f"{out} exists, and the links in it exist nowhere else: choose "
                                   "another --out, or pass --overwrite.")
    base = _base_url(base_url)
    try:
        # Created owner-only before any link is issued, so an unwritable path costs nothing.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {out}: {exc.strerror}.") from exc
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            issued = services.issue_links(plan, services.Selection(wave=wave), output="cli-csv",
                                          progress=_progress)
            headers, rows = links.link_table(links.link_rows(issued, base))
            handle.write(links.to_csv(headers, rows))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        out.unlink(missing_ok=True)
        raise
    if issued:
        click.echo(f"Issued {len(issued)} link{'s' if len(issued) != 1 else ''} for wave {wave} of plan "
                   f"{plan.id} ({plan.title}) to {out}.")
    else:
        click.echo(f"No invitation of wave {wave} of plan {plan.id} needs a link: every pending one has "
                   f"one already. {out} holds the header only.")
