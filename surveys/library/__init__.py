"""The instrument library: ready-made surveys shipped with the application and offered when a
survey is created.

Each instrument is complete in Ukrainian, Russian and English and carries its scoring rules.
Question keys are stable analysis variable names; changing one breaks comparisons across
waves and versions, so add new keys rather than renaming old ones.

    >>> sorted(INSTRUMENTS)
    ['person_followup', 'provider_followup', 'quality_checklist']
    >>> load_instrument("person_followup").audience
    <Audience.person: 'person'>
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from surveys.library import person_followup, provider_followup, quality_checklist
from surveys.schema import Audience, Survey, Text


@dataclass(frozen=True)
class InstrumentInfo:
    """What the "new survey" page shows about an instrument before it is loaded."""

    id: str
    title: Text  # language -> title; the same as the loaded survey's title
    audience: Audience
    description: Text  # language -> one or two sentences for the officer choosing it


class UnknownInstrument(KeyError):
    """There is no instrument with that id in the library."""


_BUILDERS: dict[str, tuple[Callable[[], Survey], Text, Text, Audience]] = {
    "person_followup": (person_followup.build, person_followup.TITLE, person_followup.SUMMARY,
                        Audience.person),
    "provider_followup": (provider_followup.build, provider_followup.TITLE,
                          provider_followup.SUMMARY, Audience.provider),
    "quality_checklist": (quality_checklist.build, quality_checklist.TITLE,
                          quality_checklist.SUMMARY, Audience.officer),
}

INSTRUMENTS: dict[str, InstrumentInfo] = {
    instrument_id: InstrumentInfo(id=instrument_id, title=dict(title), audience=audience,
                                  description=dict(summary))
    for instrument_id, (_, title, summary, audience) in _BUILDERS.items()
}
"""Every instrument of the library by id, in the order to offer them."""


def load_instrument(instrument_id: str) -> Survey:
    """A fresh copy of the instrument ``instrument_id``, safe to edit.

    Raises UnknownInstrument when the library has no such instrument.
    """
    try:
        build = _BUILDERS[instrument_id][0]
    except KeyError:
        raise UnknownInstrument(instrument_id) from None
    return build()


def instruments_for(audience: Audience | str) -> list[InstrumentInfo]:
    """The instruments aimed at ``audience`` (person, provider or officer)."""
    audience = Audience(audience)
    return [info for info in INSTRUMENTS.values() if info.audience == audience]
