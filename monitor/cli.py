"""The ``monitor`` command line: a FlaskGroup over ``create_app``.

Commands here are a contract others script against (see the design's command-line contract):
keep names, options and output stable.
"""

from __future__ import annotations

import sys
from dataclasses import replace

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
@click.option("--csv", "csv_path", default=None, help="CSV file, one row per person (or per observation).")
@click.option("--survey", "survey_id", type=int, default=None,
              help="Instead of --csv: the analytic dataset of this survey in the database (its submitted "
                   "responses, one row per respondent and wave).")
@click.option("--wave", default=None,
              help="With --survey: only this wave (baseline, m3, m6, m12), or several comma-separated. "
                   "Without it every wave is pooled, clustered by respondent.")
@click.option("--list-columns", "list_columns", is_flag=True,
              help="List the columns (name, type, how many answered, label) instead of estimating.")
@click.option("--outcome", default=None, help="Outcome column (required unless --list-columns).")
@click.option("--exposure", default=None,
              help="Exposure column, binary or numeric such as hours (required unless --list-columns).")
@click.option("--covariates", default="", help="Covariate columns, comma-separated.")
@click.option("--cluster", default=None, help="Cluster column (the provider, say).")
@click.option("--method", type=click.Choice(METHODS), default="ols", show_default=True)
@click.option("--groups", default=None, help="mixed: column of the random intercept (default: --cluster).")
@click.option("--nested", default=None, help="mixed: column of an outer random intercept the groups sit in.")
@click.option("--family", default=None, help="gee: gaussian, binomial or poisson (logit: binomial only).")
@click.option("--unit", default=None, help="did: the unit column (the region, say).")
@click.option("--time", default=None, help="did: the period column.")
@click.option("--adoption", default=None, help="did: each unit's first trained period (empty = never).")
@click.option("--post", default=None, help="did: 0/1 column, 1 from the start (a 2x2 design).")
@click.option("--treated", default=None, help="did: 0/1 column of the treated group (a 2x2 design).")
@click.option("--assignment-level", "assignment_level", default=None,
              help="ipw: the column at which the exposure was assigned (the propensity is fitted per unit).")
@click.option("--estimand", type=click.Choice(["att", "ate"]), default=None,
              help="ipw: effect among the exposed (att, the default) or in everyone (ate).")
@click.option("--trim", default=None, help="ipw: propensity bounds LOW,HIGH (default 0.01,0.99), crump or none.")
@click.option("--levels", default=None, help="ordinal: the answers in order, lowest first, comma-separated.")
@click.option("--seed", type=int, default=None,
              help="Random seed of permutation tests and bootstraps (default 2012).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def analyze(csv_path: str | None, survey_id: int | None, wave: str | None, list_columns: bool,
            outcome: str | None, exposure: str | None, covariates: str, cluster: str | None, method: str,
            as_json: bool, **options: object) -> None:
    """Estimate the effect of an exposure on an outcome from a CSV file or a survey's data.

    Options that belong to one method (--groups for mixed, --unit for did, ...) are refused with
    any other. With --survey and several waves, a respondent's answers at different waves are
    not independent: without --cluster the standard errors are clustered by respondent (mixed: a
    random intercept per respondent), and the warnings say so. A run over the database
    (--survey) reads personal data, so it is written to the audit log, whether the model could be
    fitted or not (listing the columns too).
    """
    from analysis import AnalysisError
    from analysis.cli_support import analyze_frame, check_columns, format_table, named_columns, read_csv, to_json

    if (csv_path is None) == (survey_id is None):
        raise _BadInput("Give either --csv FILE or --survey ID (one of them, not both).")
    if wave is not None and survey_id is None:
        raise _BadInput("--wave selects waves of a survey's data; it goes with --survey, not --csv.")
    if not list_columns:
        for name, value in (("--outcome", outcome), ("--exposure", exposure)):
            if not value:
                raise click.UsageError(f"Missing option '{name}' (or pass --list-columns to see the columns).")
    listing = f"monitor analyze {'--csv ' + csv_path if csv_path else f'--survey {survey_id}'} --list-columns"
    try:
        if csv_path is not None:
            frame = read_csv(csv_path)
            if list_columns:
                _print_columns(frame, {}, {}, as_json)
                return
            check_columns(frame, named_columns(outcome, exposure, covariates, cluster, **options), listing)
            result = analyze_frame(frame, outcome, exposure, covariates, cluster, method, **options)
        else:
            data = _survey_dataset(survey_id)  # nothing read yet if this fails: nothing to audit
            if list_columns:
                frame = _responses(data, wave)
                _audit_analysis(survey_id, {"wave": wave, "rows": len(frame)}, action="analysis_columns_listed")
                _print_columns(frame, data.labels, data.kinds, as_json)
                return
            run: dict[str, object] = {
                "method": method, "outcome": outcome, "exposure": exposure, "covariates": covariates,
                "cluster": cluster, "wave": wave, "options": {k: v for k, v in options.items() if v is not None}}
            try:
                frame = _responses(data, wave)
                run["rows"] = len(frame)
                check_columns(frame, named_columns(outcome, exposure, covariates, cluster, **options), listing)
                chosen, note = _repeated_measures(data, frame, cluster, method, options)
                if chosen != cluster:
                    run["clustered_by_respondent"] = chosen
                result = analyze_frame(frame, outcome, exposure, covariates, chosen, method, **options)
                if note:
                    result = replace(result, warnings=(note, *result.warnings))
            except Exception as exc:  # the data were read: the run is audited however it ends
                _audit_analysis(survey_id, run, error=str(exc))
                raise
            _audit_analysis(survey_id, run, n=result.n, method_used=result.method)
    except AnalysisError as exc:
        raise _BadInput(str(exc)) from exc
    click.echo(to_json(result) if as_json else format_table(result))


