"""``monitor surveys import|export|list``: the survey commands of the command-line contract."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

surveys_cli = click.Group("surveys", help="Survey definitions: import, export, list.")


@surveys_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import an XLSForm as a new survey (a draft); prints the new survey's id."""
    from monitor.extensions import db
    from surveys.versions import create_survey
    from surveys.xlsform import XLSFormError, import_xlsform

    try:
        imported = import_xlsform(path.read_bytes(), filename=path.name)
    except XLSFormError as exc:
        raise click.ClickException(_describe(exc)) from exc
    for warning in imported.warnings:
        click.echo(f"warning: {warning}", err=True)
    survey = create_survey(imported.survey)
    db.session.commit()
    click.echo(survey.id)


@surveys_cli.command("export")
@click.argument("survey_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["xlsform", "json"]), default="xlsform",
              show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest published, else the draft).")
@with_appcontext
def export_command(survey_id: int, fmt: str, out: Path, number: int | None) -> None:
    """Write a survey version as an XLSForm workbook or as our JSON definition."""
    from monitor import audit
    from monitor.extensions import db
    from surveys.models import Survey, SurveyVersion
    from surveys.xlsform import export_xlsform

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"No survey with id {survey_id}.")
    stmt = select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
    if number is not None:
        stmt = stmt.where(SurveyVersion.number == number)
    else:
        # latest published first, then the draft
        stmt = stmt.order_by((SurveyVersion.status == "published").desc(),
                             SurveyVersion.number.desc())
    version = db.session.scalars(stmt.limit(1)).first()
    if version is None:
        raise click.ClickException(f"Survey {survey_id} has no version {number}.")
    if fmt == "json":
        out.write_text(json.dumps(version.definition, ensure_ascii=False, indent=2),
                       encoding="utf-8")
    else:
        out.write_bytes(export_xlsform(version.schema()))
    audit.record("survey_exported", target=f"survey:{survey_id}", number=version.number,
                 format=fmt)
    db.session.commit()
    click.echo(f"Wrote version {version.number} ({version.status}) to {out}")


@surveys_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List surveys with their versions."""
    from monitor.extensions import db
    from surveys.models import Survey, SurveyVersion

    published = (select(SurveyVersion.survey_id, func.max(SurveyVersion.number).label("n"))
                 .where(SurveyVersion.status == "published")
                 .group_by(SurveyVersion.survey_id).subquery())
    drafts = (select(SurveyVersion.survey_id, SurveyVersion.number.label("n"))
              .where(SurveyVersion.status == "draft").subquery())
    rows = db.session.execute(
        select(Survey.id, Survey.title, Survey.audience, Survey.instrument,
               published.c.n, drafts.c.n)
        .outerjoin(published, published.c.survey_id == Survey.id)
        .outerjoin(drafts, drafts.c.survey_id == Survey.id).order_by(Survey.id)).all()
    items = [{"id": r[0], "title": r[1], "audience": r[2], "instrument": r[3],
              "published_version": r[4], "draft_version": r[5]} for r in rows]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    for item in items:
        click.echo(f"{item['id']:>4}  {item['title']:<50} {item['audience']:<9} "
                   f"published v{item['published_version'] or '-'}  "
                   f"draft v{item['draft_version'] or '-'}")


def _describe(exc) -> str:
    problems = getattr(exc, "problems", None) or []
    return str(exc) + "".join(f"\n  - {p}" for p in problems)
