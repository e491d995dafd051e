"""The ``monitor`` command line: a FlaskGroup over ``create_app``.

Commands here are a contract others script against (see the design's command-line contract):
keep names, options and output stable.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from analysis.effects import METHODS


def _create_app() -> Flask:
    from monitor import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """NRM Monitor: registry, follow-up surveys and outcome analysis."""


users = click.Group("users", help="Staff accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "officer", "evaluator"]), required=True)
@with_appcontext
def users_create(email: str, role: str) -> None:
    """Create a staff account; the password is read from stdin or asked for."""
    from monitor.accounts import AccountError, create_user
    from monitor.extensions import db

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(email, role, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("demo")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="medium",
              show_default=True)
@click.option("--seed", type=int, default=2012, show_default=True)
@click.option("--reset", is_flag=True, help="Delete every row first (the database must be a demo).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds data.")
@with_appcontext
def demo(size: str, seed: int, reset: bool, if_empty: bool) -> None:
    """Load the synthetic demo programme and print the staff logins it created."""
    from flask import current_app

    from monitor.demo import DEMO_LOGINS, DatabaseNotEmpty, build_demo

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("The demo creates accounts with known passwords; "
                                   "it does not run with MONITOR_ENV=production.")
    try:
        summary = build_demo(size=size, seed=seed, reset=reset, progress=_progress)
    except DatabaseNotEmpty as exc:
        if if_empty:
            click.echo("The database already holds data; the demo was not loaded again.")
            _print_logins(_existing(DEMO_LOGINS))
            return
        raise click.ClickException(str(exc)) from exc
    click.echo(summary.describe())
    _print_logins(DEMO_LOGINS)


def _existing(logins) -> list[tuple[str, str, str]]:
    """The demo logins whose accounts are in the database."""
    from sqlalchemy import select

    from monitor.extensions import db
    from monitor.models import User

    emails = set(db.session.scalars(select(User.email).where(
        User.email.in_([email for _, email, _ in logins]))))
    return [login for login in logins if login[1] in emails]


def _print_logins(logins) -> None:
    if not logins:
        return
    click.echo("Demo logins (development only):")
    for role, email, password in logins:
        click.echo(f"  {role:<10} {email:<28} {password}")


def _progress(label: str, done: int, total: int) -> None:
    """Progress for long CLI work, on stderr so stdout stays scriptable."""
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done >= total else ""
    click.echo(f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
               err=True, nl=False)
    if end:
        click.echo("", err=True)


class _BadInput(click.ClickException):
    """A bad CSV, column or model request: a message, exit code 2, no traceback."""

    exit_code = 2


@click.command("analyze")
@click.option("--csv", "csv_path", required=True, help="CSV file, one row per person (or per observation).")
@click.option("--outcome", required=True, help="Outcome column.")
@click.option("--exposure", required=True, help="Exposure column (binary, or numeric such as hours).")
@click.option("--covariates", default="", help="Covariate columns, comma-separated.")
@click.option("--cluster", default=None, help="Cluster column (the provider, say).")
@click.option("--method", type=click.Choice(METHODS), default="ols", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def analyze(csv_path: str, outcome: str, exposure: str, covariates: str, cluster: str | None, method: str,
            as_json: bool) -> None:
    """Estimate the effect of an exposure on an outcome from a CSV file."""
    from analysis import AnalysisError
    from analysis.cli_support import analyze_csv, format_table, to_json

    try:
        result = analyze_csv(csv_path, outcome, exposure, covariates, cluster, method)
    except AnalysisError as exc:
        raise _BadInput(str(exc)) from exc
    click.echo(to_json(result) if as_json else format_table(result))


def init_app(app: Flask) -> None:
    from monitor.fieldwork.cli import invitations_cli
    from surveys.cli import surveys_cli

    app.cli.add_command(users)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(demo)
    app.cli.add_command(analyze)
