"""The programme registry: regions, organisations, providers, training, assisted persons, episodes.

No names are kept: providers and assisted persons are known by pseudonymous codes. Contact details
of an assisted person, where kept at all, live in ``PersonContact`` so they can be erased alone.
Covariates of assisted persons carry the names of the CTDC data standard in imports and exports
(``gender``, ``ageBroad``, ``majorityStatus``, ``citizenship``, ``typeOfExploit``,
``CountryOfExploitation``, ``yearOfRegistration``); see ``CTDC_FIELDS``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.extensions import db

# Coded values: the codes are what the database, imports and exports hold; the labels are what
# pages show, in the page's language (lazy: translated when drawn, so str() one before it goes
# into JSON, the database or an audit record).
PROFESSIONS: dict[str, str] = {
    "social_worker": _l("Social worker"),
    "police": _l("Police officer"),
    "medical": _l("Medical staff"),
    "teacher": _l("Teacher"),
    "journalist": _l("Journalist"),
    "ngo_activist": _l("NGO activist"),
    "other": _l("Other"),
}
ORGANISATION_KINDS: dict[str, str] = {"state": _l("State agency"), "ngo": _l("NGO")}
MODULES: dict[str, str] = {
    "identification": _l("Identification of victims"),
    "referral": _l("The National Referral Mechanism and referral"),
    "victim_rights": _l("Rights of victims"),
    "psychosocial": _l("Psychosocial support"),
    "legal_aid": _l("Legal aid and criminal justice"),
    "labour_exploitation": _l("Labour exploitation"),
    "child_trafficking": _l("Child trafficking"),
    "data_protection": _l("Data protection and confidentiality"),
}
SERVICES: dict[str, str] = {
    "shelter": _l("Shelter"),
    "medical": _l("Medical care"),
    "psychological": _l("Psychological support"),
    "legal": _l("Legal aid"),
    "social": _l("Social support"),
    "employment": _l("Employment"),
    "education": _l("Education"),
    "financial": _l("Financial aid"),
    "repatriation": _l("Repatriation"),
    "other": _l("Other"),
}
# CTDC value lists (Counter Trafficking Data Collaborative data standard): the CTDC values are
# the codes, with readable labels beside them.
GENDER_LABELS: dict[str, str] = {
    "Female": _l("Female"),
    "Male": _l("Male"),
    "Transgender/NonConforming": _l("Transgender or gender non-conforming"),
}
AGE_BROAD_LABELS: dict[str, str] = {
    "0--8": _l("0–8 years"),
    "9--17": _l("9–17 years"),
    "18--20": _l("18–20 years"),
    "21--23": _l("21–23 years"),
    "24--26": _l("24–26 years"),
    "27--29": _l("27–29 years"),
    "30--38": _l("30–38 years"),
    "39--47": _l("39–47 years"),
    "48+": _l("48 years or older"),
}
MAJORITY_STATUS_LABELS: dict[str, str] = {"Adult": _l("Adult"), "Minor": _l("Minor")}
EXPLOIT_TYPE_LABELS: dict[str, str] = {
    "Forced labour": _l("Forced labour"),
    "Sexual exploitation": _l("Sexual exploitation"),
    "Forced marriage": _l("Forced marriage"),
    "Slavery and similar practices": _l("Slavery and similar practices"),
    "Forced military service": _l("Forced military service"),
    "Other": _l("Other"),
}
GENDERS = tuple(GENDER_LABELS)
AGE_BROAD = tuple(AGE_BROAD_LABELS)
MAJORITY_STATUS = tuple(MAJORITY_STATUS_LABELS)
EXPLOIT_TYPES = tuple(EXPLOIT_TYPE_LABELS)
#: CTDC field name -> AssistedPerson attribute.
CTDC_FIELDS: dict[str, str] = {
    "gender": "gender",
    "ageBroad": "age_broad",
    "majorityStatus": "majority_status",
    "citizenship": "citizenship",
    "typeOfExploit": "type_of_exploit",
    "CountryOfExploitation": "country_of_exploitation",
    "yearOfRegistration": "year_of_registration",
}


#: CTDC field name -> what pages call it.
CTDC_LABELS: dict[str, str] = {
    "gender": _l("Gender"),
    "ageBroad": _l("Age group"),
    "majorityStatus": _l("Adult or minor"),
    "citizenship": _l("Citizenship"),
    "typeOfExploit": _l("Type of exploitation"),
    "CountryOfExploitation": _l("Country of exploitation"),
    "yearOfRegistration": _l("Year of registration"),
}


def split_codes(value: str | None) -> list[str]:
    """Split a stored comma-separated list of vocabulary codes."""
    return [part for part in (value or "").split(",") if part]


class Region(db.Model):
    """An oblast (or Kyiv city) where the programme works; code after ISO 3166-2:UA."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_uk: Mapped[str | None] = mapped_column(String(120))
    name_ru: Mapped[str | None] = mapped_column(String(120))
    # The year the region joined the programme (2012-2013 pilots, 2014 extension).
    joined_year: Mapped[int | None]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        """The region's name in ``language`` (uk, ru or en); English where none is recorded."""
        return {"uk": self.name_uk, "ru": self.name_ru}.get(language) or self.name


