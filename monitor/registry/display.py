"""How registry records read on a page, in the page's language: region names, countries and the
labels of coded values. The codes stay what the database, imports and exports hold."""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from monitor.i18n import current_locale
from monitor.models.registry import (
    AGE_BROAD_LABELS,
    CTDC_LABELS,
    EXPLOIT_TYPE_LABELS,
    GENDER_LABELS,
    MAJORITY_STATUS_LABELS,
    Region,
)

#: CTDC field name -> labels of its values (the others are countries, years or free text).
CTDC_VALUE_LABELS: dict[str, Mapping[str, str]] = {
    "gender": GENDER_LABELS,
    "ageBroad": AGE_BROAD_LABELS,
    "majorityStatus": MAJORITY_STATUS_LABELS,
    "typeOfExploit": EXPLOIT_TYPE_LABELS,
}

#: Where an invitation stands (``monitor.fieldwork.models.InvitationStatus``), as pages say it.
INVITATION_STATUS_LABELS: dict[str, str] = {
    "pending": _l("Not opened yet"),
    "opened": _l("Opened"),
    "in_progress": _l("Being answered"),
    "completed": _l("Answered"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}


def region_name(region: Region) -> str:
    """The region's name in the page's language (English where none is recorded)."""
    return region.name_in(current_locale())


def country_name(code: str | None) -> str:
    """A two-letter country code as the country's name in the page's language, code beside it."""
    if not code:
        return ""
    name = Locale.parse(current_locale()).territories.get(code.upper())
    return f"{name} ({code})" if name else code


def covariate(field: str, value: object) -> str:
    """A CTDC covariate's value as a page shows it: a label, a country, or "Not known"."""
    if value is None or value == "":
        return _("Not known")
    if field in ("citizenship", "CountryOfExploitation"):
        return country_name(str(value))
    labels = CTDC_VALUE_LABELS.get(field)
    return str(labels.get(value, value)) if labels else str(value)


def ctdc_label(field: str) -> str:
    """What pages call a CTDC field (``ageBroad`` -> "Age group")."""
    return str(CTDC_LABELS.get(field, field))


def invitation_status(status: str) -> str:
    """An invitation's status in words."""
    return str(INVITATION_STATUS_LABELS.get(status, status))
