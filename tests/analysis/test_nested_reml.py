"""The hand-written random-intercepts REML against statsmodels' MixedLM, an independent implementation.

lme4's own figures (dietox, one level) are in test_published; here the nested case, which lme4
writes (1 | region) + (1 | region:provider), on simulated data with a covariate, by REML and ML.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import estimate_effect
from analysis.nested_reml import _criterion, _Statistics, fit_random_intercepts
from tests.analysis.test_methods import _programme


@pytest.fixture(scope="module")
def programme() -> pd.DataFrame:
    df = _programme(11, regions=25, providers_per_region=12, people_per_provider=6, region_sd=1.0, provider_sd=0.7)
    df["age"] = np.random.default_rng(1).normal(40, 10, len(df))
    # Unequal providers: drop a third of the rows at random so group sizes differ.
    return df.sample(frac=0.67, random_state=3).reset_index(drop=True)


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_nested_intercepts_match_statsmodels_mixedlm(programme, reml):
    import statsmodels.formula.api as smf

    reference = smf.mixedlm("score ~ trained + age", programme, groups="region", re_formula="1",
                            vc_formula={"provider": "0 + C(provider)"}).fit(reml=reml)
    result = estimate_effect(programme, "score", "trained", ["age"], cluster="provider", method="mixed",
                             nested="region", reml=reml)

    assert result.converged and result.warnings == ()
    # Same likelihood at the optimum, to the optimisers' precision: the same model and the same optimum.
    assert result.details["log_likelihood"] == pytest.approx(reference.llf, rel=1e-9)
    coefficients = result.details["coefficients"]
    assert_allclose([coefficients[name]["estimate"] for name in ("Intercept", "trained", "age")],
                    reference.fe_params[["Intercept", "trained", "age"]], rtol=1e-4)
    # statsmodels' standard errors come from the observed information of all parameters at once, lme4's
    # (and ours) from s2 (X'H^-1 X)^-1 given the variances: close on unbalanced data, not equal.
    assert_allclose([coefficients[name]["std_error"] for name in ("Intercept", "trained", "age")],
                    reference.bse[["Intercept", "trained", "age"]], rtol=5e-3)
    components = result.details["variance_components"]
    # statsmodels stops a little short of the optimum (its likelihood is the lower by ~1e-10).
    assert_allclose([components["region"], components["provider"], components["residual"]],
                    [reference.cov_re.iloc[0, 0], reference.vcomp[0], reference.scale], rtol=1e-3)


def test_standard_errors_are_those_of_the_dense_covariance(programme):
    """s2 (X' V^-1 X)^-1 with V built row by row from the estimated components, solved densely."""
    result = estimate_effect(programme, "score", "trained", ["age"], cluster="provider", method="mixed",
                             nested="region")
    components = result.details["variance_components"]
    provider, region = programme.provider.to_numpy(), programme.region.to_numpy()
    V = (components["residual"] * np.eye(len(programme))
         + components["provider"] * (provider[:, None] == provider[None, :])
         + components["region"] * (region[:, None] == region[None, :]))
    X = np.column_stack([np.ones(len(programme)), programme.trained, programme.age])
    covariance = np.linalg.inv(X.T @ np.linalg.solve(V, X))
    beta = covariance @ X.T @ np.linalg.solve(V, programme.score.to_numpy())
    coefficients = result.details["coefficients"]
    assert_allclose([coefficients[name]["estimate"] for name in ("Intercept", "trained", "age")], beta, rtol=1e-9)
    assert_allclose([coefficients[name]["std_error"] for name in ("Intercept", "trained", "age")],
                    np.sqrt(np.diag(covariance)), rtol=1e-9)


def test_the_gradient_is_the_criterions_derivative(programme):
    X = np.column_stack([np.ones(len(programme)), programme.trained, programme.age])
    inner = pd.factorize(programme.provider)[0]
    outer = pd.factorize(programme.region)[0]
    for reml in (True, False):
        stats = _Statistics(X, programme.score.to_numpy(), inner, outer)
        at = np.array([0.4, 0.9])
        _, gradient, _ = _criterion(stats, at, reml)
        step = 1e-6
        numeric = [(_criterion(stats, at + step * e, reml)[0] - _criterion(stats, at - step * e, reml)[0]) / (2 * step)
                   for e in np.eye(2)]
        assert_allclose(gradient, numeric, rtol=1e-5)


def test_the_fit_does_not_depend_on_the_order_of_rows(programme):
    X = np.column_stack([np.ones(len(programme)), programme.trained, programme.age])
    inner = pd.factorize(programme.provider)[0]
    outer = pd.factorize(programme.region)[0]
    first = fit_random_intercepts(X, programme.score.to_numpy(), inner, outer)
    order = np.random.default_rng(0).permutation(len(programme))
    # Codes renumbered in the new order, as a different data source would number them.
    second = fit_random_intercepts(X[order], programme.score.to_numpy()[order], pd.factorize(inner[order])[0],
                                   pd.factorize(outer[order])[0])
    assert_allclose(first.beta, second.beta, rtol=1e-8)
    assert_allclose([first.inner, first.outer, first.residual], [second.inner, second.outer, second.residual],
                    rtol=1e-6)
