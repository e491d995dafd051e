"""Holm and Benjamini-Hochberg against hand-worked examples in the style of the original papers and
against statsmodels' multipletests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisError
from analysis.multiplicity import adjust, benjamini_hochberg, holm

# Benjamini & Hochberg (1995, JRSS B 57:289-300), section 4.1: the 15 p-values of Neuhaus et al.'s
# thrombolysis trial. At q = 0.05 their procedure rejects the four smallest (0.0095 <= 4/15 * 0.05 =
# 0.0133, while 0.0201 > 5/15 * 0.05); Bonferroni-type procedures reject only the three smallest.
NEUHAUS = [0.0201, 0.7590, 0.0001, 0.0004, 0.0278, 0.0019, 0.0298, 0.3240, 0.0344, 0.0095, 0.5719, 0.0459,
           0.4262, 1.0, 0.6528]


def test_bh_rejects_four_of_neuhaus_fifteen_as_in_the_paper():
    result = benjamini_hochberg(NEUHAUS, alpha=0.05)
    rejected = sorted(p for p, r in zip(NEUHAUS, result.reject, strict=True) if r)
    assert rejected == [0.0001, 0.0004, 0.0019, 0.0095]
    # by hand: the 4th smallest, 0.0095 * 15 / 4 = 0.035625; the 5th, min over i >= 5 of p_(i) * 15 / i:
    # 0.0201 * 3 = 0.0603, 0.0278 * 2.5 = 0.0695, 0.0298 * 15/7, 0.0344 * 15/8, 0.0459 * 15/9 = 0.0765 -> 0.0603
    adjusted = dict(zip(NEUHAUS, result.adjusted, strict=True))
    assert adjusted[0.0095] == pytest.approx(0.035625)
    assert adjusted[0.0201] == pytest.approx(0.0603)
    assert adjusted[1.0] == 1.0


def test_holm_rejects_three_of_neuhaus_fifteen():
    result = holm(NEUHAUS, alpha=0.05)
    rejected = sorted(p for p, r in zip(NEUHAUS, result.reject, strict=True) if r)
    assert rejected == [0.0001, 0.0004, 0.0019]
    # by hand: 0.0001 * 15 = 0.0015, 0.0004 * 14 = 0.0056, 0.0019 * 13 = 0.0247, 0.0095 * 12 = 0.114
    adjusted = dict(zip(NEUHAUS, result.adjusted, strict=True))
    assert_allclose([adjusted[v] for v in (0.0001, 0.0004, 0.0019, 0.0095)], [0.0015, 0.0056, 0.0247, 0.114])


def test_holm_by_hand_with_monotonicity():
    # Holm (1979) style, m = 4, sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04,
    # which the step-down raises to 0.06 (an adjusted p never falls below that of a smaller raw p)
    result = holm({"wellbeing": 0.01, "housing": 0.04, "employment": 0.03, "health": 0.005})
    assert_allclose(result.adjusted, [0.03, 0.06, 0.06, 0.02])
    assert result.reject == (True, False, False, True)
    assert result.labels == ("wellbeing", "housing", "employment", "health")


@pytest.mark.parametrize("ours, theirs", [("holm", "holm"), ("bh", "fdr_bh")])
def test_agrees_with_statsmodels_multipletests(ours, theirs):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for _ in range(20):
        p = np.r_[rng.uniform(size=15), rng.uniform(0, 0.01, size=5), [0.02, 0.02]]
        mine = adjust(p, ours, alpha=0.05)
        reject, corrected, _, _ = multipletests(p, alpha=0.05, method=theirs)
        assert_allclose(mine.adjusted, corrected, rtol=1e-12)
        assert list(mine.reject) == list(reject)


def test_missing_and_bad_p_values():
    result = holm([0.01, None, math.nan, 0.04])
    assert result.m == 2 and math.isnan(result.adjusted[1]) and result.reject[1] is False
    assert_allclose([result.adjusted[0], result.adjusted[3]], [0.02, 0.04])
    assert "2 of 4 p-values are missing" in result.warnings[0]
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        holm([0.5, 1.2])
    with pytest.raises(AnalysisError, match="Unknown adjustment"):
        adjust([0.5], "bonferonni")
    assert holm([]).adjusted == ()
