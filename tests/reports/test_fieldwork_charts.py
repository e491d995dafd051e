"""The officers' response-rate chart: every label drawn whole, in type a phone can read."""

from __future__ import annotations

import re

import pandas as pd

from reports.fieldwork_charts import response_rate_by_wave

LONG = "Follow-up survey for professionals: training and practice in the second year"


def _texts_and_sizes(svg: str) -> tuple[list[str], list[float], float]:
    """Matplotlib draws each text as glyphs scaled by size / 100, the text in a comment beside it;
    the viewBox is in points."""
    sizes = [100 * float(s) for s in re.findall(r"scale\(([0-9.]+) -\1\)", svg)]
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    return re.findall(r"<!-- (.*?) -->", svg), sizes, width


def test_long_survey_titles_are_drawn_whole_and_legible():
    df = pd.DataFrame({
        "survey": [LONG] * 2 + ["How are you doing?"] * 2,
        "wave": ["baseline", "m3", "baseline", "m107"],
        "rate": [0.86, 0.68, 0.5, float("nan")],
        "completed_eligible": [24, 19, 5, 0], "eligible": [28, 28, 10, 0]})
    texts, sizes, width = _texts_and_sizes(response_rate_by_wave(df))
    drawn = " ".join(texts)
    assert all(word in drawn.split() for word in LONG.split()), texts
    assert {"baseline", "m3", "m107", "How are you doing?"} <= set(texts)
    assert "86% · 24 of 28" in texts and "not open yet" in texts
    # Drawn for a phone: at most about 400 CSS px wide, no text under 10 pt, so shown at a
    # phone's width (about 310 px in its card) the text is still 11 px or more.
    assert width * 96 / 72 <= 400
    assert min(sizes) >= 10 and min(sizes) * 310 / width >= 11