class Organisation(db.Model):
    """A state agency or an NGO that employs providers."""

    __tablename__ = "organisation"
    __table_args__ = (
        UniqueConstraint("region_id", "name", name="uq_organisation_region_name"),
        CheckConstraint("kind IN ('state', 'ngo')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    region: Mapped[Region] = relationship()

    def __str__(self) -> str:
        return self.name


class Provider(db.Model):
    """A person who assists victims, known by a pseudonymous code."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    profession: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class TrainingSession(db.Model):
    """A training event held in a region on a date; modules as comma-separated codes."""

    __tablename__ = "training_session"
    __table_args__ = (CheckConstraint("hours > 0", name="hours_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    hours: Mapped[float] = mapped_column(Float)
    modules: Mapped[str] = mapped_column(String(500), default="")

    region: Mapped[Region] = relationship()

    @property
    def module_list(self) -> list[str]:
        return split_codes(self.modules)


class TrainingAttendance(db.Model):
    """A provider's attendance at a training session, with the hours they attended."""

    __tablename__ = "training_attendance"
    __table_args__ = (
        UniqueConstraint("provider_id", "session_id", name="uq_training_attendance_provider_session"),
        CheckConstraint("hours_attended >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    hours_attended: Mapped[float] = mapped_column(Float)

    provider: Mapped[Provider] = relationship()
    session: Mapped[TrainingSession] = relationship()


class AssistedPerson(db.Model):
    """A person referred through the NRM and assisted; pseudonymous code and CTDC covariates."""

    __tablename__ = "assisted_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    referred_on: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(32))
    age_broad: Mapped[str | None] = mapped_column(String(8))
    majority_status: Mapped[str | None] = mapped_column(String(8))
    citizenship: Mapped[str | None] = mapped_column(String(2))
    type_of_exploit: Mapped[str | None] = mapped_column(String(64))
    country_of_exploitation: Mapped[str | None] = mapped_column(String(2))
    year_of_registration: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    contact: Mapped[PersonContact | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class PersonContact(db.Model):
    """How to reach an assisted person; kept apart so it can be erased on its own."""

    __tablename__ = "person_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("assisted_person.id", ondelete="CASCADE"), unique=True
    )
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(String(500))

    person: Mapped[AssistedPerson] = relationship(back_populates="contact")


class AssistanceEpisode(db.Model):
    """A provider assisting a person from a start date (to an end date, if ended)."""

    __tablename__ = "assistance_episode"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("ix_assistance_episode_person_start", "person_id", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("assisted_person.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("provider.id", ondelete="RESTRICT"), index=True
    )
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    services: Mapped[str] = mapped_column(String(300), default="")

    person: Mapped[AssistedPerson] = relationship()
    provider: Mapped[Provider] = relationship()

    @property
    def service_list(self) -> list[str]:
        return split_codes(self.services)
