"""The demo programme: a synthetic registry and its follow-up shaped like the real roll-out,
from one seed.

``monitor demo`` calls :func:`build_demo`; the model behind the registry is written down in
:mod:`monitor.demo.generator`, the fixed facts in :mod:`monitor.demo.programme`, and the truth of
the follow-up (who answers, what, and the effects of training that analysis must recover) in
:mod:`monitor.demo.outcomes`, whose :data:`TRUE_EFFECTS` tests and analysis import.
:func:`outcome_frame` returns the person-wave data of a demo without a database.
"""

from monitor.demo.generator import (
    STEPS,
    DatabaseNotEmpty,
    DemoSummary,
    build_demo,
    outcome_frame,
    provider_outcome_frame,
    simulate,
)
from monitor.demo.outcomes import (
    OUTCOME_MODEL,
    RESPONSE_MODEL,
    TRUE_EFFECTS,
    OutcomeModel,
    ResponseModel,
    TrueEffects,
)
from monitor.demo.programme import DEMO_LOGINS, PILOT_CODES, REGIONS
from monitor.demo.world import REFERRALS, ROLL_OUT, SIZES, DemoWorld, Step

__all__ = [
    "DEMO_LOGINS",
    "OUTCOME_MODEL",
    "PILOT_CODES",
    "REFERRALS",
    "REGIONS",
    "RESPONSE_MODEL",
    "ROLL_OUT",
    "SIZES",
    "STEPS",
    "TRUE_EFFECTS",
    "DatabaseNotEmpty",
    "DemoSummary",
    "DemoWorld",
    "OutcomeModel",
    "ResponseModel",
    "Step",
    "TrueEffects",
    "build_demo",
    "outcome_frame",
    "provider_outcome_frame",
    "simulate",
]
