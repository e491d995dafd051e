"""The rules of fieldwork: follow-up plans, the invitations they generate, links, revocation and
expiry. Services flush only; the request edge (or the CLI) commits once.

Three rules protect respondents and their answers:

- An invitation somebody has touched (opened, in progress, completed, declined, revoked) is never
  rewritten or deleted by editing a plan: only the *untouched* ones (pending, or expired without
  ever being opened, and without a response row) follow the plan. The guard is written into the
  UPDATE and DELETE statements themselves, so a respondent opening a link while an officer saves
  the plan is never overwritten.
- A link's token is made here, handed back once to the caller and stored only as its hash.
- Invitations are generated set-based: one query reads every respondent's anchor date, the dates
  of each wave are computed in Python (calendar months, with the day clamped to the month's end,
  the same on SQLite and PostgreSQL) and the rows go in with one bulk INSERT that skips rows
  already there, so generating twice adds nothing even when two officers press the button at once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from monitor import audit, clock
from monitor.clock import utcnow
from monitor.errors import DomainError
from monitor.extensions import db
from monitor.fieldwork.models import (
    DEFAULT_WAVES,
    DEFAULT_WINDOW_AFTER_DAYS,
    DEFAULT_WINDOW_BEFORE_DAYS,
    LIVE_STATUSES,
    REGENERABLE_STATUSES,
    FollowUpPlan,
    Invitation,
    PlanWave,
    RespondentSession,
    Response,
)
from monitor.fieldwork.tokens import new_token, token_hash
from monitor.models import (
    AssistanceEpisode,
    AssistedPerson,
    PersonContact,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)
from surveys.models import SurveyVersion

#: Which registry date a plan hangs on, by the survey's audience. Officer surveys (checklists
#: filled by staff) are not sent to respondents, so they cannot be planned.
ANCHOR_BY_AUDIENCE = {"person": "episode_start", "provider": "training_date"}
ANCHOR_LABELS = {"episode_start": "start of the first assistance episode",
                 "training_date": "date of the first training attended"}
WAVE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_OFFSET_MONTHS = 120
MAX_WINDOW_DAYS = 366
#: Rows per statement when writing links or invitations in bulk (and per progress step).
CHUNK = 1000


class FieldworkError(DomainError):
    """A fieldwork change the rules refuse; ``field`` names the form field at fault, if any."""


@dataclass(frozen=True)
class WaveSpec:
    """A wave as the officer wants it; ``wave_id`` is the existing wave it edits (None: new)."""

    name: str
    offset_months: int
    window_before_days: int = DEFAULT_WINDOW_BEFORE_DAYS
    window_after_days: int = DEFAULT_WINDOW_AFTER_DAYS
    wave_id: int | None = None


def default_waves() -> list[WaveSpec]:
    """baseline, m3, m6 and m12 with the default window."""
    return [WaveSpec(name, offset) for name, offset in DEFAULT_WAVES]


@dataclass(frozen=True)
class SyncResult:
    """What generating a plan's invitations did."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    expired: int = 0

    def describe(self) -> str:
        parts = [f"{self.created} invitation{'s' if self.created != 1 else ''} created"]
        if self.updated:
            parts.append(f"{self.updated} pending rescheduled")
        if self.deleted:
            parts.append(f"{self.deleted} pending removed")
        if self.expired:
            parts.append(f"{self.expired} already past their window, marked expired")
        return ", ".join(parts) + "."


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: the token exists here and in the officer's download, nowhere else."""

    invitation_id: int
    respondent_code: str
    region: str
    wave: str
    due_on: date
    closes_on: date
    token: str
    #: The person's e-mail address, only when the links were issued to be e-mailed.
    email: str | None = None


# --- dates ---------------------------------------------------------------------------------------

