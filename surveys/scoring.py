"""Scoring answers by the instrument's own rules, on whole tables at once.

An instrument carries its scoring rules in the schema (:class:`surveys.schema.Score`: items,
sum or mean, multiplier, offset, minimum number of answered items) and its items' scores in the
choice lists (a Likert option's ``score``), with reverse-coded items flagged on the question or
the matrix row. These rules are the product's own, and the exports' codebook and analysis must
agree on them, so they are applied here, once, vectorised with pandas: a frame of any length is
scored with a handful of column operations, never row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveys.schema import QuestionType, Score, ScoreMethod, Survey


@dataclass(frozen=True)
class ScoredItem:
    """How one answer key turns into a number: its option scores and whether it is reversed."""

    key: str
    scores: dict[str, float]
    reverse: bool
    low: float
    high: float


def scored_items(survey: Survey) -> dict[str, ScoredItem]:
    """Every answer key whose options carry scores (Likert questions, matrix rows, scored
    select-ones), keyed by answer key."""
    found: dict[str, ScoredItem] = {}
    for question in survey.questions():
        if question.type not in (QuestionType.likert, QuestionType.matrix, QuestionType.select_one):
            continue
        choice_list = survey.choice_list(question)
        if choice_list is None or choice_list.score_range() is None:
            continue
        low, high = choice_list.score_range()
        scores = {c.value: float(c.score) for c in choice_list.choices if c.score is not None}
        if question.type == QuestionType.matrix:
            for item in question.items:
                found[item.key] = ScoredItem(item.key, scores, item.reverse or question.reverse, low, high)
        else:
            found[question.key] = ScoredItem(question.key, scores, question.reverse, low, high)
    return found


def item_scores(survey: Survey, answers: pd.DataFrame, reverse: bool = True) -> pd.DataFrame:
    """The numeric scores of the scored items present in ``answers`` (one column per key).

    With ``reverse`` (the default), reverse-coded items are flipped on their scale
    (``low + high - score``), as scale scores and reliability need; without it, each item keeps
    its options' own order, as an ordinal model of that item needs. An answer that is not one of
    the options (or is missing) is NaN.
    """
    columns = {}
    for key, item in scored_items(survey).items():
        if key not in answers.columns:
            continue
        values = option_scores(answers[key], item.scores)
        if reverse and item.reverse:
            values = item.low + item.high - values
        columns[key] = values
    return pd.DataFrame(columns, index=answers.index)


def option_scores(values: pd.Series, scores: dict[str, float]) -> pd.Series:
    """Each answer's option score (NaN for a missing answer or one that is not an option).

    Answers are compared as text (a number 3 matches an option "3"); each distinct answer is
    looked up once, which matters on a column of millions of answers sharing a few values.
    """
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable answers (lists) are not options: compare them one by one
        return values.astype("string").map(scores, na_action="ignore").astype(float)
    lookup = pd.Series(uniques, dtype=object).astype("string").map(scores, na_action="ignore")
    table = np.append(lookup.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return pd.Series(table[codes], index=values.index, name=values.name)


def scale_score(score: Score, items: pd.DataFrame) -> pd.Series:
    """One scale score from its (already reversed) item scores; NaN where too few are answered."""
    present = [key for key in score.items if key in items.columns]
    block = items.reindex(columns=score.items)
    answered = block.notna().sum(axis=1)
    needed = score.min_items if score.min_items is not None else len(score.items)
    if score.method == ScoreMethod.sum:
        raw = block.sum(axis=1, min_count=1)
    else:
        raw = block.mean(axis=1)
    value = raw * score.multiplier + score.offset
    value[answered < needed] = np.nan
    if not present:
        value[:] = np.nan
    return value.rename(score.key)


def apply_scores(survey: Survey, answers: pd.DataFrame) -> pd.DataFrame:
    """``answers`` with one column added per scale score of the survey (missing keys: NaN)."""
    items = item_scores(survey, answers, reverse=True)
    scores = {score.key: scale_score(score, items) for score in survey.scores}
    return answers.assign(**scores) if scores else answers.copy()
