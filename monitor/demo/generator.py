"""Generate the synthetic demo programme, step by step, from one seed.

The demo is a made-up programme shaped like the real one, and its data are generated from a
model that is written down here, so that later analysis can be checked against a known truth.
The fixed facts (regions, the dates training starts, organisations, the mix of professions) are in
:mod:`monitor.demo.programme`; the parameters of the model are the named fields of
:data:`ROLL_OUT` and :data:`REFERRALS` (in :mod:`monitor.demo.world`, with the world the steps share).

The truth of the roll-out
-------------------------
Training is **not** assigned at random. Three things decide who is trained, and when:

1. **Region.** Training starts in each region on its ``training_from`` date: the six pilot
   regions in 2012-2013, the seven regions added in 2014 in the autumn of 2014 or early in 2015.
   Nobody is trained in a region before that date, and nobody after
   ``ROLL_OUT.training_until`` (2016-12-31).
2. **Profession.** From that date, provider *i* becomes ready for training after a waiting time
   drawn from an exponential distribution with the yearly rate

       rate_i = ROLL_OUT.base_rate
                * ROLL_OUT.profession_rate[profession_i]
                * exp(ROLL_OUT.caseload_log_hazard_ratio * e_i / ROLL_OUT.caseload_sigma)

   NGO activists and social workers have the highest ``profession_rate`` (trained earlier, and
   more of them before the end), police officers and teachers the lowest. A provider whose
   readiness falls after ``training_until`` is never trained; about two providers in three are.
   After a first training, providers come back to later sessions of their region (refreshers) at
   the yearly rate ``ROLL_OUT.refresher_rate[profession]``, again highest for NGO activists and
   social workers, so they are also trained *more often*.
3. **Caseload, the confounder.** Every provider has a caseload propensity
   ``w_i = ROLL_OUT.profession_caseload[profession_i] * exp(e_i)`` with
   ``e_i ~ Normal(0, caseload_sigma)``. Assisted persons are assigned to the providers of their
   region with probabilities proportional to ``w_i``, so ``w_i`` sets the caseload (the number of
   episodes) of a provider. The same ``e_i`` raises the hazard of training by
   ``exp(caseload_log_hazard_ratio)`` per standard deviation: within a profession, providers with
   bigger caseloads are trained earlier. Any comparison of the persons assisted by trained and by
   untrained providers must adjust for caseload (and for region, profession and time).

Sessions gather the ready providers of a region in cohorts: a session is held on the (working)
day the first member of its cohort is ready and takes the next ready providers until the class is
full (``SizeSpec.class_size``) or ``SizeSpec.cohort_span_days`` have passed. Sessions last one of
``ROLL_OUT.session_hours``; they always teach ``ROLL_OUT.core_modules`` and more modules the longer
they are. A share ``ROLL_OUT.full_attendance_share`` of attendances are for all the hours of the
session, the rest for part of them.

Persons and episodes
--------------------
Persons are referred through the NRM from 1 January of their region's ``joined_year`` to
2017-12-31, in proportion to the region's population and to ``REFERRALS.year_weight`` (more after
2014). Their CTDC covariates are drawn independently of training: gender, then the type of
exploitation given gender, age band (``majorityStatus`` follows from it), citizenship, and the
country of exploitation (Russia less and Poland and Ukraine itself more from 2015 on). Each person
has 1-3 episodes with distinct providers of their region, drawn as above; the first starts within
a month of the referral, the next within three months of the one before, and each lasts 1-18
months; episodes that would end after ``REFERRALS.as_of`` are still open. Services follow the
provider's profession. About a third of persons have a contact record, with obviously invalid
data (``+380 00 000 ...`` and ``...@demo.invalid``).

The follow-up and the truth of its answers
------------------------------------------
After the registry and the staff accounts come three more steps (:mod:`monitor.demo.fieldwork`):
the library surveys are created and published (person follow-up, provider follow-up, quality
checklist); a follow-up plan for persons (anchored on their first episode start) and one for
trained providers (anchored on their first training), both with the waves baseline, m3, m6 and
m12, get an invitation for every respondent and wave whose window has opened by
``REFERRALS.as_of``, with a status at that date (completed, declined, in progress, expired,
pending); and the answers come from a model with **known effects of training**. The whole truth
is written down in :mod:`monitor.demo.outcomes` (and importable as ``TRUE_EFFECTS``,
``OUTCOME_MODEL`` and ``RESPONSE_MODEL``); in short:

* exposure = :mod:`monitor.exposure`'s default rule at the wave's due date;
* WHO-5 (0-100): **+8 points** at every follow-up wave (m3, m6, m12) for an exposed person, 0 at
  baseline, the same for everyone; random intercepts for region, primary provider and person;
  stable housing: log-odds **+0.6**; satisfaction: proportional-odds shift **+0.7**; providers'
  knowledge items: log-odds **+1.0** after training;
* confounding only through observed covariates: outcomes depend on ageBroad, typeOfExploit,
  gender, the pilot flag of the region and log2 of the primary provider's caseload (which, through
  the caseload propensity above, also drives training); adjust for ``log2_caseload``, ``pilot``,
  ``age_broad``, ``type_of_exploit`` (and ``wave`` when waves are pooled; ``gender`` for
  precision);
* response is missing at random: it depends on the covariates, the wave, a missed earlier wave
  and exposure, never on the outcomes; 5% of persons who answer refuse consent.

:func:`outcome_frame` returns the person-wave data (outcomes of respondents and non-respondents
alike, with a ``responded`` flag) without a database, from the same code and random streams that
:func:`build_demo` inserts from. A third, small plan (see ``fieldwork._tryout``) holds a few
invitations open on the day of loading, and :func:`build_demo` writes their links to a CSV file.

Extending the demo
------------------
The demo is the sequence :data:`STEPS`. Each step reads what earlier steps left on the
:class:`DemoWorld` (numpy arrays indexed like the inserted rows, latent variables included),
inserts its rows with Core bulk inserts and leaves its own arrays for the steps after it. Every
step draws from its own random stream, derived from the seed and the step's name, so adding a step
(surveys, follow-up waves, answers with a known effect of training) does not change the data of
the steps before it. Write the truth of a new step down here.

Determinism: the only source of randomness is ``numpy.random.default_rng`` seeded from the seed;
ids are assigned here (1, 2, 3, ...) in a fixed order, so one seed always gives the same rows.
Two things are not drawn from the seed, on purpose: invitation tokens (``secrets``, so that nobody
can derive a demo's links from its seed; only their hashes are stored) and the try-out plan,
which depends on the day the demo is loaded. With ``DemoWorld.database`` false the steps touch
no database (:func:`simulate`).
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import Connection, Table, inspect, literal, select, text

from monitor import audit
from monitor.accounts import create_user
from monitor.demo.fieldwork import (
    DEMO_STATUSES,
    TRYOUT_WAVE,
    build_answers,
    build_plans,
    build_surveys,
)
from monitor.demo.programme import (
    DEMO_LOGINS,
    EMPLOYERS,
    ORGANISATIONS,
    PROFESSION_CODES,
    PROFESSION_MIX,
    REGIONS,
)
from monitor.demo.world import REFERRALS, ROLL_OUT, SIZES, DemoWorld, Progress, Step
from monitor.extensions import db
from monitor.fieldwork.links import respondent_link
from monitor.fieldwork.models import FollowUpPlan, Invitation, PlanWave, Response
from monitor.models import (
    GENDERS,
    MODULES,
    SERVICES,
    AssistanceEpisode,
    AssistedPerson,
    AuditEvent,
    Organisation,
    PersonContact,
    Provider,
    Region,
    ThrottleCounter,
    TrainingAttendance,
    TrainingSession,
)
from surveys.models import immutability_guard_lifted


class DatabaseNotEmpty(RuntimeError):
    """Raised when the demo would be loaded into a database that already holds data."""


_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class DemoSummary:
    """What a demo build loaded."""

    size: str
    seed: int
    regions: int
    pilot_regions: int
    organisations: int
    providers: int
    trained_providers: int
    sessions: int
    attendance: int
    persons: int
    contacts: int
    episodes: int
    accounts: int
    seconds: float
    surveys: int = 0
    plans: int = 0
    invitations: int = 0
    responses: int = 0
    answers: int = 0
    #: Invitations of the try-out plan (open on the day of loading; the links point to them).
    tryout_invitations: int = 0
    #: Invitations of the two follow-up plans by status at the as-of date, and responses by
    #: status (submitted, draft, declined).
    invitation_statuses: Mapping[str, int] = field(default_factory=dict)
    response_statuses: Mapping[str, int] = field(default_factory=dict)
    #: The CSV of links to open invitations (None: not written) and how many links it holds.
    links_path: str | None = None
    links: int = 0
    #: Where the links point (the app's public address, or where ``monitor run`` serves).
    links_base_url: str | None = None
    #: The survey of the try-out plan, whose invitations without a link the CLI can issue.
    tryout_survey_id: int | None = None
    as_of: date | None = None

    def describe(self) -> str:
        """A few lines with the counts, for people."""
        statuses = ", ".join(f"{self.invitation_statuses.get(s, 0):,} {s.replace('_', ' ')}"
                             for s in DEMO_STATUSES)
        responses = ", ".join(f"{self.response_statuses.get(s, 0):,} {label}" for s, label in
                              (("submitted", "submitted"), ("draft", "drafts"),
                               ("declined", "declined")))
        rows = [
            ("regions", f"{self.regions:,}",
             f"{self.pilot_regions} piloted in 2012-2013, "
             f"{self.regions - self.pilot_regions} added in 2014"),
            ("organisations", f"{self.organisations:,}", "state agencies and NGOs"),
            ("providers", f"{self.providers:,}",
             f"{self.trained_providers:,} trained "
             f"({_percent(self.trained_providers, self.providers)})"),
            ("training sessions", f"{self.sessions:,}", "2012-2016"),
            ("attendance rows", f"{self.attendance:,}", ""),
            ("assisted persons", f"{self.persons:,}", f"{self.contacts:,} with a (fake) contact"),
            ("assistance episodes", f"{self.episodes:,}", ""),
            ("staff accounts", f"{self.accounts:,}", ""),
            ("surveys", f"{self.surveys:,}",
             "published: person follow-up, provider follow-up, quality checklist"),
            ("follow-up plans", f"{self.plans:,}",
             "persons from their first episode, providers from their first training "
             "(baseline, m3, m6, m12)" + (", and a try-out plan open today"
                                          if self.tryout_invitations else "")),
            ("invitations", f"{self.invitations:,}",
             (f"as of {self.as_of.isoformat()}: " if self.as_of else "") + statuses
             + (f"; {self.tryout_invitations:,} open today in the try-out plan"
                if self.tryout_invitations else "")),
            ("responses", f"{self.responses:,}", responses),
            ("answers", f"{self.answers:,}", ""),
        ]
        width = max(len(count) for _, count, _ in rows)
        lines = [f"Demo programme loaded (size {self.size}, seed {self.seed}):"]
        for label, count, note in rows:
            line = f"  {label:<20} {count:>{width}}"
            lines.append(f"{line}  {note}" if note else line)
        if self.links_path and self.links:
            lines.append(f"Links to try the respondent's form ({self.links} open invitation"
                         f"{'s' if self.links != 1 else ''}, served at {self.links_base_url} by "
                         f"`make run` or `monitor run`): {self.links_path}")
            unlinked = self.tryout_invitations - self.links
            if unlinked > 0 and self.tryout_survey_id is not None:
                lines.append(f"{unlinked} more try-out invitation{'s have' if unlinked != 1 else ' has'} "
                             f"no link yet: `monitor invitations create --survey {self.tryout_survey_id} "
                             f"--wave {TRYOUT_WAVE} --out links.csv` issues "
                             f"{'them' if unlinked != 1 else 'it'}.")
        elif self.links_path:
            lines.append("No invitation is open today, so there are no links to try (the file "
                         f"is empty): {self.links_path}")
        return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


# ---------------------------------------------------------------------------------------------
# Helpers


def _apportion(total: int, weights: Sequence[float], minimum: int) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights``, each at least ``minimum``
    (largest remainders; no randomness)."""
    n = len(weights)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"cannot give {minimum} to each of {n} parts of {total}")
    w = np.asarray(weights, dtype=float)
    quota = rest * w / w.sum()
    parts = np.floor(quota).astype(np.int64)
    left = rest - int(parts.sum())
    order = np.argsort(-(quota - parts), kind="stable")
    parts[order[:left]] += 1
    return parts + minimum