def current_date() -> date:
    """Today, for windows and expiry: the programme's date (see ``monitor.clock``); one
    function, so tests can move the clock."""
    return clock.programme_today()


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb).

    Done in Python because SQLite's date() rolls over instead (31 Jan + 1 month = 3 March).
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def wave_dates(anchor: date, wave: WaveSpec | PlanWave) -> tuple[date, date, date]:
    """(due_on, opens_on, closes_on) of ``wave`` for a respondent anchored on ``anchor``."""
    due = add_months(anchor, wave.offset_months)
    return (due, due - timedelta(days=wave.window_before_days),
            due + timedelta(days=wave.window_after_days))


# --- plans ---------------------------------------------------------------------------------------

def anchor_for(audience: str) -> str:
    """The anchor of a plan for a survey aimed at ``audience``.

    Raises FieldworkError for officer surveys (nobody is invited to answer those).
    """
    try:
        return ANCHOR_BY_AUDIENCE[audience]
    except KeyError:
        raise FieldworkError("This survey is filled in by staff, not sent to respondents: it "
                             "cannot have a follow-up plan.", "survey_version_id") from None


def _check_waves(waves: Sequence[WaveSpec]) -> list[WaveSpec]:
    if not waves:
        raise FieldworkError("A plan needs at least one wave.", "waves")
    seen: set[str] = set()
    cleaned = []
    for wave in waves:
        name = wave.name.strip()
        if not WAVE_NAME.match(name):
            raise FieldworkError(f"Wave name {name!r}: use lower-case letters, digits and _ "
                                 "(at most 32, starting with a letter), e.g. m18.", "waves")
        if name in seen:
            raise FieldworkError(f"Two waves are called {name!r}.", "waves")
        seen.add(name)
        if not 0 <= wave.offset_months <= MAX_OFFSET_MONTHS:
            raise FieldworkError(f"Wave {name}: the offset must be 0 to {MAX_OFFSET_MONTHS} months.",
                                 "waves")
        if not 0 <= wave.window_before_days <= MAX_WINDOW_DAYS:
            raise FieldworkError(f"Wave {name}: the window may open 0 to {MAX_WINDOW_DAYS} days "
                                 "before the due date.", "waves")
        if not 1 <= wave.window_after_days <= MAX_WINDOW_DAYS:
            raise FieldworkError(f"Wave {name}: the window must stay open 1 to {MAX_WINDOW_DAYS} "
                                 "days after the due date.", "waves")
        cleaned.append(WaveSpec(name, wave.offset_months, wave.window_before_days,
                                wave.window_after_days, wave.wave_id))
    return cleaned


def create_plan(version: SurveyVersion, title: str, waves: Sequence[WaveSpec] | None = None,
                region_id: int | None = None, anchor_from: date | None = None,
                actor_id: int | None = None, today: date | None = None,
                ) -> tuple[FollowUpPlan, SyncResult]:
    """Put a published survey version into the field and generate its invitations.

    The anchor follows from the survey's audience (see ``ANCHOR_BY_AUDIENCE``).

    Raises:
        FieldworkError: the version is a draft, the survey is for officers, or a wave is invalid.
    """
    if not version.is_published:
        raise FieldworkError("Only a published version can be put into the field: publish the "
                             "draft first, so that every answer points at questions that never "
                             "change.", "survey_version_id")
    anchor = anchor_for(version.survey.audience)
    checked = _check_waves(default_waves() if waves is None else waves)
    plan = FollowUpPlan(title=title.strip() or version.survey.title, survey_version_id=version.id,
                        anchor=anchor, region_id=region_id, anchor_from=anchor_from,
                        status="active", created_by_id=actor_id)
    plan.waves = [PlanWave(name=w.name, offset_months=w.offset_months,
                           window_before_days=w.window_before_days,
                           window_after_days=w.window_after_days) for w in checked]
    db.session.add(plan)
    db.session.flush()
    result = sync_invitations(plan, today=today)
    audit.record("followup_plan_created", target=f"followup_plan:{plan.id}", user_id=actor_id,
                 survey_version_id=version.id, waves=[w.name for w in checked],
                 created=result.created)
    return plan, result


