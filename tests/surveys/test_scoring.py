"""Scoring by the instruments' own rules, checked on answers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from surveys.library import load_instrument
from surveys.scoring import apply_scores, item_scores, scored_items

WHO5 = ["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"]
SAT = ["sat_respect", "sat_language", "sat_safe", "sat_involved", "sat_informed", "sat_pressured",
       "sat_recommend"]


@pytest.fixture(scope="module")
def person():
    return load_instrument("person_followup")


def test_who5_is_scored_0_to_100_as_the_who_manual_says(person):
    # WHO-5: raw score 0-25 (items 5 = all of the time ... 0 = at no time), times 4.
    answers = pd.DataFrame({
        "who5_1": ["all_of_the_time", "at_no_time", "all_of_the_time", "all_of_the_time"],
        "who5_2": ["all_of_the_time", "at_no_time", "most_of_the_time", None],
        "who5_3": ["all_of_the_time", "at_no_time", "more_than_half", "all_of_the_time"],
        "who5_4": ["all_of_the_time", "at_no_time", "less_than_half", "all_of_the_time"],
        "who5_5": ["all_of_the_time", "at_no_time", "some_of_the_time", "all_of_the_time"],
    })
    scored = apply_scores(person, answers)
    assert scored["who5_score"].iloc[0] == 100
    assert scored["who5_score"].iloc[1] == 0
    assert scored["who5_score"].iloc[2] == (5 + 4 + 3 + 2 + 1) * 4  # 60
    assert math.isnan(scored["who5_score"].iloc[3])  # the WHO-5 needs all five items


def test_reverse_coded_item_is_flipped_for_the_scale_but_not_for_the_item(person):
    agree = {"sat_respect": "strongly_agree", "sat_language": "strongly_agree", "sat_safe": "strongly_agree",
             "sat_involved": "strongly_agree", "sat_informed": "strongly_agree",
             "sat_pressured": "strongly_agree", "sat_recommend": "strongly_agree"}
    answers = pd.DataFrame([agree])
    assert scored_items(person)["sat_pressured"].reverse
    # Six items at 5 and the reversed one at 1 + 5 - 5 = 1: mean 31 / 7.
    assert apply_scores(person, answers)["satisfaction_score"].iloc[0] == pytest.approx(31 / 7)
    assert item_scores(person, answers, reverse=False)["sat_pressured"].iloc[0] == 5
    assert item_scores(person, answers, reverse=True)["sat_pressured"].iloc[0] == 1


def test_mean_scale_tolerates_missing_items_down_to_its_minimum(person):
    answers = pd.DataFrame({"sat_respect": ["agree", "agree"], "sat_language": ["disagree", None],
                            "sat_safe": ["neutral", None]})
    scores = apply_scores(person, answers)["satisfaction_score"]
    assert scores.iloc[0] == pytest.approx((4 + 2 + 3) / 3)  # three answered: the minimum
    assert math.isnan(scores.iloc[1])  # one answered: too few


def test_unknown_option_and_missing_columns_give_missing_not_errors(person):
    answers = pd.DataFrame({"who5_1": ["sometimes?"]})
    assert math.isnan(item_scores(person, answers)["who5_1"].iloc[0])
    assert math.isnan(apply_scores(person, answers)["who5_score"].iloc[0])