def _choice(rng: np.random.Generator, weights: Mapping[Any, float], size: int) -> np.ndarray:
    """Draw ``size`` keys of ``weights`` (an object array) with those probabilities."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    picks = rng.choice(len(keys), size=size, p=p / p.sum())
    out = np.empty(len(keys), dtype=object)
    out[:] = keys
    return out[picks]


def _dates(values: np.ndarray) -> list[date | None]:
    """datetime64[D] -> date objects (NaT -> None)."""
    return values.astype("datetime64[D]").tolist()


def _region_days(attr: str) -> np.ndarray:
    return np.array([np.datetime64(getattr(r, attr), "D") for r in REGIONS])


def _ordered_codes(chosen: Sequence[str], vocabulary: Mapping[str, str]) -> str:
    """Comma-separated codes in the vocabulary's order."""
    picked = set(chosen)
    return ",".join(code for code in vocabulary if code in picked)


# ---------------------------------------------------------------------------------------------
# The steps


def build_regions(world: DemoWorld, rng: np.random.Generator) -> None:  # noqa: ARG001
    """The 13 regions, with ids 1..13 in the order of :data:`REGIONS`."""
    rows = [
        {"id": k + 1, "code": r.code, "name": r.name, "name_uk": r.name_uk,
         "name_ru": r.name_ru, "joined_year": r.joined_year}
        for k, r in enumerate(REGIONS)
    ]
    world.insert("regions", Region.__table__, rows)


