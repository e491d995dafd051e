"""The world a demo is generated in: its size, the parameters of the model of the roll-out and
the referrals (the named fields of :data:`ROLL_OUT` and :data:`REFERRALS`, explained in
:mod:`monitor.demo.generator`), and the :class:`DemoWorld` whose arrays each step leaves for the
steps after it.

It is imported by the steps of :mod:`monitor.demo.generator` and :mod:`monitor.demo.fieldwork`
and imports neither, so the demo's modules import one way.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Table, insert

from monitor.extensions import db

#: progress(label, done, total)
Progress = Callable[[str, int, int], None]

#: Rows per INSERT batch.
CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class SizeSpec:
    """How big a demo is: providers and persons in all, the fewest providers in a region, the
    range of first-time trainees per training session, and how long a cohort waits to fill up
    (a small programme trains its few providers in fewer, longer-gathering sessions)."""

    providers: int
    persons: int
    min_providers_per_region: int
    class_size: tuple[int, int]
    cohort_span_days: int


SIZES: dict[str, SizeSpec] = {
    # As small as real pilots: a few dozen providers, about 50 assisted persons.
    "small": SizeSpec(providers=48, persons=50, min_providers_per_region=2, class_size=(3, 8),
                      cohort_span_days=365),
    "medium": SizeSpec(providers=1_000, persons=1_500, min_providers_per_region=12,
                       class_size=(12, 24), cohort_span_days=120),
    # For benchmarks: about 4,000 trained of 6,000 providers.
    "large": SizeSpec(providers=6_000, persons=12_000, min_providers_per_region=60,
                      class_size=(12, 24), cohort_span_days=120),
}


@dataclass(frozen=True)
class RollOut:
    """The parameters of who is trained when (see the module docstring for the model)."""

    #: No session after this day.
    training_until: date = date(2016, 12, 31)
    #: Yearly hazard of becoming ready for training, for profession_rate 1 and average caseload.
    base_rate: float = 0.42
    #: Hazard ratio of each profession: NGO activists and social workers first and most.
    profession_rate: Mapping[str, float] = field(default_factory=lambda: {
        "ngo_activist": 2.2,
        "social_worker": 1.8,
        "medical": 0.9,
        "journalist": 0.7,
        "other": 0.6,
        "police": 0.55,
        "teacher": 0.45,
    })
    #: Relative caseload (persons assisted) of each profession.
    profession_caseload: Mapping[str, float] = field(default_factory=lambda: {
        "social_worker": 3.0,
        "ngo_activist": 3.0,
        "police": 1.2,
        "medical": 1.0,
        "other": 0.5,
        "teacher": 0.4,
        "journalist": 0.2,
    })
    #: Standard deviation of the log caseload propensity within a profession.
    caseload_sigma: float = 0.8
    #: Log hazard ratio of training per standard deviation of log caseload: the confounder.
    caseload_log_hazard_ratio: float = 0.5
    #: Yearly rate of refresher sessions after the first training.
    refresher_rate: Mapping[str, float] = field(default_factory=lambda: {
        "ngo_activist": 0.45,
        "social_worker": 0.35,
        "medical": 0.15,
        "journalist": 0.12,
        "other": 0.10,
        "police": 0.10,
        "teacher": 0.08,
    })
    #: A refresher is at least this long after the first training.
    refresher_min_gap_days: int = 90
    #: (hours, probability) of a session's length.
    session_hours: tuple[tuple[float, float], ...] = (
        (8.0, 0.25), (16.0, 0.35), (24.0, 0.20), (32.0, 0.10), (40.0, 0.10),
    )
    #: Modules every session teaches.
    core_modules: tuple[str, ...] = ("identification", "referral")
    #: Share of attendances for the whole session (the others attend 25-90% of the hours).
    full_attendance_share: float = 0.85


@dataclass(frozen=True)
class Referrals:
    """The parameters of who is referred, when, with what covariates, and their episodes."""

    referred_until: date = date(2017, 12, 31)
    #: Relative number of referrals per calendar year (more after 2014).
    year_weight: Mapping[int, float] = field(default_factory=lambda: {
        2012: 1.0, 2013: 1.3, 2014: 2.0, 2015: 2.6, 2016: 3.0, 2017: 3.2,
    })
    gender: Mapping[str, float] = field(default_factory=lambda: {
        "Female": 0.69, "Male": 0.30, "Transgender/NonConforming": 0.01,
    })
    age_broad: Mapping[str, float] = field(default_factory=lambda: {
        "0--8": 0.01, "9--17": 0.08, "18--20": 0.10, "21--23": 0.12, "24--26": 0.12,
        "27--29": 0.11, "30--38": 0.23, "39--47": 0.14, "48+": 0.09,
    })
    minor_ages: tuple[str, ...] = ("0--8", "9--17")
    type_of_exploit: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: {
        "Female": {"Sexual exploitation": 0.48, "Forced labour": 0.40, "Forced marriage": 0.03,
                   "Slavery and similar practices": 0.03, "Other": 0.06},
        "Male": {"Forced labour": 0.88, "Sexual exploitation": 0.02,
                 "Slavery and similar practices": 0.04, "Forced military service": 0.02,
                 "Other": 0.04},
        "Transgender/NonConforming": {"Sexual exploitation": 0.60, "Forced labour": 0.35,
                                      "Other": 0.05},
    })
    citizenship: Mapping[str, float] = field(default_factory=lambda: {
        "UA": 0.95, "MD": 0.02, "BY": 0.01, "UZ": 0.01, "RU": 0.01,
    })
    #: Country of exploitation for referrals before 2015 and from 2015 on.
    country_before_2015: Mapping[str, float] = field(default_factory=lambda: {
        "RU": 0.45, "UA": 0.12, "PL": 0.10, "TR": 0.07, "CZ": 0.05, "AE": 0.04, "IL": 0.04,
        "DE": 0.03, "IT": 0.03, "KZ": 0.03, "ES": 0.02, "BY": 0.02,
    })
    country_from_2015: Mapping[str, float] = field(default_factory=lambda: {
        "RU": 0.25, "UA": 0.25, "PL": 0.20, "TR": 0.06, "CZ": 0.05, "AE": 0.05, "IL": 0.03,
        "DE": 0.04, "IT": 0.03, "KZ": 0.01, "ES": 0.02, "BY": 0.01,
    })
    #: Share of persons with a (fake) contact record.
    contact_share: float = 0.35
    #: Probability of 1, 2 and 3 episodes.
    episodes_per_person: Mapping[int, float] = field(default_factory=lambda: {
        1: 0.50, 2: 0.35, 3: 0.15,
    })
    first_episode_within_days: int = 30
    next_episode_within_days: int = 90
    #: An episode lasts this many days (1 to 18 months).
    episode_days: tuple[int, int] = (30, 548)
    #: The day the synthetic registry was extracted: episodes ending later are still open.
    as_of: date = date(2018, 12, 31)
    #: The services a provider of each profession gives: the main one is drawn with these
    #: weights, and each other one is added with probability ``extra_service_p``.
    services: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: {
        "social_worker": {"social": 0.45, "financial": 0.15, "shelter": 0.15,
                          "employment": 0.10, "psychological": 0.10, "education": 0.05},
        "police": {"legal": 0.60, "repatriation": 0.25, "other": 0.15},
        "medical": {"medical": 0.75, "psychological": 0.25},
        "teacher": {"education": 0.70, "social": 0.20, "psychological": 0.10},
        "journalist": {"other": 0.70, "legal": 0.30},
        "ngo_activist": {"shelter": 0.25, "psychological": 0.25, "legal": 0.20, "social": 0.15,
                         "repatriation": 0.10, "employment": 0.05},
        "other": {"employment": 0.50, "other": 0.30, "financial": 0.20},
    })
    extra_service_p: float = 0.25


ROLL_OUT = RollOut()
REFERRALS = Referrals()


@dataclass
class DemoWorld:
    """What the steps build, for the steps after them.

    Arrays are indexed like the rows inserted (row ``k`` has id ``k + 1``); region, profession
    and other references are indexes into :data:`REGIONS` and :data:`PROFESSION_CODES`.
    """

    size: str
    seed: int
    spec: SizeSpec
    roll_out: RollOut
    referrals: Referrals
    created_at: datetime
    progress: Progress
    #: False: generate only, touch no database (see :func:`simulate`).
    database: bool = True
    #: Rows inserted, by table name.
    counts: dict[str, int] = field(default_factory=dict)
    #: (region index, organisation key) -> organisation id
    organisation_ids: dict[tuple[int, str], int] = field(default_factory=dict)
    # Providers
    provider_region: np.ndarray | None = None
    provider_profession: np.ndarray | None = None
    #: e_i: the log caseload propensity within the profession (latent).
    provider_caseload_e: np.ndarray | None = None
    #: w_i: the caseload propensity (latent).
    provider_caseload: np.ndarray | None = None
    #: The day a provider became ready for training (latent; NaT if after the programme).
    provider_ready_on: np.ndarray | None = None
    #: The day of a provider's first training session (NaT: never trained).
    provider_first_trained_on: np.ndarray | None = None
    #: Organisation id of each provider (0: none recorded).
    provider_organisation: np.ndarray | None = None
    # Sessions and attendance
    session_region: np.ndarray | None = None
    session_held_on: np.ndarray | None = None
    session_hours: np.ndarray | None = None
    #: Comma-separated module codes of each session.
    session_modules: list[str] | None = None
    attendance_provider: np.ndarray | None = None
    attendance_session: np.ndarray | None = None
    attendance_hours: np.ndarray | None = None
    # Persons
    person_region: np.ndarray | None = None
    person_referred_on: np.ndarray | None = None
    person_has_contact: np.ndarray | None = None
    #: CTDC covariates (object arrays of the stored codes).
    person_gender: np.ndarray | None = None
    person_age_broad: np.ndarray | None = None
    person_exploit: np.ndarray | None = None
    # Episodes
    episode_person: np.ndarray | None = None
    episode_provider: np.ndarray | None = None
    episode_started_on: np.ndarray | None = None
    episode_ended_on: np.ndarray | None = None
    #: Comma-separated service codes of each episode.
    episode_services: list[str] | None = None
    #: Extra state of later steps, by name.
    extra: dict[str, Any] = field(default_factory=dict)

    def rng(self, step: str) -> np.random.Generator:
        """The random stream of one step: seeded by the demo seed and the step's name."""
        entropy = self.seed & 0xFFFF_FFFF_FFFF_FFFF
        return np.random.default_rng([entropy, zlib.crc32(step.encode())])

    def insert(self, label: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` in chunks (nothing when not :attr:`database`)."""
        _insert(self, label, table, rows)


@dataclass(frozen=True)
class Step:
    """One step of the demo: a name (its random stream) and what it does."""

    name: str
    run: Callable[[DemoWorld, np.random.Generator], None]


def _insert(world: DemoWorld, label: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in chunks with Core, reporting progress under ``label``."""
    total = len(rows)
    world.counts[table.name] = world.counts.get(table.name, 0) + total
    if not world.database:
        return
    if not total:
        world.progress(label, 0, 0)
        return
    world.progress(label, 0, total)
    for start in range(0, total, CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        db.session.execute(insert(table), list(chunk))
        world.progress(label, start + len(chunk), total)
