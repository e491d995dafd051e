"""Inverse probability weighting against Stata's published `teffects ipw` results and against
simulated data whose true effect is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisError, estimate_effect
from analysis.ipw import fit_ipw
from analysis.propensity import crump_bounds, kish_ess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"
CATTANEO_COVARIATES = ["mmarried_", "mage", "mage2", "fbaby_", "medu"]


@pytest.fixture(scope="module")
def cattaneo() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "cataneo2.csv")


@pytest.mark.parametrize("estimand, effect, se, mean0, se0", [
    # Stata: teffects ipw (bweight) (mbsmoke mmarried c.mage##c.mage fbaby medu, probit) [, atet], as
    # stored in statsmodels' treatment/tests/results/results_teffects.py (results_ipw.table and
    # .table_t); statsmodels' test_teffects.py compares the effect with rtol=1e-4 and its SE with rtol=1e-3
    ("ate", -230.68863779526, 25.815243801554, 3403.4627086846, 9.5713688979534),
    ("att", -225.17726054799, 23.664582726945, 3362.8369827702, 14.20149077868),
])
def test_cattaneo_birthweight_matches_stata_teffects_ipw(cattaneo, estimand, effect, se, mean0, se0):
    result = estimate_effect(cattaneo, "bweight", "mbsmoke_", CATTANEO_COVARIATES, method="ipw",
                             estimand=estimand, link="probit", trim=None)

    assert_allclose(result.estimate, effect, rtol=1e-4)
    assert_allclose(result.std_error, se, rtol=1e-3)
    assert_allclose([result.ci_low, result.ci_high], [effect - 1.959963984540054 * se,
                                                      effect + 1.959963984540054 * se], rtol=5e-4)
    # Stata's second row: the potential-outcome mean without smoking (POmean 0.mbsmoke), same tolerances
    po_mean = result.details["comparison_potential_outcome_mean"]
    assert_allclose(po_mean["estimate"], mean0, rtol=1e-4)
    assert_allclose(po_mean["std_error"], se0, rtol=1e-3)
    assert [row["covariate"] for row in result.details["balance"]] == CATTANEO_COVARIATES
    assert result.n == 4642 and result.n_clusters is None and result.details["trim"]["trimmed_exposed"] == 0
    assert result.details["inference"] == "normal (z)"


def test_cattaneo_stata_propensity_coefficients_are_found_after_standardising(cattaneo):
    # Stata's probit coefficients (results_ipw.table rows 3-8) rescaled to standardised covariates
    # must equal ours: beta_std = beta * sd(x); constant = cons + sum(beta * mean(x))
    stata = np.array([-.64848213804682, .17443269674281, -.00325591262232, -.2175961616731, -.08636308703575])
    stata_cons = -1.5582552629264
    result = estimate_effect(cattaneo, "bweight", "mbsmoke_", CATTANEO_COVARIATES, method="ipw",
                             estimand="ate", link="probit", trim=None)
    ours = result.details["propensity_model"]["coefficients_standardised"]
    x = cattaneo[CATTANEO_COVARIATES].astype(float)
    assert_allclose([ours[c] for c in CATTANEO_COVARIATES], stata * x.std(ddof=0).to_numpy(), rtol=1e-4)
    assert_allclose(ours["Intercept"], stata_cons + float((stata * x.mean().to_numpy()).sum()), rtol=1e-4)


def _confounded(seed: int, n_providers: int = 400, per_provider: int = 5) -> tuple[pd.DataFrame, float, float]:
    """Providers with more experience in urban areas were trained more often, and their clients do
    better anyway; training adds 1 + 0.5 * (experience - 5) points. Returns the data and the true
    (sample) ATT and ATE."""
    rng = np.random.default_rng(seed)
    exp_years = rng.gamma(4, 1.5, n_providers)
    urban = rng.random(n_providers) < 0.5
    trained = rng.random(n_providers) < 1 / (1 + np.exp(-(-2.0 + 0.25 * exp_years + 0.8 * urban)))
    provider = np.repeat(np.arange(n_providers), per_provider)
    age = rng.normal(30, 8, len(provider))
    effect = 1 + 0.5 * (exp_years[provider] - 5)
    y0 = 10 + 0.8 * exp_years[provider] + 1.5 * urban[provider] + 0.05 * age + rng.normal(0, 2, len(provider))
    t = trained[provider].astype(int)
    df = pd.DataFrame({"provider": provider, "experience": exp_years[provider], "urban": urban[provider].astype(int),
                       "age": age, "trained": t, "wellbeing": y0 + t * effect})
    return df, float(effect[t == 1].mean()), float(effect.mean())


def test_ipw_recovers_a_confounded_effect_that_the_naive_difference_misses():
    df, att, ate = _confounded(seed=11, n_providers=1000)
    naive = estimate_effect(df, "wellbeing", "trained", method="diff")
    for estimand, truth in (("att", att), ("ate", ate)):
        result = estimate_effect(df, "wellbeing", "trained", ["experience", "urban", "age"], method="ipw",
                                 estimand=estimand, assignment_level="provider")
        assert abs(naive.estimate - truth) > 1.5  # the naive difference is badly confounded
        assert abs(result.estimate - truth) < abs(naive.estimate - truth) / 4
        assert abs(result.estimate - truth) < 3 * result.std_error  # within sampling error of the truth
        assert result.n_clusters == 1000 and result.cluster == "provider"
        assert "clustered by 'provider'" in " ".join(result.warnings)
        assert result.details["propensity_model"]["n_units"] == 1000
        before = {r["covariate"]: r["smd_before"] for r in result.details["balance"]}
        after = {r["covariate"]: r["smd_after"] for r in result.details["balance"]}
        assert abs(before["experience"]) > 0.5 and abs(after["experience"]) < 0.1
    assert att > ate + 0.3  # the trained were the ones who gain more, so the two estimands differ


def test_bias_shrinks_across_replications():
    errors_naive, errors_ipw = [], []
    for seed in range(5):
        df, att, _ = _confounded(seed=100 + seed, n_providers=200)
        naive = estimate_effect(df, "wellbeing", "trained", method="diff", summary=False)
        ipw = estimate_effect(df, "wellbeing", "trained", ["experience", "urban"], method="ipw",
                              assignment_level="provider", summary=False)
        errors_naive.append(naive.estimate - att)
        errors_ipw.append(ipw.estimate - att)
    assert abs(np.mean(errors_ipw)) < abs(np.mean(errors_naive)) / 5


def test_bootstrap_and_robust_standard_errors_are_close_to_the_m_estimate():
    df, _, _ = _confounded(seed=3, n_providers=200)
    args = (df, "wellbeing", "trained", ["experience", "urban"])
    m_est = fit_ipw(*args, assignment_level="provider", estimand="ate")
    robust = fit_ipw(*args, assignment_level="provider", estimand="ate", se="robust")
    boot = fit_ipw(*args, assignment_level="provider", estimand="ate", se="bootstrap", n_boot=200, seed=5)
    assert boot.estimate == m_est.estimate == robust.estimate
    assert boot.std_error == pytest.approx(m_est.std_error, rel=0.25)
    # taking the weights as known ignores that the propensity was estimated, which for the ATE is
    # conservative (Hirano, Imbens & Ridder 2003): never smaller than the M-estimation SE
    assert robust.std_error >= m_est.std_error
    assert "bootstrap of 200 resamples of clusters of 'provider'" in " ".join(boot.warnings)


def test_trimming_is_counted_and_said():
    df, _, _ = _confounded(seed=4, n_providers=300)
    result = fit_ipw(df, "wellbeing", "trained", ["experience", "urban"], assignment_level="provider",
                     trim=(0.1, 0.9))
    trim = result.details["trim"]
    assert trim["trimmed_units"] > 0
    assert trim["trimmed_exposed"] + trim["trimmed_comparison"] == len(df) - result.n
    assert any("left out (trimmed)" in w for w in result.warnings)
    crump = fit_ipw(df, "wellbeing", "trained", ["experience", "urban"], assignment_level="provider", trim="crump")
    assert 0 < crump.details["trim"]["bounds"][0] < 0.2


def test_crump_rule_and_kish_by_hand():
    # Kish: weights 1, 1, 2 -> 16 / 6
    assert kish_ess(np.array([1.0, 1.0, 2.0])) == pytest.approx(16 / 6)
    # propensities all 0.5: 1/(e(1-e)) = 4 everywhere, max <= 2 * mean, so no trimming
    assert crump_bounds(np.full(10, 0.5)) == (0.0, 1.0)
    # Crump et al. report alpha close to 0.1 for many designs; here a long left tail is cut
    p = np.r_[np.full(95, 0.5), np.full(5, 0.005)]
    low, high = crump_bounds(p)
    assert 0.005 < low < 0.5 and high == pytest.approx(1 - low)
    g = 1 / (p * (1 - p))
    gamma = 1 / (low * (1 - low))
    assert gamma == pytest.approx(2 * g[g <= gamma].mean())


def test_no_overlap_is_refused_in_plain_words():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "t": (x > 0).astype(int), "y": rng.normal(size=200)})
    with pytest.raises(AnalysisError, match="no overlap"):
        estimate_effect(df, "y", "t", ["x"], method="ipw")


def test_every_exposed_person_trimmed_is_refused():
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    t = (rng.random(400) < 0.1 + 0.02 * np.tanh(x)).astype(int)
    df = pd.DataFrame({"x": x, "t": t, "y": rng.normal(size=400)})
    with pytest.raises(AnalysisError, match="exposed group of 't' has a propensity outside the trimming bounds"):
        estimate_effect(df, "y", "t", ["x"], method="ipw", trim=(0.3, 0.99))


def test_near_separation_that_leaves_a_handful_inside_the_bounds_is_refused():
    # Categories that predict the exposure except for one tied pair: the propensity model is not
    # "separated" by the overlap rule (the pair shares one propensity), yet trimming leaves one
    # exposed and one comparison person. Seen on the small demo with region indicators.
    rng = np.random.default_rng(3)
    group = [f"g{k}" for k in range(8) for _ in range(10)] + ["tie", "tie"]
    t = [k % 2 for k in range(8) for _ in range(10)] + [1, 0]
    df = pd.DataFrame({"group": group, "t": t, "y": rng.normal(size=len(t))})
    with pytest.raises(AnalysisError, match="only 1 exposed and 1 comparison people are left"):
        estimate_effect(df, "y", "t", ["group"], method="ipw")
    # min_per_arm lowers the floor, never below two people a group
    with pytest.raises(AnalysisError, match="fewer than 2 in a group"):
        estimate_effect(df, "y", "t", ["group"], method="ipw", min_per_arm=1)


def test_exposure_varying_within_the_assignment_level_is_refused():
    df, _, _ = _confounded(seed=5, n_providers=50)
    df.loc[0, "trained"] = 1 - df.loc[0, "trained"]
    with pytest.raises(AnalysisError, match="differs between rows of the same 'provider'"):
        estimate_effect(df, "wellbeing", "trained", ["experience"], method="ipw", assignment_level="provider")


def test_constant_covariate_missing_outcome_and_bad_options():
    df, _, _ = _confounded(seed=6, n_providers=100)
    df["country"] = 1
    result = estimate_effect(df, "wellbeing", "trained", ["experience", "country"], method="ipw")
    assert any("'country' has the same value for everyone" in w for w in result.warnings)
    with pytest.raises(AnalysisError, match="estimand='atc' is not known"):
        estimate_effect(df, "wellbeing", "trained", ["experience"], method="ipw", estimand="atc")
    with pytest.raises(AnalysisError, match="has no option 'trimming'"):
        estimate_effect(df, "wellbeing", "trained", ["experience"], method="ipw", trimming=0.1)
    df["wellbeing"] = np.nan
    with pytest.raises(AnalysisError, match="outcome column 'wellbeing' has no values"):
        estimate_effect(df, "wellbeing", "trained", ["experience"], method="ipw")
