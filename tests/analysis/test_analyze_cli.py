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
