"""The effect of training built into the demo is recovered by the `mixed` and `ipw` estimates.

The issue's simulation test: over 50 seeds of the demo programme, the true WHO-5 effect
(``TRUE_EFFECTS.who5`` = +8 points at every follow-up wave for an exposed person) is inside the
95% interval of each method in at least 45 of 50 data sets, the mean estimate is near the truth,
and, as a contrast that shows the test can fail, the unadjusted difference in means is biased.

The data (what :func:`monitor.demo.outcome_frame` returns, the truth in
:mod:`monitor.demo.outcomes`): size ``medium`` (about 1,500 persons, 2,200 answered follow-up
waves, 500 primary providers, 13 regions; ``small`` has about 55 answered follow-ups, too few for
a test of recovery: the intervals there are 15-40 points wide and the propensity model often
separates). The analysis keeps, as the docstring prescribes, the respondents (``responded``) at
the follow-up waves ``m3``, ``m6`` and ``m12``, pooled, so ``wave`` is a covariate.

``mixed``: the fixed part is the docstring's true model (``age_broad``, ``type_of_exploit``,
``gender``, ``wave`` as categories, ``log2_caseload`` linear) with **region fixed effects** (13
regions are too few for a variance; the region determines ``pilot``, which is therefore not
given), and random intercepts for the **primary provider** and for the **person within the
provider** (``nested="provider_id"``, ``groups="person_id"``). The person level is part of the
truth (SD 10, more than the wave residual's 7) and cannot be left out once waves are pooled: a
model with the provider alone (region fixed effects or a region intercept) treats a person's two
or three answers as independent, and its intervals covered the truth in only 25 of the first 30
seeds. The three-level fit takes about 0.05 s a seed (it took 2.5 s with statsmodels' MixedLM).

``ipw``: training is decided per provider, but exposure is defined per person and wave (a provider
of an episode started by the wave's due date, trained before that episode began), and it varies
within providers (persons assisted before and after their provider's training: about 90 of the
500 providers have both) and even within persons. So the propensity cannot be modelled at the
provider level (``assignment_level="provider_id"`` is refused, rightly) and is modelled per row,
the level at which the exposure is defined, on the covariates the docstring calls needed:
``log2_caseload`` (the confounder), ``age_broad`` and ``type_of_exploit`` (they drive response,
and exposure drives response too), ``wave``, and the **region** in place of ``pilot`` (the
region's random intercept is shared by everyone in it; balancing regions takes it out of the
comparison, which clustering by provider cannot). ``gender`` is prognostic only: it does not
predict training and, in a category that is all trained, separates the propensity model, so it is
left out. Standard errors are clustered by the primary provider, which contains whole persons
(their repeated waves) and the provider's random intercept. The effect is the same for everyone,
so the default estimand (ATT) is 8 as the ATE is.

Measured on a machine of 2 shared cores: about 0.2 s a seed (most of it drawing the demo), 10 to 20
seconds in all depending on the load. One follow-up wave per person (m3) would make the provider's
intercept enough and halve the time, but on these seeds it covered in 44 of 50 (mixed).

How much room 45 of 50 leaves: with the true model refitted on data redrawn from the truth (one
seed's design, 150 draws) the intervals cover 94.6%; over 150 seeds, cluster-robust least squares
on these rows covers 93.3%. At 93-95% true coverage, 45 of 50 fails for 4-13% of sets of 50
seeds; the seeds here are 1 to 50, not chosen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisError, estimate_effect
from monitor.demo import TRUE_EFFECTS, outcome_frame

SIZE = "medium"
SEEDS = range(1, 51)
MIN_COVERED = 45  # of 50: the "at least 90%"
#: The mean of 50 estimates has a Monte Carlo error of about 0.15 (mixed) to 0.19 (ipw) points.
MEAN_TOLERANCE = 0.5
TRUTH = TRUE_EFFECTS.who5
OUTCOME, EXPOSURE = "who5_score", "trained"

MIXED = {"method": "mixed", "covariates": ("age_broad", "type_of_exploit", "gender", "log2_caseload", "wave",
                                           "region"),
         "groups": "person_id", "nested": "provider_id"}
IPW = {"method": "ipw", "covariates": ("age_broad", "type_of_exploit", "log2_caseload", "wave", "region"),
       "cluster": "provider_id"}
NAIVE = {"method": "diff"}
SETUPS = {"mixed": MIXED, "ipw": IPW, "diff": NAIVE}


def analysis_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The respondents at the follow-up waves, with the wave and the region as categories."""
    rows = frame[frame["responded"].astype(bool) & frame["wave"].astype(str).isin(TRUE_EFFECTS.waves)]
    return rows.assign(wave=rows["wave"].astype(str), region="R" + rows["region_id"].astype(str),
                       trained=rows["trained"].astype(int), pilot=rows["pilot"].astype(int))


def estimate(rows: pd.DataFrame, setup: dict[str, Any]) -> Any:
    return estimate_effect(rows, OUTCOME, EXPOSURE, summary=False, **setup)


@pytest.fixture(scope="module")
def recovery() -> pd.DataFrame:
    """One row per seed and method: estimate, interval; and per seed the selection bias of the
    naive comparison in the truth (mean untrained potential score, exposed minus unexposed)."""
    records = []
    for seed in SEEDS:
        rows = analysis_rows(outcome_frame(SIZE, seed))
        exposed = rows["trained"] == 1
        bias = float(rows.loc[exposed, "who5_score_t0"].mean() - rows.loc[~exposed, "who5_score_t0"].mean())
        for name, setup in SETUPS.items():
            result = estimate(rows, setup)
            records.append({"seed": seed, "setup": name, "method": result.method, "estimate": result.estimate,
                            "ci_low": result.ci_low, "ci_high": result.ci_high, "converged": result.converged,
                            "n": result.n, "selection_bias": bias})
    return pd.DataFrame.from_records(records)


