"""Counts of invitations and response rates, as SQL aggregates (GROUP BY in the database, never
ORM rows), so the pages cost the same for 50 invitations as for 50,000.

The response rate of a group is ``completed / eligible`` where *eligible* are the invitations
whose window has opened (``opens_on <= today``) and that were not revoked: an invitation whose
window has not opened yet could not have been answered, and a revoked one was withdrawn on
purpose (a person who asked not to be contacted again, a link sent to the wrong person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, literal, select

from monitor.extensions import db
from monitor.fieldwork.models import INVITATION_STATUSES, FollowUpPlan, Invitation, PlanWave, Response
from monitor.models import AssistedPerson, Provider, Region
from surveys.models import Survey, SurveyVersion

#: How the pages name an invitation's status (the codes stay what the database and exports hold).
STATUS_LABELS = {
    "pending": _l("Pending"),
    "opened": _l("Opened"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}
#: A wave named for its month after the anchor: m3, m6, m12, m18...
_MONTH_WAVE = re.compile(r"m([0-9]{1,3})")
RATE_COLUMNS = ["survey_id", "survey", "wave", "wave_order", "region", *INVITATION_STATUSES,
                "total", "eligible", "completed_eligible", "rate"]


def wave_label(name: str) -> str:
    """A wave's name as the pages say it, in the page's language: "Baseline" for ``baseline``,
    "3 months" for ``m3`` (any m and a number), any other name as it is.

    Only what is shown: the name stays the wave's value everywhere (forms, links, the command
    line's ``--wave``, exports and analysis know a wave by its name).
    """
    if name == "baseline":
        return gettext("Baseline")
    month = _MONTH_WAVE.fullmatch(name)
    if month:
        months = int(month.group(1))
        return ngettext("%(num)d month", "%(num)d months", months)
    return name


def _status_counts() -> list:
    return [func.count().filter(Invitation.status == s).label(s) for s in INVITATION_STATUSES]


@dataclass(frozen=True)
class DueFilter:
    """The due list's filter: a wave, a region, a range of due dates and a status."""

    wave: str | None = None
    region_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    status: str | None = None
    issued: str | None = None  # "yes" / "no": a link issued or not

    def conditions(self, plan_id: int, with_status: bool = True, with_issued: bool = True) -> list:
        out = [Invitation.plan_id == plan_id]
        if self.wave:
            out.append(Invitation.wave == self.wave)
        if self.region_id:
            out.append(Invitation.region_id == self.region_id)
        if self.due_from:
            out.append(Invitation.due_on >= self.due_from)
        if self.due_to:
            out.append(Invitation.due_on <= self.due_to)
        if with_issued and self.issued == "yes":
            out.append(Invitation.token_hash.is_not(None))
        elif with_issued and self.issued == "no":
            out.append(Invitation.token_hash.is_(None))
        if with_status and self.status in INVITATION_STATUSES:
            out.append(Invitation.status == self.status)
        return out


def plan_wave_counts(plan: FollowUpPlan) -> list[dict]:
    """Per wave of ``plan`` (in offset order, waves without invitations included): counts by
    status, links issued and the total, in one GROUP BY."""
    stmt = (select(Invitation.wave, *_status_counts(),
                   func.count(Invitation.token_hash).label("issued"), func.count().label("total"))
            .where(Invitation.plan_id == plan.id).group_by(Invitation.wave))
    counts = {row["wave"]: dict(row) for row in db.session.execute(stmt).mappings()}
    empty = {s: 0 for s in INVITATION_STATUSES} | {"issued": 0, "total": 0}
    out = []
    for wave in sorted(plan.waves, key=lambda w: (w.offset_months, w.name)):
        out.append({**empty, **counts.pop(wave.name, {}), "wave": wave.name, "plan_wave": wave})
    for name in sorted(counts):  # waves removed from the plan whose answered invitations stay
        out.append({**empty, **counts[name], "wave": name, "plan_wave": None})
    return out


def due_counts(plan: FollowUpPlan, where: DueFilter) -> dict[str, int]:
    """Invitations matching the filter (status aside) by status, plus ``total``; and
    ``issuable``: pending ones without a link matching the wave, region and dates (what
    "issue links for all" would cover)."""
    stmt = select(*_status_counts(), func.count().label("total")).where(
        *where.conditions(plan.id, with_status=False))
    counts = dict(db.session.execute(stmt).mappings().one())
    counts["issuable"] = db.session.scalar(select(func.count()).where(
        *where.conditions(plan.id, with_status=False, with_issued=False),
        Invitation.status == "pending", Invitation.token_hash.is_(None)))
    return counts


