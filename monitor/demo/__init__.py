"""The demo programme: a synthetic registry shaped like the real roll-out, from one seed.

``monitor demo`` calls :func:`build_demo`; the model behind the data (and the truth later
analysis must recover) is written down in :mod:`monitor.demo.generator`, the fixed facts in
:mod:`monitor.demo.programme`.
"""

from monitor.demo.generator import (
    REFERRALS,
    ROLL_OUT,
    SIZES,
    STEPS,
    DatabaseNotEmpty,
    DemoSummary,
    DemoWorld,
    Step,
    build_demo,
)
from monitor.demo.programme import DEMO_LOGINS, PILOT_CODES, REGIONS

__all__ = [
    "DEMO_LOGINS",
    "PILOT_CODES",
    "REFERRALS",
    "REGIONS",
    "ROLL_OUT",
    "SIZES",
    "STEPS",
    "DatabaseNotEmpty",
    "DemoSummary",
    "DemoWorld",
    "Step",
    "build_demo",
]