def _of(recovery: pd.DataFrame, setup: str) -> pd.DataFrame:
    rows = recovery[recovery["setup"] == setup]
    assert len(rows) == len(SEEDS)
    return rows


def _covered(rows: pd.DataFrame) -> int:
    return int(((rows["ci_low"] <= TRUTH) & (TRUTH <= rows["ci_high"])).sum())


def _mc_error(rows: pd.DataFrame) -> float:
    return float(rows["estimate"].std(ddof=1) / math.sqrt(len(rows)))


@pytest.mark.slow
@pytest.mark.parametrize("setup", ["mixed", "ipw"])
def test_the_interval_covers_the_built_in_effect_in_at_least_45_of_50_seeds(recovery, setup):
    rows = _of(recovery, setup)
    assert (rows["method"] == setup).all()  # no seed fell back to an exact test or another model
    assert (rows["n"] > 1500).all()
    if setup == "mixed":
        assert rows["converged"].all()
    assert _covered(rows) >= MIN_COVERED, (setup, _covered(rows))


@pytest.mark.slow
@pytest.mark.parametrize("setup", ["mixed", "ipw"])
def test_the_mean_estimate_is_near_the_truth(recovery, setup):
    rows = _of(recovery, setup)
    mean = float(rows["estimate"].mean())
    assert abs(mean - TRUTH) < MEAN_TOLERANCE, (setup, mean, _mc_error(rows))


@pytest.mark.slow
def test_the_unadjusted_difference_is_biased_as_the_truth_says(recovery):
    naive = _of(recovery, "diff")
    # The truth: exposed persons would have scored lower untrained (bigger caseloads, the
    # confounder), so the naive comparison is biased downwards in the data themselves ...
    selection_bias = float(naive["selection_bias"].mean())
    assert selection_bias < -0.5, selection_bias
    # ... and the naive estimate is away from the truth by far more than its Monte Carlo error,
    # which the adjusted methods are not.
    assert TRUTH - float(naive["estimate"].mean()) > 3 * _mc_error(naive)
    assert _covered(naive) < MIN_COVERED


# --- the same from the database --------------------------------------------------------------

DATABASE_SEED = 2012


def _outcome(fit: Callable[[], Any]) -> tuple[Any, ...]:
    """What a method gives, comparable across two runs: its numbers, or its refusal."""
    try:
        result = fit()
    except AnalysisError as exc:
        return ("refused", str(exc))
    return (result.method, result.n, result.n_clusters, result.estimate, result.std_error, result.ci_low,
            result.ci_high, result.warnings)


def test_the_analytic_dataset_gives_the_frames_rows_and_estimates(app, tmp_path):
    from sqlalchemy import select

    from monitor.analytic_dataset import build_dataset
    from monitor.demo import build_demo
    from monitor.extensions import db
    from surveys.models import Survey

    app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")
    build_demo(size="small", seed=DATABASE_SEED)
    survey_id = db.session.scalar(select(Survey.id).where(Survey.instrument == "person_followup"))
    data = build_dataset(survey_id)
    # The dataset's names for the frame's columns (its own provider_id is the respondent's, empty
    # for persons; sat_recommend is the answer, its score is sat_recommend__item).
    stored = (data.responses.drop(columns=["provider_id", "sat_recommend"])
              .rename(columns={"main_provider_id": "provider_id", "pilot_region": "pilot",
                               "sat_recommend__item": "sat_recommend"}))
    from_database = analysis_rows(stored).sort_values("invitation_id").reset_index(drop=True)
    from_frame = analysis_rows(outcome_frame("small", DATABASE_SEED)).sort_values("invitation_id").reset_index(
        drop=True)

    # The same rows respond, with the same scores, exposure, covariates and clusters.
    assert len(from_frame) > 40
    columns = ["invitation_id", "person_id", "wave", "trained", "who5_score", "housing_stable", "sat_recommend",
               "gender", "age_broad", "type_of_exploit", "log2_caseload", "pilot", "region", "provider_id"]
    left = from_database[columns].astype({"housing_stable": float, "sat_recommend": float}).astype(object)
    right = from_frame[columns].astype({"housing_stable": float, "sat_recommend": float}).astype(object)
    pd.testing.assert_frame_equal(left.where(left.notna(), None), right.where(right.notna(), None),
                                  check_dtype=False)
    assert np.array_equal(from_database["who5_score"], from_frame["who5_score"])

    # So every method gives the same answer from either (or refuses both the same way).
    for setup in (*SETUPS.values(), {"method": "ols", "covariates": MIXED["covariates"], "cluster": "provider_id"}):
        mine = _outcome(lambda rows=from_database, s=setup: estimate(rows, s))
        theirs = _outcome(lambda rows=from_frame, s=setup: estimate(rows, s))
        assert len(mine) == len(theirs), (setup["method"], mine, theirs)
        for a, b in zip(mine, theirs, strict=True):
            if isinstance(a, float):
                assert a == pytest.approx(b, rel=1e-9, nan_ok=True), (setup["method"], mine, theirs)
            else:
                assert a == b, (setup["method"], mine, theirs)