def update_plan(plan: FollowUpPlan, title: str, waves: Sequence[WaveSpec], region_id: int | None,
                anchor_from: date | None, status: str = "active", actor_id: int | None = None,
                today: date | None = None) -> SyncResult:
    """Change a plan's title, scope, status and waves, then bring its untouched invitations in
    line (rescheduled, removed, created). Invitations anyone has touched keep their dates.

    A wave is renamed only while none of its invitations has been touched: the name is how its
    answers are known in exports and analysis.

    Raises:
        FieldworkError: a wave is invalid, or a touched wave would be renamed.
    """
    checked = _check_waves(waves)
    if status not in ("active", "closed"):
        raise FieldworkError("Unknown plan status.", "status")
    by_id = {w.id: w for w in plan.waves}
    for spec in checked:
        if spec.wave_id is not None and spec.wave_id not in by_id:
            raise FieldworkError("A wave of another plan was submitted; reload the page.", "waves")
    renames = {by_id[s.wave_id].name: s.name for s in checked
               if s.wave_id is not None and by_id[s.wave_id].name != s.name}
    if renames:
        touched = db.session.scalars(select(Invitation.wave).distinct().where(
            Invitation.plan_id == plan.id, Invitation.wave.in_(renames), ~_untouched())).all()
        if touched:
            raise FieldworkError(f"Wave {touched[0]} has invitations that were opened or answered; "
                                 "its name is how those answers are known, so it cannot be renamed.",
                                 "waves")
    kept_ids = {s.wave_id for s in checked if s.wave_id is not None}
    removed = [w.name for w in plan.waves if w.id not in kept_ids]
    # Free the names of removed and renamed waves before reusing them (unique plan + name).
    plan.waves = [w for w in plan.waves if w.id in kept_ids]
    for spec in checked:
        if spec.wave_id is not None:
            by_id[spec.wave_id].name = f"~{spec.wave_id}"
    db.session.flush()
    for spec in checked:
        wave = by_id[spec.wave_id] if spec.wave_id is not None else PlanWave()
        wave.name, wave.offset_months = spec.name, spec.offset_months
        wave.window_before_days, wave.window_after_days = spec.window_before_days, spec.window_after_days
        if spec.wave_id is None:
            plan.waves.append(wave)
    _rename_invitations(plan, renames)
    plan.title = title.strip() or plan.title
    plan.region_id, plan.anchor_from, plan.status = region_id, anchor_from, status
    db.session.flush()
    db.session.expire(plan, ["waves"])
    result = sync_invitations(plan, today=today) if status == "active" else SyncResult()
    audit.record("followup_plan_updated", target=f"followup_plan:{plan.id}", user_id=actor_id,
                 waves=[w.name for w in checked], removed=removed, renamed=renames or None,
                 created=result.created, updated=result.updated, deleted=result.deleted)
    return result


def _rename_invitations(plan: FollowUpPlan, renames: dict[str, str]) -> None:
    """Carry the invitations of renamed waves over to the new names, keeping their tokens.

    In two steps through temporary names, so that swapping two names works; an invitation that
    would collide with one already kept under the new name (of a removed wave) is dropped.
    Only untouched invitations are renamed: ``update_plan`` refuses to rename the others.
    """
    temporary = {old: f"~{i}" for i, old in enumerate(renames)}
    for old, temp in temporary.items():
        db.session.execute(update(Invitation).where(
            Invitation.plan_id == plan.id, Invitation.wave == old, _untouched())
            .values(wave=temp).execution_options(synchronize_session=False))
    other = Invitation.__table__.alias("other")
    for old, new in renames.items():
        moving = and_(Invitation.plan_id == plan.id, Invitation.wave == temporary[old], _untouched())
        db.session.execute(delete(Invitation).where(moving, exists().where(
            other.c.plan_id == plan.id, other.c.wave == new,
            other.c.respondent_key == Invitation.respondent_key))
            .execution_options(synchronize_session=False))
        db.session.execute(update(Invitation).where(moving).values(wave=new)
                           .execution_options(synchronize_session=False))


