"""`monitor analyze` on a CSV: the published Petersen numbers come out as one JSON object or a
table, and bad input is a clear message with exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import AnalysisError
from analysis.cli_support import analyze_csv, read_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"


@pytest.fixture(scope="module")
def petersen_csv(tmp_path_factory) -> Path:
    data = pd.read_csv(FIXTURES / "petersen_test_data.txt", sep=r"\s+", header=None, names=["firmid", "year", "x", "y"])
    path = tmp_path_factory.mktemp("csv") / "petersen.csv"
    data.to_csv(path, index=False)
    return path


def test_analyze_json_prints_one_object_with_the_published_estimate(runner, petersen_csv):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--outcome", "y", "--exposure", "x",
                                 "--cluster", "firmid", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # exactly one JSON document, nothing else on stdout
    assert payload["method"] == "ols"
    assert payload["estimate"] == pytest.approx(1.0348, abs=1.5e-4)
    assert payload["std_error"] == pytest.approx(0.0506, abs=1.5e-4)  # Petersen's firm-clustered SE
    assert payload["ci_low"] < payload["estimate"] < payload["ci_high"]
    assert payload["n"] == 5000 and payload["n_clusters"] == 500
    assert payload["warnings"] == [] and 0 <= payload["p_value"] < 1e-10


def test_analyze_without_cluster_has_null_clusters(runner, petersen_csv):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--outcome", "y", "--exposure", "x",
                                 "--covariates", "year", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n_clusters"] is None and payload["covariates"] == ["year"]


def test_analyze_prints_a_readable_table(runner, petersen_csv):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--outcome", "y", "--exposure", "x",
                                 "--cluster", "firmid"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "standard error         0.0506" in lines
    assert "clusters               500" in lines
    assert any(line.startswith("95% interval") for line in lines)


def test_analyze_shows_warnings_and_the_small_sample_switch(runner, tmp_path):
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"score": [3, 4, 5, 4, 2, 3, 2, 1], "trained": [1, 1, 1, 1, 0, 0, 0, 0]}).to_csv(path, index=False)
    result = runner.invoke(args=["analyze", "--csv", str(path), "--outcome", "score", "--exposure", "trained"])
    assert result.exit_code == 0, result.output
    assert "permutation (asked: ols)" in result.stdout
    assert "Warnings:" in result.stdout and "Only 4 people in the exposed group" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--outcome", "nope", "--exposure", "x"],
     "No column named 'nope' in the data. The columns are: firmid, year, x, y."),
    (["--outcome", "y", "--exposure", "x", "--covariates", "year,age"], "No column named 'age'"),
    (["--outcome", "y", "--exposure", "x", "--method", "gee"], "GEE needs a cluster column"),
])
def test_analyze_bad_column_or_request_exits_2_with_a_message(runner, petersen_csv, args, message):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("content, message", [
    (None, "No CSV file at"),
    (b"", "is empty"),
    (b"y,x\n", "has a header but no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "could not be read as a CSV table"),
])
def test_analyze_bad_csv_exits_2_with_a_message(runner, tmp_path, content, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(args=["analyze", "--csv", str(path), "--outcome", "y", "--exposure", "x"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_method_is_a_usage_error(runner, petersen_csv):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--outcome", "y", "--exposure", "x",
                                 "--method", "anova"])
    assert result.exit_code == 2 and "'anova' is not one of" in result.output


def test_cli_core_reads_semicolon_csv_and_reports_errors_without_the_app(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("score;trained\n" + "\n".join(f"{s};{t}" for s, t in zip(range(40), [0, 1] * 20, strict=True)),
                    encoding="utf-8-sig")
    assert list(read_csv(path).columns) == ["score", "trained"]
    assert analyze_csv(path, "score", "trained", method="diff").estimate == pytest.approx(1.0)
    with pytest.raises(AnalysisError, match="No CSV file"):
        read_csv(tmp_path / "missing.csv")


# --- method options --------------------------------------------------------------------------


def _invoke(runner, csv_path: Path, *args: str):
    return runner.invoke(args=["analyze", "--csv", str(csv_path), *args])


def test_did_runs_with_its_design_options(runner):
    # Wooldridge Example 13.3 again, through the command line: --post (and --treated, --time)
    result = _invoke(runner, FIXTURES / "kielmc.csv", "--outcome", "rprice", "--exposure", "nearinc",
                     "--method", "did", "--post", "y81", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["estimate"] == pytest.approx(-11863.90, abs=0.005)


def test_did_with_treated_and_time(runner, tmp_path):
    kielmc = pd.read_csv(FIXTURES / "kielmc.csv")
    kielmc["near_after"] = kielmc.nearinc * kielmc.y81
    path = tmp_path / "kielmc.csv"
    kielmc.to_csv(path, index=False)
    result = _invoke(runner, path, "--outcome", "rprice", "--exposure", "near_after", "--method", "did",
                     "--post", "y81", "--treated", "nearinc", "--time", "year", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["estimate"] == pytest.approx(-11863.90, abs=0.005)


def test_did_without_its_timing_says_what_it_needs(runner):
    result = _invoke(runner, FIXTURES / "kielmc.csv", "--outcome", "rprice", "--exposure", "nearinc",
                     "--method", "did")
    assert result.exit_code == 2 and "needs the timing of the exposure" in result.output


def test_mixed_takes_its_grouping_from_groups(runner):
    # lme4's dietox numbers (test_published), with the grouping given by --groups, not --cluster
    result = _invoke(runner, FIXTURES / "dietox.csv", "--outcome", "Weight", "--exposure", "Time",
                     "--method", "mixed", "--groups", "Pig", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["estimate"] == pytest.approx(6.942505, rel=1e-5)
    assert payload["details"]["variance_components"]["Pig"] == pytest.approx(40.394, rel=1e-3)


def test_mixed_with_a_nested_level(runner, tmp_path):
    dietox = pd.read_csv(FIXTURES / "dietox.csv")
    dietox["Litter"] = dietox["Litter"].astype(str)
    path = tmp_path / "dietox.csv"
    dietox.to_csv(path, index=False)
    result = _invoke(runner, path, "--outcome", "Weight", "--exposure", "Time", "--method", "mixed",
                     "--groups", "Pig", "--nested", "Litter", "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["details"]["variance_components"]) == {"Pig", "Litter", "residual"}


def test_ordinal_levels_give_the_answer_order(runner):
    # R's polr on the UCLA data (test_published): the order comes from --levels
    result = _invoke(runner, FIXTURES / "ologit_ucla.csv", "--outcome", "apply", "--exposure", "pared",
                     "--covariates", "public,gpa", "--method", "ordinal",
                     "--levels", "unlikely,somewhat likely,very likely", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["estimate"] == pytest.approx(1.04769011, abs=2e-4)
    assert list(payload["details"]["thresholds"]) == ["unlikely|somewhat likely", "somewhat likely|very likely"]


def test_ordinal_levels_of_a_numeric_outcome_are_numbers(runner, tmp_path):
    ucla = pd.read_csv(FIXTURES / "ologit_ucla.csv")
    ucla["apply"] = ucla["apply"].map({"unlikely": 1, "somewhat likely": 2, "very likely": 3})
    path = tmp_path / "ucla.csv"
    ucla.to_csv(path, index=False)
    args = ["--outcome", "apply", "--exposure", "pared", "--covariates", "public,gpa", "--method", "ordinal"]
    result = _invoke(runner, path, *args, "--levels", "1,2,3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["estimate"] == pytest.approx(1.04769011, abs=2e-4)
    reversed_ = _invoke(runner, path, *args, "--levels", "3,2,1", "--json")
    assert json.loads(reversed_.stdout)["estimate"] == pytest.approx(-1.04769011, abs=2e-4)
    words = _invoke(runner, path, *args, "--levels", "low,mid,high")
    assert words.exit_code == 2 and "--levels must be numbers" in words.output


def test_ipw_estimand_trim_and_seed(runner):
    # Cattaneo's birth weights: the ATE by logit, untrimmed, against the same call in Python
    from analysis.effects import estimate_effect

    args = ["--outcome", "bweight", "--exposure", "mbsmoke_", "--covariates", "mmarried_,mage,mage2,fbaby_,medu",
            "--method", "ipw", "--estimand", "ate", "--trim", "none", "--json"]
    result = _invoke(runner, FIXTURES / "cataneo2.csv", *args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    expected = estimate_effect(pd.read_csv(FIXTURES / "cataneo2.csv"), "bweight", "mbsmoke_",
                               ["mmarried_", "mage", "mage2", "fbaby_", "medu"], method="ipw", estimand="ate",
                               trim=None)
    assert payload["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    assert payload["details"]["estimand"] == "ate" and payload["details"]["trim"]["rule"] == "none"
    crump = _invoke(runner, FIXTURES / "cataneo2.csv", *args[:-5], "--trim", "crump", "--json")
    assert json.loads(crump.stdout)["details"]["trim"]["rule"] == "crump"
    bounds = _invoke(runner, FIXTURES / "cataneo2.csv", *args[:-5], "--trim", "0.05,0.95", "--json")
    assert json.loads(bounds.stdout)["details"]["trim"]["bounds"] == [0.05, 0.95]


def test_ipw_assignment_level_that_does_not_hold_is_refused(runner, tmp_path):
    data = pd.DataFrame({"score": range(60), "trained": [0, 1] * 30, "provider": [i // 4 for i in range(60)]})
    path = tmp_path / "providers.csv"
    data.to_csv(path, index=False)
    result = _invoke(runner, path, "--outcome", "score", "--exposure", "trained", "--method", "ipw",
                     "--assignment-level", "provider")
    assert result.exit_code == 2 and "so it was not assigned at that level" in result.output


def test_gee_family_and_the_logit_family(runner, tmp_path):
    rows = [(i % 20, i % 2, (i * 7) % 5 == 0) for i in range(400)]
    data = pd.DataFrame(rows, columns=["provider", "trained", "stable"]).astype({"stable": int})
    path = tmp_path / "binary.csv"
    data.to_csv(path, index=False)
    base = ["--outcome", "stable", "--exposure", "trained", "--cluster", "provider", "--json"]
    gee = _invoke(runner, path, *base, "--method", "gee", "--family", "gaussian")
    assert gee.exit_code == 0, gee.output
    assert json.loads(gee.stdout)["details"]["family"] == "gaussian"
    logit = _invoke(runner, path, *base, "--method", "logit", "--family", "binomial")
    assert logit.exit_code == 0, logit.output
    poisson_logit = _invoke(runner, path, *base, "--method", "logit", "--family", "poisson")
    assert poisson_logit.exit_code == 2 and "binomial model" in poisson_logit.output


def test_seed_reaches_the_permutation_test(runner, tmp_path):
    path = tmp_path / "small.csv"
    pd.DataFrame({"score": [3, 4, 5, 4, 2, 3, 2, 1, 5, 1, 2, 3, 4, 2, 3, 1],
                  "trained": [1] * 8 + [0] * 8}).to_csv(path, index=False)
    base = ["--outcome", "score", "--exposure", "trained", "--json"]
    outputs = [json.loads(_invoke(runner, path, *base, "--seed", str(seed)).stdout) for seed in (1, 1, 2)]
    assert outputs[0]["method"] == "permutation" and outputs[0]["details"]["permutations"].endswith("seed 1")
    assert outputs[0] == outputs[1] and outputs[2]["details"]["permutations"].endswith("seed 2")


@pytest.mark.parametrize("method, option, value, belongs", [
    ("ols", "--groups", "firmid", "mixed"),
    ("gee", "--nested", "year", "mixed"),
    ("mixed", "--family", "gaussian", "gee or logit"),
    ("ols", "--post", "year", "did"),
    ("mixed", "--unit", "firmid", "did"),
    ("diff", "--adoption", "year", "did"),
    ("ipw", "--time", "year", "did"),
    ("ipw", "--treated", "x", "did"),
    ("ols", "--assignment-level", "firmid", "ipw"),
    ("did", "--estimand", "att", "ipw"),
    ("logit", "--trim", "crump", "ipw"),
    ("ols", "--levels", "1,2", "ordinal"),
])
def test_an_option_of_another_method_is_refused(runner, petersen_csv, method, option, value, belongs):
    result = _invoke(runner, petersen_csv, "--outcome", "y", "--exposure", "x", "--cluster", "firmid",
                     "--method", method, option, value)
    assert result.exit_code == 2, result.output
    assert f"{option} does not apply to --method {method}; it is for --method {belongs}." in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["0.1", "a,b", "0.2,0.1", "1,2,3"])
def test_a_bad_trim_is_refused(runner, tmp_path, value):
    path = tmp_path / "d.csv"
    pd.DataFrame({"y": range(40), "t": [0, 1] * 20, "z": [i % 7 for i in range(40)]}).to_csv(path, index=False)
    result = _invoke(runner, path, "--outcome", "y", "--exposure", "t", "--covariates", "z", "--method", "ipw",
                     "--trim", value)
    assert result.exit_code == 2 and "trim" in result.output and "Traceback" not in result.output


def test_csv_or_survey_one_of_them(runner, petersen_csv):
    neither = runner.invoke(args=["analyze", "--outcome", "y", "--exposure", "x"])
    assert neither.exit_code == 2 and "Give either --csv FILE or --survey ID" in neither.output
    both = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--survey", "1", "--outcome", "y",
                               "--exposure", "x"])
    assert both.exit_code == 2 and "not both" in both.output
    wave = _invoke(runner, petersen_csv, "--outcome", "y", "--exposure", "x", "--wave", "m3")
    assert wave.exit_code == 2 and "goes with --survey" in wave.output


# --- a survey in the database ----------------------------------------------------------------

FOLLOW_UP = "m3,m6,m12"
DEMO_COVARIATES = "age_broad,type_of_exploit,gender,pilot_region,log2_caseload,wave"


@pytest.fixture
def demo_survey(small_demo) -> int:
    """The small demo (built once for the module); the id of its person follow-up survey."""
    from sqlalchemy import select

    from monitor.extensions import db
    from surveys.models import Survey

    return db.session.scalar(select(Survey.id).where(Survey.instrument == "person_followup"))


def _audit_events(action: str = "analysis_run") -> list:
    from sqlalchemy import select

    from monitor.extensions import db
    from monitor.models import AuditEvent

    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_survey_analysis_reads_the_responses_of_the_waves_and_is_audited(demo_runner, demo_survey):
    from monitor.demo import outcome_frame

    result = demo_runner.invoke(args=[
        "analyze", "--survey", str(demo_survey), "--wave", FOLLOW_UP, "--outcome", "who5_score",
        "--exposure", "trained", "--covariates", DEMO_COVARIATES, "--cluster", "main_provider_id", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    truth = outcome_frame("small", 2012)
    answered = truth[truth["responded"] & (truth["wave"] != "baseline")]
    assert payload["method"] == "ols" and payload["n"] == len(answered)
    assert payload["n_clusters"] == answered["provider_id"].nunique()
    [event] = _audit_events()
    assert event.target == f"survey:{demo_survey}" and event.user_id is None
    assert event.detail["method"] == "ols" and event.detail["wave"] == FOLLOW_UP
    assert event.detail["rows"] == event.detail["n"] == len(answered)
    assert event.detail["covariates"] == DEMO_COVARIATES and "error" not in event.detail


def test_survey_analysis_of_one_wave_and_of_all_waves(demo_runner, demo_survey):
    from monitor.demo import outcome_frame

    truth = outcome_frame("small", 2012)
    base = ["analyze", "--survey", str(demo_survey), "--outcome", "who5_score", "--exposure", "trained",
            "--method", "diff", "--json"]
    one = demo_runner.invoke(args=[*base, "--wave", "baseline"])
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["n"] == int((truth["responded"] & (truth["wave"] == "baseline")).sum())
    every = demo_runner.invoke(args=base)
    assert json.loads(every.stdout)["n"] == int(truth["responded"].sum())
    assert len(_audit_events()) == 2


def test_survey_mixed_model_from_the_command_line(demo_runner, demo_survey):
    # The evaluator's example: a random intercept per region, covariates of the demo's truth
    result = demo_runner.invoke(args=[
        "analyze", "--survey", str(demo_survey), "--outcome", "who5_score", "--exposure", "trained",
        "--covariates", DEMO_COVARIATES, "--cluster", "region", "--method", "mixed"])
    assert result.exit_code == 0, result.output
    assert "cluster                region" in result.stdout
    nested = demo_runner.invoke(args=[
        "analyze", "--survey", str(demo_survey), "--wave", FOLLOW_UP, "--outcome", "who5_score",
        "--exposure", "trained", "--covariates", "age_broad,type_of_exploit,log2_caseload,wave",
        "--method", "mixed", "--groups", "main_provider_id", "--nested", "region", "--json"])
    assert nested.exit_code == 0, nested.output
    components = json.loads(nested.stdout)["details"]["variance_components"]
    assert set(components) == {"main_provider_id", "region", "residual"}


def test_survey_analysis_that_fails_is_audited_with_its_reason(demo_runner, demo_survey):
    result = demo_runner.invoke(args=["analyze", "--survey", str(demo_survey), "--outcome", "who5_score",
                                 "--exposure", "trained", "--method", "did"])
    assert result.exit_code == 2 and "needs the timing of the exposure" in result.output
    [event] = _audit_events()
    assert "needs the timing of the exposure" in event.detail["error"]
    unknown_wave = demo_runner.invoke(args=["analyze", "--survey", str(demo_survey), "--wave", "m9",
                                       "--outcome", "who5_score", "--exposure", "trained"])
    assert unknown_wave.exit_code == 2
    assert "has no wave m9; its waves are baseline, m3, m6, m12" in unknown_wave.output
    assert len(_audit_events()) == 2  # the data were read, so the refusal is on record too


def test_unknown_survey_exits_2_and_reads_nothing(runner, app):
    result = runner.invoke(args=["analyze", "--survey", "999", "--outcome", "who5_score", "--exposure", "trained"])
    assert result.exit_code == 2 and "There is no survey 999." in result.output
    assert _audit_events() == []


# --- finding the columns, and waves pooled -------------------------------------------------


def _survey_id(instrument: str) -> int:
    from sqlalchemy import select

    from monitor.extensions import db
    from surveys.models import Survey

    return db.session.scalar(select(Survey.id).where(Survey.instrument == instrument))


def test_an_unknown_survey_column_suggests_the_right_one_and_the_listing(demo_runner, demo_survey):
    result = demo_runner.invoke(args=["analyze", "--survey", str(demo_survey), "--outcome", "who5_score",
                                 "--exposure", "trained", "--covariates", "ageBroad,typeOfExploit"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'ageBroad' (did you mean 'age_broad'?)" in result.output
    assert "'typeOfExploit' (did you mean 'type_of_exploit'?)" in result.output
    assert f"monitor analyze --survey {demo_survey} --list-columns" in result.output
    assert len(_audit_events()) == 1  # the data were read


def test_list_columns_gives_every_column_with_type_label_and_answers(demo_runner, demo_survey):
    from monitor.analytic_dataset import build_dataset
    from monitor.demo import outcome_frame

    truth = outcome_frame("small", 2012)
    result = demo_runner.invoke(args=["analyze", "--survey", str(demo_survey), "--list-columns", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    columns = {c["name"]: c for c in listing["columns"]}
    assert list(columns) == list(build_dataset(demo_survey).frame.columns)  # all of them, in order
    assert listing["rows"] == int(truth["responded"].sum())
    assert columns["who5_score"]["type"] == "score" and "WHO-5" in columns["who5_score"]["label"]
    assert columns["who5_score"]["answered"] == int(truth["responded"].sum())
    assert columns["housing_stable"]["type"] == "0/1"
    assert columns["sat_recommend"]["type"] == "choice"
    assert columns["services_received"]["type"] == "choices"
    assert columns["age_broad"]["label"].startswith("CTDC") and "ageBroad" not in columns
    assert columns["trained"]["type"] == "0/1" and "exposure" in columns["trained"]["label"]
    answered_sat = truth["responded"] & truth["satisfaction_score"].notna()
    assert columns["satisfaction_score"]["answered"] == int(answered_sat.sum())

    one = demo_runner.invoke(args=["analyze", "--survey", str(demo_survey), "--wave", "m3", "--list-columns"])
    assert one.exit_code == 0, one.output
    m3 = int((truth["responded"] & (truth["wave"] == "m3")).sum())
    assert f"{len(columns)} columns, {m3} rows" in one.stdout
    assert any(line.split()[:2] == ["age_broad", "text"] for line in one.stdout.splitlines())
    events = _audit_events("analysis_columns_listed")
    assert [e.detail["wave"] for e in events] == [None, "m3"] and events[1].detail["rows"] == m3


def test_list_columns_of_a_csv_needs_no_outcome(runner, petersen_csv):
    result = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--list-columns"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[2:]] == ["firmid", "year", "x", "y"]
    missing = runner.invoke(args=["analyze", "--csv", str(petersen_csv), "--outcome", "y"])
    assert missing.exit_code == 2 and "Missing option '--exposure'" in missing.output


def test_pooled_waves_are_clustered_by_person_and_say_so(demo_runner, demo_survey):
    from monitor.demo import outcome_frame

    truth = outcome_frame("small", 2012)
    answered = truth[truth["responded"]]
    base = ["analyze", "--survey", str(demo_survey), "--outcome", "who5_score", "--exposure", "trained",
            "--covariates", "wave", "--json"]
    pooled = demo_runner.invoke(args=base)
    assert pooled.exit_code == 0, pooled.output
    payload = json.loads(pooled.stdout)
    assert payload["n"] == len(answered) and payload["n_clusters"] == answered["person_id"].nunique()
    assert payload["cluster"] == "person_id"
    assert any("pooled" in w and "clustered by 'person_id'" in w for w in payload["warnings"])
    [event] = _audit_events()
    assert event.detail["cluster"] is None and event.detail["clustered_by_respondent"] == "person_id"

    one = json.loads(demo_runner.invoke(args=[*base[:-3], "--wave", "m3", "--json"]).stdout)
    assert one["n_clusters"] is None and not any("pooled" in w for w in one["warnings"])
    # A cluster that holds each person's waves together (persons sit in one region) is kept.
    regions = json.loads(demo_runner.invoke(args=[*base, "--cluster", "region_id"]).stdout)
    assert regions["cluster"] == "region_id" and not any("pooled" in w for w in regions["warnings"])
    # Repeated measures in a mixed model: a random intercept per person.
    mixed = json.loads(demo_runner.invoke(args=[*base, "--method", "mixed"]).stdout)
    assert mixed["cluster"] == "person_id" and any("random intercept per 'person_id'" in w
                                                   for w in mixed["warnings"])


def test_the_provider_survey_can_be_analysed_and_keeps_its_own_trained_answer(demo_runner, demo_survey):
    from monitor.demo import provider_outcome_frame

    providers = _survey_id("provider_followup")
    truth = provider_outcome_frame("small", 2012)
    result = demo_runner.invoke(args=["analyze", "--survey", str(providers), "--outcome", "knowledge_score",
                                 "--exposure", "trained", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n"] == int(truth["responded"].sum())
    assert payload["n_clusters"] == truth.loc[truth["responded"], "provider_id"].nunique()
    listing = json.loads(demo_runner.invoke(args=["analyze", "--survey", str(providers), "--list-columns",
                                             "--json"]).stdout)
    columns = {c["name"]: c for c in listing["columns"]}
    assert "attended any training" in columns["trained__answer"]["label"]
    assert "exposure" in columns["trained"]["label"]
