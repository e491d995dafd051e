"""Pure statistics: pandas DataFrames in, frozen result dataclasses out.

Never imports flask, sqlalchemy, monitor, surveys or reports, so it runs in a notebook or on a
CSV as well as inside the app.
"""

from analysis.effects import METHODS, estimate_effect
from analysis.results import AnalysisError, EffectResult, EffectSize

__all__ = ["METHODS", "AnalysisError", "EffectResult", "EffectSize", "estimate_effect"]