# --- invitations -----------------------------------------------------------------------------------

def _untouched():
    """SQL condition: nobody has opened, answered, declined or revoked this invitation."""
    return and_(Invitation.status.in_(REGENERABLE_STATUSES), Invitation.opened_at.is_(None),
                ~exists().where(Response.invitation_id == Invitation.id))


def anchors_statement(plan: FollowUpPlan) -> Select:
    """One row per respondent in the plan's scope: (person_id, provider_id, region_id, anchor).

    Persons: the start of their first assistance episode; providers: the date of the first
    training session they attended for more than zero hours. With ``anchor_from``, only episodes
    or sessions on or after it count (a person assisted again after that date is anchored on the
    new start); with a region, only respondents registered in that region.
    """
    if plan.anchor == "episode_start":
        first = func.min(AssistanceEpisode.started_on)
        stmt = (select(AssistedPerson.id.label("person_id"), AssistedPerson.region_id,
                       first.label("anchor_date"))
                .join(AssistanceEpisode, AssistanceEpisode.person_id == AssistedPerson.id)
                .group_by(AssistedPerson.id, AssistedPerson.region_id))
        if plan.anchor_from:
            stmt = stmt.where(AssistanceEpisode.started_on >= plan.anchor_from)
        if plan.region_id:
            stmt = stmt.where(AssistedPerson.region_id == plan.region_id)
        return stmt
    first = func.min(TrainingSession.held_on)
    stmt = (select(Provider.id.label("provider_id"), Provider.region_id, first.label("anchor_date"))
            .join(TrainingAttendance, TrainingAttendance.provider_id == Provider.id)
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .where(TrainingAttendance.hours_attended > 0)
            .group_by(Provider.id, Provider.region_id))
    if plan.anchor_from:
        stmt = stmt.where(TrainingSession.held_on >= plan.anchor_from)
    if plan.region_id:
        stmt = stmt.where(Provider.region_id == plan.region_id)
    return stmt


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    """Bulk INSERT ... ON CONFLICT DO NOTHING: a row already there (a second click, another
    officer generating at the same time) is skipped rather than failing the whole batch.

    Measured on the large demo (48,000 rows, PostgreSQL): executemany 5.0 s, with RETURNING
    (SQLAlchemy's multi-row batches) 8.3 s, one INSERT ... SELECT written in SQL 4.6 s; the
    server's index and foreign-key work dominates, so the dates stay computed in Python.
    """
    dialect = db.session.get_bind().dialect.name
    factory = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    stmt = (insert(Invitation.__table__) if factory is None  # pragma: no cover - other databases
            else factory(Invitation.__table__).on_conflict_do_nothing(
                index_elements=["plan_id", "wave", "respondent_key"]))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[start:start + CHUNK])


