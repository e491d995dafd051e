"""The rules of survey versions: drafts are edited, published versions are frozen, editing a
published survey starts a new draft copied from it. Services flush; the caller commits."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from monitor import audit
from monitor.clock import utcnow
from monitor.extensions import db
from surveys import schema
from surveys.models import PublishedVersionImmutable, Survey, SurveyVersion
from surveys.validation import Problem, SurveyInvalid, errors, validate


class NoDraft(LookupError):
    """Raised when a survey has no draft to edit or publish."""


def create_survey(definition: schema.Survey, instrument: str | None = None,
                  actor_id: int | None = None) -> Survey:
    """Create a survey with ``definition`` as its first draft."""
    survey = Survey(title=survey_title(definition), audience=str(definition.audience),
                    instrument=instrument, created_by_id=actor_id)
    db.session.add(survey)
    db.session.flush()
    db.session.add(SurveyVersion(survey_id=survey.id, number=1, status="draft",
                                 definition=definition.to_dict()))
    db.session.flush()
    audit.record("survey_created", target=f"survey:{survey.id}", user_id=actor_id,
                 instrument=instrument)
    return survey


def draft(survey: Survey) -> SurveyVersion | None:
    """The survey's draft, if it has one."""
    return db.session.scalar(select(SurveyVersion).where(
        SurveyVersion.survey_id == survey.id, SurveyVersion.status == "draft"))


def latest_published(survey: Survey) -> SurveyVersion | None:
    return db.session.scalar(select(SurveyVersion).where(
        SurveyVersion.survey_id == survey.id, SurveyVersion.status == "published")
        .order_by(SurveyVersion.number.desc()).limit(1))


def start_draft(survey: Survey, actor_id: int | None = None) -> SurveyVersion:
    """The draft to edit: the existing one, or a new one copied from the latest version."""
    existing = draft(survey)
    if existing is not None:
        return existing
    base = latest_published(survey)
    number = (db.session.scalar(select(func.max(SurveyVersion.number))
                                .where(SurveyVersion.survey_id == survey.id)) or 0) + 1
    version = SurveyVersion(survey_id=survey.id, number=number, status="draft",
                            definition=dict(base.definition) if base else {},
                            based_on_id=base.id if base else None)
    db.session.add(version)
    db.session.flush()
    audit.record("survey_draft_started", target=f"survey:{survey.id}", user_id=actor_id,
                 number=number)
    return version


def save_draft(version: SurveyVersion, definition: schema.Survey) -> None:
    """Replace a draft's definition.

    Raises:
        PublishedVersionImmutable: the version is published.
    """
    if version.is_published:
        raise PublishedVersionImmutable(_(
            "Version %(number)d is published; edit the survey to start a new draft.",
            number=version.number))
    version.definition = definition.to_dict()
    version.survey.title = survey_title(definition)
    version.survey.audience = str(definition.audience)
    db.session.flush()


def publish(version: SurveyVersion, actor_id: int | None = None) -> list[Problem]:
    """Publish a draft after checking the whole survey; returns the warnings.

    Raises:
        PublishedVersionImmutable: it is published already.
        surveys.validation.SurveyInvalid: the survey has errors, or its stored definition is
            not strict JSON (nothing changes).
    """
    if version.is_published:
        raise PublishedVersionImmutable(_("Version %(number)d is published already.",
                                          number=version.number))
    warnings = validate(version.schema()) + json_problems(version.definition)
    if errors(warnings):
        raise SurveyInvalid(errors(warnings))
    version.status = "published"
    version.published_at = utcnow()
    version.published_by_id = actor_id
    db.session.flush()
    audit.record("survey_published", target=f"survey:{version.survey_id}", user_id=actor_id,
                 number=version.number)
    return warnings


def json_problems(definition: Any) -> list[Problem]:
    """The problem of a stored definition that is not strict JSON, if it is not.

    JSON has no NaN or Infinity; Python writes them anyway unless told not to, and what reads
    a published version later (PostgreSQL, exports, other programs) refuses them.
    """
    try:
        json.dumps(definition, allow_nan=False)
    except ValueError:
        where = _first_non_finite(definition)
        if where:
            message = _("The definition is not valid JSON: it holds NaN or Infinity (at "
                        "%(path)s). Enter a number there and publish again.", path=where)
        else:
            message = _("The definition is not valid JSON: it holds NaN or Infinity (at a "
                        "number). Enter a number there and publish again.")
        return [Problem("stored definition", message)]
    except TypeError as exc:
        return [Problem("stored definition", _("The definition is not valid JSON: %(error)s.",
                                               error=str(exc)))]
    return []


def _first_non_finite(value: Any, path: str = "") -> str | None:
    """Where in ``value`` the first NaN or Infinity is, e.g. ``sections[1].questions[0].minimum``."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for inner_path, inner in items:
        found = _first_non_finite(inner, inner_path)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class VersionDiff:
    """What changed between two versions, by question key."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    settings_changed: list[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.settings_changed)


def diff(old: schema.Survey, new: schema.Survey) -> VersionDiff:
    """Keys added, removed and changed (any property, its options or its page) from old to new."""
    def by_key(survey: schema.Survey) -> dict[str, tuple]:
        return {q.key: (section.key, q, survey.choice_lists.get(q.choices or ""))
                for section in survey.sections for q in section.questions}

    a, b = by_key(old), by_key(new)
    settings = [name for name in ("title", "audience", "languages", "default_language",
                                  "allow_fallback", "description")
                if getattr(old, name) != getattr(new, name)]
    if old.scores != new.scores:
        settings.append("scores")
    return VersionDiff(added=[k for k in b if k not in a], removed=[k for k in a if k not in b],
                       changed=[k for k in b if k in a and a[k] != b[k]],
                       settings_changed=settings)


def survey_title(definition: schema.Survey) -> str:
    """The title a survey is listed under: its English title (else any), at most 200 characters."""
    return (definition.text(definition.title, "en") or "Untitled survey")[:200]
