"""Reoffending outcomes per person: prevalence, frequency, time to first, harm, severity.

Rules (every result states them): an offence counts if it was committed strictly after the
index date and no later than index + window days (the index offence and anything before or on
the index date never count). On the recorded basis it must also be recorded by the data end.
On the proven basis it must be disposed of by a proving disposal (conviction or caution by
default) within the window plus the waiting period (182 days), and by the data end.
A person with less follow-up than the window (plus the waiting period when proven) is left out
of the binary, count and harm denominators (and counted as such) and censored in time to first
at the end of their follow-up: the data end, or on the proven basis the data end minus the
waiting period (a later offence has not had the time to be proven, so its absence is no sign of
no offence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .harm import HarmTable
from .tables import NO_DATE, Cohort, Offences

BASES = ("recorded", "proven")
SCOPES = ("any", "da", "same_victim")
WAITING_DAYS = 182
PROVEN_DISPOSALS = ("conviction", "caution")


@dataclass
class Outcome:
    """One window x scope, per cohort row."""

    window_days: int
    scope: str
    eligible: np.ndarray  # full follow-up for the binary, count and harm measures
    count: np.ndarray  # offences in the window (int32)
    harm: np.ndarray  # sum of harm weights (days)
    severity: np.ndarray  # highest single harm weight (days), 0 without an offence
    time: np.ndarray  # days to first offence, or to censoring (int32)
    event: np.ndarray  # time is an event (True) or censored (False)

    @property
    def reoffended(self) -> np.ndarray:
        return self.count > 0


@dataclass
class OutcomeSet:
    basis: str
    data_end_day: int
    waiting_days: int
    harm_version: str
    outcomes: list[Outcome]
    unknown_codes: dict[str, int] = field(default_factory=dict)  # counted offences, no weight
    offences_not_in_cohort: int = 0
    offences_counted: int = 0

    def get(self, window_days: int, scope: str) -> Outcome:
        for o in self.outcomes:
            if o.window_days == window_days and o.scope == scope:
                return o
        raise KeyError((window_days, scope))


def compute_outcomes(
    cohort: Cohort,
    offences: Offences,
    harm: HarmTable,
    *,
    windows: tuple[int, ...] = (182, 365),
    scopes: tuple[str, ...] = ("any", "da"),
    basis: str = "recorded",
    data_end_day: int | None = None,
    waiting_days: int = WAITING_DAYS,
    proven_disposals: tuple[str, ...] = PROVEN_DISPOSALS,
) -> OutcomeSet:
    """All windows x scopes in one pass over the offences that can count at all."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}")
    for s in scopes:
        if s not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}")
    if "same_victim" in scopes and offences.same_victim is None:
        from .errors import InputError

        raise InputError("offences", "same_victim", "missing column (needed for scope same_victim)")
    if data_end_day is None:
        last = offences.recorded_day if offences.n else cohort.index_day
        data_end_day = int(last.max())
    n = cohort.n
    max_w = max(windows)
    wait = waiting_days if basis == "proven" else 0

    p = offences.person
    in_cohort = p >= 0
    not_in_cohort = offences.n - int(np.count_nonzero(in_cohort))
    pp = np.where(in_cohort, p, 0) if not_in_cohort else p
    d = offences.offence_day - cohort.index_day[pp]
    keep = (d > 0) & (d <= max_w) & (offences.recorded_day <= data_end_day)
    if not_in_cohort:
        keep &= in_cohort
    disp_rel = None
    if basis == "proven":
        if offences.disposal_type is None or offences.disposal_day is None:
            from .errors import InputError

            raise InputError(
                "offences", "disposal_type", "missing column (needed for the proven basis)"
            )
        proving = np.array(
            [lvl in proven_disposals for lvl in offences.disposal_type.levels] + [False]
        )
        keep &= proving[offences.disposal_type.codes]
        keep &= offences.disposal_day <= data_end_day
    idx = np.flatnonzero(keep)
    kp = p[idx]
    kd = d[idx].astype(np.int32, copy=False)
    if basis == "proven":
        assert offences.disposal_day is not None  # refused above when missing
        disp_rel = (offences.disposal_day[idx].astype(np.int64) - cohort.index_day[kp]).astype(
            np.int64
        )
    level_w, level_unknown = harm.lookup(offences.code.levels)
    kcode = offences.code.codes[idx]
    kw = level_w[kcode]
    kda = offences.domestic_abuse[idx]
    ksv = offences.same_victim[idx] if offences.same_victim is not None else None

    # Follow-up available per person (proven offences also need the waiting period to pass).
    follow = np.maximum(np.int32(data_end_day - wait) - cohort.index_day, 0).astype(np.int32)

    outcomes: list[Outcome] = []
    counted = np.zeros(len(idx), dtype=bool)
    for scope in scopes:
        if scope == "any":
            smask = None
        elif scope == "da":
            smask = kda
        else:
            smask = ksv
        for w in sorted(windows):
            m = kd <= w
            if smask is not None:
                m &= smask
            if disp_rel is not None:
                m &= disp_rel <= w + waiting_days
            counted |= m
            mp, md, mw = kp[m], kd[m], kw[m]
            count = np.bincount(mp, minlength=n).astype(np.int32)
            harm_sum = np.bincount(mp, weights=mw, minlength=n)
            severity = np.zeros(n)
            np.maximum.at(severity, mp, mw)
            first = np.full(n, NO_DATE, dtype=np.int32)
            np.minimum.at(first, mp, md)
            horizon = np.minimum(follow, np.int32(w))
            event = first <= horizon
            time = np.minimum(first, horizon)  # the first offence, or censored at the horizon
            outcomes.append(
                Outcome(w, scope, follow >= w, count, harm_sum, severity, time, event)
            )
    unknown: dict[str, int] = {}
    if level_unknown.any():
        hits = np.bincount(kcode[counted], minlength=len(level_unknown))
        for lvl in np.flatnonzero(level_unknown & (hits > 0)):
            unknown[offences.code.levels[lvl]] = int(hits[lvl])
    return OutcomeSet(
        basis=basis,
        data_end_day=int(data_end_day),
        waiting_days=wait,
        harm_version=harm.version,
        outcomes=outcomes,
        unknown_codes=unknown,
        offences_not_in_cohort=not_in_cohort,
        offences_counted=int(counted.sum()),
    )
