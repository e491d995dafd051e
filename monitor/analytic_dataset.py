"""The analytic dataset: one row per respondent and wave, ready for ``analysis``.

For an outcome survey, every invitation of its follow-up plans is a row (so non-response is in the
data, not silently missing), carrying:

* the wave (name and months after the anchor), the reference date (the wave's due date) and its
  year (``ref_year``), the invitation status and a ``responded`` indicator (1 when the response
  was submitted);
* the scored outcomes of the response, by the instrument's rules (``surveys.scoring``), typed
  answers by question key, and item scores for ordinal models;
* covariates of the respondent (CTDC names for assisted persons; profession for providers), the
  region and whether it was a pilot region (joined before 2014);
* the training exposure at the reference date (``monitor.exposure``'s rules for persons; for
  providers, their own attended training held strictly before the reference date);
* cluster identifiers: for persons the main provider (of their first episode), that provider's
  organisation and caseload (episodes in the registry, and ``log2_caseload``, its base-2
  logarithm, the scale on which the demo's truth says caseload confounds; empty for a caseload of
  0), and the region.

Column names are snake_case (``age_broad``, ``type_of_exploit``: the CTDC names as the registry
stores them). An answer whose key is also the name of a column derived here (the provider
survey asks ``trained``, which is also the exposure) keeps its answer as ``<key>__answer``.
:func:`describe_columns` lists every column with its type, label and how many rows have it.

Built with one query per table, each streamed in chunks into typed columns (``monitor.frames``;
no ORM object or Row kept per row), and positional look-ups: every column is computed against the
invitations in the dataset's order and the columns are put side by side once, so memory grows
linearly with the invitations times the columns. The module lives in ``monitor`` because it
reads the tables that ``monitor`` and ``surveys`` own; what it returns is plain pandas, which
``analysis`` takes from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from monitor.exposure import DAYS_PER_MONTH, Cutoff, exposure_frame
from monitor.extensions import db
from monitor.fieldwork.answers_frame import answers_frame
from monitor.fieldwork.models import FollowUpPlan, Invitation, PlanWave
from monitor.frames import read_frame
from monitor.models import AssistanceEpisode, AssistedPerson, Provider, Region, TrainingAttendance, TrainingSession
from surveys.models import Survey, SurveyVersion
from surveys.schema import QuestionType
from surveys.schema import Survey as SurveySchema
from surveys.scoring import apply_scores, item_scores, scored_items

#: The year the programme left its pilot: regions that joined before it are pilot regions.
PILOT_UNTIL_YEAR = 2013
PERSON_COVARIATES = ("gender", "age_broad", "type_of_exploit", "citizenship", "majority_status")
PROVIDER_COVARIATES = ("profession",)
#: Suffix of an answer whose key is taken by a derived column.
ANSWER_SUFFIX = "__answer"
#: What the derived columns hold (answers, scores and item scores are labelled from the survey).
DERIVED_LABELS: dict[str, str] = {
    "invitation_id": "invitation id",
    "plan_id": "follow-up plan id",
    "wave": "wave name (baseline, m3, m6, m12, ...)",
    "wave_months": "months from the anchor to the wave",
    "respondent_key": "respondent: person:ID or provider:ID",
    "person_id": "assisted person id (the same person at every wave)",
    "provider_id": "provider id (the same provider at every wave)",
    "region_id": "region id",
    "region": "region code",
    "anchor_date": "anchor: start of the first episode, or the first training",
    "ref_date": "reference date: the wave's due date",
    "status": "invitation status at reading",
    "ref_year": "year of the reference date",
    "pilot_region": "1 = the region joined before 2014 (pilot)",
    "region_training_year": "year training began in the region",
    "response_id": "response id",
    "survey_version_id": "survey version answered",
    "response_status": "response status",
    "language": "language the respondent answered in",
    "consent": "consent given or refused",
    "submitted_at": "when the response was submitted",
    "responded": "1 = submitted a response",
    "consent_refused": "1 = refused consent",
    "trained": "exposure: 1 = assisted by a provider trained before the episode began "
               "(providers: trained before the wave)",
    "n_providers": "providers of the episodes counted",
    "n_trained_providers": "of them, trained before the episode",
    "training_hours": "hours of training attended before the reference",
    "max_provider_hours": "most hours of one provider",
    "months_since_training": "months from the last training to the reference date",
    "modules": "training modules attended",
    "first_episode_start": "start of the first episode",
    "gender": "CTDC gender",
    "age_broad": "CTDC age group (ageBroad)",
    "type_of_exploit": "CTDC type of exploitation (typeOfExploit)",
    "citizenship": "CTDC citizenship",
    "majority_status": "CTDC majority status (majorityStatus)",
    "main_provider_id": "the provider of the first episode (a cluster)",
    "provider_caseload": "episodes of the main provider in the registry",
    "log2_caseload": "log2 of the main provider's caseload",
    "organisation_id": "organisation of the (main) provider (a cluster)",
    "main_provider_profession": "profession of the main provider",
    "profession": "the provider's profession",
}


class DatasetError(LookupError):
    """The survey cannot give an analytic dataset (unknown, not fielded, or not an outcome survey)."""


@dataclass(frozen=True)
class AnalyticDataset:
    """The frame and what its columns are for."""

    survey_id: int
    audience: str
    frame: pd.DataFrame
    #: Scale scores, binary indicators and ordinal items, by kind.
    scores: tuple[str, ...] = ()
    binary: tuple[str, ...] = ()
    ordinal: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Column -> what it holds, in English (from the survey for answers and scores).
    labels: dict[str, str] = field(default_factory=dict)
    #: Column -> its kind where the survey or the derivation says (score, 0/1, choice, ...).
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def respondent(self) -> str:
        """The column naming the respondent: the same value at every wave."""
        return "person_id" if self.audience == "person" else "provider_id"

    @property
    def responses(self) -> pd.DataFrame:
        """The rows with a submitted response."""
        return self.frame[self.frame["responded"] == 1]


def build_dataset(survey_id: int, cutoff: Cutoff = "episode_start") -> AnalyticDataset:
    """The analytic dataset of ``survey_id`` (see the module docstring).

    Raises:
        DatasetError: when the survey does not exist, has no published version or no invitations.
    """
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise DatasetError(f"There is no survey {survey_id}.")
    if survey.audience not in ("person", "provider"):
        raise DatasetError("Only surveys of assisted persons or of providers have outcomes to analyse.")
    definition = _latest_published(survey_id)
    invitations = _invitations(survey_id)
    if invitations.empty:
        raise DatasetError("This survey has no invitations yet: plan its follow-up waves first.")

    # Columns are computed against the sorted invitations and put side by side at the end (one
    # copy of the frame), instead of merge after merge copying the whole frame each time.
    answers = answers_frame(survey_id, survey=definition)
    scored = apply_scores(definition, answers)
    ordinal = item_scores(definition, answers, reverse=False).add_suffix("__item")
    scored = (pd.concat([scored, ordinal], axis=1)
              .drop(columns=["wave", "person_id", "provider_id"], errors="ignore")
              .rename(columns={"status": "response_status"}))
    del answers, ordinal
    status = invitations["status"]
    outcome = pd.DataFrame({"responded": (status == "completed").astype("int64"),
                            "consent_refused": (status == "declined").astype("int64")})
    if survey.audience == "person":
        context = _person_context(invitations, survey_id, cutoff)
        covariates = PERSON_COVARIATES + ("pilot_region", "provider_caseload", "log2_caseload")
        clusters = ("main_provider_id", "organisation_id", "region_id")
    else:
        context = _provider_context(invitations)
        covariates = PROVIDER_COVARIATES + ("pilot_region",)
        clusters = ("provider_id", "organisation_id", "region_id")
    # An answer named like a derived column (the provider survey's self-reported "trained") keeps
    # its answer under another name: two columns of one name would break every look-up.
    derived = {*invitations.columns, *outcome.columns, *context.columns}
    renamed = {key: key + ANSWER_SUFFIX for key in scored.columns if key in derived and key != "invitation_id"}
    scored = scored.rename(columns=renamed)
    frame = pd.concat([invitations, _lookup(invitations["invitation_id"], scored, "invitation_id"),
                       outcome, context], axis=1)
    del scored, context
    binary = tuple(renamed.get(q.key, q.key) for q in definition.questions()
                   if renamed.get(q.key, q.key) in frame.columns and _is_binary(frame[renamed.get(q.key, q.key)]))
    waves = tuple(frame.drop_duplicates("wave").sort_values("wave_months")["wave"])
    notes = tuple(f"The answer to '{key}' is in '{name}': '{key}' is the derived column "
                  f"({DERIVED_LABELS.get(key, key)})." for key, name in renamed.items())
    return AnalyticDataset(
        survey_id=survey_id, audience=survey.audience, frame=frame,
        scores=tuple(s.key for s in definition.scores),
        binary=binary,
        ordinal=tuple(f"{key}__item" for key in scored_items(definition) if f"{key}__item" in frame.columns),
        covariates=covariates, clusters=clusters, waves=waves, notes=notes,
        labels=_labels(definition, frame.columns, renamed),
        kinds=_kinds(definition, frame.columns, renamed, binary),
    )


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a dataset as ``monitor analyze --list-columns`` shows it."""

    name: str
    type: str
    label: str
    #: Rows (of those described) with a value in this column.
    answered: int


