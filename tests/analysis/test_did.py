"""Difference-in-differences against Wooldridge's Example 13.3 and a simulated regional roll-out
whose effect is known; the wild cluster bootstrap against a brute-force refit and the uniform
distribution of p-values under the null."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analysis import AnalysisError, estimate_effect
from analysis.did import NO_EVENT_STUDY, READ_EVENT_STUDY, STAGGERED, fit_did
from analysis.wild_bootstrap import _Problem, weight_draws, wild_cluster_bootstrap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"


def test_kielmc_matches_wooldridge_example_13_3():
    # Wooldridge, Introductory Econometrics, Example 13.3 (incinerator and house prices):
    # rprice-hat = 82,517.23 + 18,790.29 y81 - 18,824.37 nearinc - 11,863.90 y81*nearinc,
    # standard error of the interaction 7,456.65 (classical OLS); printed to the cent
    kielmc = pd.read_csv(FIXTURES / "kielmc.csv")
    result = estimate_effect(kielmc, "rprice", "nearinc", method="did", post="y81")

    assert result.estimate == pytest.approx(-11863.90, abs=0.005)
    assert result.std_error == pytest.approx(7456.65, abs=0.005)
    assert result.details["coefficients"]["Intercept"]["estimate"] == pytest.approx(82517.23, abs=0.005)
    assert result.n == 321 and result.n_clusters is None
    assert result.details["std_error_type"] == "classical (homoskedastic)"
    assert result.details["inference"] == "t with 317 degrees of freedom"
    assert any("treated as independent" in w for w in result.warnings)
    assert any("parallel trends before adoption cannot be checked" in w for w in result.warnings)

    # the same with the interaction given as the exposure, and years as the periods
    kielmc["near_after"] = kielmc.nearinc * kielmc.y81
    again = estimate_effect(kielmc, "rprice", "near_after", method="did", post="y81", treated="nearinc", time="year")
    assert again.estimate == pytest.approx(result.estimate, rel=1e-12)
    assert again.std_error == pytest.approx(result.std_error, rel=1e-12)


def _roll_out(seed: int, effect: float = 0.5, n_regions: int = 13, periods: int = 10, per_cell: int = 30,
              adoption: dict[int, float] | None = None) -> pd.DataFrame:
    """Regions piloted at period 3, others added at 6, some never; region and period effects, a
    region-period shock shared by everyone in the cell, and a constant effect of training."""
    rng = np.random.default_rng(seed)
    if adoption is None:
        adoption = {r: (3.0 if r < 4 else 6.0 if r < 9 else math.nan) for r in range(n_regions)}
    region = np.repeat(np.arange(n_regions), periods * per_cell)
    period = np.tile(np.repeat(np.arange(periods), per_cell), n_regions)
    start = np.array([adoption[r] for r in region])
    trained = (period >= start).astype(int)
    y = (rng.normal(0, 1, n_regions)[region] + 0.2 * period + rng.normal(0, 0.3, (n_regions, periods))[region, period]
         + effect * trained + rng.normal(0, 1, len(region)))
    return pd.DataFrame({"region": [f"R{r:02d}" for r in region], "period": 2012 + period,
                         "adopted": 2012 + start, "trained": trained, "age": rng.normal(35, 9, len(region)),
                         "score": y})


def test_staggered_roll_out_over_13_regions_recovers_the_effect():
    df = _roll_out(seed=21)
    result = estimate_effect(df, "score", "trained", ["age"], method="did", unit="region", time="period",
                             adoption="adopted", reps=399)
    assert abs(result.estimate - 0.5) < 3 * result.std_error
    assert result.ci_low < 0.5 < result.ci_high
    assert result.n_clusters == 13 and result.cluster == "region"
    boot = result.details["wild_bootstrap"]
    assert boot["weights"] == "rademacher" and boot["reps"] == 399
    assert (result.p_value, result.ci_low, result.ci_high) == (boot["p_value"], boot["ci_low"], boot["ci_high"])
    assert STAGGERED + READ_EVENT_STUDY in result.warnings
    assert "Goodman-Bacon" in STAGGERED and "Callaway & Sant'Anna" in STAGGERED
    assert any("wild cluster bootstrap with the null imposed" in w and "inverting" in w for w in result.warnings)

    study = {row["event_time"]: row for row in result.details["event_study"]}
    assert study[-1]["reference"] and study[-1]["estimate"] == 0
    lags = [row["estimate"] for e, row in study.items() if e >= 0]
    leads = [row["estimate"] for e, row in study.items() if e <= -2]
    assert abs(np.mean(lags) - 0.5) < 0.2 and abs(np.mean(leads)) < 0.2
    assert all(row["ci_low"] < row["estimate"] < row["ci_high"] for e, row in study.items() if e != -1)
    test = result.details["pretrend_test"]
    assert test["df_denom"] == 12 and 0 <= test["p_value"] <= 1
    assert result.details["adoption"]["R00"] == 2015 and result.details["adoption"]["R12"] is None


def test_every_unit_adopting_with_one_lead_gives_no_event_study():
    # As on the demo: regions join the year they start training or the year before, and all do.
    # Time since adoption is then calendar time minus the unit's adoption: the leads and lags
    # would carry an arbitrary trend, so none are shown; the single estimate still is.
    df = _roll_out(seed=24, adoption={r: 3.0 if r < 6 else 5.0 for r in range(13)})
    df = df[df["period"] >= df["adopted"] - 1]
    result = fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted", reps=199)
    assert result.details["event_study"] == [] and result.details["pretrend_test"] is None
    assert NO_EVENT_STUDY in result.warnings and "Borusyak" not in NO_EVENT_STUDY
    assert STAGGERED in result.warnings  # without sending the reader to an event study that is not there
    assert abs(result.estimate - 0.5) < 3 * result.std_error
    assert "event time" not in result.summary


def test_pre_trend_is_flagged():
    df = _roll_out(seed=22)
    early = df.adopted.eq(2015)
    df.loc[early, "score"] += 0.4 * (df.loc[early, "period"] - 2012)  # pilot regions were improving already
    result = fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted", reps=199)
    assert result.details["pretrend_test"]["p_value"] < 0.05
    assert any("drifted apart" in w for w in result.warnings)


def test_twelve_regions_use_webb_weights():
    df = _roll_out(seed=23, n_regions=12, periods=6, per_cell=10)
    result = fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted", reps=199)
    assert result.details["wild_bootstrap"]["weights"] == "webb"


def test_fast_wild_bootstrap_equals_refitting_every_replication():
    rng = np.random.default_rng(0)
    n, G = 240, 8
    cl = rng.integers(0, G, n)
    X = np.column_stack([np.ones(n), (rng.random(n) < 0.5), rng.normal(size=n)]
                        + [(cl == g) for g in range(1, G)]).astype(float)
    y = X @ rng.normal(size=X.shape[1]) + rng.normal(size=n) + rng.normal(size=G)[cl]
    V = weight_draws(G, 49, "webb", 3)
    problem = _Problem(y, X, 1, cl)

    def brute(beta0: float) -> float:
        Xr, d = np.delete(X, 1, axis=1), X[:, 1]
        gamma = np.linalg.lstsq(Xr, y - beta0 * d, rcond=None)[0]
        u = y - beta0 * d - Xr @ gamma

        def t_stat(yy: np.ndarray) -> float:
            b = np.linalg.lstsq(X, yy, rcond=None)[0]
            scores = np.zeros((G, X.shape[1]))
            np.add.at(scores, cl, X * (yy - X @ b)[:, None])
            bread = np.linalg.inv(X.T @ X)
            cov = G / (G - 1) * (n - 1) / (n - X.shape[1]) * bread @ scores.T @ scores @ bread
            return (b[1] - beta0) / math.sqrt(cov[1, 1])

        star = [t_stat(Xr @ gamma + beta0 * d + V[b][cl] * u) for b in range(len(V))]
        return float(np.mean(np.abs(star) >= abs(t_stat(y)) * (1 - 1e-12)))

    for beta0 in (0.0, problem.beta + 1.2 * problem.se):
        assert problem.p_value(beta0, V) == brute(beta0)


def test_wild_bootstrap_p_values_are_roughly_uniform_under_the_null():
    rng = np.random.default_rng(5)
    G, T, m = 13, 6, 4
    region = np.repeat(np.arange(G), T * m)
    period = np.tile(np.repeat(np.arange(T), m), G)
    fe = np.column_stack([np.ones(len(region))] + [(region == g) for g in range(1, G)]
                         + [(period == t) for t in range(1, T)]).astype(float)
    p_values = []
    for _ in range(200):
        start = rng.choice([2, 3, 4, 99], size=G)
        d = (period >= start[region]).astype(float)
        y = (rng.normal(size=G)[region] + rng.normal(0, 0.5, (G, T))[region, period] + rng.normal(size=len(region)))
        X = np.column_stack([fe[:, :1], d, fe[:, 1:]])
        if np.linalg.matrix_rank(X) < X.shape[1]:
            continue
        p_values.append(wild_cluster_bootstrap(y, X, 1, region, reps=99, seed=int(rng.integers(1e9)),
                                               ci=False).p_value)
    p_values = np.asarray(p_values)
    assert len(p_values) > 150
    assert 0.01 <= np.mean(p_values <= 0.05) <= 0.11
    assert 0.04 <= np.mean(p_values <= 0.10) <= 0.18
    assert stats.kstest(p_values, "uniform").pvalue > 0.001


def test_bootstrap_interval_inverts_the_test():
    rng = np.random.default_rng(8)
    n, G = 300, 13
    cl = rng.integers(0, G, n)
    X = np.column_stack([np.ones(n), (rng.random(G) < 0.5)[cl], rng.normal(size=n)]).astype(float)
    y = 0.4 * X[:, 1] + rng.normal(size=n) + rng.normal(0, 0.5, G)[cl]
    boot = wild_cluster_bootstrap(y, X, 1, cl, reps=199, seed=4)
    assert boot.ci_low < boot.estimate < boot.ci_high
    problem, V = _Problem(y, X, 1, cl), weight_draws(G, 199, "rademacher", 4)
    eps = 1e-4 * boot.std_error
    for bound, inward in ((boot.ci_low, +1), (boot.ci_high, -1)):
        assert problem.p_value(bound + inward * eps, V) > 0.05 >= problem.p_value(bound - inward * eps, V)


def test_single_region_no_pre_period_and_no_comparison_are_refused():
    df = _roll_out(seed=25, n_regions=13, periods=5, per_cell=4)
    one = df[df.region == "R00"]
    with pytest.raises(AnalysisError, match="one unit of 'region'"):
        fit_did(one, "score", "trained", unit="region", time="period", adoption="adopted")
    late = df[df.period >= 2015]  # the pilot regions started in 2015: no 'before' for anyone treated
    late = late[late.adopted.isna() | late.adopted.eq(2015)]
    with pytest.raises(AnalysisError, match="no pre-period"):
        fit_did(late, "score", "trained", unit="region", time="period", adoption="adopted")
    same = df.assign(adopted=2015.0)
    with pytest.raises(AnalysisError, match="no comparison"):
        fit_did(same, "score", "trained", unit="region", time="period", adoption="adopted")
    kielmc = pd.read_csv(FIXTURES / "kielmc.csv")
    with pytest.raises(AnalysisError, match="no pre-period"):
        fit_did(kielmc[kielmc.y81 == 1], "rprice", "nearinc", post="y81")


def test_missing_design_options_constant_covariate_and_missing_outcome():
    df = _roll_out(seed=26, n_regions=13, periods=5, per_cell=4)
    with pytest.raises(AnalysisError, match="needs the timing of the exposure"):
        estimate_effect(df, "score", "trained", method="did")
    with pytest.raises(AnalysisError, match="needs unit= .* and time="):
        fit_did(df, "score", "trained", adoption="adopted")
    df["country"] = "UA"
    result = fit_did(df, "score", "trained", ["country"], unit="region", time="period", adoption="adopted",
                     reps=99, event_study=False)
    assert any("'country' has the same value for everyone" in w for w in result.warnings)
    df["score"] = np.nan
    with pytest.raises(AnalysisError, match="outcome column 'score' has no values"):
        fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted")


def test_region_level_covariate_is_absorbed_by_the_fixed_effects():
    df = _roll_out(seed=27, n_regions=13, periods=5, per_cell=4)
    df["urban_region"] = df.region.isin(["R01", "R05"]).astype(int)
    result = fit_did(df, "score", "trained", ["urban_region"], unit="region", time="period", adoption="adopted",
                     reps=99)
    assert any("'urban_region' does not vary within units and periods" in w for w in result.warnings)
    assert_allclose(result.estimate, fit_did(df, "score", "trained", unit="region", time="period",
                                             adoption="adopted", reps=99).estimate)


def test_two_by_two_over_regions_equals_the_same_roll_out_given_as_adoption():
    adoption = {r: (3.0 if r < 6 else math.nan) for r in range(13)}
    df = _roll_out(seed=28, periods=6, per_cell=6, adoption=adoption)
    df["pilot"] = df.adopted.notna().astype(int)
    df["post"] = (df.period >= 2015).astype(int)
    two = fit_did(df, "score", "pilot", unit="region", time="period", post="post", reps=199)
    stag = fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted", reps=199)
    assert two.estimate == pytest.approx(stag.estimate, rel=1e-10)
    assert two.p_value == stag.p_value and two.ci_low == pytest.approx(stag.ci_low, rel=1e-8)
    assert not any(w.startswith(STAGGERED) for w in two.warnings + stag.warnings)
    assert [r["event_time"] for r in two.details["event_study"]] == [-3, -2, -1, 0, 1, 2]
    assert abs(two.estimate - 0.5) < 3 * two.std_error


def test_two_regions_give_an_estimate_without_pretend_inference():
    df = _roll_out(seed=29, n_regions=2, periods=4, per_cell=10, adoption={0: 2.0, 1: math.nan})
    result = fit_did(df, "score", "trained", unit="region", time="period", adoption="adopted")
    assert math.isfinite(result.estimate)
    assert all(math.isnan(v) for v in (result.std_error, result.ci_low, result.ci_high, result.p_value))
    assert any("cannot be estimated" in w for w in result.warnings)
    assert result.to_dict()["std_error"] is None
    one = df.assign(everywhere="UA")
    with pytest.raises(AnalysisError, match="one cluster of 'everywhere'"):
        fit_did(one, "score", "trained", cluster="everywhere", unit="region", time="period", adoption="adopted")


def test_rows_without_timing_are_counted():
    kielmc = pd.read_csv(FIXTURES / "kielmc.csv")
    kielmc.loc[:4, "y81"] = np.nan
    result = fit_did(kielmc, "rprice", "nearinc", post="y81")
    assert result.n == 316
    assert "5 of 321 rows were left out because 'nearinc' or 'y81' is missing" in result.warnings[0]
