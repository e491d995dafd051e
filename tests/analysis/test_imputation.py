"""Rubin's rules against a hand-worked example, and multiple imputation recovering a coefficient
that complete cases get wrong when values are missing at random."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError
from analysis.imputation import fit_mi_ols, impute_chained, rubin_pool


def test_rubin_rules_by_hand():
    # m = 3 estimates 1, 2, 3 with variances 1: W = 1, B = 1, T = W + (1 + 1/3) B = 7/3,
    # riv = (4/3) / 1, lambda = (4/3) / (7/3) = 4/7, Rubin's df = (m - 1) / lambda^2 = 2 * 49/16 = 49/8
    pooled = rubin_pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    assert (pooled.estimate, pooled.within, pooled.between) == (2.0, 1.0, 1.0)
    assert pooled.total == pytest.approx(7 / 3) and pooled.std_error == pytest.approx(math.sqrt(7 / 3))
    assert pooled.riv == pytest.approx(4 / 3) and pooled.lambda_ == pytest.approx(4 / 7)
    assert pooled.df == pytest.approx(49 / 8)
    # fraction of missing information (riv + 2/(df + 3)) / (riv + 1) = (4/3 + 16/73) / (7/3)
    assert pooled.fmi == pytest.approx((4 / 3 + 16 / 73) / (7 / 3))
    # Barnard & Rubin (1999) with complete-data df 10: df_obs = (11/13) * 10 * (1 - 4/7) = 330/91,
    # df = df_old * df_obs / (df_old + df_obs)
    small = rubin_pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], df_complete=10)
    df_obs, df_old = 330 / 91, 49 / 8
    assert small.df == pytest.approx(df_old * df_obs / (df_old + df_obs))
    from scipy import stats

    q = stats.t.ppf(0.975, small.df)
    assert (small.ci_low, small.ci_high) == (pytest.approx(2 - q * math.sqrt(7 / 3)),
                                             pytest.approx(2 + q * math.sqrt(7 / 3)))


def test_rubin_rules_without_between_variance_and_bad_input():
    pooled = rubin_pool([2.0, 2.0], [0.25, 0.25], df_complete=50)
    assert pooled.between == 0 and pooled.std_error == 0.5
    assert pooled.df == pytest.approx(51 / 53 * 50)  # only the complete-data part remains
    with pytest.raises(AnalysisError, match="at least two imputations"):
        rubin_pool([1.0], [1.0])
    with pytest.raises(AnalysisError, match="non-negative variance"):
        rubin_pool([1.0, 2.0], [1.0, -1.0])


def _mar(seed: int, n: int = 800) -> tuple[pd.DataFrame, float]:
    """y = 1 + 2 hours + 0.5 z + e; hours go missing more often when y is high (missing at random
    given y, which is observed), so complete cases select on the outcome."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    hours = 0.5 * z + rng.normal(size=n)
    y = 1 + 2 * hours + 0.5 * z + rng.normal(0, 1.5, n)
    gone = rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 3 * (y - y.mean()) / y.std())))
    df = pd.DataFrame({"wellbeing": y, "hours": np.where(gone, np.nan, hours), "z": z})
    z_gone = rng.random(n) < 0.1
    df.loc[z_gone, "z"] = np.nan
    return df, 2.0


def test_mice_recovers_the_coefficient_where_complete_cases_are_biased():
    cc_errors, mi_errors, covered = [], [], 0
    for seed in range(4):
        df, truth = _mar(seed=200 + seed)
        result = fit_mi_ols(df, "wellbeing", "hours", ["z"], m=10, iterations=5, seed=seed)
        cc = result.details["complete_case"]
        cc_errors.append(cc["estimate"] - truth)
        mi_errors.append(result.estimate - truth)
        covered += result.ci_low < truth < result.ci_high
    assert np.mean(cc_errors) < -0.2  # complete cases select on the outcome and flatten the slope
    assert abs(np.mean(mi_errors)) < 0.08
    assert covered >= 3
    assert result.method == "mi_ols" and result.n == len(df)
    assert result.details["missing_values"] == {"hours": int(df.hours.isna().sum()), "z": int(df.z.isna().sum())}
    assert 0 < result.details["rubin"]["fmi"] < 1
    assert result.std_error > math.sqrt(result.details["rubin"]["within"])  # imputation adds uncertainty
    assert "missing at random" in result.warnings[0]


def test_imputations_are_seeded_and_keep_observed_values():
    df, _ = _mar(seed=10, n=200)
    df["female"] = (np.random.default_rng(0).random(200) < 0.5).astype(float)
    df.loc[:20, "female"] = np.nan
    a = impute_chained(df, m=3, iterations=3, seed=5)
    b = impute_chained(df, m=3, iterations=3, seed=5)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
        assert not x.isna().any().any()
        observed = df.notna()
        assert (x[observed] == df[observed]).sum().sum() == observed.sum().sum()
        assert set(np.unique(x.female)) <= {0.0, 1.0}  # a 0/1 column stays 0/1
    assert not a[0].equals(a[1])


def test_broken_input_in_plain_words():
    df, _ = _mar(seed=11, n=100)
    with pytest.raises(AnalysisError, match="outcome column 'wellbeing' has no values"):
        fit_mi_ols(df.assign(wellbeing=np.nan), "wellbeing", "hours")
    with pytest.raises(AnalysisError, match="exposure 'hours' has the same value"):
        fit_mi_ols(df.assign(hours=1.0), "wellbeing", "hours")
    text = df.assign(region=np.where(np.arange(100) % 2, "north", None))
    with pytest.raises(AnalysisError, match="'region' holds text and has missing values"):
        fit_mi_ols(text, "wellbeing", "hours", ["region"], m=2, iterations=1)
    complete = df.dropna()
    result = fit_mi_ols(complete, "wellbeing", "hours", ["z"], m=5)
    assert result.estimate == pytest.approx(result.details["complete_case"]["estimate"])
    assert any("No value is missing" in w for w in result.warnings)
