"""The dose-response curve recovers a known concave effect of training hours within its band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError
from analysis.dose_response import _Basis, fit_dose_response


def truth(hours: np.ndarray) -> np.ndarray:
    """Diminishing returns: the first hours of training help most."""
    return 6 * (1 - np.exp(-np.asarray(hours) / 12))


def _people(seed: int, n_providers: int = 200, per_provider: int = 8, curve=truth) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hours = np.where(rng.random(n_providers) < 0.3, 0.0, rng.uniform(1, 40, n_providers))
    provider = np.repeat(np.arange(n_providers), per_provider)
    age = rng.normal(35, 9, len(provider))
    y = (20 + curve(hours[provider]) + 0.05 * age + rng.normal(0, 1, n_providers)[provider]
         + rng.normal(0, 2, len(provider)))
    return pd.DataFrame({"provider": provider, "hours": hours[provider], "age": age, "wellbeing": y})


@pytest.mark.parametrize("spline", ["natural", "bspline"])
def test_recovers_a_concave_curve_within_its_band(spline):
    # the band is pointwise 95%: over replications it should hold the truth at about 95% of the doses
    shares = []
    for seed in range(10):
        df = _people(seed=100 + seed)
        result = fit_dose_response(df, "wellbeing", "hours", ["age"], cluster="provider", spline=spline, n_grid=21)
        grid = np.asarray(result.grid)
        shares.append(np.mean((np.asarray(result.ci_low) <= truth(grid)) & (truth(grid) <= np.asarray(result.ci_high))))
        assert result.curve[0] == pytest.approx(0.0, abs=1e-9)  # the reference, 0 hours, against itself
        assert abs(result.curve[-1] - truth(40)) < 4 * result.std_error[-1]
        assert result.nonlinearity.p_value < 0.05  # a straight line is not enough
        assert result.linear_trend.estimate > 0 and result.linear_trend.p_value < 0.001
    assert np.mean(shares) >= 0.85
    assert result.n_clusters == 200 and result.inference.startswith("t with 199 degrees of freedom")


def test_a_straight_line_is_not_called_curved():
    df = _people(seed=4, curve=lambda h: 0.1 * np.asarray(h))
    result = fit_dose_response(df, "wellbeing", "hours", cluster="provider", grid=[0, 10, 20, 30, 40])
    assert result.nonlinearity.p_value > 0.01
    assert result.linear_trend.ci_low < 0.1 < result.linear_trend.ci_high
    assert all(lo <= 0.1 * g <= hi for g, lo, hi in zip(result.grid, result.ci_low, result.ci_high, strict=True))


def test_natural_spline_is_linear_beyond_the_outer_knots():
    knots = np.array([1.0, 10.0, 20.0, 35.0])
    basis = _Basis("natural", knots, np.linspace(0, 60, 50))
    beyond = np.array([40.0, 45.0, 50.0, 55.0])
    second_difference = np.diff(basis.nonlinear(beyond), n=2, axis=0)
    assert np.allclose(second_difference, 0, atol=1e-9)
    below = np.array([0.0, 0.5, 1.0])
    assert np.allclose(basis.nonlinear(below), 0)


def test_few_doses_and_outside_grid_are_said_plainly():
    df = _people(seed=5, n_providers=60)
    df["hours"] = np.where(df.hours > 0, 8.0, 0.0)
    with pytest.raises(AnalysisError, match="takes only 2 different values"):
        fit_dose_response(df, "wellbeing", "hours", cluster="provider")
    df = _people(seed=5, n_providers=60)
    result = fit_dose_response(df, "wellbeing", "hours", cluster="provider", grid=[0, 20, 80], knots=3)
    assert result.grid == (0.0, 20.0)
    assert any("outside the doses observed" in w for w in result.warnings)
    with pytest.raises(AnalysisError, match="Only 1 cluster"):
        fit_dose_response(df.assign(provider=1), "wellbeing", "hours", cluster="provider")
    with pytest.raises(AnalysisError, match="outcome column 'wellbeing' has no values"):
        fit_dose_response(df.assign(wellbeing=np.nan), "wellbeing", "hours")