def describe_columns(frame: pd.DataFrame, labels: dict[str, str] | None = None,
                     kinds: dict[str, str] | None = None) -> list[ColumnInfo]:
    """Every column of ``frame`` in order: its type (``kinds`` first, e.g. "score", else from
    the values: 0/1, integer, number, date, choices, text), its label and how many rows have a
    value (a select-multiple answer counts when any option is chosen)."""
    labels, kinds = labels or {}, kinds or {}
    out = []
    for name in frame.columns:
        values = frame[name]
        out.append(ColumnInfo(str(name), kinds.get(name) or _kind(values), labels.get(name, ""),
                              int(values.notna().sum())))
    return out


#: Derived columns that are indicators.
DERIVED_BINARY = ("pilot_region", "responded", "consent_refused", "trained")
_CHOICE_TYPES = {QuestionType.select_one: "choice", QuestionType.likert: "choice",
                 QuestionType.matrix: "choice", QuestionType.yes_no: "choice",
                 QuestionType.select_multiple: "choices"}


def _kind(values: pd.Series) -> str:
    """The kind of a column from its values alone."""
    if values.dtype.kind == "M":
        return "date"
    if values.dtype.kind == "b":
        return "0/1"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_numeric_dtype(values):
        present = values.dropna()
        return "integer" if len(present) and (present == present.round()).all() else "number"
    if values.map(lambda v: isinstance(v, list), na_action="ignore").any():
        return "choices"
    return "text"


