"""The tables of fieldwork: plans and their waves, invitations, respondent sessions, responses
and answers. Import them from here."""

from monitor.fieldwork.models.invitations import (
    INVITATION_STATUSES,
    LIVE_STATUSES,
    REGENERABLE_STATUSES,
    Answer,
    Invitation,
    InvitationStatus,
    RespondentSession,
    Response,
)
from monitor.fieldwork.models.plans import (
    ANCHORS,
    DEFAULT_WAVES,
    DEFAULT_WINDOW_AFTER_DAYS,
    DEFAULT_WINDOW_BEFORE_DAYS,
    FollowUpPlan,
    PlanWave,
)

__all__ = [
    "ANCHORS",
    "DEFAULT_WAVES",
    "DEFAULT_WINDOW_AFTER_DAYS",
    "DEFAULT_WINDOW_BEFORE_DAYS",
    "INVITATION_STATUSES",
    "LIVE_STATUSES",
    "REGENERABLE_STATUSES",
    "Answer",
    "FollowUpPlan",
    "Invitation",
    "InvitationStatus",
    "PlanWave",
    "RespondentSession",
    "Response",
]
