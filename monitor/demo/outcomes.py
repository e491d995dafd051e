"""The truth of the demo's follow-up: who answers, and what, with a known effect of training.

The registry of the demo (:mod:`monitor.demo.generator`) has no outcomes. The steps of
:mod:`monitor.demo.fieldwork` add follow-up surveys of the assisted persons and of the trained
providers, and the answers come from the model written down here. Its parameters are the fields
of :data:`OUTCOME_MODEL` and :data:`RESPONSE_MODEL`; :data:`TRUE_EFFECTS` repeats the effects
that an analysis should recover. :func:`monitor.demo.outcome_frame` returns, without a
database, the person-wave data the demo inserts for a size and a seed.

Waves and invitations
---------------------
Two plans, both with the default waves ``baseline``, ``m3``, ``m6`` and ``m12`` (0, 3, 6 and 12
months after the anchor) and the default window (14 days before the due date to 45 days after,
both days included):

* **persons** (survey ``person_followup``): every assisted person, anchored on the start of
  their first assistance episode;
* **providers** (survey ``provider_followup``): every trained provider, anchored on the day of
  their first training (the first session with hours attended).

Due date = anchor + offset months, on the same day of the month, or on the month's last day
when it is shorter (31 January + 1 month = 28 or 29 February). An invitation exists for each
respondent and wave whose window has opened by the demo's as-of date ``REFERRALS.as_of``
(2018-12-31); waves whose window opens later are **not generated** (the demo stands on that date;
the officers' "generate invitations" adds them, as expired or pending by the real date, without
touching these). Every generated invitation has had its link issued on the day its window opened
(a random token; only the hash is stored). The statuses are those at the as-of date: the
officers' services, which judge by the real date, will call the pending ones expired.

Loading into a database also adds a small third plan, ``Try-out: assisted persons M months on``
(see ``fieldwork._tryout``): one wave ``tryout`` (M months on) whose window is open on the day of
loading, for the persons whose episodes started last; its invitations are pending and unanswered.
Up to ten of them, and at most half, have a link, all of them in the links file written by
``build_demo``; the others have none yet, for ``monitor invitations create`` to issue. It is not
part of the data frames below.

The **reference date** of a wave is its due date. A person's **exposure** at a wave is
:mod:`monitor.exposure`'s default rule (``cutoff="episode_start"``) at that date: ``trained``
when a provider of an episode that started on or before the due date attended training (hours
attended > 0) in a session held strictly before that episode started.

Who answers (the response model: missing at random)
---------------------------------------------------
For the invitation of person *i* at wave *w* the probability of answering is

    logit P(respond) = RESPONSE_MODEL.person_intercept + person_wave[w] + person_age[ageBroad]
                       + person_exploit[typeOfExploit] + person_contact * has_contact_record
                       + person_missed_previous * (the previous wave was not completed)
                       + person_trained * trained(i, w)

(lower for young adults, for sexual exploitation, forced military service and forced marriage,
falling with later waves and after a missed wave; a little higher with a contact record and when
exposed). Of those who answer, ``person_refuses`` (5%) refuse consent. For providers the same
with ``provider_*`` terms (profession instead of CTDC covariates, 3% refusals).

Response depends on the covariates, the exposure and earlier response only, **never on the
outcomes or on the random effects below**: given the covariates and the exposure, the answers
are missing at random, and complete-case analysis adjusted for the covariates that drive response
(``age_broad``, ``type_of_exploit``; ``has_contact`` drives response only, not outcomes) is
unbiased.

Statuses at the as-of date: a window that has closed ends ``completed`` (answered, consent
given), ``declined`` (answered, consent refused) or ``expired`` (never answered; no response
row). A window still open at the as-of date (it closes on or after it) is ``completed`` or
``declined`` when the respondent's answer day has come, ``in_progress`` for a share
``RESPONSE_MODEL.in_progress_share`` of those (a draft with some pages saved), and ``pending``
otherwise (their day is later, or they will not answer). The answer day is drawn in the window,
earlier days more likely; a provider answers the baseline before the training day (a pre-test).

What persons answer (the outcome model)
---------------------------------------
Every person-wave has outcomes, whether answered or not (the data frame carries them all with a
``responded`` flag; only the answered ones are in the database). Notation: ``F`` = 1 at the
follow-up waves ``m3``, ``m6`` and ``m12`` and 0 at ``baseline``; ``T`` = trained at the wave;
the **primary provider** of a person is the provider of their first episode (the lower provider
id when two start the same day); ``caseload`` = the number of assistance episodes of the primary
provider in the registry (every episode, any date); ``pilot`` = the person's region joined in
2012-2013 (``region.joined_year < 2014``).

**WHO-5** (0-100). A latent well-being

    eta = who5_intercept + who5_age[ageBroad] + who5_exploit[typeOfExploit] + who5_gender[gender]
          + who5_pilot * pilot + who5_log2_caseload * log2(caseload) + who5_wave[w]
          + who5_effect * T * F                                  (who5_effect = +8 points)
          + u_region + v_primary_provider + a_person + e_wave

with independent normal random intercepts ``u`` (region, SD 3), ``v`` (primary provider, SD 4),
``a`` (person, SD 10) and a wave residual ``e`` (SD 7), all drawn independently of training and
of response. Each of the five items is ``x_k = eta / 20 + d_k`` (``d_k`` normal with a small
item-specific mean, summing to zero over the items, and SD 0.45) rounded stochastically to an
integer and kept inside 0-5 (``floor(x_k + U)``, ``U`` uniform, which is unbiased for ``x_k``),
and answered as the WHO-5 choice with that score. The score is the instrument's rule: the sum of
the five item scores times 4. So E[score] = eta, except where an item would fall outside 0-5
(under one item value in 200): **the effect of exposure on the WHO-5 score is +8 points at every
follow-up wave and 0 at baseline**, the same for everyone. The data frame also carries both
potential scores (``who5_score_t0``, ``who5_score_t1``, the same random draws with T set to 0 and
1); their mean difference at follow-up waves is 8 up to the clipping (within 0.1). Cronbach's
alpha of the five items comes out about 0.85.

**Stable housing** (binary: the survey's ``housing_stable``, 1 = own, rented or with family or
friends and at most one move in 3 months). ``logit P(stable) = housing_intercept + housing_age +
housing_exploit + housing_gender + housing_pilot * pilot + housing_log2_caseload * log2(caseload)
+ housing_wave[w] + housing_effect * T * F`` with ``housing_effect = 0.6`` (odds ratio 1.82).
There are no random effects in this model, so a logit on the covariates below is correctly
specified and estimates 0.6. The housing answers (where, how many moves) are drawn to agree.

**Satisfaction** (seven ``agree5`` items, ``sat_pressured`` reverse-coded). An overall level
``L`` in 1..5 follows a proportional-odds (ordered logit) model ``P(L <= j) = expit(c_j - lp)``
with ``lp = satisfaction_pilot * pilot + satisfaction_log2_caseload * log2(caseload) +
satisfaction_exploit[typeOfExploit] + satisfaction_effect * T * F`` (``satisfaction_effect =
0.7``). ``sat_recommend`` is ``L`` itself, so an ordered logit of ``sat_recommend`` on the
covariates is correctly specified and estimates 0.7; the other items are ``L`` moved one step
down or up with probability 0.15 each (kept in 1..5), and ``sat_pressured`` is answered on the
reversed scale (6 - level). The satisfaction page is shown only when the person received some
service (``services_received`` is not "none", 3% at random), so those rows have no satisfaction.

The other questions (work, income, safety, services) get plausible answers that do not depend
on training: services received are those of the person's episodes started by the due date.

What providers answer
---------------------
Each of the six knowledge items is correct with ``logit P = knowledge_difficulty[item] +
knowledge_profession[profession] + g_provider + knowledge_effect * F`` with ``g`` normal (SD
0.8) and ``knowledge_effect = 1.0``: the knowledge score (0-6) is higher after training (every
respondent of the provider plan is trained; ``baseline`` is the pre-test). The effect of 1.0 is
conditional on the provider (a mixed or conditional logit recovers it); a logit that ignores the
provider intercept estimates the smaller population-averaged effect (about 0.87). Wrong answers are
spread over the wrong options and "don't know". Other provider answers are plausible and do not
depend on training, except that the training questions report the sessions attended before the
answer day.

What an analysis must adjust for
--------------------------------
Training is not random (see :mod:`monitor.demo.generator`): it depends on the region, the
provider's profession, the provider's latent caseload propensity and time. The outcomes depend on
the person's CTDC covariates, on ``pilot``, on ``log2(caseload)`` and on the wave, never on the
latent propensity, the profession or the calendar date directly. Hence:

* **needed** to estimate the effect without bias from the respondents (``responded``) at the
  follow-up waves: ``log2_caseload`` (the confounder: bigger caseloads lower the outcomes and
  raise training), ``pilot`` (or the region), ``age_broad`` and ``type_of_exploit`` (they drive
  response as well as outcomes: leaving them out biases complete-case estimates), and ``wave``
  when waves are pooled;
* **recommended**: ``gender`` (prognostic only; it narrows the interval).

With exactly these terms (``wave``, ``age_broad``, ``type_of_exploit`` and ``gender`` as
categories; ``pilot`` binary; ``log2_caseload`` linear) the WHO-5 regression is the true model,
plus random intercepts for region, primary provider and person. The random intercepts are
independent of training, so they add variance, not bias (with 13 regions, use region fixed
effects or a region random intercept, and cluster by provider or person). The ``baseline`` wave
has no effect by construction: a placebo check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from monitor.fieldwork.models import DEFAULT_WAVES
from monitor.fieldwork.services import add_months as add_calendar_months

#: The waves of both plans, in order, with their offsets in months: a plan's default waves.
WAVES: tuple[tuple[str, int], ...] = tuple(DEFAULT_WAVES)
WAVE_NAMES: tuple[str, ...] = tuple(name for name, _ in WAVES)
#: The waves at which training has its effect: every wave after the anchor.
FOLLOW_UP_WAVES: tuple[str, ...] = tuple(name for name, offset in WAVES if offset > 0)


@dataclass(frozen=True)
class OutcomeModel:
    """The parameters of what persons and providers answer (see the module docstring)."""

    # --- WHO-5, on the 0-100 scale -----------------------------------------------------------
    who5_intercept: float = 40.0
    #: +8 points at the follow-up waves for a person exposed to training; 0 at baseline.
    who5_effect: float = 8.0
    who5_wave: Mapping[str, float] = field(default_factory=lambda: {
        "baseline": 0.0, "m3": 5.0, "m6": 8.0, "m12": 10.0})
    who5_age: Mapping[str, float] = field(default_factory=lambda: {
        "0--8": 4.0, "9--17": 1.0, "18--20": -3.0, "21--23": -2.0, "24--26": -1.0,
        "27--29": 0.0, "30--38": 0.0, "39--47": -2.0, "48+": -4.0})
    who5_exploit: Mapping[str, float] = field(default_factory=lambda: {
        "Forced labour": 0.0, "Sexual exploitation": -6.0, "Forced marriage": -4.0,
        "Slavery and similar practices": -5.0, "Forced military service": -5.0, "Other": -2.0})
    who5_gender: Mapping[str, float] = field(default_factory=lambda: {
        "Female": 0.0, "Male": 2.0, "Transgender/NonConforming": -4.0})
    who5_pilot: float = 3.0
    #: Points per doubling of the primary provider's caseload.
    who5_log2_caseload: float = -3.0
    who5_sd_region: float = 3.0
    who5_sd_provider: float = 4.0
    who5_sd_person: float = 10.0
    who5_sd_wave: float = 7.0
    #: Mean of each item's deviation (item units, 0-5); they sum to zero.
    who5_item_means: tuple[float, ...] = (0.15, -0.10, -0.20, 0.05, 0.10)
    who5_item_sd: float = 0.45

    # --- stable housing, log-odds ------------------------------------------------------------
    housing_intercept: float = -0.3
    #: Log-odds of stable housing at the follow-up waves for an exposed person (OR 1.82).
    housing_effect: float = 0.6
    housing_wave: Mapping[str, float] = field(default_factory=lambda: {
        "baseline": 0.0, "m3": 0.3, "m6": 0.5, "m12": 0.7})
    housing_age: Mapping[str, float] = field(default_factory=lambda: {
        "0--8": 0.8, "9--17": 0.6, "18--20": -0.3, "21--23": -0.2, "24--26": -0.1,
        "27--29": 0.0, "30--38": 0.0, "39--47": 0.1, "48+": 0.0})
    housing_exploit: Mapping[str, float] = field(default_factory=lambda: {
        "Forced labour": 0.0, "Sexual exploitation": -0.5, "Forced marriage": -0.2,
        "Slavery and similar practices": -0.4, "Forced military service": -0.3, "Other": -0.1})
    housing_gender: Mapping[str, float] = field(default_factory=lambda: {
        "Female": 0.0, "Male": -0.2, "Transgender/NonConforming": -0.5})
    housing_pilot: float = 0.2
    housing_log2_caseload: float = -0.15

    # --- satisfaction, proportional odds -----------------------------------------------------
    #: Cut points c_1..c_4 of the overall level L (1..5).
    satisfaction_cuts: tuple[float, ...] = (-3.2, -2.0, -0.6, 1.2)
    #: Shift of the log-odds of a higher level at the follow-up waves for an exposed person.
    satisfaction_effect: float = 0.7
    satisfaction_pilot: float = 0.2
    satisfaction_log2_caseload: float = -0.1
    satisfaction_exploit: Mapping[str, float] = field(default_factory=lambda: {
        "Forced labour": 0.0, "Sexual exploitation": -0.2, "Forced marriage": -0.1,
        "Slavery and similar practices": -0.2, "Forced military service": -0.2, "Other": 0.0})
    #: P(one step down), P(same), P(one step up) of the items other than sat_recommend.
    satisfaction_item_steps: tuple[float, float, float] = (0.15, 0.70, 0.15)
    #: Share who say they received none of the services (the satisfaction page is hidden).
    services_none_share: float = 0.03

    # --- provider knowledge, log-odds per item -----------------------------------------------
    knowledge_difficulty: Mapping[str, float] = field(default_factory=lambda: {
        "know_consent": -0.2, "know_border": -0.6, "know_indicator": 0.6, "know_child": -0.4,
        "know_status": -0.8, "know_referral_consent": 0.3})
    knowledge_profession: Mapping[str, float] = field(default_factory=lambda: {
        "ngo_activist": 0.6, "social_worker": 0.4, "police": 0.2, "medical": 0.0,
        "teacher": -0.2, "journalist": -0.1, "other": -0.3})
    knowledge_sd_provider: float = 0.8
    #: Log-odds of a correct answer after training (m3, m6, m12) against the pre-test.
    knowledge_effect: float = 1.0


@dataclass(frozen=True)
class ResponseModel:
    """The parameters of who answers (missing at random; see the module docstring)."""

    person_intercept: float = 1.2
    person_wave: Mapping[str, float] = field(default_factory=lambda: {
        "baseline": 0.0, "m3": -0.4, "m6": -0.7, "m12": -1.0})
    person_age: Mapping[str, float] = field(default_factory=lambda: {
        "0--8": 0.2, "9--17": -0.2, "18--20": -0.6, "21--23": -0.5, "24--26": -0.3,
        "27--29": -0.1, "30--38": 0.0, "39--47": 0.1, "48+": 0.2})
    person_exploit: Mapping[str, float] = field(default_factory=lambda: {
        "Forced labour": 0.0, "Sexual exploitation": -0.4, "Forced marriage": -0.3,
        "Slavery and similar practices": -0.2, "Forced military service": -0.5, "Other": 0.0})
    person_contact: float = 0.3
    person_missed_previous: float = -0.9
    person_trained: float = 0.2
    #: Share of those who answer who refuse consent.
    person_refuses: float = 0.05

    provider_intercept: float = 1.5
    provider_wave: Mapping[str, float] = field(default_factory=lambda: {
        "baseline": 0.0, "m3": -0.3, "m6": -0.5, "m12": -0.8})
    provider_profession: Mapping[str, float] = field(default_factory=lambda: {
        "social_worker": 0.3, "ngo_activist": 0.5, "police": -0.4, "medical": 0.0,
        "teacher": 0.0, "journalist": -0.3, "other": -0.2})
    provider_missed_previous: float = -0.8
    provider_refuses: float = 0.03

    #: Of those whose answer day has come while their window is still open, the share still
    #: filling in the form at the as-of date (a draft with some pages saved).
    in_progress_share: float = 0.3


OUTCOME_MODEL = OutcomeModel()
RESPONSE_MODEL = ResponseModel()


@dataclass(frozen=True)
class TrueEffects:
    """The effects of training built into the demo, and what to adjust for to recover them.

    All effects hold at the follow-up waves (:attr:`waves`) for persons exposed to training
    (monitor.exposure's default rule at the wave's due date); at baseline they are 0.
    """

    #: WHO-5 score points (0-100), the same for every person and follow-up wave.
    who5: float
    #: Log-odds of stable housing (``housing_stable`` = 1), conditional on the covariates.
    housing_log_odds: float
    #: Proportional-odds shift of ``sat_recommend`` (and of the latent satisfaction level).
    satisfaction_log_odds: float
    #: Providers: log-odds of each knowledge item being correct after training (vs baseline).
    knowledge_log_odds: float
    waves: tuple[str, ...]
    #: Covariates without which an estimate from the respondents is biased.
    needed: tuple[str, ...]
    #: The full adjustment set under which the outcome models are correctly specified.
    adjust_for: tuple[str, ...]

    @property
    def housing_odds_ratio(self) -> float:
        return float(np.exp(self.housing_log_odds))


TRUE_EFFECTS = TrueEffects(
    who5=OUTCOME_MODEL.who5_effect,
    housing_log_odds=OUTCOME_MODEL.housing_effect,
    satisfaction_log_odds=OUTCOME_MODEL.satisfaction_effect,
    knowledge_log_odds=OUTCOME_MODEL.knowledge_effect,
    waves=FOLLOW_UP_WAVES,
    needed=("log2_caseload", "pilot", "age_broad", "type_of_exploit", "wave"),
    adjust_for=("age_broad", "type_of_exploit", "gender", "pilot", "log2_caseload", "wave"),
)


# ---------------------------------------------------------------------------------------------
# Dates and exposure from the world's arrays (no database)


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """``days`` (datetime64[D]) plus ``months`` by the fieldwork's own rule
    (:func:`monitor.fieldwork.services.add_months`: the same day of the month, or the month's
    last day when it is shorter, 2017-01-31 + 1 month = 2017-02-28), applied once per distinct
    day; NaT stays NaT."""
    days = np.asarray(days, dtype="datetime64[D]")
    distinct, inverse = np.unique(days, return_inverse=True)
    shifted = np.array([np.datetime64("NaT", "D") if day is None else add_calendar_months(day, months)
                        for day in distinct.tolist()], dtype="datetime64[D]")
    return shifted[inverse.reshape(days.shape)] if len(distinct) else days.copy()


#: Days as integers; a date that never comes (untrained) is this far in the future.
NEVER = np.iinfo(np.int64).max // 2


def as_day_numbers(days: np.ndarray) -> np.ndarray:
    """datetime64[D] as int64 day numbers, NaT as :data:`NEVER`."""
    days = np.asarray(days, dtype="datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = NEVER
    return out


def first_counted_training(n_providers: int, attendance_provider: np.ndarray,
                           attendance_session: np.ndarray, attendance_hours: np.ndarray,
                           session_held_on: np.ndarray) -> np.ndarray:
    """Each provider's first session with hours attended, as day numbers (:data:`NEVER` when
    none): exposure's rule 3, zero-hour attendance is not training."""
    first = np.full(n_providers, NEVER, dtype=np.int64)
    counted = np.asarray(attendance_hours) > 0
    held = as_day_numbers(np.asarray(session_held_on)[np.asarray(attendance_session)[counted]])
    np.minimum.at(first, np.asarray(attendance_provider)[counted], held)
    return first