def build_organisations(world: DemoWorld, rng: np.random.Generator) -> None:  # noqa: ARG001
    """Every organisation kind of :data:`ORGANISATIONS` in every region."""
    rows = []
    for r_idx, region in enumerate(REGIONS):
        for kind in ORGANISATIONS:
            org_id = len(rows) + 1
            world.organisation_ids[(r_idx, kind.key)] = org_id
            rows.append({"id": org_id, "name": kind.name(region), "kind": kind.kind,
                         "region_id": r_idx + 1})
    world.insert("organisations", Organisation.__table__, rows)


def build_providers(world: DemoWorld, rng: np.random.Generator) -> None:
    """Providers by region (population weights), profession (the mix), employer and caseload."""
    spec, roll = world.spec, world.roll_out
    per_region = _apportion(spec.providers, [r.population for r in REGIONS],
                            spec.min_providers_per_region)
    region = np.repeat(np.arange(len(REGIONS)), per_region)
    n = len(region)
    mix = np.array([PROFESSION_MIX[p] for p in PROFESSION_CODES])
    profession = rng.choice(len(PROFESSION_CODES), size=n, p=mix / mix.sum())

    organisation: list[int | None] = [None] * n
    for p_idx, code in enumerate(PROFESSION_CODES):
        members = np.flatnonzero(profession == p_idx)
        employers = _choice(rng, EMPLOYERS[code], len(members))
        for i, key in zip(members.tolist(), employers.tolist(), strict=True):
            if key is not None:
                organisation[i] = world.organisation_ids[(int(region[i]), key)]

    e = rng.normal(0.0, roll.caseload_sigma, size=n)
    factor = np.array([roll.profession_caseload[p] for p in PROFESSION_CODES])
    world.provider_region = region
    world.provider_profession = profession
    world.provider_caseload_e = e
    world.provider_caseload = factor[profession] * np.exp(e)
    world.provider_organisation = np.array([o or 0 for o in organisation], dtype=np.int64)

    number = np.concatenate([np.arange(1, k + 1) for k in per_region])
    rows = [
        {"id": i + 1, "code": f"PR-{REGIONS[r].short}-{num:04d}",
         "profession": PROFESSION_CODES[p], "region_id": r + 1,
         "organisation_id": organisation[i], "created_at": world.created_at}
        for i, (r, p, num) in enumerate(zip(region.tolist(), profession.tolist(),
                                            number.tolist(), strict=True))
    ]
    world.insert("providers", Provider.__table__, rows)


