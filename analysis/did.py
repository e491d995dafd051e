"""Difference-in-differences over the regional roll-out of training.

Two designs: a 2x2 comparison (`post=` with the treated group as the exposure or `treated=`), and a
staggered roll-out (`adoption=`, the period each unit started; empty for never). Both are fitted
as two-way fixed effects (unit and period effects) with standard errors clustered by unit (or
`cluster`). Because a roll-out has few regions, with fewer than 30 clusters the p-value and the
interval come from a restricted wild cluster bootstrap (see `wild_bootstrap`), and because a
staggered roll-out makes the TWFE coefficient a weighted mix of comparisons that can mislead when
effects change over time, the result carries an event study (leads and lags around adoption,
reference period -1), a joint test of the leads, and that caveat in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.fitting import captured_warnings, quiet
from analysis.prepare import INTERCEPT, independent_columns, prepare
from analysis.results import AnalysisError, EffectResult, EffectSize
from analysis.small_samples import check_options

OPTIONS = ("unit", "time", "post", "treated", "adoption", "bootstrap", "reps", "weights", "event_study")
FEW_CLUSTERS = 30
STAGGERED = ("Adoption times differ between units (a staggered roll-out). When the effect grows or fades "
             "with time since adoption, or differs between early and late adopters, the two-way fixed-effects "
             "estimate can be biased, even of the wrong sign, because units trained earlier serve as controls "
             "for units trained later (Goodman-Bacon 2021). Prefer a heterogeneity-robust estimator such as "
             "Callaway & Sant'Anna (2021) for a final answer.")
#: Added to STAGGERED only when an event study could be estimated.
READ_EVENT_STUDY = " Read the estimate together with the event-study coefficients."

NO_EVENT_STUDY = ("No event study is shown: every unit adopts and too few periods before adoption are observed, so "
                  "time since adoption cannot be told apart from calendar time and the units, and each lead or lag "
                  "would carry an arbitrary trend. Parallel trends cannot be checked, and a dynamic effect (one that "
                  "grows with time since adoption) biases the single estimate; a comparison group that is never "
                  "trained, or more periods before adoption, is needed for both.")


@dataclass(frozen=True)
class _Design:
    """The working table and, aligned with it, fixed-effect codes and event time."""

    data: pd.DataFrame  # outcome, exposure (= the treatment indicator D), covariates, unit/time/cluster
    unit_codes: pd.Series
    time_codes: pd.Series
    event_time: pd.Series  # periods since adoption for ever-treated units; NaN for never-treated
    after: pd.Series  # 1 from the start of the roll-out (2x2) or from the unit's adoption (staggered)
    design: str  # "2x2" or "staggered"
    treatment: str  # how the treatment indicator was made, in words
    unit_label: str  # what a unit is, for messages
    notes: tuple[str, ...]
    adoption: dict[str, Any]


@quiet
def fit_did(df: pd.DataFrame, outcome: str, exposure: str, covariates: str | Sequence[str] = (),
            cluster: str | None = None, **options: Any) -> EffectResult:
    """Two-way fixed-effects difference-in-differences with an event study.

    Options: `unit` and `time` columns (region, period); either `post` (0/1 after the start), with
    the treated group given by `treated` or else by the exposure column, or `adoption` (a column
    holding each unit's first trained period, empty for never-trained units; `unit` and `time`
    required). Standard errors are clustered by `cluster`, else `unit`; with fewer than 30
    clusters a wild cluster bootstrap gives p and CI (`bootstrap` "auto"/True/False, `reps` 999,
    `seed`, `weights` "auto"/"rademacher"/"webb"). `event_study=False` skips the event study.
    Raises AnalysisError for a single unit, no period before adoption, no comparison units, and
    the input problems `prepare` finds.
    """
    check_options("did", options, OPTIONS)
    frame = df.reset_index(drop=True)
    if options.get("adoption") is not None:
        spec = _staggered(frame, exposure, options)
    elif options.get("post") is not None:
        spec = _two_by_two(frame, exposure, options)
    else:
        raise AnalysisError("Method 'did' needs the timing of the exposure: either post= (a 0/1 column, 1 after "
                            "the start) with the treated group as the exposure or treated=, or adoption= (each "
                            "unit's first trained period) with unit= and time=.")
    unit, time = options.get("unit"), options.get("time")
    cluster = cluster or unit
    extra = tuple(c for c in (unit, time) if c and c != cluster)
    data, timing_note = _known_timing(spec, exposure, options)
    prep = prepare(data, outcome, exposure, covariates, cluster, extra=extra, method="did")
    if timing_note:
        prep = prep.with_warning(timing_note)
    rows = prep.data.index
    unit_codes = spec.unit_codes.loc[rows]
    time_codes = spec.time_codes.loc[rows]
    event_time = spec.event_time.loc[rows]
    _check_identification(prep.t, unit_codes, event_time, spec.after.loc[rows], spec.design, options,
                          frame.loc[rows])
    if prep.groups is not None and prep.n_clusters < 2:
        raise AnalysisError(f"All rows belong to one cluster of '{prep.cluster}': a difference-in-differences "
                            "clustered by it needs at least two.")

    fe = _fixed_effects(unit_codes, time_codes)
    covariate_block = prep.X.drop(columns=[INTERCEPT, exposure])
    X, notes = _full_rank(prep.X[[INTERCEPT, exposure]], covariate_block, fe, exposure)
    groups = pd.factorize(prep.groups, sort=True)[0] if prep.groups is not None else None
    fitted, fit_notes = _ols(prep.y, X, groups)
    notes = [*spec.notes, *notes, *fit_notes]
    if groups is None:
        notes.append("No unit or cluster was given, so rows are treated as independent (classical OLS standard "
                      "errors); with repeated observations of the same regions give unit= so that the standard "
                      "errors are clustered.")
    estimate = float(fitted.params[exposure])
    bse = _bse(fitted)
    se = float(bse[exposure])
    scale = max(abs(estimate), float(prep.y.std()), 1e-300)
    usable = groups is None or (prep.n_clusters >= 3 and se > 1e-8 * scale)
    p_values = fitted.pvalues if usable else pd.Series(math.nan, index=X.columns)
    if usable:
        ci_low, ci_high = (float(v) for v in fitted.conf_int().loc[exposure])
        p_value = float(fitted.pvalues[exposure])
    else:
        se = ci_low = ci_high = p_value = math.nan
        notes.append(f"With only {prep.n_clusters} clusters of '{prep.cluster}' the cluster-robust standard error "
                     "cannot be estimated (it comes out as zero or undefined), so the estimate is shown without a "
                     "standard error, interval or p-value. More units, or another cluster, are needed for inference.")
    details: dict[str, Any] = {
        "design": spec.design, "treatment": spec.treatment, "unit": unit or spec.unit_label,
        "time": time or options.get("post"),
        "n_units": int(unit_codes.nunique()), "n_periods": int(time_codes.nunique()),
        "adoption": spec.adoption,
        "coefficients": {c: {"estimate": float(fitted.params[c]), "std_error": float(bse[c]),
                             "p_value": float(p_values[c])}
                         for c in X.columns if not c.startswith(("unit[", "period["))},
        "fixed_effects": "unit and period",
        "std_error_type": (f"cluster-robust CR1 by '{prep.cluster}'" if groups is not None
                           else "classical (homoskedastic)"),
        "inference": (f"t with {prep.n_clusters - 1} degrees of freedom" if groups is not None
                      else f"t with {int(fitted.df_resid)} degrees of freedom"),
    }
    if usable and groups is not None and _use_bootstrap(options, prep.n_clusters):
        boot = _bootstrap(prep.y.to_numpy(float), X, exposure, groups, options)
        p_value, ci_low, ci_high = boot["p_value"], boot["ci_low"], boot["ci_high"]
        details["wild_bootstrap"] = boot
        notes.append(
            f"Only {prep.n_clusters} clusters of '{prep.cluster}': the p-value and the 95% CI come from a wild "
            f"cluster bootstrap with the null imposed (WCR, {boot['weights']} weights, {boot['reps']} replications, "
            f"seed {boot['seed']}); the CI is found by inverting the bootstrap test. The standard error shown is "
            "the analytic cluster-robust (CR1) one.")
        if prep.n_clusters < 5:
            notes.append(f"With only {prep.n_clusters} clusters no method gives reliable inference: the bootstrap has "
                         f"only {(6 if boot['weights'] == 'webb' else 2) ** prep.n_clusters} distinct draws and cannot "
                         "tell chance from an effect. Treat the p-value and interval as descriptive.")
    elif usable and groups is not None and prep.n_clusters < FEW_CLUSTERS:
        notes.append(f"Only {prep.n_clusters} clusters of '{prep.cluster}' and no bootstrap: cluster-robust "
                     "p-values and intervals may be too optimistic.")
    if options.get("event_study", True):
        study, study_notes = _event_study(prep, event_time, covariate_block, fe, groups, usable)
        details.update(study)
        notes.extend(study_notes)
    if len({a for a in spec.adoption.values() if a is not None}) > 1:
        notes.append(STAGGERED + (READ_EVENT_STUDY if details.get("event_study") else ""))
    sizes: tuple[EffectSize, ...] = ()
    if prep.outcome_binary:
        sizes = (EffectSize("risk_difference", estimate, ci_low, ci_high),)
    result = EffectResult(
        method="did", outcome=outcome, exposure=exposure, estimate=estimate, std_error=se, ci_low=ci_low,
        ci_high=ci_high, p_value=p_value, n=prep.n, n_clusters=prep.n_clusters, effect_sizes=sizes,
        warnings=tuple(dict.fromkeys([*prep.warnings, *notes])), covariates=prep.covariates,
        cluster=prep.cluster, details=details)
    return replace(result, summary=_summary(result)) if options.get("summary", True) else result


def _known_timing(spec: _Design, exposure: str, options: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Rows whose group or period is unknown cannot be placed before or after; drop and count them."""
    unknown = spec.data[exposure].isna()
    if not unknown.any():
        return spec.data, ""
    if spec.design == "2x2":
        names = [options.get("treated") or exposure, options["post"], *([options["time"]] if options.get("time")
                                                                         else [])]
    else:
        names = [options["time"]]
    return spec.data[~unknown], (f"{int(unknown.sum())} of {len(unknown)} rows were left out because "
                                 f"{' or '.join(repr(n) for n in names)} is missing, so their group or period is "
                                 "unknown.")


