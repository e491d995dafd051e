"""Behaviour of each method on simulated data whose truth is known, and the dispatcher's contract."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pandas as pd
import pytest

from analysis import METHODS, AnalysisError, EffectResult, estimate_effect


def _programme(seed: int, regions: int, providers_per_region: int, people_per_provider: int,
               region_sd: float, provider_sd: float, effect: float = 0.5) -> pd.DataFrame:
    """People nested in providers nested in regions; training is given to whole providers."""
    rng = np.random.default_rng(seed)
    n_providers = regions * providers_per_region
    provider_region = np.repeat(np.arange(regions), providers_per_region)
    trained = rng.integers(0, 2, n_providers)
    provider = np.repeat(np.arange(n_providers), people_per_provider)
    region = provider_region[provider]
    score = (effect * trained[provider] + rng.normal(0, region_sd, regions)[region]
             + rng.normal(0, provider_sd, n_providers)[provider] + rng.normal(0, 1, len(provider)))
    return pd.DataFrame({"score": score, "trained": trained[provider], "provider": provider,
                         "region": [f"R{r:02d}" for r in region]})


def test_mixed_model_recovers_nested_variance_components():
    df = _programme(11, regions=25, providers_per_region=12, people_per_provider=6, region_sd=1.0, provider_sd=0.7)
    result = estimate_effect(df, "score", "trained", cluster="provider", method="mixed", nested="region")

    assert result.converged
    assert result.estimate == pytest.approx(0.5, abs=2 * result.std_error)
    components = result.details["variance_components"]
    assert components["region"] == pytest.approx(1.0, rel=0.6)  # 25 regions: a rough estimate
    assert components["provider"] == pytest.approx(0.49, rel=0.3)
    assert components["residual"] == pytest.approx(1.0, rel=0.1)
    total = sum(components.values())
    assert result.details["icc"]["region"] == pytest.approx(components["region"] / total)
    assert result.details["icc"]["provider"] == pytest.approx((components["region"] + components["provider"]) / total)
    assert result.details["n_groups"] == {"provider": 300, "region": 25}
    assert result.effect_size("hedges_g") is not None


def test_mixed_model_says_when_groups_are_not_nested():
    df = _programme(18, regions=4, providers_per_region=10, people_per_provider=6, region_sd=0.5, provider_sd=0.5)
    df.loc[df.index % 6 == 0, "region"] = "R99"  # one person of each provider seen in another region
    result = estimate_effect(df, "score", "trained", cluster="provider", method="mixed", nested="region")
    assert ("Some groups of 'provider' appear in more than one 'region'; each pair was given its own random "
            "intercept.") in result.warnings
    assert result.converged and result.details["n_groups"] == {"provider": 40, "region": 5}


def test_mixed_model_with_no_provider_variance_reaches_the_boundary_quietly():
    df = _programme(12, regions=1, providers_per_region=30, people_per_provider=8, region_sd=0.0, provider_sd=0.0)
    # provider means exactly equal within each arm: the provider variance is estimated at zero
    df["score"] = 0.5 * df.trained + df.score - df.groupby("provider").score.transform("mean")
    result = estimate_effect(df, "score", "trained", ["region"], cluster="provider", method="mixed")
    assert result.converged
    assert result.details["variance_components"]["provider"] < 1e-3
    assert result.estimate == pytest.approx(0.5)
    assert any("at or near zero" in w for w in result.warnings)
    assert "The covariate 'region' has the same value for everyone analysed; it was left out." in result.warnings


def test_gee_with_few_clusters_uses_bias_reduced_errors_and_t():
    df = _programme(13, regions=1, providers_per_region=16, people_per_provider=10, region_sd=0, provider_sd=0.5)
    result = estimate_effect(df, "score", "trained", cluster="provider", method="gee")
    assert result.details["std_error_type"] == "bias-reduced (Mancl-DeRouen) sandwich"
    assert result.details["inference"] == "t with 15 degrees of freedom"
    assert any("Only 16 clusters" in w and "bias-reduced" in w for w in result.warnings)
    robust = estimate_effect(df, "score", "trained", cluster="provider", method="gee", few_clusters=10)
    assert robust.details["std_error_type"] == "robust sandwich"
    assert result.std_error > robust.std_error  # the correction widens, never narrows, here
    assert result.estimate == pytest.approx(robust.estimate)


def test_gee_binary_outcome_defaults_to_binomial_and_reports_odds_ratio():
    df = _programme(14, regions=1, providers_per_region=60, people_per_provider=8, region_sd=0, provider_sd=0.5)
    df["good"] = (df.score > 0.3).astype(int)
    result = estimate_effect(df, "good", "trained", cluster="provider", method="gee")
    assert result.details["family"] == "binomial" and result.scale == "log_odds"
    assert result.effect_size("odds_ratio").value == pytest.approx(np.exp(result.estimate))


def test_logit_marginal_effect_is_the_standardised_risk_difference():
    rng = np.random.default_rng(15)
    n = 4000
    trained = rng.integers(0, 2, n)
    recovered = (rng.random(n) < np.where(trained == 1, 0.6, 0.4)).astype(int)
    result = estimate_effect(pd.DataFrame({"r": recovered, "t": trained}), "r", "t", method="logit")
    rd = result.effect_size("risk_difference")
    assert rd.value == pytest.approx(0.2, abs=0.04)
    # without covariates the standardised risk difference is the raw one
    assert rd.value == pytest.approx(recovered[trained == 1].mean() - recovered[trained == 0].mean())
    assert result.effect_size("odds_ratio").value == pytest.approx((0.6 / 0.4) / (0.4 / 0.6), rel=0.2)


def test_ordinal_on_simulated_likert_recovers_the_log_odds_ratio():
    rng = np.random.default_rng(16)
    n = 3000
    trained = rng.integers(0, 2, n)
    latent = 0.8 * trained + rng.logistic(size=n)
    answer = np.digitize(latent, [-1.0, 0.0, 1.0, 2.0]) + 1  # 1..5
    result = estimate_effect(pd.DataFrame({"answer": answer, "trained": trained}), "answer", "trained",
                             method="ordinal")
    assert result.estimate == pytest.approx(0.8, abs=2 * result.std_error)
    assert list(result.details["thresholds"].values()) == pytest.approx([-1.0, 0.0, 1.0, 2.0], abs=0.15)
    assert list(result.details["thresholds"]) == ["1|2", "2|3", "3|4", "4|5"]


def test_every_result_serialises_to_one_json_object():
    df = _programme(17, regions=1, providers_per_region=40, people_per_provider=5, region_sd=0, provider_sd=0.3)
    df["good"] = (df.score > 0.3).astype(int)
    df["answer"] = np.digitize(df.score, [-0.5, 0.5]) + 1
    for method, outcome in (("diff", "score"), ("ols", "score"), ("logit", "good"), ("ordinal", "answer"),
                            ("mixed", "score"), ("gee", "score")):
        result = estimate_effect(df, outcome, "trained", cluster="provider", method=method)
        payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        for key in ("method", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n", "n_clusters", "warnings"):
            assert key in payload, (method, key)
        assert payload["method"] == method and payload["n_clusters"] == 40
        assert result.summary, method
        assert result.ci_low < result.estimate < result.ci_high


def test_methods_list_and_lazy_dispatch_to_ipw_and_did(monkeypatch):
    assert METHODS == ("diff", "ols", "logit", "ordinal", "mixed", "gee", "ipw", "did")
    seen = {}

    def fake(df, outcome, exposure, covariates=(), cluster=None, **options):
        seen.update(outcome=outcome, exposure=exposure, covariates=covariates, cluster=cluster, options=options)
        return EffectResult(method="ipw", outcome=outcome, exposure=exposure, estimate=1.0, std_error=0.1,
                            ci_low=0.8, ci_high=1.2, p_value=0.01, n=len(df))

    monkeypatch.setitem(sys.modules, "analysis.ipw", types.SimpleNamespace(fit_ipw=fake))
    df = pd.DataFrame({"y": [1.0, 2.0], "t": [0, 1], "a": [1, 2]})
    result = estimate_effect(df, "y", "t", "a", cluster="c", method="ipw", trim=0.01)
    assert result.method == "ipw"
    assert seen == {"outcome": "y", "exposure": "t", "covariates": ("a",), "cluster": "c", "options": {"trim": 0.01}}


def test_a_method_not_yet_installed_says_so(monkeypatch):
    import analysis.effects as effects

    monkeypatch.setitem(effects._IMPLEMENTATIONS, "did", ("analysis._not_written_yet", "fit_did"))
    with pytest.raises(AnalysisError, match="Method 'did' is not available in this installation yet"):
        estimate_effect(pd.DataFrame({"y": [1.0], "t": [1]}), "y", "t", method="did")


def test_importing_analysis_does_not_import_statsmodels():
    import subprocess

    code = "import analysis, sys; print(any(m.startswith(('statsmodels', 'scipy')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("clustered", [True, False])
def test_logit_marginal_effect_of_the_exposure_agrees_with_statsmodels_margins(binary, clustered):
    # The AME is computed for the exposure alone, analytically; statsmodels' get_margeff (a
    # numerical Jacobian over every regressor) is the independent reference for estimate and SE.
    from statsmodels.discrete.discrete_model import Logit

    rng = np.random.default_rng(11 + binary + 2 * clustered)
    n, groups = 1500, 30
    cluster = rng.integers(0, groups, n)
    age = rng.normal(35, 9, n)
    region = rng.choice(["north", "south", "east"], n)
    exposure = rng.binomial(1, 0.4, n).astype(float) if binary else rng.gamma(2.0, 4.0, n)
    shared = rng.normal(0, 0.5, groups)[cluster]
    eta = -0.8 + (0.7 if binary else 0.06) * exposure + 0.03 * (age - 35) + 0.4 * (region == "south") + shared
    df = pd.DataFrame({"y": rng.binomial(1, 1 / (1 + np.exp(-eta))), "t": exposure, "age": age,
                       "region": region, "g": cluster})
    result = estimate_effect(df, "y", "t", ["age", "region"], "g" if clustered else None, method="logit")

    X = pd.DataFrame({"Intercept": 1.0, "t": df["t"], "age": df["age"],
                      "region[north]": (df["region"] == "north") * 1.0,
                      "region[south]": (df["region"] == "south") * 1.0})
    model = Logit(df["y"], X)
    fitted = (model.fit(disp=0, cov_type="cluster", cov_kwds={"groups": df["g"]}, use_t=True) if clustered
              else model.fit(disp=0))
    margins = fitted.get_margeff(at="overall", dummy=binary)
    low, high = margins.conf_int()[0]
    ame = next(s for s in result.effect_sizes if s.name == "average_marginal_effect")
    assert ame.value == pytest.approx(margins.margeff[0], rel=1e-6)
    assert result.details["average_marginal_effect"]["std_error"] == pytest.approx(margins.margeff_se[0], rel=1e-4)
    assert (ame.ci_low, ame.ci_high) == pytest.approx((low, high), rel=1e-4)
