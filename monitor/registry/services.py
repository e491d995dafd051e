"""The rules for changing the registry from its pages. Services flush; the view commits."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from monitor import audit
from monitor.errors import DomainError
from monitor.extensions import db
from monitor.models import (
    AssistanceEpisode,
    AssistedPerson,
    Organisation,
    PersonContact,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)


class RegistryError(DomainError):
    """A change the registry refuses; ``field`` names the form field at fault."""


def _ensure_unique(model, column, value, exclude_id: int | None, field: str, message: str) -> None:
    """Raise RegistryError(message % value, field=field) when another row has ``value`` in any case."""
    stmt = select(model.id).where(func.lower(column) == str(value).lower())
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise RegistryError(str(message) % {"value": value}, field=field)


def _apply(obj, data: dict[str, Any]):
    for key, value in data.items():
        setattr(obj, key, value)
    return obj


def _save(obj, data: dict[str, Any], action: str):
    created = obj.id is None
    _apply(obj, data)
    if created:
        db.session.add(obj)
    db.session.flush()
    audit.record(f"{action}_{'created' if created else 'updated'}",
                 target=f"{obj.__tablename__}:{obj.id}")
    return obj


def save_region(region: Region, data: dict[str, Any]) -> Region:
    """Create or update a region. Raises RegistryError on a duplicate code or name."""
    data["code"] = data["code"].strip().upper()
    _ensure_unique(Region, Region.code, data["code"], region.id, "code",
                   _l("Region code %(value)s is already registered."))
    _ensure_unique(Region, Region.name, data["name"].strip(), region.id, "name",
                   _l("Region %(value)s is already registered."))
    return _save(region, data, "region")


def save_organisation(org: Organisation, data: dict[str, Any]) -> Organisation:
    """Create or update an organisation. Raises RegistryError on a duplicate name in a region."""
    stmt = select(Organisation.id).where(
        Organisation.region_id == data["region_id"],
        func.lower(Organisation.name) == data["name"].strip().lower(),
    )
    if org.id is not None:
        stmt = stmt.where(Organisation.id != org.id)
    if db.session.scalar(stmt) is not None:
        raise RegistryError(_("An organisation of that name exists in this region."), field="name")
    return _save(org, data, "organisation")


def save_provider(provider: Provider, data: dict[str, Any]) -> Provider:
    """Create or update a provider. Raises RegistryError on a duplicate code or a mismatched
    organisation (it must be in the provider's region)."""
    _ensure_unique(Provider, Provider.code, data["code"], provider.id, "code",
                   _l("Provider code %(value)s is already registered."))
    if data.get("organisation_id"):
        org = db.session.get(Organisation, data["organisation_id"])
        if org is None or org.region_id != data["region_id"]:
            raise RegistryError(_("The organisation is not in the chosen region."), field="organisation_id")
    return _save(provider, data, "provider")


def save_session(session: TrainingSession, data: dict[str, Any]) -> TrainingSession:
    """Create or update a training session. Raises RegistryError on a duplicate code, or hours
    below what a provider is recorded to have attended."""
    _ensure_unique(TrainingSession, TrainingSession.code, data["code"], session.id, "code",
                   _l("Session code %(value)s is already registered."))
    data["modules"] = ",".join(sorted(data.get("modules") or []))
    if session.id is not None:
        most = db.session.scalar(select(func.max(TrainingAttendance.hours_attended))
                                 .where(TrainingAttendance.session_id == session.id))
        if most is not None and data["hours"] < most:
            raise RegistryError(_("A provider is recorded with %(hours)s hours at this "
                                           "session; the session cannot be shorter.",
                                           hours=format_decimal(most)), field="hours")
    return _save(session, data, "training_session")


def add_attendance(session: TrainingSession, provider_code: str, hours: float) -> TrainingAttendance:
    """Record a provider's attendance. Raises RegistryError for an unknown provider, a second
    record for the same provider, or more hours than the session had."""
    provider = db.session.scalar(select(Provider).where(Provider.code == provider_code.strip()))
    if provider is None:
        raise RegistryError(_("No provider with code %(code)s.", code=provider_code), field="provider_code")
    exists = db.session.scalar(select(TrainingAttendance.id).where(
        TrainingAttendance.session_id == session.id, TrainingAttendance.provider_id == provider.id))
    if exists:
        raise RegistryError(_("This provider's attendance is already recorded."), field="provider_code")
    if hours > session.hours:
        raise RegistryError(_("The session lasted %(hours)s hours.",
                                                hours=format_decimal(session.hours)), field="hours_attended")
    row = TrainingAttendance(session_id=session.id, provider_id=provider.id, hours_attended=hours)
    db.session.add(row)
    db.session.flush()
    audit.record("attendance_created", target=f"training_session:{session.id}",
                 provider=provider.code)
    return row


def remove_attendance(row: TrainingAttendance) -> None:
    """Delete one attendance record (a mistake in the register)."""
    audit.record("attendance_deleted", target=f"training_session:{row.session_id}",
                 provider_id=row.provider_id)
    db.session.delete(row)
    db.session.flush()


def save_person(person: AssistedPerson, data: dict[str, Any]) -> AssistedPerson:
    """Create or update an assisted person. Raises RegistryError on a duplicate code."""
    _ensure_unique(AssistedPerson, AssistedPerson.code, data["code"], person.id, "code",
                   _l("Person code %(value)s is already registered."))
    for key in ("citizenship", "country_of_exploitation"):
        data[key] = (data.get(key) or "").strip().upper() or None
    for key in ("gender", "age_broad", "majority_status", "type_of_exploit"):
        data[key] = data.get(key) or None
    return _save(person, data, "assisted_person")


def save_contact(person: AssistedPerson, data: dict[str, Any]) -> PersonContact | None:
    """Set the person's contact details; all fields empty erases them."""
    values = {k: (v or "").strip() or None for k, v in data.items()}
    if not any(values.values()):
        erase_contact(person)
        return None
    contact = person.contact or PersonContact(person_id=person.id)
    _apply(contact, values)
    db.session.add(contact)
    db.session.flush()
    audit.record("contact_updated", target=f"assisted_person:{person.id}")
    return contact


def record_contact_viewed(person: AssistedPerson) -> None:
    """Write to the audit log that the logged-in user was shown the person's contact details
    (a survivor's phone or address is what an abuser would look for)."""
    audit.record("contact_viewed", target=f"assisted_person:{person.id}")


def erase_contact(person: AssistedPerson) -> None:
    """Erase the person's contact details, leaving the pseudonymous record."""
    if person.contact is not None:
        db.session.delete(person.contact)
        person.contact = None
        db.session.flush()
        audit.record("contact_erased", target=f"assisted_person:{person.id}")


def save_episode(episode: AssistanceEpisode, data: dict[str, Any]) -> AssistanceEpisode:
    """Create or update an episode from person and provider codes.

    Raises RegistryError for an unknown code or an end before the start.
    """
    person = db.session.scalar(select(AssistedPerson).where(
        AssistedPerson.code == data.pop("person_code").strip()))
    if person is None:
        raise RegistryError(_("No assisted person with that code."), field="person_code")
    provider = db.session.scalar(select(Provider).where(
        Provider.code == data.pop("provider_code").strip()))
    if provider is None:
        raise RegistryError(_("No provider with that code."), field="provider_code")
    if data.get("ended_on") and data["ended_on"] < data["started_on"]:
        raise RegistryError(_("The end is before the start."), field="ended_on")
    data["services"] = ",".join(sorted(data.get("services") or []))
    data["person_id"], data["provider_id"] = person.id, provider.id
    return _save(episode, data, "assistance_episode")
