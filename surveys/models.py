"""Surveys and their versions in the database.

A survey's definition lives in ``SurveyVersion.definition`` as the JSON of a
``surveys.schema.Survey``. Published versions never change: the service refuses, the ORM refuses
(an event below) and the database refuses (a trigger created with the table and by the
migration), so answers always point at the exact questions that were asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.extensions import db
from surveys import schema


class PublishedVersionImmutable(RuntimeError):
    """Raised when code tries to change or delete a published survey version."""


class Survey(db.Model):
    """A survey across its versions: what officers list and plan fieldwork with."""

    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint("audience IN ('person', 'provider', 'officer')", name="audience_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(16))
    #: The library instrument it started from, if any (e.g. "person_followup").
    instrument: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number", cascade="all",
        passive_deletes=True)


class SurveyVersion(db.Model):
    """One version of a survey: a draft being edited, or a published, frozen definition."""

    __tablename__ = "survey_version"
    __table_args__ = (
        UniqueConstraint("survey_id", "number", name="uq_survey_version_survey_number"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        # At most one draft per survey.
        Index("uq_survey_version_one_draft", "survey_id", unique=True,
              sqlite_where=db.text("status = 'draft'"),
              postgresql_where=db.text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="RESTRICT"),
                                           index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_version.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship(back_populates="versions")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def schema(self) -> schema.Survey:
        """The definition as a schema object (a fresh copy each call)."""
        return schema.Survey.from_dict(self.definition)


def _was_published(connection, target: SurveyVersion) -> bool:
    """The stored status, read from the database: the in-memory history is lost when the object
    was expired (after a commit or rollback), and a guard must not depend on that."""
    stored = connection.execute(select(SurveyVersion.__table__.c.status)
                                .where(SurveyVersion.__table__.c.id == target.id)).scalar()
    return stored == "published"


@event.listens_for(SurveyVersion, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # noqa: ARG001
    if _was_published(connection, target):
        raise PublishedVersionImmutable(
            f"Version {target.number} of survey {target.survey_id} is published and cannot change.")


@event.listens_for(SurveyVersion, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:  # noqa: ARG001
    if _was_published(connection, target):
        raise PublishedVersionImmutable("A published survey version cannot be deleted.")


# The database's own guard, for anything that bypasses the ORM (a bulk UPDATE, a SQL console).
# The same statements are in the migration that creates the table.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER survey_version_published_no_update BEFORE UPDATE ON survey_version
       WHEN OLD.status = 'published'
       BEGIN SELECT RAISE(ABORT, 'published survey versions are immutable'); END""",
    """CREATE TRIGGER survey_version_published_no_delete BEFORE DELETE ON survey_version
       WHEN OLD.status = 'published'
       BEGIN SELECT RAISE(ABORT, 'published survey versions are immutable'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION survey_version_immutable() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'published' THEN
           RAISE EXCEPTION 'published survey versions are immutable';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER survey_version_published_immutable BEFORE UPDATE OR DELETE ON survey_version
       FOR EACH ROW EXECUTE FUNCTION survey_version_immutable()""",
]
for _statement in SQLITE_TRIGGERS:
    event.listen(SurveyVersion.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_TRIGGERS:
    event.listen(SurveyVersion.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))


class _GuardOff:
    """Context manager lifting the database guard for whole-database maintenance only (the
    demo's --reset, the test suite's cleanup): deleting every row is not changing a version."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def __enter__(self):
        if self.dialect == "sqlite":
            for name in ("survey_version_published_no_update", "survey_version_published_no_delete"):
                self.connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        elif self.dialect == "postgresql":
            self.connection.exec_driver_sql(
                "ALTER TABLE survey_version DISABLE TRIGGER survey_version_published_immutable")
        return self.connection

    def __exit__(self, *exc) -> None:
        if self.dialect == "sqlite":
            for statement in SQLITE_TRIGGERS:
                self.connection.exec_driver_sql(statement)
        elif self.dialect == "postgresql":
            self.connection.exec_driver_sql(
                "ALTER TABLE survey_version ENABLE TRIGGER survey_version_published_immutable")


def immutability_guard_lifted(connection) -> _GuardOff:
    """``with immutability_guard_lifted(conn): conn.execute(delete(...))`` for maintenance."""
    return _GuardOff(connection)