def _binary(values: pd.Series, name: str) -> pd.Series:
    """A two-valued column as 0/1 (the larger value, or True, is 1); missing stays missing."""
    present = values.dropna()
    levels = sorted(present.unique(), key=lambda v: (str(type(v)), v))
    if len(levels) > 2:
        raise AnalysisError(f"'{name}' must have two values (0/1), but it has {len(levels)}.")
    if len(levels) == 2:
        coded = (values == levels[1]).astype(float)
    else:
        coded = (values == 1).astype(float) if levels else values.astype(float)
    return coded.where(values.notna())


def _columns_exist(frame: pd.DataFrame, names: Sequence[str | None]) -> None:
    unknown = [n for n in names if n is not None and n not in frame.columns]
    if unknown:
        raise AnalysisError(f"No column named {', '.join(repr(c) for c in unknown)} in the data.")


def _two_by_two(frame: pd.DataFrame, exposure: str, options: dict[str, Any]) -> _Design:
    post, unit, time = options["post"], options.get("unit"), options.get("time")
    treated = options.get("treated") or exposure
    _columns_exist(frame, [exposure, treated, post, unit, time])
    g, after = _binary(frame[treated], treated), _binary(frame[post], post)
    d = g * after
    if treated != exposure:
        given = _binary(frame[exposure], exposure)
        clash = int(((given != d) & given.notna() & d.notna()).sum())
        if clash:
            raise AnalysisError(f"The exposure '{exposure}' is not '{treated}' x '{post}' in {clash} rows; give "
                                "the treatment indicator, or leave treated= out and give the treated group as the "
                                "exposure.")
    if unit and (frame.groupby(unit)[treated].nunique() > 1).any():
        raise AnalysisError(f"'{treated}' changes within some units of '{unit}': the treated group must be "
                            "fixed per unit (use adoption= for a roll-out).")
    if time and (frame.groupby(time)[post].nunique() > 1).any():
        raise AnalysisError(f"'{post}' differs between rows of the same period of '{time}': with timing that "
                            "differs between units use adoption= instead of post=.")
    data = frame.drop(columns=[exposure]).assign(**{exposure: d})
    unit_codes = _codes(frame[unit]) if unit else g
    time_codes = _codes(frame[time]) if time else after
    first: Any = 1
    if time:
        start = time_codes[after == 1].min()
        if not math.isnan(start):
            first = _plain(frame.loc[time_codes == start, time].iloc[0])
            late_zero = (time_codes >= start) & (after == 0)
            if late_zero.any():
                raise AnalysisError(f"'{post}' goes back to 0 after it first becomes 1 (in '{time}'); post= must "
                                    "mark every period from the start onwards.")
        event = (time_codes - start).where(g == 1)
    else:
        event = (after - 1).where(g == 1)
    if unit:
        flags = g.groupby(frame[unit]).max()
        adoption = {str(k): (first if v == 1 else None) for k, v in flags.items()}
    else:
        adoption = {"treated": first, "comparison": None}
    return _Design(data, unit_codes, time_codes, event, after, "2x2", f"'{treated}' x '{post}'", treated, (),
                   adoption)