def build_training(world: DemoWorld, rng: np.random.Generator) -> None:
    """Readiness (the truth of the roll-out), cohorts into sessions, refreshers, attendance."""
    roll, spec = world.roll_out, world.spec
    region, profession = world.provider_region, world.provider_profession
    assert region is not None and profession is not None and world.provider_caseload_e is not None
    n = len(region)

    # 1. When each provider becomes ready for training.
    ratio = np.array([roll.profession_rate[p] for p in PROFESSION_CODES])
    rate = (roll.base_rate * ratio[profession]
            * np.exp(roll.caseload_log_hazard_ratio * world.provider_caseload_e
                     / roll.caseload_sigma))
    wait_days = np.floor(rng.exponential(1.0 / rate) * 365.25)
    wait_days = np.minimum(wait_days, 100 * 365).astype(np.int64)
    start = _region_days("training_from")[region]
    ready = start + wait_days.astype("timedelta64[D]")
    until = np.datetime64(roll.training_until, "D")
    ready = np.where(ready <= until, ready, _NAT)
    world.provider_ready_on = ready

    # 2. Cohorts of ready providers become sessions.
    span = np.timedelta64(spec.cohort_span_days, "D")
    cohorts: list[tuple[int, np.datetime64, np.ndarray]] = []
    for r_idx in range(len(REGIONS)):
        members = np.flatnonzero((region == r_idx) & ~np.isnat(ready))
        members = members[np.argsort(ready[members], kind="stable")]
        i = 0
        while i < len(members):
            cap = int(rng.integers(spec.class_size[0], spec.class_size[1] + 1))
            first = ready[members[i]]
            j = i + 1
            while j < len(members) and j - i < cap and ready[members[j]] - first <= span:
                j += 1
            held_on = np.busday_offset(first, 0, roll="backward")
            cohorts.append((r_idx, held_on, members[i:j]))
            i = j
    # Sessions in the order of their date (then region): ids 1, 2, ...
    cohorts.sort(key=lambda c: (c[1], c[0]))
    n_sessions = len(cohorts)
    s_region = np.array([c[0] for c in cohorts], dtype=np.int64)
    s_date = np.array([c[1] for c in cohorts], dtype="datetime64[D]")
    hours_options = np.array([h for h, _ in roll.session_hours])
    hours_p = np.array([p for _, p in roll.session_hours])
    s_hours = hours_options[rng.choice(len(hours_options), size=n_sessions,
                                       p=hours_p / hours_p.sum())]
    optional = [m for m in MODULES if m not in roll.core_modules]
    s_modules = []
    for hours in s_hours.tolist():
        days = int(hours // 8)
        k = min(len(optional), int(rng.integers(max(0, days - 1), days + 1)))
        extra = rng.choice(len(optional), size=k, replace=False).tolist() if k else []
        s_modules.append(_ordered_codes([*roll.core_modules, *(optional[x] for x in extra)],
                                        MODULES))

    first_session = np.full(n, -1, dtype=np.int64)
    for s_idx, (_, _, members) in enumerate(cohorts):
        first_session[members] = s_idx
    trained = np.flatnonzero(first_session >= 0)
    first_on = np.full(n, _NAT)
    first_on[trained] = s_date[first_session[trained]]
    world.provider_first_trained_on = first_on

    # 3. Refreshers: later sessions of the same region.
    refresher = np.array([roll.refresher_rate[p] for p in PROFESSION_CODES])
    years_left = (until - first_on[trained]).astype(np.int64) / 365.25
    wanted = rng.poisson(refresher[profession[trained]] * years_left)
    gap = np.timedelta64(roll.refresher_min_gap_days, "D")
    sessions_of_region = [np.flatnonzero(s_region == r) for r in range(len(REGIONS))]
    pairs_provider: list[np.ndarray] = [trained]
    pairs_session: list[np.ndarray] = [first_session[trained]]
    for i, k in zip(trained.tolist(), wanted.tolist(), strict=True):
        if not k:
            continue
        pool = sessions_of_region[region[i]]
        pool = pool[s_date[pool] >= first_on[i] + gap]
        k = min(k, len(pool))
        if k:
            picked = rng.choice(pool, size=k, replace=False)
            pairs_provider.append(np.full(k, i))
            pairs_session.append(picked)
    a_provider = np.concatenate(pairs_provider)
    a_session = np.concatenate(pairs_session)
    order = np.lexsort((a_provider, a_session))
    a_provider, a_session = a_provider[order], a_session[order]

    # 4. Hours attended: mostly the whole session.
    full = s_hours[a_session]
    partial = np.maximum(1.0, np.round(full * rng.uniform(0.25, 0.9, size=len(full))))
    a_hours = np.where(rng.random(len(full)) < roll.full_attendance_share, full,
                       np.minimum(partial, full))

    world.session_region, world.session_held_on, world.session_hours = s_region, s_date, s_hours
    world.attendance_provider, world.attendance_session = a_provider, a_session
    world.attendance_hours = a_hours
    world.session_modules = s_modules

    number = np.zeros(n_sessions, dtype=np.int64)
    for pool in sessions_of_region:
        number[pool] = np.arange(1, len(pool) + 1)
    session_rows = [
        {"id": s + 1, "code": f"TS-{REGIONS[r].short}-{num:03d}", "held_on": held_on,
         "region_id": r + 1, "hours": hours, "modules": modules}
        for s, (r, num, held_on, hours, modules) in enumerate(zip(
            s_region.tolist(), number.tolist(), _dates(s_date), s_hours.tolist(), s_modules,
            strict=True))
    ]
    world.insert("training sessions", TrainingSession.__table__, session_rows)
    attendance_rows = [
        {"id": k + 1, "provider_id": p + 1, "session_id": s + 1, "hours_attended": h}
        for k, (p, s, h) in enumerate(zip(a_provider.tolist(), a_session.tolist(),
                                          a_hours.tolist(), strict=True))
    ]
    world.insert("attendance", TrainingAttendance.__table__, attendance_rows)


def build_persons(world: DemoWorld, rng: np.random.Generator) -> None:
    """Persons referred through the NRM: region and month, then CTDC covariates."""
    ref = world.referrals
    n = world.spec.persons
    months = np.arange("2012-01", np.datetime64(ref.referred_until, "M") + 1,
                       dtype="datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    year_w = np.array([ref.year_weight[int(y)] for y in years])
    joined = np.array([np.datetime64(f"{r.joined_year}-01", "M") for r in REGIONS])
    population = np.array([r.population for r in REGIONS])
    cell = population[:, None] * year_w[None, :] * (months[None, :] >= joined[:, None])
    picks = rng.choice(cell.size, size=n, p=(cell / cell.sum()).ravel())
    region, month = np.divmod(picks, len(months))
    first_day = months[month].astype("datetime64[D]")
    month_days = ((months[month] + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    referred = first_day + np.floor(rng.random(n) * month_days).astype("timedelta64[D]")

    gender = _choice(rng, ref.gender, n)
    age = _choice(rng, ref.age_broad, n)
    majority = np.where(np.isin(age, ref.minor_ages), "Minor", "Adult").astype(object)
    exploit = np.empty(n, dtype=object)
    for g in GENDERS:
        members = np.flatnonzero(gender == g)
        exploit[members] = _choice(rng, ref.type_of_exploit[g], len(members))
    citizenship = _choice(rng, ref.citizenship, n)
    year = referred.astype("datetime64[Y]").astype(np.int64) + 1970
    country = np.where(year < 2015, _choice(rng, ref.country_before_2015, n),
                       _choice(rng, ref.country_from_2015, n))

    # Ids in the order of referral; codes number the persons of a region in that order.
    order = np.lexsort((np.arange(n), region, referred))
    region, referred, year = region[order], referred[order], year[order]
    gender, age, majority = gender[order], age[order], majority[order]
    exploit, citizenship, country = exploit[order], citizenship[order], country[order]
    number = np.zeros(n, dtype=np.int64)
    for r_idx in range(len(REGIONS)):
        members = np.flatnonzero(region == r_idx)
        number[members] = np.arange(1, len(members) + 1)

    world.person_region, world.person_referred_on = region, referred
    world.person_gender, world.person_age_broad, world.person_exploit = gender, age, exploit
    rows = [
        {"id": i + 1, "code": f"AP-{REGIONS[r].short}-{num:05d}", "region_id": r + 1,
         "referred_on": on, "gender": g, "age_broad": a, "majority_status": m,
         "citizenship": c, "type_of_exploit": t, "country_of_exploitation": x,
         "year_of_registration": y, "created_at": world.created_at}
        for i, (r, num, on, g, a, m, c, t, x, y) in enumerate(zip(
            region.tolist(), number.tolist(), _dates(referred), gender.tolist(), age.tolist(),
            majority.tolist(), citizenship.tolist(), exploit.tolist(), country.tolist(),
            year.tolist(), strict=True))
    ]
    world.insert("assisted persons", AssistedPerson.__table__, rows)


def build_contacts(world: DemoWorld, rng: np.random.Generator) -> None:
    """Fake contacts for some persons: numbers and addresses that cannot reach anybody."""
    assert world.person_region is not None
    n = len(world.person_region)
    has = rng.random(n) < world.referrals.contact_share
    with_email = rng.random(n) < 0.5
    world.person_has_contact = has
    rows = []
    for i in np.flatnonzero(has).tolist():
        k = len(rows)
        rows.append({
            "id": k + 1,
            "person_id": i + 1,
            # +380 00 ...: no Ukrainian operator or area code is 00.
            "phone": f"+380 00 000 {k % 10_000:04d}",
            # .invalid is reserved (RFC 2606): no mail can ever be delivered there.
            "email": f"person{k + 1:05d}@demo.invalid" if with_email[i] else None,
            "note": "Synthetic demo record: not a real person or contact.",
        })
    world.insert("contacts", PersonContact.__table__, rows)


def build_episodes(world: DemoWorld, rng: np.random.Generator) -> None:
    """1-3 episodes per person with distinct providers of the region, weighted by caseload."""
    ref = world.referrals
    assert world.person_region is not None and world.person_referred_on is not None
    assert world.provider_region is not None and world.provider_caseload is not None
    p_region, referred = world.person_region, world.person_referred_on
    n = len(p_region)
    counts = np.array(list(ref.episodes_per_person))
    weights = np.array([ref.episodes_per_person[k] for k in counts.tolist()])
    wanted = counts[rng.choice(len(counts), size=n, p=weights / weights.sum())]
    most = int(counts.max())

    # Gumbel top-k: sampling providers without replacement, with probability ~ caseload.
    chosen = np.full((n, most), -1, dtype=np.int64)
    log_w = np.log(world.provider_caseload)
    for r_idx in range(len(REGIONS)):
        persons = np.flatnonzero(p_region == r_idx)
        providers = np.flatnonzero(world.provider_region == r_idx)
        if not len(persons):
            continue
        if not len(providers):
            raise RuntimeError(f"no providers in {REGIONS[r_idx].name} to assist its persons")
        k = min(most, len(providers))
        keys = log_w[providers][None, :] + rng.gumbel(size=(len(persons), len(providers)))
        top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, axis=1),
                                                 axis=1, kind="stable"), axis=1)
        chosen[persons, :k] = providers[top]
    slot = np.arange(most)[None, :]
    use = (slot < wanted[:, None]) & (chosen >= 0)
    e_person = np.broadcast_to(np.arange(n)[:, None], use.shape)[use]
    e_provider = chosen[use]

    # Dates: the first within a month of referral, each next within three months of the last.
    gaps = rng.integers(0, ref.next_episode_within_days + 1, size=(n, most))
    gaps[:, 0] = rng.integers(0, ref.first_episode_within_days + 1, size=n)
    start = referred[:, None] + np.cumsum(gaps, axis=1).astype("timedelta64[D]")
    e_start = start[use]
    lo, hi = ref.episode_days
    e_end = e_start + rng.integers(lo, hi + 1, size=len(e_start)).astype("timedelta64[D]")
    e_end = np.where(e_end <= np.datetime64(ref.as_of, "D"), e_end, _NAT)

    # Services follow the provider's profession.
    profession = world.provider_profession[e_provider]
    services: list[str] = [""] * len(e_provider)
    for p_idx, code in enumerate(PROFESSION_CODES):
        members = np.flatnonzero(profession == p_idx)
        if not len(members):
            continue
        menu = ref.services[code]
        keys = list(menu)
        main = _choice(rng, menu, len(members))
        extra = rng.random((len(members), len(keys))) < ref.extra_service_p
        for row, (m, main_code) in enumerate(zip(members.tolist(), main.tolist(), strict=True)):
            picked = [main_code, *(keys[j] for j in np.flatnonzero(extra[row]).tolist())]
            services[m] = _ordered_codes(picked, SERVICES)

    order = np.lexsort((e_provider, e_person, e_start))
    e_person, e_provider, e_start, e_end = (e_person[order], e_provider[order], e_start[order],
                                            e_end[order])
    services = [services[k] for k in order.tolist()]
    world.episode_person, world.episode_provider = e_person, e_provider
    world.episode_started_on, world.episode_ended_on = e_start, e_end
    world.episode_services = services
    rows = [
        {"id": k + 1, "person_id": p + 1, "provider_id": v + 1, "started_on": s,
         "ended_on": e, "services": svc}
        for k, (p, v, s, e, svc) in enumerate(zip(
            e_person.tolist(), e_provider.tolist(), _dates(e_start), _dates(e_end), services,
            strict=True))
    ]
    world.insert("episodes", AssistanceEpisode.__table__, rows)


def build_accounts(world: DemoWorld, rng: np.random.Generator) -> None:  # noqa: ARG001
    """The staff accounts of :data:`DEMO_LOGINS` (hashed like any other password)."""
    if not world.database:
        return
    total = len(DEMO_LOGINS)
    world.progress("accounts", 0, total)
    for done, (role, email, password) in enumerate(DEMO_LOGINS, start=1):
        create_user(email, role, password)
        world.progress("accounts", done, total)
    world.counts["user_account"] = total


#: The demo, in order: the registry, the accounts, then the fieldwork (surveys, follow-up plans
#: with their invitations, answers; see :mod:`monitor.demo.fieldwork`).
STEPS: tuple[Step, ...] = (
    Step("regions", build_regions),
    Step("organisations", build_organisations),
    Step("providers", build_providers),
    Step("training", build_training),
    Step("persons", build_persons),
    Step("contacts", build_contacts),
    Step("episodes", build_episodes),
    Step("accounts", build_accounts),
    Step("surveys", build_surveys),
    Step("plans", build_plans),
    Step("answers", build_answers),
)

#: Tables whose ids the steps assign themselves (their sequences are moved on afterwards).
_EXPLICIT_ID_TABLES: tuple[Table, ...] = (
    Region.__table__, Organisation.__table__, Provider.__table__, TrainingSession.__table__,
    TrainingAttendance.__table__, AssistedPerson.__table__, PersonContact.__table__,
    AssistanceEpisode.__table__, FollowUpPlan.__table__, PlanWave.__table__,
    Invitation.__table__, Response.__table__,
)


# ---------------------------------------------------------------------------------------------
# Loading


def _existing_tables(conn: Connection) -> list[Table]:
    """The model tables present in the database, parents first."""
    present = set(inspect(conn).get_table_names())
    return [t for t in db.metadata.sorted_tables if t.name in present]


#: Bookkeeping tables that do not make a database "hold data": the audit log, failed-login counters.
_BOOKKEEPING = frozenset({AuditEvent.__table__.name, ThrottleCounter.__table__.name})


def tables_with_data(conn: Connection) -> list[str]:
    """Names of the tables (bookkeeping aside) that hold at least one row."""
    return [
        t.name for t in _existing_tables(conn)
        if t.name not in _BOOKKEEPING
        and conn.execute(select(literal(1)).select_from(t).limit(1)).first() is not None
    ]


def _delete_everything(conn: Connection) -> None:
    """Delete every row of every model table, children first (the audit log too: Core
    statements bypass the ORM's append-only guard on purpose), and restart id sequences."""
    tables = _existing_tables(conn)
    with immutability_guard_lifted(conn):  # published survey versions go too, on purpose
        for table in reversed(tables):
            conn.execute(table.delete())
    if conn.dialect.name == "postgresql":
        for table in tables:
            if "id" in table.c:
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"),
                             {"t": table.name})