def _kinds(definition: SurveySchema, columns: pd.Index, renamed: dict[str, str],
           binary: tuple[str, ...]) -> dict[str, str]:
    """The kinds the survey and the derivation know: choice answers, scores, item scores, 0/1."""
    kinds = {name: "0/1" for name in DERIVED_BINARY}
    for question in definition.questions():
        kind = _CHOICE_TYPES.get(question.type)
        if kind:
            for key in question.answer_keys():
                kinds[renamed.get(key, key)] = kind
    kinds.update({key: "0/1" for key in binary})
    kinds.update({score.key: "score" for score in definition.scores})
    kinds.update({f"{key}__item": "item score" for key in scored_items(definition)})
    return {name: kind for name, kind in kinds.items() if name in columns}


def _labels(definition: SurveySchema, columns: pd.Index, renamed: dict[str, str]) -> dict[str, str]:
    """English labels of the columns: the survey's for answers, scores and item scores."""
    labels = {name: text for name, text in DERIVED_LABELS.items() if name in columns}
    for question in definition.questions():
        text = definition.text(question.label, "en")
        labels[renamed.get(question.key, question.key)] = text
        for item in question.items:
            labels[renamed.get(item.key, item.key)] = f"{text}: {definition.text(item.label, 'en')}".strip(": ")
    for score in definition.scores:
        labels[score.key] = definition.text(score.label, "en") or f"scale score {score.key}"
    for key in scored_items(definition):
        if f"{key}__item" in columns:
            labels[f"{key}__item"] = f"item score of {key}, options in their own order (ordinal models)"
    return {name: " ".join(text.split()) for name, text in labels.items() if name in columns}


