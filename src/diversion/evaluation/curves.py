"""Kaplan–Meier curve points for the report (the engine's JSON keeps survival at the window
end only), computed with the engine's public survival function on the run's own inputs."""

from __future__ import annotations

import datetime as dt

import numpy as np

from reoffending.harm import load_harm_table
from reoffending.outcomes import compute_outcomes
from reoffending.survival import kaplan_meier
from reoffending.tables import load_cohort, load_offences

AT_RISK_EVERY = 30  # days between the "numbers at risk" columns


def km_curves(inputs, run) -> dict:
    """{window: {group: {"points": [[day, survival], ...], "at_risk": [[day, n], ...]}}}.

    Unweighted: in the matched design these are the groups as drawn, before matching."""
    cohort = load_cohort(inputs.cohort, covariates=[])
    offences = load_offences(inputs.offences, cohort)
    end_day = (inputs.data_end - dt.date(1970, 1, 1)).days
    outs = compute_outcomes(cohort, offences, load_harm_table(), windows=(182, 365),
                            scopes=(run.scope,), basis=run.basis, data_end_day=end_day)
    labels = ("treatment", "control") if run.design == "trial" else ("treatment", "comparison")
    groups = cohort.arm if run.design == "trial" else cohort.group
    found: dict = {}
    for outcome in outs.outcomes:
        per_group = {}
        for label in labels:
            mask = groups.mask(label)
            km = kaplan_meier(outcome.time[mask], outcome.event[mask], label=label)
            points = [[0, 1.0]] + [[int(t), float(s)] for t, s in zip(km.times, km.survival,
                                                                        strict=True)]
            at_risk = []
            for day in range(0, outcome.window_days + 1, AT_RISK_EVERY):
                at_risk.append([day, int(np.sum(outcome.time[mask] >= day))])
            per_group[label] = {"points": points, "at_risk": at_risk,
                                "people": int(mask.sum())}
        found[str(outcome.window_days)] = per_group
    return found


def covariate_balance(inputs, run) -> list[dict]:
    """Means by group and standardised mean differences (pooled SD) of the covariates as drawn:
    the trial's check that randomisation balanced the arms, the matched design's "before"."""
    column = "arm" if run.design == "trial" else "group"
    groups = np.array(inputs.cohort[column].to_pylist())
    other = "control" if run.design == "trial" else "comparison"
    rows = []
    for name in ("age", "male", "prior_offences", "da_index"):
        values = np.array(inputs.cohort[name].to_pylist(), dtype=float)
        treated, control = values[groups == "treatment"], values[groups == other]
        if not len(treated) or not len(control):
            continue
        pooled = np.sqrt((treated.var() + control.var()) / 2)
        smd = float((treated.mean() - control.mean()) / pooled) if pooled > 0 else 0.0
        rows.append({"name": name, "treated": float(treated.mean()),
                     "control": float(control.mean()), "smd": smd})
    return rows
