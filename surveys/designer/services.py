"""The designer's services: each takes loaded objects, changes them through ``versions`` and
``editing``, flushes, and leaves the commit to the request edge."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select

from monitor.extensions import db
from surveys import schema, versions
from surveys.library import load_instrument
from surveys.models import Survey, SurveyVersion
from surveys.validation import Problem

T = TypeVar("T")


class StaleDraft(RuntimeError):
    """The draft changed since the page was opened (another officer saved it)."""


def revision(definition: dict) -> str:
    """A short fingerprint of a definition, carried by forms to notice concurrent edits."""
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def edit_draft(version: SurveyVersion, change: Callable[[schema.Survey], T],
               expected_revision: str | None = None) -> T:
    """Apply ``change`` (an ``editing`` function) to the draft's definition and save it.

    The row is locked first (on PostgreSQL) so that two saves of the same draft do not
    interleave; when ``expected_revision`` is given and the stored draft is no longer that
    revision, nothing changes.

    Raises:
        StaleDraft: the draft changed since ``expected_revision``.
        surveys.designer.editing.EditError: the edit is refused (nothing changes).
        surveys.models.PublishedVersionImmutable: the version is published.
    """
    db.session.refresh(version, with_for_update=True)
    if expected_revision and revision(version.definition) != expected_revision:
        raise StaleDraft(_("Someone else saved this draft while you were editing it. Your "
                           "changes were not saved: check the current draft and try again."))
    # A deep copy: ``version.schema()`` shares its texts with the loaded JSON, and a change made
    # in place there would leave the ORM seeing no difference to write.
    definition = schema.Survey.from_dict(version.definition)
    result = change(definition)
    versions.save_draft(version, definition)
    return result


def create_blank(title: schema.Text, audience: str, actor_id: int | None) -> Survey:
    """A new survey whose first draft has only a title and an audience."""
    definition = schema.Survey(title={k: v for k, v in title.items() if v}, audience=audience)
    return versions.create_survey(definition, actor_id=actor_id)


def create_from_library(instrument_id: str, actor_id: int | None) -> Survey:
    """A new survey whose first draft is a copy of a library instrument.

    A second copy of the same instrument is titled "… (2)" in every language (then "(3)" ...),
    so that lists and pickers can tell the copies apart.

    Raises surveys.library.UnknownInstrument.
    """
    definition = load_instrument(instrument_id)
    number = _copy_number(versions.survey_title(definition))
    if number > 1:
        definition.title = {lang: f"{text} ({number})" for lang, text in definition.title.items()}
    return versions.create_survey(definition, instrument=instrument_id, actor_id=actor_id)


def _copy_number(title: str) -> int:
    """1 when no survey has ``title``, else the first n > 1 such that "title (n)" is free."""
    taken = set(db.session.scalars(select(Survey.title).where(
        Survey.title.startswith(title, autoescape=True))))
    if title not in taken:
        return 1
    number = 2
    while f"{title} ({number})" in taken:
        number += 1
    return number


def publish_draft(survey: Survey, actor_id: int | None,
                  expected_revision: str | None = None) -> tuple[SurveyVersion, list[Problem]]:
    """Publish the survey's draft; returns it and the warnings.

    With ``expected_revision`` (what the confirmation page showed), a draft saved since then
    is not published: the officer confirmed other changes than these. The row is locked
    first (on PostgreSQL) so that no save slips in between the check and the publication.

    Raises:
        surveys.versions.NoDraft: there is no draft.
        StaleDraft: the draft changed since ``expected_revision``.
        surveys.validation.SurveyInvalid: the draft has errors.
    """
    draft = versions.draft(survey)
    if draft is None:
        raise versions.NoDraft(_("There is no draft to publish."))
    db.session.refresh(draft, with_for_update=True)
    if expected_revision and revision(draft.definition) != expected_revision:
        raise StaleDraft(_("The draft changed after this page showed its changes, so nothing "
                           "was published. Check the changes below and confirm again."))
    warnings = versions.publish(draft, actor_id=actor_id)
    return draft, warnings