def _move_sequences_on(conn: Connection) -> None:
    """PostgreSQL: after explicit ids, make the sequences hand out the next free id."""
    if conn.dialect.name != "postgresql":
        return
    for table in _EXPLICIT_ID_TABLES:
        conn.execute(
            text(f'SELECT setval(pg_get_serial_sequence(:t, \'id\'), '
                 f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'),
            {"t": table.name},
        )


def _no_progress(label: str, done: int, total: int) -> None:  # noqa: ARG001
    return None


def build_demo(size: str = "medium", seed: int = 2012, reset: bool = False,
               progress: Progress | None = None,
               links_path: str | os.PathLike[str] | None = None) -> DemoSummary:
    """Load the demo programme of ``size`` generated from ``seed``, and commit.

    The data go in one transaction with a ``demo_loaded`` audit event; on any error nothing is
    kept. With ``reset`` every row of every table is deleted first (audit log included).

    After the commit, every link of the try-out plan (their tokens exist nowhere else) is
    written to ``links_path``: by default the app's ``DEMO_LINKS_PATH`` setting, else
    ``demo-links.csv`` in the instance folder. The links are the respondents' links as the app
    serves them, at the configured public address (``PUBLIC_URL``, else ``SERVER_NAME``) or else
    where ``monitor run`` serves by default (``http://127.0.0.1:5000``, as ``make run``). The file
    is rewritten on every load, so links of an earlier demo do not linger.

    Raises:
        ValueError: ``size`` is not small, medium or large.
        DatabaseNotEmpty: the database holds data (the audit log aside) and ``reset`` is false.
    """
    if size not in SIZES:
        raise ValueError(f"Unknown demo size {size!r}; use one of {', '.join(SIZES)}.")
    began = time.perf_counter()
    world = DemoWorld(size=size, seed=seed, spec=SIZES[size], roll_out=ROLL_OUT,
                      referrals=REFERRALS, created_at=datetime.now(UTC),
                      progress=progress or _no_progress)
    try:
        conn = db.session.connection()
        occupied = tables_with_data(conn)
        if occupied and not reset:
            raise DatabaseNotEmpty(
                "The database already holds data (" + ", ".join(occupied) + "). "
                "The demo loads only into an empty database: pass --reset to delete every "
                "row first, or point DATABASE_URL at another database."
            )
        if reset:
            _delete_everything(conn)
            # Objects loaded before stand for rows that are gone; new rows may reuse their ids.
            db.session.expunge_all()
        for step in STEPS:
            step.run(world, world.rng(step.name))
        _move_sequences_on(conn)
        audit.record("demo_loaded", target=f"demo:{size}", size=size, seed=seed)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise

    state = world.extra["fieldwork"]
    path, base = _write_links(state.links or [], links_path)
    summary = _summary(world, began, links_path=str(path), links=len(state.links or []))
    return replace(summary, links_base_url=base.rstrip("/"),
                   tryout_survey_id=state.surveys["person_followup"].survey_id)


def simulate(size: str = "medium", seed: int = 2012, progress: Progress | None = None,
             ) -> DemoWorld:
    """Generate the demo of ``size`` and ``seed`` without a database (no app needed).

    The world holds every array the steps build, and ``world.extra["fieldwork"]`` the
    person-wave and provider-wave frames of :mod:`monitor.demo.fieldwork`: exactly the data that
    :func:`build_demo` inserts for the same size and seed (tokens and accounts aside).

    Raises:
        ValueError: ``size`` is not small, medium or large.
    """
    if size not in SIZES:
        raise ValueError(f"Unknown demo size {size!r}; use one of {', '.join(SIZES)}.")
    world = DemoWorld(size=size, seed=seed, spec=SIZES[size], roll_out=ROLL_OUT,
                      referrals=REFERRALS, created_at=datetime.now(UTC),
                      progress=progress or _no_progress, database=False)
    for step in STEPS:
        step.run(world, world.rng(step.name))
    return world


def outcome_frame(size: str = "medium", seed: int = 2012) -> pd.DataFrame:
    """The person-wave outcomes of the demo of ``size`` and ``seed``, without a database.

    One row per invitation of the person follow-up plan (person and wave, every wave whose
    window opened by the as-of date), in invitation id order, with the outcome the person gave or
    would have given (``responded`` tells which answered: status completed). Columns:
    ``invitation_id``, ``response_id`` (nullable), ``person_id``, ``wave`` (ordered category
    baseline < m3 < m6 < m12), ``due_on`` (the reference date), ``status``, ``responded``,
    ``region_id``, ``pilot``, ``provider_id`` and ``organisation_id`` (the primary provider's),
    ``gender``, ``age_broad``, ``type_of_exploit``, ``has_contact``, ``caseload``,
    ``log2_caseload``, ``trained`` (exposure at ``due_on``), ``language``, ``who5_latent``,
    ``who5_1`` .. ``who5_5`` (item scores 0-5), ``who5_score`` (0-100), ``who5_score_t0`` and
    ``who5_score_t1`` (the potential scores untrained and trained), ``housing_stable`` (0/1),
    ``sat_recommend`` (1-5) and ``satisfaction_score`` (mean 1-5; NaN when the satisfaction page
    is hidden). The truth behind them: :mod:`monitor.demo.outcomes`.

    Raises:
        ValueError: ``size`` is not small, medium or large.
    """
    return simulate(size, seed).extra["fieldwork"].person_frame.copy()


def provider_outcome_frame(size: str = "medium", seed: int = 2012) -> pd.DataFrame:
    """The provider-wave knowledge outcomes of the demo, without a database (see
    :func:`outcome_frame`): ``invitation_id``, ``response_id``, ``provider_id``, ``wave``,
    ``due_on``, ``status``, ``responded``, ``region_id``, ``profession``, ``caseload``,
    ``after_training``, ``language``, the six knowledge items (1 = correct) and
    ``knowledge_score`` (0-6)."""
    return simulate(size, seed).extra["fieldwork"].provider_frame.copy()


def _summary(world: DemoWorld, began: float, links_path: str | None, links: int) -> DemoSummary:
    first = world.provider_first_trained_on
    counts = world.counts
    state = world.extra.get("fieldwork")
    statuses: dict[str, int] = {}
    tryout = len(state.tryout) if state is not None and state.tryout is not None else 0
    if state is not None:
        for inv in (state.persons, state.providers):
            if inv is not None:
                for status, count in zip(*np.unique(inv.status.astype(str), return_counts=True),
                                         strict=True):
                    statuses[str(status)] = statuses.get(str(status), 0) + int(count)
    return DemoSummary(
        size=world.size,
        seed=world.seed,
        regions=counts.get("region", 0),
        pilot_regions=sum(r.pilot for r in REGIONS),
        organisations=counts.get("organisation", 0),
        providers=counts.get("provider", 0),
        trained_providers=int((~np.isnat(first)).sum()) if first is not None else 0,
        sessions=counts.get("training_session", 0),
        attendance=counts.get("training_attendance", 0),
        persons=counts.get("assisted_person", 0),
        contacts=counts.get("person_contact", 0),
        episodes=counts.get("assistance_episode", 0),
        accounts=counts.get("user_account", 0),
        seconds=time.perf_counter() - began,
        surveys=counts.get("survey", 0),
        plans=counts.get("followup_plan", 0),
        invitations=counts.get("invitation", 0),
        responses=counts.get("response", 0),
        answers=counts.get("answer", 0),
        tryout_invitations=tryout,
        invitation_statuses=statuses,
        response_statuses=dict(state.responses or {}) if state is not None else {},
        links_path=links_path,
        links=links,
        as_of=world.referrals.as_of,
    )


#: Columns of the links file.
LINK_COLUMNS = ("invitation_id", "respondent_key", "wave", "status", "closes_on", "url")


def _write_links(links: Sequence[Mapping[str, Any]],
                 path: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """Write the links CSV (only its owner may read it: the tokens open surveys); return its
    path and the address the links start with."""
    if path is None:
        path = current_app.config.get("DEMO_LINKS_PATH") or (
            Path(current_app.instance_path) / "demo-links.csv")
    base = current_app.config["PUBLIC_URL"].rstrip("/") + "/"
    urls = [respondent_link(link["token"]) for link in links]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINK_COLUMNS)
        for link, url in zip(links, urls, strict=True):
            writer.writerow([link["invitation_id"], link["respondent_key"], link["wave"],
                             link["status"], link["closes_on"], url])
    return target, base