def sync_invitations(plan: FollowUpPlan, today: date | None = None) -> SyncResult:
    """Generate the plan's invitations: one per respondent in scope and wave.

    Untouched invitations (see ``_untouched``) are rescheduled when their dates or region
    changed and deleted when their respondent or wave left the plan; touched ones are never
    changed. Running it twice changes nothing the second time.

    Raises FieldworkError when the plan is closed.
    """
    if plan.status != "active":
        raise FieldworkError("The plan is closed: reopen it to generate invitations.")
    today = today or current_date()
    # One plan is generated by one request at a time (PostgreSQL; SQLite serialises writers).
    db.session.execute(select(FollowUpPlan.id).where(FollowUpPlan.id == plan.id).with_for_update())
    waves = list(db.session.scalars(select(PlanWave).where(PlanWave.plan_id == plan.id)))
    target: dict[tuple[str, str], dict] = {}
    now = utcnow()
    for row in db.session.execute(anchors_statement(plan)).mappings():
        person_id, provider_id = row.get("person_id"), row.get("provider_id")
        key = f"person:{person_id}" if person_id is not None else f"provider:{provider_id}"
        for wave in waves:
            due, opens, closes = wave_dates(row["anchor_date"], wave)
            target[(wave.name, key)] = {
                "plan_id": plan.id, "survey_version_id": plan.survey_version_id,
                "wave": wave.name, "person_id": person_id, "provider_id": provider_id,
                "respondent_key": key, "region_id": row["region_id"],
                "anchor_date": row["anchor_date"], "due_on": due, "opens_on": opens,
                "closes_on": closes, "status": "expired" if closes < today else "pending",
                "created_at": now}
    existing = db.session.execute(
        select(Invitation.id, Invitation.wave, Invitation.respondent_key, Invitation.region_id,
               Invitation.anchor_date, Invitation.due_on, Invitation.opens_on, Invitation.closes_on,
               Invitation.status, _untouched().label("untouched"))
        .where(Invitation.plan_id == plan.id)).all()
    to_update, to_delete = [], []
    for inv in existing:
        wanted = target.pop((inv.wave, inv.respondent_key), None)
        if not inv.untouched:
            continue
        if wanted is None:
            to_delete.append(inv.id)
        elif (inv.region_id, inv.anchor_date, inv.due_on, inv.opens_on, inv.closes_on, inv.status) != (
                wanted["region_id"], wanted["anchor_date"], wanted["due_on"], wanted["opens_on"],
                wanted["closes_on"], wanted["status"]):
            to_update.append({"b_id": inv.id, **{f"b_{k}": wanted[k] for k in (
                "region_id", "anchor_date", "due_on", "opens_on", "closes_on", "status")}})
    table = Invitation.__table__
    # OR rather than IN: an IN list is an "expanding" parameter, which executemany refuses.
    guard = and_(or_(*(table.c.status == s for s in REGENERABLE_STATUSES)), table.c.opened_at.is_(None),
                 ~exists().where(Response.__table__.c.invitation_id == table.c.id))
    for start in range(0, len(to_delete), CHUNK):
        db.session.execute(delete(table).where(table.c.id.in_(to_delete[start:start + CHUNK]), guard))
    if to_update:
        stmt = (update(table).where(table.c.id == bindparam("b_id"), guard)
                .values({k: bindparam(f"b_{k}") for k in (
                    "region_id", "anchor_date", "due_on", "opens_on", "closes_on", "status")}))
        for start in range(0, len(to_update), CHUNK):
            db.session.execute(stmt, to_update[start:start + CHUNK])
    new_rows = list(target.values())
    _insert_ignoring_duplicates(new_rows)  # the plan's row lock above keeps the count exact
    db.session.flush()
    return SyncResult(created=len(new_rows), updated=len(to_update), deleted=len(to_delete),
                      expired=sum(1 for r in new_rows if r["status"] == "expired"))


def regenerate(plan: FollowUpPlan, actor_id: int | None = None, today: date | None = None) -> SyncResult:
    """Bring the plan's invitations up to date with the registry (respondents registered since,
    changed anchors) and write it to the audit log.

    Raises FieldworkError when the plan is closed.
    """
    result = sync_invitations(plan, today=today)
    audit.record("followup_plan_generated", target=f"followup_plan:{plan.id}", user_id=actor_id,
                 created=result.created, updated=result.updated, deleted=result.deleted)
    return result


def record_response_viewed(response: Response, actor_id: int | None = None) -> None:
    """Write an officer's reading of a response to the audit log: answers are personal data."""
    audit.record("response_viewed", target=f"response:{response.id}", user_id=actor_id,
                 invitation_id=response.invitation_id)


