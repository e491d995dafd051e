"""On simulated data with a known effect, 95% intervals cover the truth about 95% of the time.

200 data sets per method keep each test to a few seconds; with 200 the Monte Carlo standard
error of a 95% coverage is 1.5 points, so 0.92-0.98 is about two of them either side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import estimate_effect

# Hundreds of fits per test: `make test` runs them, `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

N_SIMS = 200
TRUE_EFFECT = 0.5
TRUE_LOG_ODDS = 0.7


def _coverage(results, truth: float) -> float:
    return float(np.mean([r.ci_low <= truth <= r.ci_high for r in results]))


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age = rng.normal(35, 10, n)
    female = rng.integers(0, 2, n)
    # training is more likely for the providers of older people: a confounder, as in the programme
    trained = (rng.random(n) < 1 / (1 + np.exp(-(age - 35) / 10))).astype(int)
    return pd.DataFrame({"age": age, "female": female, "trained": trained})


def test_diff_covers_the_true_difference():
    rng = np.random.default_rng(101)
    results = []
    for _ in range(N_SIMS):
        trained = np.repeat([1, 0], [30, 40])
        score = 10 + TRUE_EFFECT * trained + rng.normal(0, 1, 70)
        results.append(estimate_effect(pd.DataFrame({"score": score, "trained": trained}), "score", "trained",
                                       method="diff", summary=False))
    assert all(r.method == "diff" for r in results)
    assert 0.92 <= _coverage(results, TRUE_EFFECT) <= 0.98
    assert np.mean([r.estimate for r in results]) == pytest.approx(TRUE_EFFECT, abs=0.05)


def test_ols_adjusting_for_a_confounder_covers_the_truth():
    rng = np.random.default_rng(202)
    results, naive = [], []
    for _ in range(N_SIMS):
        df = _people(rng, 120)
        df["score"] = 5 + TRUE_EFFECT * df.trained + 0.08 * df.age - 0.3 * df.female + rng.normal(0, 1, len(df))
        results.append(estimate_effect(df, "score", "trained", ["age", "female"], method="ols", summary=False))
        naive.append(estimate_effect(df, "score", "trained", method="ols", summary=False))
    assert 0.92 <= _coverage(results, TRUE_EFFECT) <= 0.98
    assert _coverage(naive, TRUE_EFFECT) < 0.5  # without the confounder the interval misses


def test_clustered_ols_covers_the_truth_with_provider_effects():
    rng = np.random.default_rng(303)
    results, classical = [], []
    for _ in range(N_SIMS):
        providers = 60
        trained_provider = rng.integers(0, 2, providers)
        provider = np.repeat(np.arange(providers), 8)
        trained = trained_provider[provider]
        score = TRUE_EFFECT * trained + rng.normal(0, 1, providers)[provider] + rng.normal(0, 1, len(provider))
        df = pd.DataFrame({"score": score, "trained": trained, "provider": provider})
        results.append(estimate_effect(df, "score", "trained", cluster="provider", method="ols", summary=False))
        classical.append(estimate_effect(df, "score", "trained", method="ols", summary=False))
    assert 0.92 <= _coverage(results, TRUE_EFFECT) <= 0.98
    assert _coverage(classical, TRUE_EFFECT) < 0.85  # ignoring the clustering overstates precision


def test_logit_covers_the_true_log_odds_ratio():
    rng = np.random.default_rng(404)
    results = []
    for _ in range(N_SIMS):
        df = _people(rng, 400)
        logit = -0.5 + TRUE_LOG_ODDS * df.trained + 0.03 * (df.age - 35)
        df["recovered"] = (rng.random(len(df)) < 1 / (1 + np.exp(-logit))).astype(int)
        results.append(estimate_effect(df, "recovered", "trained", ["age"], method="logit", summary=False))
    assert all(r.method == "logit" and r.converged for r in results)
    assert 0.92 <= _coverage(results, TRUE_LOG_ODDS) <= 0.98
    odds = [r.effect_size("odds_ratio") for r in results]
    assert np.mean([o.ci_low <= np.exp(TRUE_LOG_ODDS) <= o.ci_high for o in odds]) == _coverage(results,
                                                                                                  TRUE_LOG_ODDS)