def _staggered(frame: pd.DataFrame, exposure: str, options: dict[str, Any]) -> _Design:
    adoption, unit, time = options["adoption"], options.get("unit"), options.get("time")
    if not unit or not time:
        raise AnalysisError("A staggered design (adoption=) needs unit= (for example the region) and time= (the "
                            "period of each row).")
    _columns_exist(frame, [exposure, adoption, unit, time])
    per_unit = frame.groupby(unit)[adoption].nunique(dropna=False)
    if (per_unit > 1).any():
        bad = ", ".join(str(u) for u in per_unit.index[per_unit > 1][:5])
        raise AnalysisError(f"'{adoption}' must be the same for every row of a unit of '{unit}' (it differs "
                            f"within {bad}).")
    periods = _sorted_unique(frame[time].dropna(), time)
    position = {p: i for i, p in enumerate(periods)}
    time_codes = frame[time].map(position)
    try:
        start = frame[adoption].map(lambda a: _first_position(a, periods))
    except TypeError as exc:
        raise AnalysisError(f"The adoption periods in '{adoption}' cannot be compared with the periods in "
                            f"'{time}'; give them in the same units.") from exc
    d = (time_codes >= start).astype(float).where(frame[time].notna())
    notes: list[str] = []
    if exposure != adoption:
        given = frame[exposure]
        if pd.api.types.is_numeric_dtype(given) or pd.api.types.is_bool_dtype(given):
            given = _binary(given, exposure)
            clash = int(((given != d) & given.notna() & d.notna()).sum())
            if clash:
                notes.append(f"The exposure '{exposure}' differs from the roll-out in '{adoption}' in {clash} rows; "
                             "the estimate is of the unit's adoption (an intention-to-treat contrast), not of each "
                             "row's own exposure.")
    data = frame.drop(columns=[exposure]).assign(**{exposure: d})
    event = (time_codes - start).where(start.notna())
    adoption_by_unit = {str(u): (None if pd.isna(a) else _plain(a))
                        for u, a in frame.groupby(unit)[adoption].first().items()}
    late = frame[adoption].notna() & start.isna()
    if late.any():
        notes.append(f"{frame.loc[late, unit].nunique()} units adopt after the last period observed; they count "
                     "as not (yet) trained.")
    return _Design(data, _codes(frame[unit]), time_codes, event, d, "staggered",
                   f"'{time}' at or after the unit's '{adoption}'", unit, tuple(notes), adoption_by_unit)


