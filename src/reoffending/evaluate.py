"""The full evaluation: inputs -> outcomes -> design (trial or matched) -> effects -> result."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import disclosure
from .blas import blas_threads
from .effects import (
    Arm,
    BinaryEffect,
    MeanDifference,
    RateEffect,
    StratumArms,
    arm,
    binary_effect,
    binary_from,
    binary_stratified,
    mean_difference,
    rate_from,
)
from .errors import EstimationError, InputError, SettingError
from .harm import HarmTable, load_harm_table
from .matching import Balance, Matching, Overlap, balance, match, overlap
from .memory import no_hugepage_advice
from .outcomes import PROVEN_DISPOSALS, WAITING_DAYS, compute_outcomes
from .propensity import LogitResult, design_matrix, fit_logit
from .results import Result
from .survival import (
    CoxResult,
    LogRank,
    SurvivalCurves,
    cox_from,
    cox_strata,
    curves_from,
    kaplan_meier_from,
    logrank_from,
    logrank_strata,
    tally,
)
from .tables import Cohort, Labels, Offences, check_data_end, load_cohort, load_offences
from .trial import (
    ComplierEffect,
    Consort,
    MinimumDetectableEffect,
    complier_effect,
    minimum_detectable_effect,
)

EPOCH = dt.date(1970, 1, 1)
Progress = Callable[[str], None]


def _date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=int(day))).isoformat()


@dataclass
class GroupSummary(Result):
    people: int  # in the analysis sample for this outcome (full follow-up)
    weighted_people: float
    reoffended: int
    offences: int
    prevalence: float | None
    frequency_per_100: float | None
    harm_total: float
    harm_mean: float | None
    severity_mean: float | None  # mean of each reoffender's most harmful offence (days)
    survival_at_window_end: float | None
    median_days_to_first: float | None


@dataclass
class OutcomeResult(Result):
    """One window x scope: group summaries, effects and the verdict on prevalence."""

    window_days: int
    scope: str
    treated: GroupSummary
    control: GroupSummary
    follow_up_incomplete: dict[str, int]
    prevalence: BinaryEffect
    frequency: RateEffect
    harm: MeanDifference
    log_rank: LogRank
    cox: CoxResult | None
    complier_average: ComplierEffect | None
    treatment_received: BinaryEffect | None
    verdict: str
    note: str = ""
    # Kaplan-Meier curves of the analysed sample (weighted in the matched design) with
    # numbers at risk, so that a report draws the engine's own curves.
    curves: SurvivalCurves | None = None
    # With two or more strata (a pooled run: the forces): each stratum's analysed arms. The
    # prevalence effect is then Mantel-Haenszel, the log-rank test and Cox model stratified.
    strata: list[StratumArms] | None = None


@dataclass
class Evaluation(Result):
    definitions: dict[str, Any]
    data: dict[str, Any]
    outcomes: list[OutcomeResult]
    minimum_detectable_effect: MinimumDetectableEffect
    verdict: str
    consort: Consort | None = None
    propensity_model: LogitResult | None = None
    matching: Matching | None = None
    balance: Balance | None = None
    overlap: Overlap | None = None
    published: dict[str, Any] = field(default_factory=dict)


def evaluate(
    cohort: Any,
    offences: Any,
    *,
    design: str = "trial",
    windows: tuple[int, ...] = (182, 365),
    basis: str = "recorded",
    scopes: tuple[str, ...] = ("any", "da"),
    covariates: list[str] | None = None,
    seed: int = 0,
    data_end: dt.date | str | None = None,
    harm_table: HarmTable | None = None,
    treated_label: str = "treatment",
    control_label: str | None = None,
    ratio: int = 1,
    replace: bool = True,
    caliper_sd: float = 0.2,
    complier: bool = False,
    bootstrap: int = 1000,
    publish_threshold: int = 5,
    waiting_days: int = WAITING_DAYS,
    proven_disposals: tuple[str, ...] = PROVEN_DISPOSALS,
    progress: Progress | None = None,
    blas: int | None = 1,
    threads: int = 2,
    at_risk_every: int = 30,
) -> Evaluation:
    """Evaluate an intervention. `cohort` and `offences` are Arrow-compatible tables or paths
    to CSV/Parquet files (see docs/engine.md for their columns). `blas` is the number of BLAS
    threads (one by default: see reoffending/blas.py). With `threads` > 1, steps that do not
    depend on each other run concurrently (reading the offences and the outcomes beside the
    propensity model and matching; balance and each outcome's effects side by side): less
    wall time, the same CPU time, and the same result bit for bit as `threads=1`. Cohorts
    under `THREADS_FROM_ROWS` people run in order: there threads cost more than they save.
    Each outcome's survival curves give the numbers at risk every `at_risk_every` days. In a
    trial, `covariates` (when given) are only described: their balance between the arms."""
    check_settings(design=design, windows=windows, ratio=ratio, caliper_sd=caliper_sd,
                   bootstrap=bootstrap, threads=threads, at_risk_every=at_risk_every)
    with blas_threads(blas), no_hugepage_advice(), contextlib.ExitStack() as stack:
        return _evaluate(
            cohort, offences, design, windows, basis, scopes, covariates, seed, data_end,
            harm_table, treated_label, control_label, ratio, replace, caliper_sd, complier,
            bootstrap, publish_threshold, waiting_days, proven_disposals, progress, threads,
            at_risk_every, stack,
        )  # fmt: skip


def _whole(value: Any, name: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise SettingError(f"{name} must be a whole number of at least {least}, not {value!r}")


def check_settings(*, design: str, windows: tuple[int, ...], ratio: int, caliper_sd: float,
                   bootstrap: int, threads: int, at_risk_every: int = 30) -> None:  # fmt: skip
    """Refuse out-of-range settings with a `SettingError` naming the setting, before any data
    is read. `bootstrap=0` is allowed and means no bootstrap: the harm difference then has only
    its normal-theory interval, which also gives its verdict."""
    if design not in ("trial", "matched"):
        raise SettingError(f"design must be 'trial' or 'matched', not {design!r}")
    if not windows:
        raise SettingError("at least one follow-up window is needed")
    for w in windows:
        _whole(w, "the follow-up window (days)", 1)
    _whole(ratio, "ratio (controls per treated person)", 1)
    _whole(threads, "threads", 1)
    _whole(bootstrap, "bootstrap (resamples; 0 for none)", 0)
    _whole(at_risk_every, "days between the numbers at risk", 1)
    if not isinstance(caliper_sd, int | float) or not math.isfinite(caliper_sd) or caliper_sd <= 0:
        raise SettingError(f"caliper (SDs of the logit) must be a positive number, not "
                           f"{caliper_sd!r}")  # fmt: skip


THREADS_FROM_ROWS = 50_000  # below this many people, threads cost more than they save


def _now(fn: Callable[..., Any], *args: Any) -> Future:
    """A finished Future holding fn(*args) or its exception: the one-thread stand-in for
    `pool.submit`, so both paths share the code and raise the same errors in the same order."""
    fut: Future = Future()
    try:
        fut.set_result(fn(*args))
    except Exception as exc:  # noqa: BLE001 - re-raised by fut.result()
        fut.set_exception(exc)
    return fut


def _evaluate(
    cohort, offences, design, windows, basis, scopes, covariates, seed, data_end, harm_table,
    treated_label, control_label, ratio, replace, caliper_sd, complier, bootstrap,
    publish_threshold, waiting_days, proven_disposals, progress, threads, at_risk_every, stack,
) -> Evaluation:  # fmt: skip
    say = progress or (lambda _msg: None)
    windows = tuple(sorted({int(w) for w in windows}))
    disclosure.check_threshold(publish_threshold)
    harm = harm_table or load_harm_table()

    say("reading and checking the cohort")
    if covariates is not None:  # in a trial only described (balance of the arms)
        c = load_cohort(cohort, covariates=covariates)
    else:
        c = load_cohort(cohort, covariates=[] if design == "trial" else None)
    pool = None
    if threads > 1 and c.n >= THREADS_FROM_ROWS:
        pool = stack.enter_context(ThreadPoolExecutor(threads, thread_name_prefix="reoffending"))
    submit = pool.submit if pool else _now
    # Offences and outcomes need only the cohort, as do the propensity model and matching:
    # with a pool the first pair runs beside the second (one task, so the other worker is free
    # for half of each propensity pass). Errors keep the in-order sequence: offences, the
    # cohort's labels, outcomes, then the design.
    say("reading and checking the offences" + (" (in the background)" if pool else ""))

    def offences_then_outcomes():
        o, end_day = _offences(offences, c, data_end)
        if not pool:
            say("outcomes")
        try:
            outs = compute_outcomes(
                c, o, harm, windows=windows, scopes=scopes, basis=basis, data_end_day=end_day,
                waiting_days=waiting_days, proven_disposals=proven_disposals,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - raised after the label checks, below
            return o, end_day, exc
        return o, end_day, outs

    def inputs():
        o, end_day, outs = f_in.result()
        if isinstance(outs, Exception):
            raise outs
        return o, end_day, outs

    f_in = submit(offences_then_outcomes)
    control_label = control_label or ("control" if design == "trial" else None)
    try:
        if design == "trial":
            if c.arm is None:
                raise InputError("cohort", "arm", "missing column (needed for the trial design)")
            t_mask = c.arm.mask(treated_label)
            c_mask = c.arm.mask(control_label)
        else:
            t_mask = c.group.mask(treated_label)
            if control_label is None:
                others = [lvl for lvl in c.group.levels if lvl != treated_label]
                fallback = others[0] if others else ""
                control_label = "comparison" if "comparison" in others else fallback
            c_mask = c.group.mask(control_label)
        if not t_mask.any():
            raise InputError("cohort", "arm" if design == "trial" else "group",
                             f"no rows labelled {treated_label!r}")  # fmt: skip
        if design == "trial" and not c_mask.any():  # one arm: nothing to compare with
            raise InputError("cohort", "arm", f"no rows labelled {control_label!r} (the control "
                             "arm); a trial needs both arms")  # fmt: skip
    except Exception:
        f_in.result()  # an error in the offences comes first, as in order
        raise
    if not pool:
        inputs()  # in order: an input error stops here, before any modelling

    weights = np.zeros(c.n)
    weights[t_mask | c_mask] = 1.0
    extras: dict[str, Any] = {}
    f_bal = None
    if design == "matched":
        try:
            extras = _matched(c, t_mask, c_mask, weights, seed, ratio, replace, caliper_sd, say,
                              pool)  # fmt: skip
        except Exception:
            inputs()  # input and outcome errors come first, as in order
            raise
        weights = extras.pop("weights")
        f_bal = extras.pop("balance")
    elif c.covariates:
        f_bal = _trial_balance(c, t_mask, c_mask)
    o, end_day, outs = inputs()
    if design == "trial":
        extras["consort"] = _consort(c, t_mask, c_mask, outs, treated_label, control_label)

    received = None
    if c.received is not None:
        received = np.isin(c.received.codes, [c.received.levels.index(v)
                                              for v in ("started", "completed")
                                              if v in c.received.levels])  # fmt: skip
    sample = _sample(t_mask, c_mask, weights, design)
    strata_sizes = None
    if c.stratum is not None and len(np.unique(c.stratum.codes[sample.rows])) >= 2:
        sample.strata = c.stratum.codes[sample.rows]
        sample.stratum_labels = c.stratum.levels
        strata_sizes = {
            lvl: {"treated_rows": int((t_mask & (c.stratum.codes == i)).sum()),
                  "control_rows": int((c_mask & (c.stratum.codes == i)).sum())}
            for i, lvl in enumerate(c.stratum.levels)
        }  # fmt: skip
    if f_bal is not None:  # balance runs beside the effects (it needs only the weights)
        if not pool:
            say("balance")
        f_bal = submit(*f_bal)
    if pool:
        say(f"effects and survival ({len(outs.outcomes)} outcomes, side by side)")
    step = (lambda _msg: None) if pool else say  # step names only when steps run in order
    end = (end_day, outs.waiting_days, data_end is not None)
    curve = ((treated_label, control_label), at_risk_every)
    futures = [submit(_effects, oc, sample, t_mask, c_mask, complier, received, bootstrap, seed,
                      step, end, curve) for oc in outs.outcomes]  # fmt: skip
    if f_bal is not None:
        extras["balance"] = f_bal.result()
    results = [f.result() for f in futures]
    first = results[0]
    mde = minimum_detectable_effect(
        first.treated.people, first.control.people, first.control.prevalence
    )
    definitions = {
        "design": design,
        "basis": basis,
        "windows_days": list(windows),
        "scopes": list(scopes),
        "index_rule": "offences strictly after the index date and within the window count; the "
        "index offence and anything on or before the index date never count",
        "waiting_period_days": waiting_days if basis == "proven" else None,
        "proven_disposals": list(proven_disposals) if basis == "proven" else None,
        "data_end": _date(end_day),
        "data_end_source": "given" if data_end is not None else "default: the latest "
        "recorded_date in the offences (the latest index date when there are none)",
        "harm_table_version": harm.version,
        "harm_table_source": harm.source,
        "treated": treated_label,
        "control": control_label,
        "denominator": "people with full follow-up (window, plus the waiting period when "
        "proven); time to first is censored at the window end or the end of follow-up: the data "
        "end, or on the proven basis the data end minus the waiting period",
        "primary": f"prevalence, {windows[0]} days, scope {scopes[0]}",
        "seed": seed,
        "publish_threshold": publish_threshold,
    }
    if strata_sizes is not None:
        definitions["stratified"] = (
            "by the cohort's stratum (in a pooled run, the force): prevalence by the "
            "Mantel-Haenszel risk difference (Greenland-Robins variance) and risk ratio, time "
            "to first by the stratified log-rank test and a Cox model with a baseline hazard "
            "per stratum; frequency, harm, the curves and the minimum detectable effect are "
            "of the pooled sample, unstratified")  # fmt: skip
    data = {
        "cohort_rows": c.n,
        "treated_rows": int(t_mask.sum()),
        "control_rows": int(c_mask.sum()),
        "other_rows": int((~t_mask & ~c_mask).sum()),
        "offence_rows": o.n,
        "offences_not_in_cohort": outs.offences_not_in_cohort,
        "offences_counted": outs.offences_counted,
        "unknown_offence_codes": outs.unknown_codes,
        "unknown_offence_code_note": "counted as offences for prevalence, frequency and time to "
        "first; no harm weight (not in the harm table)",
    }
    if strata_sizes is not None:
        data["strata"] = strata_sizes
    ev = Evaluation(definitions, data, results, mde, first.verdict, **extras)
    ev.published = published_tables(ev, publish_threshold)
    say("done")
    return ev


def _offences(source: Any, c: Cohort, data_end: dt.date | str | None) -> tuple[Offences, int]:
    o = load_offences(source, c)
    end_day = _end_day(data_end, o, c)
    check_data_end(c, end_day)
    return o, end_day


def _end_day(data_end: dt.date | str | None, o: Offences, c: Cohort) -> int:
    if data_end is None:
        return int(o.recorded_day.max()) if o.n else int(c.index_day.max())
    if isinstance(data_end, str):
        try:
            data_end = dt.date.fromisoformat(data_end)
        except ValueError:
            raise InputError("options", "data_end", f"not a date: {data_end!r}") from None
    return (data_end - EPOCH).days


def _matched(c, t_mask, c_mask, weights, seed, ratio, replace, caliper_sd, say, pool):
    if not c.covariates:
        raise InputError("cohort", None, "the matched design needs covariate columns")
    sample = t_mask | c_mask
    if not c_mask.any():
        raise InputError("cohort", "group", "no comparison rows to match to")
    say(f"propensity model ({len(c.covariates)} covariates)")
    rows = np.flatnonzero(sample)
    subset = c.covariates
    if len(rows) < c.n:  # (no copies when everyone is in the sample)
        subset = {k: (Labels(v.codes[rows], v.levels) if isinstance(v, Labels) else v[rows])
                  for k, v in subset.items()}  # fmt: skip
    d = design_matrix(subset, len(rows))
    logit_res, eta = fit_logit(d.X, t_mask[rows], d.names, pool=pool)
    say("matching")
    m = match(eta, t_mask[rows], caliper_sd=caliper_sd, ratio=ratio, replace=replace, seed=seed)
    w = np.zeros(c.n)
    w[rows] = m.weights
    ov = overlap(1.0 / (1.0 + np.exp(-eta)), t_mask[rows])
    bal = (balance, d.X, d.names, t_mask[rows], m.weights)  # the caller runs it, maybe beside
    m.weights = w
    return {"weights": w, "propensity_model": logit_res, "matching": m, "balance": bal,
            "overlap": ov}  # fmt: skip


def _trial_balance(c: Cohort, t_mask: np.ndarray, c_mask: np.ndarray) -> tuple[Any, ...]:
    """The covariates' balance between the randomised arms (no matching: nothing after)."""
    rows = np.flatnonzero(t_mask | c_mask)
    subset = {k: (Labels(v.codes[rows], v.levels) if isinstance(v, Labels) else v[rows])
              for k, v in c.covariates.items()}  # fmt: skip
    d = design_matrix(subset, len(rows))
    return (balance, d.X, d.names, t_mask[rows], None)


def _consort(c, t_mask, c_mask, outs, t_label, c_label) -> Consort:
    arms = {t_label: t_mask, c_label: c_mask}
    received: dict[str, dict[str, int]] = {}
    if c.received is not None:
        for name, mask in arms.items():
            received[name] = {
                lvl: int((mask & (c.received.codes == i)).sum())
                for i, lvl in enumerate(c.received.levels)
            }
    analysed: dict[str, dict[str, int]] = {}
    incomplete: dict[str, dict[str, int]] = {}
    for oc in outs.outcomes:
        if oc.scope != outs.outcomes[0].scope:
            continue
        key = f"{oc.window_days} days"
        analysed[key] = {a: int((m & oc.eligible).sum()) for a, m in arms.items()}
        incomplete[key] = {a: int((m & ~oc.eligible).sum()) for a, m in arms.items()}
    return Consort(
        {a: int(m.sum()) for a, m in arms.items()}, received, analysed, incomplete,
        int((~t_mask & ~c_mask).sum()),
    )  # fmt: skip


@dataclass
class _Sample:
    """The analysed rows (weight > 0), treated first, so that each arm is a slice: cohort row
    numbers, how many are treated, the weights in that order (None in a trial: all 1) and the
    treated flag."""

    rows: np.ndarray
    nt: int
    w: np.ndarray | None
    treated: np.ndarray
    strata: np.ndarray | None = None  # each analysed row's stratum code (2+ strata only)
    stratum_labels: list[str] | None = None


def _sample(t_mask, c_mask, w, design) -> _Sample:
    t_rows = np.flatnonzero(t_mask & (w > 0))
    c_rows = np.flatnonzero(c_mask & (w > 0))
    rows = np.concatenate([t_rows, c_rows])
    treated = np.zeros(len(rows), dtype=bool)
    treated[: len(t_rows)] = True
    return _Sample(rows, len(t_rows), None if design == "trial" else w[rows], treated)


def _summary(reo: Arm, count: Arm, offences: int, reoffended: int, harm_total: float,
             severity_total: float, km, window: int) -> GroupSummary:  # fmt: skip
    tot = reo.weight
    return GroupSummary(
        reo.rows, tot, reoffended, offences, reo.mean if tot else None,
        100 * count.mean if tot else None, harm_total, harm_total / tot if tot else None,
        severity_total / reo.total if reo.total > 0 else None,
        km.at(window) if km.n else None, km.median,
    )  # fmt: skip


def _follow_up_note(oc, eligible_t: int, eligible_c: int, rows_t: int, rows_c: int,
                    end: tuple[int, int, bool]) -> str:
    """Why an arm with people in it has fewer than 2 with full follow-up, and what to do."""
    end_day, wait, given = end
    need = oc.window_days + wait
    latest = _date(end_day - need)
    arms = [f"{name} {e} of {n}" for name, e, n in (("treated", eligible_t, rows_t),
                                                   ("control", eligible_c, rows_c))]  # fmt: skip
    source = "as given" if given else "by default the latest recorded date in the offences"
    wait_text = f" plus the {wait}-day waiting period" if wait else ""
    return (f"too few people with full follow-up ({', '.join(arms)}): the data end is "
            f"{_date(end_day)} ({source}) and the {oc.window_days}-day window{wait_text} needs "
            f"an index date on or before {latest}. If the extract covers a later date, give it "
            f"with --data-end (data_end=...); otherwise use a shorter window or wait for the "
            f"follow-up to accrue")  # fmt: skip


def _effects(oc, s, t_mask, c_mask, complier, received, bootstrap, seed, say, end, curve):
    say(f"effects ({oc.window_days}d {oc.scope})")
    r = s.rows
    eligible, count, harm, severity = oc.eligible[r], oc.count[r], oc.harm[r], oc.severity[r]
    arms = []
    for part in (slice(0, s.nt), slice(s.nt, None)):
        el = eligible[part]
        w = None if s.w is None else s.w[part][el]
        n = count[part][el]
        reo = n > 0
        h = harm[part][el]
        sev = severity[part][el]
        arms.append({
            "w": w, "harm": h, "reo": arm(reo, w), "count": arm(n, w),
            "offences": int(n.sum()), "reoffended": int(np.count_nonzero(reo)),
            "severity": float(sev.sum() if w is None else np.dot(w, sev)),
        })  # fmt: skip
    at, ac = arms
    prev = binary_from(at["reo"], ac["reo"])
    per_stratum = None
    if s.strata is not None:
        prev, per_stratum = _stratified_prevalence(s, eligible, count)
    freq = rate_from(at["count"], ac["count"])
    harm_eff = mean_difference(at["harm"], ac["harm"], at["w"], ac["w"], resamples=bootstrap,
                               seed=seed)  # fmt: skip
    note = ""
    rows_t, rows_c = s.nt, len(r) - s.nt
    e_t, e_c = at["reo"].rows, ac["reo"].rows
    if min(e_t, e_c) < 2 and min(rows_t, rows_c) >= 2:  # people, but not with full follow-up
        note = _follow_up_note(oc, e_t, e_c, rows_t, rows_c, end)
        prev.note = freq.note = harm_eff.note = note
    say(f"survival ({oc.window_days}d {oc.scope})")
    tl = tally(oc.time[r], oc.event[r], s.treated, s.w)  # one pass: KM, log-rank and Cox
    tallies = None
    if s.strata is not None:
        tallies = [tally(oc.time[r][m], oc.event[r][m], s.treated[m],
                         None if s.w is None else s.w[m])
                   for m in (s.strata == k for k in np.unique(s.strata))]  # fmt: skip
    lr = logrank_from(tl) if tallies is None else logrank_strata(tallies)
    labels, every = curve
    curves = curves_from(tl, labels, oc.window_days, every, s.w is not None)
    cx = None
    try:
        cx = (cox_from(tl, "treated", robust=True) if tallies is None
              else cox_strata(tallies, "treated", robust=True))
    except EstimationError as exc:
        note = "; ".join(filter(None, [note, f"Cox model not estimated: {exc}"]))
    cace = as_treated = None
    if complier and s.w is None and received is not None:
        y = oc.count > 0
        both = (t_mask | c_mask) & oc.eligible
        cace = complier_effect(y[both], t_mask[both], received[both])
        as_treated = binary_effect(y[both & received], y[both & ~received])
        as_treated.note = ("treatment received vs not received: not randomised, so open to "
                           "selection bias; the complier-average effect is the unbiased one")
    sums = []
    for group, a, total in ((1, at, harm_eff.total_treated), (0, ac, harm_eff.total_control)):
        sums.append(_summary(a["reo"], a["count"], a["offences"], a["reoffended"], total,
                             a["severity"], kaplan_meier_from(tl, group), oc.window_days))
    return OutcomeResult(
        oc.window_days, oc.scope, sums[0], sums[1],
        {"treated": int((t_mask & ~oc.eligible).sum()),
         "control": int((c_mask & ~oc.eligible).sum())},
        prev, freq, harm_eff, lr, cx, cace, as_treated, prev.verdict, note, curves, per_stratum,
    )  # fmt: skip


def _stratified_prevalence(
    s: _Sample, eligible: np.ndarray, count: np.ndarray
) -> tuple[BinaryEffect, list[StratumArms]]:
    """The Mantel-Haenszel effect over the sample's strata (rows with full follow-up)."""
    assert s.strata is not None and s.stratum_labels is not None
    labels: list[str] = []
    treated: list[Arm] = []
    control: list[Arm] = []
    for k in np.unique(s.strata):
        for flag, out in ((True, treated), (False, control)):
            m = (s.strata == k) & (s.treated == flag) & eligible
            out.append(arm(count[m] > 0, None if s.w is None else s.w[m]))
        labels.append(s.stratum_labels[int(k)])
    return binary_stratified(labels, treated, control, weighted=s.w is not None)


def published_tables(ev: Evaluation, threshold: int) -> dict[str, Any]:
    """Counts safe to publish: people reoffending / not, per group, with small cells and the
    cells that would reveal them suppressed; rates computed only from unsuppressed counts.

    The tables of one result are protected together (disclosure.py): for one window every
    scope counts the same people (equal row totals) and a narrower scope's reoffending is part
    of a wider one's (DA <= any); a longer window's people are among a shorter one's, and who
    did not reoffend within the longer window did not within the shorter (not reoffended
    <= not reoffended)."""
    counts = {}
    for o in ev.outcomes:
        counts[f"{o.window_days}d_{o.scope}"] = disclosure.Table([
            [o.treated.reoffended, o.treated.people - o.treated.reoffended],
            [o.control.reoffended, o.control.people - o.control.reoffended],
        ])  # fmt: skip
    masks = disclosure.protect(counts, threshold, result_relations(ev))
    tables = {}
    for name, table in counts.items():
        cells = disclosure.render(table.grid(), masks[name])
        rates: list[float | str] = []
        for row in cells[:2]:
            ok = all(not isinstance(v, str) for v in row)
            reoffended, total = row[0], row[2]
            if ok and isinstance(reoffended, int) and isinstance(total, int) and total:
                rates.append(round(100 * reoffended / total, 1))
            else:
                rates.append(disclosure.SUPPRESSED)
        tables[name] = {
            "rows": ["treated", "control", "total"],
            "columns": ["reoffended", "did not reoffend", "total"],
            "cells": cells,
            "reoffending_rate_percent": rates,
        }
    return {"threshold": threshold, "marker": disclosure.SUPPRESSED, "tables": tables}


# scope -> the scopes it is part of (every DA offence is an offence; same-victim is DA)
SCOPE_WITHIN = {"da": ("any",), "same_victim": ("da", "any")}


def result_relations(ev: Evaluation) -> list[disclosure.Relation]:
    """What a reader of a result's published tables knows links them (see published_tables)."""
    rel = disclosure.Relation
    found: list[disclosure.Relation] = []
    keys = {(o.window_days, o.scope) for o in ev.outcomes}
    windows = sorted({w for w, _ in keys})
    scopes = sorted({s for _, s in keys})
    for w, s in sorted(keys):
        name = f"{w}d_{s}"
        for wider in SCOPE_WITHIN.get(s, ()):
            if (w, wider) in keys:
                other = f"{w}d_{wider}"
                found += [rel((name, i, 2), (other, i, 2)) for i in range(3)]
                found += [rel((name, i, 0), (other, i, 0), "<=") for i in range(3)]
    for s in scopes:
        present = [w for w in windows if (w, s) in keys]
        for short, long in zip(present, present[1:], strict=False):
            a, b = f"{long}d_{s}", f"{short}d_{s}"
            found += [rel((a, i, 2), (b, i, 2), "<=") for i in range(3)]
            found += [rel((a, i, 1), (b, i, 1), "<=") for i in range(3)]
    return found


def summary_table(ev: Evaluation) -> str:
    """A human-readable summary of the evaluation."""

    def pct(v):
        return "-" if v is None else f"{100 * v:.1f}%"

    def num(v, f="{:.2f}"):
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f.format(v)

    def ci(pair, scale=1.0, f="{:.2f}"):
        if pair is None:
            return "-"
        return f"[{f.format(pair[0] * scale)}, {f.format(pair[1] * scale)}]"

    d = ev.definitions
    lines = [
        f"Design: {d['design']}   basis: {d['basis']}   data end: {d['data_end']}   "
        f"harm table: {d['harm_table_version']}",
        f"Treated: {ev.data['treated_rows']}   control: {ev.data['control_rows']}   "
        f"offences counted: {ev.data['offences_counted']}",
    ]
    if ev.data["unknown_offence_codes"]:
        codes = ", ".join(f"{k} ({v})" for k, v in ev.data["unknown_offence_codes"].items())
        lines.append(f"Unknown offence codes (counted, no harm weight): {codes}")
    if ev.matching is not None:
        m = ev.matching
        lines.append(
            f"Matching: {m.treated_matched}/{m.treated} treated matched "
            f"({m.ratio}:1, {'with' if m.replace else 'without'} replacement, caliper "
            f"{m.caliper_sd} SD); controls used {m.controls_used}; flagged after: "
            f"{', '.join(ev.balance.flagged_after if ev.balance else []) or 'none'}"
        )
    header = (f"{'window':>7} {'scope':<11} {'n T':>8} {'n C':>8} {'prev T':>7} {'prev C':>7} "
              f"{'RD (pp) [95% CI]':<22} {'RR [95% CI]':<20} {'rate ratio':>10} "
              f"{'harm diff [95% CI]':<24} {'HR':>5}  verdict")  # fmt: skip
    lines += ["", header, "-" * len(header)]
    for o in ev.outcomes:
        p = o.prevalence
        rd = "-" if p.risk_difference is None else (
            f"{100 * p.risk_difference:+.1f} {ci(p.risk_difference_ci, 100, '{:+.1f}')}")
        rr = "-" if p.risk_ratio is None else f"{p.risk_ratio:.2f} {ci(p.risk_ratio_ci)}"
        hd = "-" if o.harm.difference is None else (
            f"{o.harm.difference:+.1f} {ci(o.harm.bootstrap_ci, 1, '{:+.1f}')}")
        hr = "-" if o.cox is None else f"{o.cox.hazard_ratio[0]:.2f}"
        lines.append(
            f"{o.window_days:>6}d {o.scope:<11} {o.treated.people:>8} {o.control.people:>8} "
            f"{pct(o.treated.prevalence):>7} {pct(o.control.prevalence):>7} {rd:<22} {rr:<20} "
            f"{num(o.frequency.rate_ratio):>10} {hd:<24} {hr:>5}  {o.verdict}"
        )
    notes = [f"  {o.window_days}d {o.scope}: {o.note}" for o in ev.outcomes if o.note]
    if notes:
        lines += ["", "Notes:", *notes]
    mde = ev.minimum_detectable_effect
    lines += ["", f"Minimum detectable effect (80% power, 5% two-sided): "
              f"{num(None if mde.absolute is None else 100 * mde.absolute, '{:.1f}')} "
              f"percentage points", f"Verdict ({d['primary']}): {ev.verdict}"]  # fmt: skip
    return "\n".join(lines)


def timed(progress: Progress | None = None) -> tuple[Progress, dict[str, float]]:
    """A progress callback that also records how long each step took."""
    times: dict[str, float] = {}
    state: dict[str, Any] = {"step": None, "t": time.perf_counter()}

    def cb(msg: str) -> None:
        now = time.perf_counter()
        if state["step"] is not None:
            times[state["step"]] = times.get(state["step"], 0.0) + now - state["t"]
        state["step"], state["t"] = msg, now
        if progress:
            progress(msg)

    return cb, times