def due_statement(plan: FollowUpPlan, where: DueFilter) -> Select:
    """The due list: invitations matching the filter with the respondent's code and region,
    in due-date order, for ``monitor.pagination.paginate``."""
    code = func.coalesce(AssistedPerson.code, Provider.code).label("code")
    return (select(Invitation, code, Region.name.label("region"))
            .outerjoin(AssistedPerson, AssistedPerson.id == Invitation.person_id)
            .outerjoin(Provider, Provider.id == Invitation.provider_id)
            .outerjoin(Region, Region.id == Invitation.region_id)
            .where(*where.conditions(plan.id))
            .order_by(Invitation.due_on, Region.name, code, Invitation.id))


def response_rates(today: date, survey_id: int | None = None, plan_id: int | None = None,
                   region_id: int | None = None) -> pd.DataFrame:
    """Counts by status and the response rate per survey, wave and region (one GROUP BY).

    Columns: ``RATE_COLUMNS``; ``rate`` is NaN where nothing is eligible yet; ``region`` is
    empty for invitations of respondents without a region (the page names that in its language).
    """
    opened = Invitation.opens_on <= today
    eligible = and_(opened, Invitation.status != "revoked")
    stmt = (select(Survey.id.label("survey_id"), Survey.title.label("survey"),
                   Invitation.wave, func.coalesce(func.min(PlanWave.offset_months), literal(9999)).label("wave_order"),
                   func.coalesce(Region.name, "").label("region"),
                   *_status_counts(), func.count().label("total"),
                   func.count().filter(eligible).label("eligible"),
                   func.count().filter(and_(eligible, Invitation.status == "completed"))
                   .label("completed_eligible"))
            .join(FollowUpPlan, FollowUpPlan.id == Invitation.plan_id)
            .join(SurveyVersion, SurveyVersion.id == FollowUpPlan.survey_version_id)
            .join(Survey, Survey.id == SurveyVersion.survey_id)
            .outerjoin(Region, Region.id == Invitation.region_id)
            # a wave's offset orders the waves; a wave removed from its plan sorts last
            .outerjoin(PlanWave, and_(PlanWave.plan_id == Invitation.plan_id,
                                      PlanWave.name == Invitation.wave))
            .group_by(Survey.id, Survey.title, Invitation.wave, Region.name))
    if survey_id:
        stmt = stmt.where(Survey.id == survey_id)
    if plan_id:
        stmt = stmt.where(Invitation.plan_id == plan_id)
    if region_id:
        stmt = stmt.where(Invitation.region_id == region_id)
    df = pd.DataFrame(db.session.execute(stmt).mappings().all(), columns=RATE_COLUMNS[:-1])
    df = df.sort_values(["survey", "survey_id", "wave_order", "wave", "region"]).reset_index(drop=True)
    df["rate"] = _rate(df)
    return df


def _rate(df: pd.DataFrame) -> pd.Series:
    return (df["completed_eligible"] / df["eligible"].where(df["eligible"] > 0)).astype(float)


def by_wave(rates: pd.DataFrame) -> pd.DataFrame:
    """The rates table summed over regions: one row per survey and wave."""
    columns = [*INVITATION_STATUSES, "total", "eligible", "completed_eligible"]
    if rates.empty:
        return pd.DataFrame(columns=RATE_COLUMNS[:4] + columns + ["rate"])
    out = (rates.groupby(["survey_id", "survey", "wave", "wave_order"], as_index=False)[columns].sum()
           .sort_values(["survey", "survey_id", "wave_order", "wave"]).reset_index(drop=True))
    out["rate"] = _rate(out)
    return out


def responses_statement(survey_id: int | None = None, plan_id: int | None = None,
                        wave: str | None = None, status: str | None = None) -> Select:
    """The response viewer's list: response, respondent code, wave, status, dates."""
    code = func.coalesce(AssistedPerson.code, Provider.code).label("code")
    stmt = (select(Response.id, code, Response.wave, Response.status, Response.consent,
                   Response.started_at, Response.submitted_at, Survey.title.label("survey"),
                   SurveyVersion.number.label("version"), Invitation.plan_id)
            .join(Invitation, Invitation.id == Response.invitation_id)
            .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
            .join(Survey, Survey.id == SurveyVersion.survey_id)
            .outerjoin(AssistedPerson, AssistedPerson.id == Invitation.person_id)
            .outerjoin(Provider, Provider.id == Invitation.provider_id)
            .order_by(Response.submitted_at.desc().nulls_last(), Response.id.desc()))
    if survey_id:
        stmt = stmt.where(Survey.id == survey_id)
    if plan_id:
        stmt = stmt.where(Invitation.plan_id == plan_id)
    if wave:
        stmt = stmt.where(Response.wave == wave)
    if status:
        stmt = stmt.where(Response.status == status)
    return stmt