def _first_position(value: Any, periods: list[Any]) -> float:
    if pd.isna(value):
        return math.nan
    for i, p in enumerate(periods):
        if p >= value:
            return float(i)
    return math.nan


def _sorted_unique(values: pd.Series, name: str) -> list[Any]:
    try:
        return sorted(values.unique())
    except TypeError as exc:
        raise AnalysisError(f"The periods in '{name}' cannot be put in order (mixed kinds of values).") from exc


def _codes(values: pd.Series) -> pd.Series:
    codes = pd.factorize(values, sort=True)[0].astype(float)
    return pd.Series(np.where(codes < 0, np.nan, codes), index=values.index)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _check_identification(d: pd.Series, units: pd.Series, event: pd.Series, after: pd.Series, design: str,
                          options: dict[str, Any], rows: pd.DataFrame) -> None:
    unit = options.get("unit")
    if unit and units.nunique() < 2:
        raise AnalysisError(f"All rows come from one unit of '{unit}' ({rows[unit].iloc[0]}): a difference-in-"
                            "differences compares units, so it needs at least two.")
    if design == "2x2":
        treated = event.notna()
        for group, gname in ((treated, "treated"), (~treated, "comparison")):
            for period, pname in ((after == 0, "before"), (after == 1, "after")):
                if not (group & period).any():
                    raise AnalysisError(
                        f"No row of the {gname} group {pname} the start ('{options['post']}' = "
                        f"{0 if pname == 'before' else 1}): a difference-in-differences needs both groups both "
                        "before and after" + (" (there is no pre-period)." if pname == "before" else "."))
        return
    ever = event.notna()
    if not ever.any():
        raise AnalysisError("No unit adopts within the periods observed: there is no exposure to evaluate.")
    if not (event < 0).any():
        raise AnalysisError("No unit that adopted is observed before it adopted (no pre-period): without a "
                            "'before' there is no difference-in-differences.")
    if bool((d == 1).all()) or bool((d == 0).all()):
        raise AnalysisError("The exposure does not vary in the rows analysed: there is no comparison.")


