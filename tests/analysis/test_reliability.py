"""Cronbach's alpha against a published worked example and Feldt's interval against its formula
and its coverage on simulated parallel items."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import AnalysisError
from analysis.reliability import cronbach_alpha, feldt_interval

# Shrout, P.E. & Fleiss, J.L. (1979). Intraclass correlations: uses in assessing rater reliability.
# Psychological Bulletin 86:420-428, Table 2: four judges rate six targets. With judges as items
# and targets as respondents, Cronbach's alpha equals their ICC(3,k) (Hoyt's ANOVA form of alpha),
# published as .91 (Table 4); by hand: item variances 8/3, 2.7, 8/3, 94/15 sum to 14.3, the
# totals 24, 12, 26, 16, 30, 19 have variance 1349/30, so alpha = 4/3 (1 - 429/1349) = 3680/4047.
SHROUT_FLEISS = pd.DataFrame({"judge1": [9, 6, 8, 7, 10, 6], "judge2": [2, 1, 4, 1, 5, 2],
                              "judge3": [5, 3, 6, 2, 6, 4], "judge4": [8, 2, 8, 6, 9, 7]})


def test_alpha_matches_shrout_fleiss_icc3k():
    result = cronbach_alpha(SHROUT_FLEISS, list(SHROUT_FLEISS)).group()
    assert round(result.alpha, 2) == 0.91
    assert result.alpha == pytest.approx(3680 / 4047, rel=1e-12)
    assert result.n == 6 and result.n_items == 4
    # their ICC(3,1) = .71 is the single-item version; Spearman-Brown from it gives ICC(3,k) back
    icc31 = result.alpha / (4 - 3 * result.alpha)
    assert round(icc31, 2) == 0.71


def test_item_statistics_by_hand():
    result = cronbach_alpha(SHROUT_FLEISS, list(SHROUT_FLEISS)).group()
    X = SHROUT_FLEISS.to_numpy(float)
    for j, item in enumerate(result.items):
        rest = np.delete(X, j, axis=1)
        assert item.item_rest_correlation == pytest.approx(np.corrcoef(X[:, j], rest.sum(axis=1))[0, 1])
        k = rest.shape[1]
        by_hand = k / (k - 1) * (1 - rest.var(axis=0, ddof=1).sum() / rest.sum(axis=1).var(ddof=1))
        assert item.alpha_if_deleted == pytest.approx(by_hand)
    assert [i.item for i in result.items] == ["judge1", "judge2", "judge3", "judge4"]
    assert result.items[3].sd == pytest.approx(math.sqrt(94 / 15))


def test_feldt_interval_is_the_published_formula():
    # Feldt, Woodruff & Salih (1987), p. 95, formulas 6 and 7, as documented for R's cocron:
    # L = 1 - (1 - alpha) F_{.975}(n - 1, (n - 1)(k - 1)), U = 1 - (1 - alpha) F_{.025}(...)
    low, high = feldt_interval(0.85, 89, 7)
    assert low == pytest.approx(1 - 0.15 * stats.f.ppf(0.975, 88, 528), rel=1e-12)
    assert high == pytest.approx(1 - 0.15 * stats.f.ppf(0.025, 88, 528), rel=1e-12)
    # R statpsych's ci.cronbach(.05, .85, 7, 89) prints 0.7971254 and 0.8931436 with a second df of
    # n(k - 1) = 534 instead of 528: the two versions agree to 1e-4
    assert (low, high) == pytest.approx((0.7971254, 0.8931436), abs=1e-4)


def test_feldt_interval_covers_the_true_alpha_of_parallel_items():
    # parallel items: true score variance 1, error variance 1, k = 5 -> alpha = 5 / (5 + 1) = 5/6
    rng = np.random.default_rng(4)
    covered = 0
    reps, n, k = 400, 40, 5
    for _ in range(reps):
        X = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
        result = cronbach_alpha(pd.DataFrame(X, columns=list("abcde")), list("abcde")).group()
        covered += result.ci_low < 5 / 6 < result.ci_high
    assert 0.92 <= covered / reps <= 0.98


def test_per_wave_and_language_with_missing_items_and_bootstrap():
    rng = np.random.default_rng(5)
    rows = []
    for wave in ("m3", "m6"):
        for lang, noise in (("uk", 1.0), ("ru", 3.0)):
            t = rng.normal(size=60)
            for i in range(60):
                rows.append({"wave": wave, "language": lang,
                             **{f"q{j}": t[i] + rng.normal(0, noise) for j in range(4)}})
    df = pd.DataFrame(rows)
    df.loc[0, "q1"] = np.nan
    report = cronbach_alpha(df, ["q0", "q1", "q2", "q3"], by=["wave", "language"])
    assert [g.group for g in report.groups] == [("m3", "ru"), ("m3", "uk"), ("m6", "ru"), ("m6", "uk")]
    assert report.group("m3", "uk").alpha > report.group("m3", "ru").alpha  # the noisier translation
    assert report.group("m3", "uk").n == 59 and report.group("m3", "uk").n_dropped == 1
    assert any("1 of 60 respondents missed at least one item" in w for w in report.warnings)
    boot = cronbach_alpha(df, ["q0", "q1", "q2", "q3"], by="wave", ci="bootstrap", n_boot=300)
    g = boot.group("m6")
    assert g.ci_low < g.alpha < g.ci_high and g.ci_method == "bootstrap"


def test_reverse_keyed_item_and_broken_input():
    df = SHROUT_FLEISS.assign(judge2=10 - SHROUT_FLEISS.judge2 * 3)
    result = cronbach_alpha(df, list(df)).group()
    assert any("'judge2'" in w and "correlate negatively" in w for w in result.warnings)
    assert any("without 'judge2' alpha would rise" in w for w in result.warnings)
    with pytest.raises(AnalysisError, match="at least two items"):
        cronbach_alpha(df, ["judge1"])
    with pytest.raises(AnalysisError, match="hold text"):
        cronbach_alpha(df.assign(judge1="yes"), list(df))
    with pytest.raises(AnalysisError, match="No column named 'judge9'"):
        cronbach_alpha(df, ["judge1", "judge9"])
    constant = pd.DataFrame({"a": [1, 1, 1, 1], "b": [2, 2, 2, 2]})
    result = cronbach_alpha(constant, ["a", "b"]).group()
    assert math.isnan(result.alpha) and any("undefined" in w for w in result.warnings)
    tiny = cronbach_alpha(SHROUT_FLEISS.iloc[:2], list(SHROUT_FLEISS)).group()
    assert math.isnan(tiny.alpha) and "at least 3" in tiny.warnings[0]
