"""Follow-up plans: which survey version is asked of whom, and when.

A plan hangs its waves on a date of the registry: the start of an assistance episode (for surveys
of assisted persons) or the date of a training session (for surveys of providers). Each wave is
an offset in months from that date with a window around it; the invitations of a wave are valid
inside that window.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.extensions import db

#: The waves a new plan starts with: at the start and after 3, 6 and 12 months.
DEFAULT_WAVES: tuple[tuple[str, int], ...] = (("baseline", 0), ("m3", 3), ("m6", 6), ("m12", 12))
#: Days before and after a wave's due date in which its invitation may be answered.
DEFAULT_WINDOW_BEFORE_DAYS = 14
DEFAULT_WINDOW_AFTER_DAYS = 45

ANCHORS = ("episode_start", "training_date")


class FollowUpPlan(db.Model):
    """A published survey version put into the field, with its waves."""

    __tablename__ = "followup_plan"
    __table_args__ = (
        CheckConstraint("anchor IN ('episode_start', 'training_date')", name="anchor_known"),
        CheckConstraint("status IN ('active', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_version.id", ondelete="RESTRICT"), index=True)
    anchor: Mapped[str] = mapped_column(String(16))
    #: Only respondents of this region; NULL for every region.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    #: Only anchors on or after this date (e.g. episodes that started since the plan began).
    anchor_from: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    waves: Mapped[list[PlanWave]] = relationship(
        back_populates="plan", order_by="PlanWave.offset_months", cascade="all, delete-orphan")
    survey_version = relationship("SurveyVersion")
    region = relationship("Region")


class PlanWave(db.Model):
    """One wave of a plan: due ``offset_months`` after the anchor, open inside a window."""

    __tablename__ = "plan_wave"
    __table_args__ = (
        UniqueConstraint("plan_id", "name", name="uq_plan_wave_plan_name"),
        CheckConstraint("offset_months >= 0", name="offset_not_negative"),
        CheckConstraint("window_before_days >= 0 AND window_after_days >= 1", name="window_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("followup_plan.id", ondelete="CASCADE"), index=True)
    #: What ``--wave`` takes: baseline, m3, m6, m12 or a configured name.
    name: Mapped[str] = mapped_column(String(32))
    offset_months: Mapped[int]
    window_before_days: Mapped[int] = mapped_column(default=DEFAULT_WINDOW_BEFORE_DAYS)
    window_after_days: Mapped[int] = mapped_column(default=DEFAULT_WINDOW_AFTER_DAYS)

    plan: Mapped[FollowUpPlan] = relationship(back_populates="waves")