def _fixed_effects(units: pd.Series, times: pd.Series) -> pd.DataFrame:
    u = pd.get_dummies(units.astype(int), prefix="unit", prefix_sep="[", dtype=float).iloc[:, 1:]
    t = pd.get_dummies(times.astype(int), prefix="period", prefix_sep="[", dtype=float).iloc[:, 1:]
    fe = pd.concat([u, t], axis=1)
    fe.columns = [f"{c}]" for c in fe.columns]
    return fe


def _full_rank(head: pd.DataFrame, covariates: pd.DataFrame, fe: pd.DataFrame, exposure: str
               ) -> tuple[pd.DataFrame, list[str]]:
    """Intercept, exposure, covariates and fixed effects, with covariates the effects absorb left out."""
    X = pd.concat([head[[INTERCEPT]], fe, head[[exposure]], covariates], axis=1)
    keep = _independent(X)
    if exposure not in keep:
        raise AnalysisError(
            f"The exposure '{exposure}' is completely explained by the unit and period effects: every unit that "
            "was ever trained was trained at the same time and no unit stays untrained for comparison (or no unit "
            "changes), so there is no comparison group.")
    notes = [f"The covariate '{col}' does not vary within units and periods beyond what the fixed effects capture; "
             "it was left out (the unit and period effects already adjust for it)."
             for col in covariates.columns if col not in keep]
    ordered = [INTERCEPT, exposure, *[c for c in covariates.columns if c in keep], *fe.columns]
    return X[ordered], notes


def _ols(y: pd.Series, X: pd.DataFrame, groups: np.ndarray | None) -> tuple[Any, list[str]]:
    from statsmodels.regression.linear_model import OLS

    with captured_warnings() as notes:
        model = OLS(y.to_numpy(float), X)
        if groups is not None:
            fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        else:
            fitted = model.fit()
    return fitted, notes


def _bse(fitted: Any) -> pd.Series:
    """Standard errors, with variances that rounding made slightly negative read as zero."""
    cov = fitted.cov_params()
    return pd.Series(np.sqrt(np.clip(np.diag(cov.to_numpy(float)), 0, None)), index=cov.index)