@dataclass(frozen=True)
class EpisodeSlots:
    """Each person's episodes side by side, in order of start (then provider id).

    ``start`` is (persons, slots) day numbers (:data:`NEVER` in unused slots); ``provider`` the
    provider index (-1 unused); ``trained`` whether that provider had counted training strictly
    before that episode started (exposure's rule 2); ``episode`` the episode index.
    """

    start: np.ndarray
    provider: np.ndarray
    trained: np.ndarray
    episode: np.ndarray

    @property
    def first_start(self) -> np.ndarray:
        return self.start[:, 0]

    @property
    def primary_provider(self) -> np.ndarray:
        return self.provider[:, 0]

    def trained_by(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Exposure's ``trained`` (default cutoff) of ``person`` at reference day ``day``."""
        relevant = self.start[person] <= np.asarray(day)[:, None]
        return (relevant & self.trained[person]).any(axis=1)

    def relevant(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Which slots of each row's person started on or before ``day`` (exposure's rule 1)."""
        return self.start[person] <= np.asarray(day)[:, None]


def episode_slots(n_persons: int, episode_person: np.ndarray, episode_provider: np.ndarray,
                  episode_started_on: np.ndarray, provider_first_training: np.ndarray,
                  ) -> EpisodeSlots:
    """Lay the episodes out per person (see :class:`EpisodeSlots`)."""
    person = np.asarray(episode_person)
    provider = np.asarray(episode_provider)
    start = as_day_numbers(episode_started_on)
    order = np.lexsort((provider, start, person))
    person, provider, start = person[order], provider[order], start[order]
    counts = np.bincount(person, minlength=n_persons)
    slots = max(1, int(counts.max()) if len(counts) else 1)
    first_of = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(len(person)) - first_of[person]
    s_start = np.full((n_persons, slots), NEVER, dtype=np.int64)
    s_provider = np.full((n_persons, slots), -1, dtype=np.int64)
    s_episode = np.full((n_persons, slots), -1, dtype=np.int64)
    s_start[person, slot] = start
    s_provider[person, slot] = provider
    s_episode[person, slot] = order
    trained = np.zeros((n_persons, slots), dtype=bool)
    used = s_provider >= 0
    trained[used] = provider_first_training[s_provider[used]] < s_start[used]
    return EpisodeSlots(start=s_start, provider=s_provider, trained=trained, episode=s_episode)


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def lookup(table: Mapping[str, float], keys: np.ndarray) -> np.ndarray:
    """``table[key]`` for each key of an object array.

    Raises:
        KeyError: a key the table lacks.
    """
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object))
    values = np.array([float(table[k]) for k in uniques.tolist()] + [np.nan], dtype=float)
    return values[codes]