def expire_overdue(today: date | None = None) -> int:
    """Mark expired every invitation whose window closed and that nobody completed, declined or
    revoked: one UPDATE (skipped when there is nothing to expire, so pages stay read-only).
    Returns how many changed."""
    today = today or current_date()
    overdue = and_(Invitation.closes_on < today, Invitation.status.in_(LIVE_STATUSES))
    if not db.session.scalar(select(exists().where(overdue))):
        return 0
    result = db.session.execute(update(Invitation).where(overdue).values(status="expired")
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


@dataclass(frozen=True)
class Selection:
    """Which invitations of a plan an action applies to: the ids ticked, or every invitation
    matching the filter (wave, region, due dates)."""

    ids: tuple[int, ...] = ()
    wave: str | None = None
    region_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None

    def where(self, plan: FollowUpPlan) -> list:
        conditions = [Invitation.plan_id == plan.id]
        if self.ids:
            conditions.append(Invitation.id.in_(self.ids))
        if self.wave:
            conditions.append(Invitation.wave == self.wave)
        if self.region_id:
            conditions.append(Invitation.region_id == self.region_id)
        if self.due_from:
            conditions.append(Invitation.due_on >= self.due_from)
        if self.due_to:
            conditions.append(Invitation.due_on <= self.due_to)
        return conditions

    def describe(self) -> dict:
        return {"ids": list(self.ids[:2000]) if self.ids else None, "n_ids": len(self.ids) or None,
                "wave": self.wave, "region_id": self.region_id,
                "due_from": self.due_from.isoformat() if self.due_from else None,
                "due_to": self.due_to.isoformat() if self.due_to else None}


def _link_rows(conditions: Iterable, by_email: bool = False, limit: int | None = None) -> list:
    """The invitations to give links to, locked. ``by_email`` keeps only assisted persons with
    an e-mail address on record and reads it (providers are known by a code only)."""
    code = func.coalesce(AssistedPerson.code, Provider.code)
    email = PersonContact.email if by_email else literal(None)
    stmt = (select(Invitation.id, code.label("code"), func.coalesce(Region.name, "").label("region"),
                   Invitation.wave, Invitation.due_on, Invitation.closes_on, email.label("email"))
            .outerjoin(AssistedPerson, AssistedPerson.id == Invitation.person_id)
            .outerjoin(Provider, Provider.id == Invitation.provider_id)
            .outerjoin(Region, Region.id == Invitation.region_id)
            .where(*conditions))
    if by_email:
        stmt = stmt.join(PersonContact, PersonContact.person_id == Invitation.person_id).where(
            PersonContact.email.is_not(None), func.trim(PersonContact.email) != "")
    stmt = stmt.order_by(Invitation.due_on, Region.name, code, Invitation.id).limit(limit)
    return db.session.execute(stmt.with_for_update(of=Invitation)).all()


def issue_links(plan: FollowUpPlan, selection: Selection, reissue: bool = False,
                as_of: datetime | None = None, actor_id: int | None = None,
                output: str = "csv", today: date | None = None,
                progress: Callable[[str, int, int], None] | None = None,
                by_email: bool = False, limit: int | None = None) -> list[IssuedLink]:
    """Make a new token for each selected invitation and return the links, once.

    Without ``reissue`` only invitations that never had a link and are still pending get one.
    With ``reissue`` every live invitation selected (pending, opened, in progress) gets a new
    token, the old link stops working and any respondent session opened with it ends (the
    draft answers stay and the new link resumes them); ``as_of`` (when the officer's page was
    drawn) leaves alone links issued since, so a reloaded or replayed form never kills the
    links just printed. ``by_email`` issues only to assisted persons with an e-mail address
    (each link carries it), at most ``limit``. Every issue is written to the audit log.
    """
    expire_overdue(today)
    conditions = selection.where(plan)
    if reissue:
        conditions.append(Invitation.status.in_(LIVE_STATUSES))
        if as_of is not None:
            conditions.append(or_(Invitation.token_issued_at.is_(None), Invitation.token_issued_at < as_of))
    else:
        conditions += [Invitation.status == "pending", Invitation.token_hash.is_(None)]
    rows = _link_rows(conditions, by_email=by_email, limit=limit)
    issued: list[IssuedLink] = []
    now = utcnow()
    table = Invitation.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values(token_hash=bindparam("b_hash"), token_issued_at=bindparam("b_at")))
    for start in range(0, len(rows), CHUNK):
        params = []
        for row in rows[start:start + CHUNK]:
            token = new_token()
            params.append({"b_id": row.id, "b_hash": token_hash(token), "b_at": now})
            issued.append(IssuedLink(row.id, row.code, row.region, row.wave, row.due_on,
                                     row.closes_on, token, row.email))
        db.session.execute(stmt, params)
        if progress:
            progress("Issuing links", len(issued), len(rows))
    if reissue and issued:
        ids = [link.invitation_id for link in issued]
        for start in range(0, len(ids), CHUNK):
            db.session.execute(update(RespondentSession).where(
                RespondentSession.invitation_id.in_(ids[start:start + CHUNK]),
                RespondentSession.ended_at.is_(None)).values(ended_at=now)
                .execution_options(synchronize_session=False))
    db.session.flush()
    audit.record("invitations_reissued" if reissue else "invitations_issued",
                 target=f"followup_plan:{plan.id}", user_id=actor_id, count=len(issued),
                 output=output, **selection.describe())
    return issued


