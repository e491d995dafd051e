"""The monitoring programme's tables. Import models from here."""

from monitor.models.accounts import Role, User
from monitor.models.audit import AuditEvent
from monitor.models.registry import (
    AGE_BROAD,
    EXPLOIT_TYPES,
    GENDERS,
    MAJORITY_STATUS,
    MODULES,
    ORGANISATION_KINDS,
    PROFESSIONS,
    SERVICES,
    AssistanceEpisode,
    AssistedPerson,
    Organisation,
    PersonContact,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)
from monitor.models.staff_session import StaffSession
from monitor.models.throttle import ThrottleCounter

__all__ = [
    "AGE_BROAD",
    "EXPLOIT_TYPES",
    "GENDERS",
    "MAJORITY_STATUS",
    "MODULES",
    "ORGANISATION_KINDS",
    "PROFESSIONS",
    "SERVICES",
    "AssistanceEpisode",
    "AssistedPerson",
    "AuditEvent",
    "Organisation",
    "PersonContact",
    "Provider",
    "Region",
    "StaffSession",
    "ThrottleCounter",
    "Role",
    "TrainingAttendance",
    "TrainingSession",
    "User",
]
