"""The estimators reproduce numbers published by other software and textbooks.

Each check uses the tolerance of the test that statsmodels itself uses for the same comparison
(see tests/fixtures/analysis/README.md); textbook examples are checked to the digits printed.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import estimate_effect
from analysis.effect_sizes import hedges_g

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"


def test_dietox_mixed_model_matches_lme4():
    # lmer(Weight ~ Time + (1 | Pig), data = dietox), REML; statsmodels' test_lme uses rtol=1e-5
    dietox = pd.read_csv(FIXTURES / "dietox.csv")
    result = estimate_effect(dietox, "Weight", "Time", cluster="Pig", method="mixed")

    coefficients = result.details["coefficients"]
    assert_allclose([coefficients["Intercept"]["estimate"], result.estimate], [15.723523, 6.942505], rtol=1e-5)
    assert_allclose([coefficients["Intercept"]["std_error"], result.std_error], [0.78805374, 0.03338727], rtol=1e-5)
    assert_allclose(result.details["variance_components"]["Pig"], 40.39395, rtol=1e-5)
    assert_allclose(result.details["variance_components"]["residual"], 11.36692, rtol=1e-5)
    assert result.converged and result.warnings == ()
    assert result.n == 861 and result.n_clusters == 72  # the Feed column's gaps are not used, so not dropped
    assert_allclose(result.details["icc"]["Pig"], 40.39395 / (40.39395 + 11.36692), rtol=1e-5)


def test_epil_gee_matches_statsmodels_documentation():
    # statsmodels' GEE documentation: smf.gee("y ~ age + trt + base", "subject", epil,
    # cov_struct=Exchangeable(), family=Poisson()) prints trt[T.progabide] -0.1519 (0.171)
    epil = pd.read_csv(FIXTURES / "epil.csv")
    result = estimate_effect(epil, "y", "trt", ["age", "base"], cluster="subject", method="gee", family="poisson")

    assert result.estimate == pytest.approx(-0.1519, abs=5e-5)
    assert result.std_error == pytest.approx(0.171, abs=5e-4)
    assert result.details["exposure_coding"] == {"kind": "binary", "0": "placebo", "1": "progabide"}
    assert result.n_clusters == 59 and result.n == 236
    assert result.details["std_error_type"] == "robust sandwich"  # 59 clusters: not "few"
    assert result.scale == "log_rate"
    assert result.effect_size("rate_ratio").value == pytest.approx(np.exp(-0.1519), abs=1e-4)


@pytest.mark.parametrize("as_levels", [True, False])
def test_ucla_ordered_logit_matches_r_polr(as_levels):
    # polr(apply ~ pared + public + gpa, method = "logit"); tolerances of statsmodels'
    # test_ordinal_model.py: coefficients atol 2e-4, SEs rtol 0.003, thresholds atol 4e-4
    ucla = pd.read_csv(FIXTURES / "ologit_ucla.csv")
    order = ["unlikely", "somewhat likely", "very likely"]
    if as_levels:
        result = estimate_effect(ucla, "apply", "pared", ["public", "gpa"], method="ordinal", levels=order)
    else:
        ucla["apply"] = pd.Categorical(ucla["apply"], categories=order, ordered=True)
        result = estimate_effect(ucla, "apply", "pared", ["public", "gpa"], method="ordinal")

    coefficients = result.details["coefficients"]
    assert_allclose([coefficients[k]["estimate"] for k in ("pared", "public", "gpa")],
                    [1.04769011, -0.05878572, 0.61594057], atol=2e-4)
    assert_allclose([coefficients[k]["std_error"] for k in ("pared", "public", "gpa")],
                    [0.2658, 0.2979, 0.2606], rtol=0.003, atol=1e-5)
    assert_allclose(list(result.details["thresholds"].values()), [2.203915, 4.299363], atol=4e-4)
    assert list(result.details["thresholds"]) == ["unlikely|somewhat likely", "somewhat likely|very likely"]
    assert result.estimate == coefficients["pared"]["estimate"] and result.scale == "log_odds"
    assert result.effect_size("odds_ratio").value == pytest.approx(np.exp(1.04769011), rel=3e-4)


def test_petersen_firm_clustered_se():
    # Petersen's test data: OLS y ~ x, slope 1.0348, SEs clustered by firm 0.0670 and 0.0506;
    # statsmodels' test_sandwich.py checks them with assert_almost_equal(decimal=4)
    petersen = pd.read_csv(FIXTURES / "petersen_test_data.txt", sep=r"\s+", header=None,
                           names=["firmid", "year", "x", "y"])
    result = estimate_effect(petersen, "y", "x", cluster="firmid", method="ols")

    assert result.estimate == pytest.approx(1.0348, abs=1.5e-4)
    assert result.std_error == pytest.approx(0.0506, abs=1.5e-4)
    assert result.details["coefficients"]["Intercept"]["std_error"] == pytest.approx(0.0670, abs=1.5e-4)
    assert result.n_clusters == 500 and result.details["inference"] == "t with 499 degrees of freedom"


def test_hedges_g_matches_borenstein_worked_example():
    # Borenstein et al., Introduction to Meta-Analysis (2009), section 4.2: means 103 and 100,
    # SDs 5.5 and 4.5, n 50 and 50 -> d = 0.5970, J = 0.9923, g = 0.5924, V(g) = 0.0411, SE(g) = 0.2028
    g = hedges_g(103, 100, 5.5, 4.5, 50, 50)
    assert g.value == pytest.approx(0.5924, abs=5e-5)
    se = (g.ci_high - g.ci_low) / (2 * 1.959964)
    assert se == pytest.approx(0.2028, abs=5e-5)
    assert se**2 == pytest.approx(0.0411, abs=5e-5)

    # the same example through estimate_effect, on data built to have exactly those summaries
    rng = np.random.default_rng(4)
    def arm(mean, sd):
        x = rng.normal(size=50)
        return mean + sd * (x - x.mean()) / x.std(ddof=1)
    df = pd.DataFrame({"score": np.r_[arm(103, 5.5), arm(100, 4.5)], "trained": [1] * 50 + [0] * 50})
    result = estimate_effect(df, "score", "trained", method="diff")
    assert result.estimate == pytest.approx(3.0)
    assert result.effect_size("hedges_g").value == pytest.approx(0.5924, abs=5e-5)


def test_diff_matches_r_t_test_on_student_sleep_data():
    # Cushny & Peebles' sleep data (R's `sleep`): t.test(extra ~ group) gives Welch t = -1.8608,
    # df = 17.776, p = 0.07939, CI -3.3654832 0.2054832; with var.equal = TRUE, df = 18,
    # p = 0.07919, CI -3.363874 0.203874 (group 1 minus group 2; we report exposed minus comparison)
    g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    sleep = pd.DataFrame({"extra": g1 + g2, "group": [1] * 10 + [2] * 10})
    result = estimate_effect(sleep, "extra", "group", method="diff")

    assert result.method == "diff" and result.estimate == pytest.approx(2.33 - 0.75)
    assert result.details["t"] == pytest.approx(1.8608, abs=5e-5)
    assert result.p_value == pytest.approx(0.07919, abs=5e-6)
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.203874, 3.363874), abs=5e-7)
    welch = result.details["welch"]
    assert welch["df"] == pytest.approx(17.776, abs=5e-4)
    assert welch["p_value"] == pytest.approx(0.07939, abs=5e-6)
    assert (welch["ci_low"], welch["ci_high"]) == pytest.approx((-0.2054832, 3.3654832), abs=5e-8)


def test_fisher_exact_on_fishers_tea_tasting():
    # Fisher (1935), R's fisher.test(TeaTasting): two-sided p = 0.4857 (= 34/70), conditional MLE
    # odds ratio 6.408309, lower 95% bound 0.2117329 (R's upper bound, found by a loose root search
    # near infinity, is not compared)
    tea = pd.DataFrame({"said_milk_first": [1, 1, 1, 0, 1, 0, 0, 0], "milk_first": [1, 1, 1, 1, 0, 0, 0, 0]})
    result = estimate_effect(tea, "said_milk_first", "milk_first", method="logit")

    assert result.method == "fisher_exact" and result.details["requested_method"] == "logit"
    assert result.p_value == pytest.approx(34 / 70)
    assert result.estimate == pytest.approx(3 / 4 - 1 / 4)
    odds = result.effect_size("odds_ratio")
    assert odds.value == pytest.approx(6.408309, rel=1e-5)
    assert odds.ci_low == pytest.approx(0.2117329, rel=1e-4)
    assert any("Fisher's exact test" in w for w in result.warnings)


def test_permutation_p_value_equals_full_enumeration():
    # 4 exposed and 5 comparison people: all 126 splits are enumerated by hand here
    y = [12.0, 15.0, 14.0, 17.0, 9.0, 11.0, 10.0, 13.0, 8.0]
    t = [1, 1, 1, 1, 0, 0, 0, 0, 0]
    observed = np.mean(y[:4]) - np.mean(y[4:])
    extreme = 0
    splits = list(itertools.combinations(range(9), 4))
    for chosen in splits:
        a = [y[i] for i in chosen]
        b = [y[i] for i in range(9) if i not in chosen]
        extreme += abs(np.mean(a) - np.mean(b)) >= abs(observed) - 1e-12
    result = estimate_effect(pd.DataFrame({"y": y, "t": t}), "y", "t", method="ols")

    assert result.method == "permutation" and result.details["requested_method"] == "ols"
    assert result.details["permutations"] == "exact (all splits)"
    assert result.estimate == pytest.approx(observed)
    assert result.p_value == pytest.approx(extreme / len(splits))