def _print_columns(frame, labels: dict[str, str], kinds: dict[str, str], as_json: bool) -> None:
    """The columns of ``frame``: name, type, rows with a value, label (JSON with --json)."""
    import json
    from dataclasses import asdict

    from analysis.cli_support import columns_table
    from monitor.analytic_dataset import describe_columns

    rows = describe_columns(frame, labels, kinds)
    if as_json:
        click.echo(json.dumps({"rows": len(frame), "columns": [asdict(r) for r in rows]}, ensure_ascii=False))
    else:
        click.echo(f"{len(rows)} columns, {len(frame)} rows (answered: rows with a value).")
        click.echo(columns_table(rows))


def _repeated_measures(data, frame, cluster: str | None, method: str,
                       options: dict[str, object]) -> tuple[str | None, str | None]:
    """The cluster to use and a warning, when respondents appear at more than one wave.

    Repeated answers of one respondent are not independent. Without any grouping (--cluster,
    mixed's --groups, did's --unit) the rows are clustered by respondent; with one that does not
    hold each respondent's rows together, a warning says the errors may be too small.
    """
    respondent = data.respondent
    who = frame[respondent].dropna()
    repeated = int(who[who.duplicated()].nunique())
    if not repeated:
        return cluster, None
    present = [w for w in data.waves if w in set(frame["wave"])]
    pooled = (f"Waves {', '.join(present)} are pooled and {repeated} of the {who.nunique()} respondents "
              "answered at more than one")
    grouping = cluster or (options.get("groups") if method == "mixed" else None) or (
        options.get("unit") if method == "did" else None)
    if grouping is None:
        if method == "did":
            return cluster, None
        how = (f"the model has a random intercept per '{respondent}'" if method == "mixed"
               else f"standard errors are clustered by '{respondent}'")
        return respondent, (f"{pooled}, so their answers are not independent: {how}. Pass --wave to analyse "
                            "one wave, or --cluster to cluster otherwise.")
    spans = frame.dropna(subset=[respondent]).groupby(respondent)[str(grouping)].nunique(dropna=False)
    if (spans > 1).any():
        return cluster, (f"{pooled}, and {int((spans > 1).sum())} of them fall in more than one '{grouping}': "
                         "their repeated answers are treated as independent, so the standard errors may be "
                         f"too small. Cluster by '{respondent}', or pass --wave to analyse one wave.")
    return cluster, None


def _survey_dataset(survey_id: int):
    """The analytic dataset of the survey; a clear message if there is none."""
    from monitor.analytic_dataset import DatasetError, build_dataset

    try:
        return build_dataset(survey_id)
    except DatasetError as exc:
        raise _BadInput(str(exc)) from exc


def _responses(data, wave: str | None):
    """The submitted rows of the analytic dataset, of the chosen waves (a name, or several
    comma-separated)."""
    from analysis.prepare import as_columns

    frame = data.responses
    waves = list(data.waves)
    if wave is not None:
        chosen = list(as_columns(wave))
        unknown = [w for w in chosen if w not in waves]
        if not chosen or unknown:
            raise _BadInput(f"Survey {data.survey_id} has no wave {', '.join(unknown) or repr(wave)}; its waves "
                            f"are {', '.join(waves)}.")
        frame = frame[frame["wave"].isin(chosen)]
    if frame.empty:
        raise _BadInput(f"Survey {data.survey_id} has no submitted responses"
                        + (f" at wave {wave}" if wave is not None else "") + " to analyse.")
    return frame.reset_index(drop=True)


def _audit_analysis(survey_id: int, run: dict, action: str = "analysis_run", **outcome: object) -> None:
    """Write the run to the audit log and commit: it read personal data."""
    from monitor import audit
    from monitor.extensions import db

    audit.record(action, target=f"survey:{survey_id}", **run, **outcome)
    db.session.commit()


def init_app(app: Flask) -> None:
    from monitor.fieldwork.cli import invitations_cli
    from surveys.cli import surveys_cli

    app.cli.add_command(users)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(demo)
    app.cli.add_command(analyze)