def withdraw_links(plan: FollowUpPlan, links: Sequence[IssuedLink], reason: str,
                   actor_id: int | None = None) -> int:
    """Take back new links that never reached their respondent (an e-mail that could not be
    sent): the invitation has no link again and can be issued anew. Only a link still as it
    was issued is taken back (matched by its hash), so a later re-issue is never undone."""
    table = Invitation.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"), table.c.token_hash == bindparam("b_hash"),
                                table.c.status == "pending")
            .values(token_hash=None, token_issued_at=None))
    params = [{"b_id": link.invitation_id, "b_hash": token_hash(link.token)} for link in links]
    for start in range(0, len(params), CHUNK):
        db.session.execute(stmt, params[start:start + CHUNK])
    db.session.flush()
    if links:
        audit.record("invitation_links_withdrawn", target=f"followup_plan:{plan.id}", user_id=actor_id,
                     count=len(links), reason=reason[:200])
    return len(links)


def revoke(plan: FollowUpPlan, selection: Selection, actor_id: int | None = None) -> int:
    """Revoke the live invitations selected: the link stops working, open respondent sessions
    end, draft answers are kept, and the invitation leaves the response-rate denominator.
    Returns how many were revoked; every revocation is written to the audit log."""
    if not selection.ids:
        raise FieldworkError("Tick the invitations to revoke.", "ids")
    conditions = [*selection.where(plan), Invitation.status.in_(LIVE_STATUSES)]
    ids = list(db.session.scalars(select(Invitation.id).where(*conditions).with_for_update()))
    if not ids:
        return 0
    now = utcnow()
    db.session.execute(update(Invitation).where(Invitation.id.in_(ids))
                       .values(status="revoked", revoked_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(RespondentSession).where(
        RespondentSession.invitation_id.in_(ids), RespondentSession.ended_at.is_(None))
        .values(ended_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    audit.record("invitations_revoked", target=f"followup_plan:{plan.id}", user_id=actor_id,
                 count=len(ids), ids=ids)
    return len(ids)


def active_plans_for_survey(survey_id: int) -> list[FollowUpPlan]:
    """The active plans of any version of survey ``survey_id`` (the CLI wants exactly one)."""
    return list(db.session.scalars(
        select(FollowUpPlan).join(SurveyVersion, SurveyVersion.id == FollowUpPlan.survey_version_id)
        .where(SurveyVersion.survey_id == survey_id, FollowUpPlan.status == "active")
        .order_by(FollowUpPlan.id)))