def _use_bootstrap(options: dict[str, Any], n_clusters: int | None) -> bool:
    choice = options.get("bootstrap", "auto")
    if choice == "auto":
        return n_clusters is not None and n_clusters < FEW_CLUSTERS
    if choice in (True, False):
        return bool(choice)
    raise AnalysisError(f"bootstrap={choice!r} is not known; use 'auto', True or False.")


def _bootstrap(y: np.ndarray, X: pd.DataFrame, exposure: str, groups: np.ndarray, options: dict[str, Any]
               ) -> dict[str, Any]:
    from analysis.wild_bootstrap import wild_cluster_bootstrap

    reps = int(options.get("reps", 999))
    weights = str(options.get("weights", "auto")).lower()
    if weights not in ("auto", "rademacher", "webb"):
        raise AnalysisError(f"weights={weights!r} is not known; use 'auto', 'rademacher' or 'webb'.")
    if reps < 99:
        raise AnalysisError("reps must be at least 99 for a bootstrap p-value.")
    seed = int(options.get("seed", 2012))
    boot = wild_cluster_bootstrap(y, X.to_numpy(float), list(X.columns).index(exposure), groups, reps=reps,
                                  seed=seed, weights=weights)
    return {"p_value": boot.p_value, "ci_low": boot.ci_low, "ci_high": boot.ci_high, "reps": boot.reps,
            "weights": boot.weights, "seed": boot.seed, "n_clusters": boot.n_clusters,
            "method": "restricted wild cluster bootstrap (WCR, null imposed), symmetric p-value; 95% CI by test "
                      "inversion",
            "t_stat": boot.t_stat}


