"""Small and broken data get plain words (a warning, or an AnalysisError), never a traceback or a
meaningless number; pytest turns any warning that escapes into an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, estimate_effect


@pytest.fixture
def people() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 120
    df = pd.DataFrame({
        "trained": np.tile([0, 1], n // 2),
        "age": rng.normal(35, 10, n),
        "gender": rng.choice(["female", "male", "other"], n),
        "provider": np.repeat(np.arange(30), 4),
    })
    df["score"] = 3 + 0.5 * df.trained + 0.02 * df.age + rng.normal(0, 1, n)
    df["recovered"] = (rng.random(n) < 0.3 + 0.3 * df.trained).astype(int)
    return df


def test_unknown_column_names_every_unknown_and_lists_the_columns(people):
    with pytest.raises(AnalysisError, match=r"No column named 'scor', 'agee' in the data\. The columns are: trained"):
        estimate_effect(people, "scor", "trained", ["agee"])


def test_all_missing_outcome(people):
    people["score"] = np.nan
    with pytest.raises(AnalysisError, match="outcome column 'score' has no values"):
        estimate_effect(people, "score", "trained")


def test_missing_values_are_dropped_and_counted(people):
    people.loc[:2, "score"] = np.nan
    people.loc[10, "age"] = np.nan
    result = estimate_effect(people, "score", "trained", ["age"])
    assert result.n == 116
    assert ("4 of 120 rows were left out because of missing values (missing: 'score' 3, 'age' 1); "
            "the analysis uses complete cases only.") in result.warnings


def test_constant_exposure(people):
    people["trained"] = 1
    with pytest.raises(AnalysisError, match="exposure 'trained' has the same value .1. for everyone"):
        estimate_effect(people, "score", "trained")


def test_constant_outcome(people):
    people["score"] = 4.0
    with pytest.raises(AnalysisError, match="outcome 'score' has the same value"):
        estimate_effect(people, "score", "trained")


def test_constant_covariate_is_left_out_with_a_warning(people):
    people["region"] = "Kharkiv"
    result = estimate_effect(people, "score", "trained", ["age", "region"])
    assert result.covariates == ("age",)
    assert "The covariate 'region' has the same value for everyone analysed; it was left out." in result.warnings


def test_redundant_covariate_is_left_out(people):
    people["age_months"] = people.age * 12
    result = estimate_effect(people, "score", "trained", ["age", "age_months"])
    assert result.covariates == ("age",)
    assert any("'age_months' adds nothing" in w for w in result.warnings)


def test_exposure_determined_by_covariates(people):
    people["untrained"] = 1 - people.trained
    with pytest.raises(AnalysisError, match="completely determined by the covariates"):
        estimate_effect(people, "score", "trained", ["age", "untrained"])


def test_non_binary_exposure_where_binary_is_needed(people):
    people["hours"] = np.tile([0, 8, 16, 24], 30)
    with pytest.raises(AnalysisError, match="Method 'diff' compares two groups, so it needs a binary exposure; "
                                            "'hours' has 4 different values"):
        estimate_effect(people, "score", "hours", method="diff")
    # a numeric dose is fine for a regression
    assert estimate_effect(people, "score", "hours", method="ols").details["exposure_coding"] == {"kind": "numeric"}


def test_text_exposure_with_many_categories(people):
    with pytest.raises(AnalysisError, match=r"exposure 'gender' has 3 categories \(female, male, other\)"):
        estimate_effect(people, "score", "gender")


def test_text_exposure_with_two_values_is_coded_and_said(people):
    people["group"] = np.where(people.trained == 1, "trained", "control")
    result = estimate_effect(people, "score", "group", method="ols")
    assert result.details["exposure_coding"] == {"kind": "binary", "0": "control", "1": "trained"}
    flipped = estimate_effect(people, "score", "group", method="ols", exposed="control")
    assert flipped.estimate == pytest.approx(-result.estimate)


def test_text_outcome_needs_ordinal(people):
    people["answer"] = np.where(people.score > 3, "good", "poor")
    with pytest.raises(AnalysisError, match="must be numeric.*use method 'ordinal'"):
        estimate_effect(people, "answer", "trained")
    with pytest.raises(AnalysisError, match="order is not known; give it with levels="):
        estimate_effect(people, "answer", "trained", method="ordinal")
    result = estimate_effect(people, "answer", "trained", method="ordinal", levels=["poor", "good"])
    assert result.method == "ordinal" and result.estimate > 0


def test_logit_needs_a_binary_outcome(people):
    with pytest.raises(AnalysisError, match="Method 'logit' needs a binary outcome coded 0/1"):
        estimate_effect(people, "score", "trained", method="logit")


def test_perfect_separation_by_the_exposure(people):
    people["recovered"] = people.trained
    with pytest.raises(AnalysisError, match="perfectly separates the outcome, so the odds ratio is infinite"):
        estimate_effect(people, "recovered", "trained", method="logit")


def test_perfect_separation_by_a_covariate(people):
    people["recovered"] = (people.age > 35).astype(int)
    with pytest.raises(AnalysisError, match="perfect separation"):
        estimate_effect(people, "recovered", "trained", ["age"], method="logit")


def test_logit_that_does_not_converge_says_so(people):
    result = estimate_effect(people, "recovered", "trained", ["age"], method="logit", maxiter=1)
    assert result.converged is False
    assert any("did not converge" in w or "stopped before it converged" in w for w in result.warnings)


def test_mixed_model_that_does_not_converge_says_so(people):
    result = estimate_effect(people, "score", "trained", ["age"], cluster="provider", method="mixed", maxiter=1)
    assert result.converged is False
    assert any("converge" in w for w in result.warnings)


def test_unknown_method_and_option(people):
    with pytest.raises(AnalysisError, match="Unknown method 'anova'; choose one of: diff, ols, logit, ordinal, "
                                            "mixed, gee, ipw, did"):
        estimate_effect(people, "score", "trained", method="anova")
    with pytest.raises(AnalysisError, match="Method 'ols' has no option 'famly'"):
        estimate_effect(people, "score", "trained", method="ols", famly="poisson")


def test_models_that_need_a_cluster_say_so(people):
    with pytest.raises(AnalysisError, match="GEE needs a cluster column"):
        estimate_effect(people, "score", "trained", method="gee")
    with pytest.raises(AnalysisError, match="mixed model needs a grouping column"):
        estimate_effect(people, "score", "trained", method="mixed")


def test_gee_family_must_fit_the_outcome(people):
    with pytest.raises(AnalysisError, match="family 'binomial' needs an outcome coded 0/1"):
        estimate_effect(people, "score", "trained", cluster="provider", method="gee", family="binomial")
    with pytest.raises(AnalysisError, match="family 'poisson' needs counts"):
        estimate_effect(people, "score", "trained", cluster="provider", method="gee", family="poisson")


def test_one_cluster_cannot_give_cluster_robust_errors(people):
    people["provider"] = 1
    people["hours"] = np.tile([0, 8, 16, 24], 30)
    with pytest.raises(AnalysisError, match="All rows belong to one cluster"):
        estimate_effect(people, "score", "hours", cluster="provider", method="ols")


def test_too_few_rows_for_the_parameters():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "dose": [1.0, 2.0, 4.0], "age": [30.0, 20.0, 50.0]})
    with pytest.raises(AnalysisError, match="3 complete rows are too few for a model with 3 parameters"):
        estimate_effect(df, "y", "dose", ["age"])


# --- small samples switch to exact or simple methods ---

def test_tiny_continuous_outcome_gets_a_permutation_test(people):
    tiny = people.iloc[:14]  # 7 per group
    for method in ("diff", "ols", "mixed", "gee"):
        result = estimate_effect(tiny, "score", "trained", ["age"], cluster="provider" if method in ("mixed", "gee")
                                 else None, method=method)
        assert result.method == "permutation", method
        assert result.details["requested_method"] == method
        assert any(w.startswith("Only 7 people in the exposed group and 7 in the comparison group (fewer than "
                                "10 in a group): instead of the '" + method + "' model, a permutation test of the "
                                "difference") for w in result.warnings)
        assert result.effect_size("hedges_g") is not None and np.isfinite(result.ci_low)


def test_tiny_binary_outcome_gets_fishers_exact_test(people):
    result = estimate_effect(people.iloc[:16], "recovered", "trained", method="logit")
    assert result.method == "fisher_exact" and result.scale == "difference"
    assert np.isnan(result.std_error)
    assert result.to_dict()["std_error"] is None
    assert "Fisher's exact test was used" in result.warnings[0]


def test_few_clusters_per_arm_compares_cluster_means():
    # enough people (12 per group) but only provider 1 was trained
    rng = np.random.default_rng(3)
    provider = np.repeat([0, 1, 2], 12)
    df = pd.DataFrame({"provider": provider, "trained": (provider == 1).astype(int),
                       "score": rng.normal(0, 1, 36) + (provider == 1)})
    result = estimate_effect(df, "score", "trained", cluster="provider", method="ols")
    assert result.method == "permutation" and result.details["level"] == "cluster"
    assert result.n == 36 and result.n_clusters == 3
    assert result.warnings[0].startswith("Only 1 cluster(s) of 'provider' in the exposed group and 2 in the "
                                         "comparison group (fewer than 2 in a group)")
    assert any("No confidence interval can be given" in w for w in result.warnings)
    assert any("the smallest p-value the test can give is about" in w for w in result.warnings)
    assert result.p_value == pytest.approx(1 / 3)  # the trained provider has the largest mean: 1 split of 3


def test_thresholds_can_be_lowered(people):
    tiny = people.iloc[:14]
    result = estimate_effect(tiny, "score", "trained", method="ols", min_per_arm=5)
    assert result.method == "ols"
