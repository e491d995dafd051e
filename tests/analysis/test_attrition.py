"""Response by exposure against hand counts and scipy, and response weights that recover the
mean of everyone invited when response depends on covariates (missing at random)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import AnalysisError
from analysis.attrition import response_by_exposure, response_weights


def _invited(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(0, 1, n)
    region = rng.choice(["north", "south", "east"], n)
    trained = (rng.random(n) < 0.5).astype(int)
    lin = 0.3 + 1.2 * age + 0.8 * (region == "east") + 0.5 * trained
    responded = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    wellbeing = 10 + 2 * age + 1.5 * (region == "east") + rng.normal(0, 1, n)
    return pd.DataFrame({"age": age, "region": region, "trained": trained, "responded": responded,
                         "wellbeing": wellbeing})


def test_response_by_exposure_counts_and_chi_square():
    df = pd.DataFrame({"trained": [1] * 40 + [0] * 60, "responded": [1] * 30 + [0] * 10 + [1] * 30 + [0] * 30})
    result = response_by_exposure(df, "responded", "trained")
    assert [(a.level, a.invited, a.responded) for a in result.arms] == [(0, 60, 30), (1, 40, 30)]
    assert result.arms[1].rate == 0.75 and result.difference == pytest.approx(0.25)
    chi2, p, dof, _ = stats.chi2_contingency([[30, 30], [30, 10]], correction=False)
    assert (result.statistic, result.p_value, result.df) == (pytest.approx(chi2), pytest.approx(p), dof)
    # Wilson interval for 30/40 by hand: (0.75 + z^2/80) / (1 + z^2/40) +- ...
    z = 1.959963984540054
    centre = (0.75 + z * z / 80) / (1 + z * z / 40)
    half = z * math.sqrt(0.75 * 0.25 / 40 + z * z / 6400) / (1 + z * z / 40)
    assert (result.arms[1].ci_low, result.arms[1].ci_high) == (pytest.approx(centre - half),
                                                               pytest.approx(centre + half))


def test_small_table_uses_fisher():
    df = pd.DataFrame({"trained": [1] * 6 + [0] * 6, "responded": [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0]})
    result = response_by_exposure(df, "responded", "trained")
    assert result.test == "Fisher's exact test"
    assert result.p_value == pytest.approx(stats.fisher_exact([[1, 5], [5, 1]]).pvalue)


def test_weights_recover_the_mean_of_everyone_invited():
    df = _invited(seed=1)
    truth = df.wellbeing.mean()
    respondents = df[df.responded == 1]
    naive = respondents.wellbeing.mean()
    result = response_weights(df, "responded", ["age", "region"])
    weighted = np.average(respondents.wellbeing, weights=result.weights[df.responded == 1])
    assert abs(naive - truth) > 0.3  # respondents are older and more often from the east
    assert abs(weighted - truth) < abs(naive - truth) / 5
    assert result.weights[df.responded == 0].isna().all()
    assert result.weights[df.responded == 1].mean() == pytest.approx(1.0, abs=0.1)  # stabilised
    assert result.n_truncated > 0 and result.n_responded == int(df.responded.sum())
    balance = {row["covariate"]: row for row in result.balance}
    assert abs(balance["age"]["smd_before"]) > 0.2 and abs(balance["age"]["smd_after"]) < 0.05
    assert "region[north]" in balance and "region[south]" in balance


def test_response_weights_broken_input():
    df = _invited(seed=2, n=400)
    with pytest.raises(AnalysisError, match="No one responded"):
        response_weights(df.assign(responded=0), "responded", ["age"])
    everyone = response_weights(df.assign(responded=1), "responded", ["age"])
    assert (everyone.weights == 1).all() and "Everyone responded" in everyone.warnings[0]
    with pytest.raises(AnalysisError, match="must say whether each person responded"):
        response_weights(df.assign(responded="completed"), "responded", ["age"])
    with pytest.raises(AnalysisError, match="no overlap"):
        response_weights(df.assign(responded=(df.age > 0).astype(int)), "responded", ["age"])
    constant = response_weights(df.assign(country="UA"), "responded", ["age", "country"])
    assert any("'country' has the same value" in w for w in constant.warnings)
    df.loc[:9, "age"] = np.nan
    partial = response_weights(df, "responded", ["age"])
    assert partial.weights.iloc[:10].isna().all() and "10 of 400 rows" in partial.warnings[0]