def _event_study(prep: Any, event: pd.Series, covariates: pd.DataFrame, fe: pd.DataFrame,
                 groups: np.ndarray | None, inference: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Leads and lags relative to adoption (reference -1) and a joint test of the leads."""
    notes: list[str] = []
    observed = sorted(int(e) for e in event.dropna().unique())
    negatives = [e for e in observed if e < 0]
    reference = -1 if -1 in observed else max(negatives)
    if reference != -1:
        notes.append(f"Period -1 (just before adoption) is not observed; the event study uses {reference} as its "
                     "reference period.")
    dropped = [reference]
    never_treated = bool(event.isna().any())
    if not never_treated and len(negatives) > 1:
        dropped.append(min(negatives))
        notes.append(f"Every unit adopts at some point, so a second lead ({min(negatives)}) is fixed at zero as well "
                     "to identify the event study.")
    names = {e: f"event[{e}]" for e in observed if e not in dropped}
    dummies = pd.DataFrame({name: (event == e).astype(float) for e, name in names.items()}, index=event.index)
    head = pd.DataFrame({INTERCEPT: np.ones(len(event))}, index=event.index)
    base = pd.concat([head, covariates, fe], axis=1)
    X = pd.concat([head, dummies, covariates, fe], axis=1)
    keep = _independent(X)
    if set(_independent(base)) - set(keep):
        # The event-time terms took the place of fixed effects: time since adoption is a linear mix of
        # calendar time and the units (every unit adopts, and one lead is all there is to fix), so
        # each coefficient would carry an arbitrary trend (Borusyak, Jaravel & Spiess 2024).
        notes.append(NO_EVENT_STUDY)
        return {"event_study": [], "reference_period": reference, "pretrend_test": None,
                "event_study_inference": "not identified"}, notes
    lost = [c for c in dummies.columns if c not in keep]
    if lost:
        notes.append(f"Event-study terms {', '.join(lost)} cannot be told apart from the fixed effects and were "
                     "left out.")
    X = X[keep]
    fitted, fit_notes = _ols(prep.y, X, groups)
    notes.extend(fit_notes)
    ci = fitted.conf_int() if inference else pd.DataFrame(math.nan, index=X.columns, columns=[0, 1])
    p_values = fitted.pvalues if inference else pd.Series(math.nan, index=X.columns)
    bse = _bse(fitted)
    rows: list[dict[str, Any]] = []
    for e in observed:
        name = names.get(e)
        count = int((event == e).sum())
        if name is None or name not in X.columns:
            rows.append({"event_time": e, "estimate": 0.0 if e in dropped else math.nan, "std_error": math.nan,
                         "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan, "n": count,
                         "reference": e in dropped})
            continue
        rows.append({"event_time": e, "estimate": float(fitted.params[name]),
                     "std_error": float(bse[name]) if inference else math.nan,
                     "ci_low": float(ci.loc[name].iloc[0]), "ci_high": float(ci.loc[name].iloc[1]),
                     "p_value": float(p_values[name]), "n": count, "reference": False})
    leads = [names[e] for e in observed if e < -1 and e in names and names[e] in X.columns]
    if inference:
        test, test_notes = _pretrend_test(fitted, leads, groups)
        notes.extend(test_notes)
    else:
        test = None
    return {"event_study": rows, "reference_period": reference, "pretrend_test": test,
            "event_study_inference": "analytic " + ("cluster-robust (CR1) " if groups is not None else "")
                                     + "intervals, not bootstrapped"}, notes


def _independent(X: pd.DataFrame) -> list[str]:
    """Columns of X, left to right, that are not linear combinations of the ones kept before them."""
    return [X.columns[j] for j in independent_columns(X.to_numpy(float))]


def _pretrend_test(fitted: Any, leads: list[str], groups: np.ndarray | None) -> tuple[dict[str, Any] | None,
                                                                                       list[str]]:
    if not leads:
        return None, ["Only one period before adoption is observed, so parallel trends before adoption cannot be "
                      "checked; the estimate rests on that assumption unchecked."]
    from scipy import stats

    b = fitted.params[leads].to_numpy(float)
    V = fitted.cov_params().loc[leads, leads].to_numpy(float)
    q = len(leads)
    df_denom = (int(groups.max())) if groups is not None else int(fitted.df_resid)
    notes: list[str] = []
    if np.linalg.matrix_rank(V) < q:
        notes.append(f"The joint test of the {q} leads is not possible with so few clusters (the cluster-robust "
                     "covariance of the leads is singular); look at the leads one by one.")
        return {"leads": leads, "f_stat": math.nan, "df_num": q, "df_denom": df_denom, "p_value": math.nan}, notes
    f_stat = float(b @ np.linalg.solve(V, b)) / q
    p = float(stats.f.sf(f_stat, q, df_denom))
    if groups is not None and q > df_denom / 2:
        notes.append(f"The joint test of the leads uses {q} leads with only {df_denom + 1} clusters; its p-value is "
                     "rough.")
    if p < 0.05:
        notes.append(f"Before adoption the units already drifted apart (joint test of the {q} leads: p = {p:.3g}): "
                     "the parallel-trends assumption behind the estimate is in doubt.")
    return {"leads": leads, "f_stat": f_stat, "df_num": q, "df_denom": df_denom, "p_value": p,
            "test": "Wald F test that all leads are zero"}, notes


def _summary(result: EffectResult) -> str:
    d = result.details
    lines = [f"Difference-in-differences, two-way fixed effects ({d['design']} design): "
             f"{d['n_units']} units, {d['n_periods']} periods, n = {result.n}",
             f"effect of '{result.exposure}' on '{result.outcome}': {result.estimate:.4f}, SE {result.std_error:.4f} "
             f"({d['std_error_type']}), 95% CI {result.ci_low:.4f} to {result.ci_high:.4f}, p = {result.p_value:.4g}"]
    if "wild_bootstrap" in d:
        lines.append(f"p and CI: {d['wild_bootstrap']['method']}, {d['wild_bootstrap']['weights']} weights, "
                     f"{d['wild_bootstrap']['reps']} replications")
    if d.get("event_study"):
        lines.append(f"{'event time':>10}{'estimate':>12}{'95% CI':>26}")
        for row in d["event_study"]:
            ci = ("reference" if row["reference"] else f"{row['ci_low']:.4f} to {row['ci_high']:.4f}")
            lines.append(f"{row['event_time']:>10d}{row['estimate']:>12.4f}{ci:>26}")
    test = d.get("pretrend_test")
    if test:
        lines.append(f"pre-trend test: F({test['df_num']}, {test['df_denom']}) = {test['f_stat']:.3f}, "
                     f"p = {test['p_value']:.4g}")
    return "\n".join(lines)