def _latest_published(survey_id: int) -> SurveySchema:
    row = db.session.execute(
        select(SurveyVersion.definition).where(SurveyVersion.survey_id == survey_id,
                                               SurveyVersion.status == "published")
        .order_by(SurveyVersion.number.desc()).limit(1)).first()
    if row is None:
        raise DatasetError("This survey has no published version, so nothing was asked yet.")
    return SurveySchema.from_dict(row.definition)


def _invitations(survey_id: int) -> pd.DataFrame:
    """The invitations of the survey's plans, in the dataset's order (respondent, then wave)."""
    versions = select(SurveyVersion.id).where(SurveyVersion.survey_id == survey_id)
    stmt = (
        select(Invitation.id.label("invitation_id"), Invitation.plan_id, Invitation.wave,
               PlanWave.offset_months.label("wave_months"), Invitation.respondent_key,
               Invitation.person_id, Invitation.provider_id, Invitation.region_id,
               Region.code.label("region"), Region.joined_year, Invitation.anchor_date,
               Invitation.due_on.label("ref_date"), Invitation.status)
        .join(FollowUpPlan, FollowUpPlan.id == Invitation.plan_id)
        .join(PlanWave, (PlanWave.plan_id == Invitation.plan_id) & (PlanWave.name == Invitation.wave))
        .outerjoin(Region, Region.id == Invitation.region_id)
        .where(FollowUpPlan.survey_version_id.in_(versions))
        .order_by(Invitation.id)
    )
    frame = read_frame(stmt, text=("wave", "respondent_key", "region", "status"),
                       dates=("anchor_date", "ref_date"))
    frame["ref_year"] = frame["ref_date"].dt.year.astype("int64")
    frame["pilot_region"] = (frame["joined_year"] <= PILOT_UNTIL_YEAR).astype("int64")
    started = read_frame(select(TrainingSession.region_id,
                                func.min(TrainingSession.held_on).label("first_training"))
                         .join(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
                         .where(TrainingAttendance.hours_attended > 0)
                         .group_by(TrainingSession.region_id), dates=("first_training",))
    started["region_training_year"] = started["first_training"].dt.year.astype("Int64")
    frame["region_training_year"] = _lookup(frame["region_id"], started[["region_id", "region_training_year"]],
                                            "region_id")["region_training_year"].astype("Int64")
    frame = frame.drop(columns=["joined_year"])
    return frame.sort_values(["respondent_key", "wave_months"], kind="stable", ignore_index=True)


def _person_context(frame: pd.DataFrame, survey_id: int, cutoff: Cutoff) -> pd.DataFrame:
    """Exposure, covariates, main provider, its organisation and caseload, per row of ``frame``."""
    invited = _invited(survey_id, Invitation.person_id)
    covariates = read_frame(select(AssistedPerson.id.label("person_id"),
                                   *(getattr(AssistedPerson, c) for c in PERSON_COVARIATES))
                            .where(AssistedPerson.id.in_(invited)), text=PERSON_COVARIATES)
    # The main provider is the provider of the person's first episode (earliest start, then id).
    episodes = read_frame(select(AssistanceEpisode.person_id, AssistanceEpisode.provider_id)
                          .where(AssistanceEpisode.person_id.in_(invited))
                          .order_by(AssistanceEpisode.person_id, AssistanceEpisode.started_on,
                                    AssistanceEpisode.id))
    main = (episodes.drop_duplicates("person_id")
            .rename(columns={"provider_id": "main_provider_id"}))
    del episodes
    caseload = read_frame(select(AssistanceEpisode.provider_id.label("main_provider_id"),
                                 func.count().label("provider_caseload"))
                          .group_by(AssistanceEpisode.provider_id))
    providers = read_frame(select(Provider.id.label("main_provider_id"), Provider.organisation_id,
                                  Provider.profession.label("main_provider_profession")),
                           text=("main_provider_profession",))
    requests = frame[["person_id", "ref_date"]].astype({"person_id": "int64"})
    exposure = exposure_frame(requests, cutoff).drop(columns=["person_id", "ref_date"])
    exposure["trained"] = exposure["trained"].astype("int64")
    person = frame["person_id"]
    context = pd.concat([_lookup(person, covariates, "person_id"),
                         _lookup(person, main, "person_id")], axis=1)
    provider = context["main_provider_id"]
    context["provider_caseload"] = (_lookup(provider, caseload, "main_provider_id")["provider_caseload"]
                                    .fillna(0).astype("int64"))
    context = pd.concat([context, _lookup(provider, providers, "main_provider_id")], axis=1)
    counts = context["provider_caseload"].to_numpy(dtype=float)
    context["log2_caseload"] = np.log2(counts, out=np.full(len(counts), np.nan), where=counts > 0)
    return pd.concat([exposure, context], axis=1)


def _invited(survey_id: int, column):
    """A subquery of the persons (or providers) invited to any plan of ``survey_id``."""
    versions = select(SurveyVersion.id).where(SurveyVersion.survey_id == survey_id)
    plans = select(FollowUpPlan.id).where(FollowUpPlan.survey_version_id.in_(versions))
    return select(column).where(Invitation.plan_id.in_(plans), column.is_not(None)).distinct()


def _provider_context(frame: pd.DataFrame) -> pd.DataFrame:
    """The provider's own training before the wave, profession and organisation, per row."""
    providers = read_frame(select(Provider.id.label("provider_id"), Provider.profession,
                                  Provider.organisation_id), text=("profession",))
    attended = read_frame(
        select(TrainingAttendance.provider_id, TrainingSession.held_on, TrainingAttendance.hours_attended)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(TrainingAttendance.hours_attended > 0), dates=("held_on",))
    keys = frame[["invitation_id", "provider_id", "ref_date"]].astype({"provider_id": "int64"})
    pairs = keys.merge(attended, on="provider_id", how="inner")
    pairs = pairs[pairs["held_on"] < pairs["ref_date"]]  # strictly before, as for persons
    per = pairs.groupby("invitation_id").agg(training_hours=("hours_attended", "sum"),
                                             last_training=("held_on", "max")).reset_index()
    out = _lookup(frame["invitation_id"], per, "invitation_id")
    out["training_hours"] = out["training_hours"].fillna(0.0).astype("float64")
    out["trained"] = (out["training_hours"] > 0).astype("int64")
    out["months_since_training"] = (frame["ref_date"] - out["last_training"]).dt.days / DAYS_PER_MONTH
    out = out.drop(columns=["last_training"])
    return pd.concat([out, _lookup(frame["provider_id"], providers, "provider_id")], axis=1)


def _lookup(keys: pd.Series, table: pd.DataFrame, on: str) -> pd.DataFrame:
    """The rows of ``table`` (unique in ``on``) for each of ``keys``, in order, without ``on``;
    a row of missing values where a key is missing or not in the table (as a left merge)."""
    found = pd.Index(table[on]).get_indexer(keys.to_numpy())
    rest = table.drop(columns=[on]).reset_index(drop=True)
    return rest.reindex(found).reset_index(drop=True)


def _is_binary(values: pd.Series) -> bool:
    """Whether every answer is a number and each is 0 or 1 (at least one answer)."""
    if values.dtype.kind == "M":
        return False
    try:
        _, distinct = pd.factorize(values)  # each distinct value once; NaN and None left out
    except TypeError:  # lists (select multiple) are not numbers
        return False
    numbers = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce")
    return bool(len(numbers)) and not numbers.isna().any() and bool(np.isin(numbers, [0.0, 1.0]).all())
