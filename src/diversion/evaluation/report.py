"""The report of a finished run: tables (each also a CSV download) and charts, from the stored
engine result. Only aggregates: no pseudonym, let alone an identity, reaches the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString

from diversion.core import charts
from diversion.evaluation.models import Design, EvaluationRun
from diversion.programmes import registry

SCOPE_NAMES = {"any": "any offence", "da": "domestic-abuse offences", "same_victim":
               "offences against the same victim"}
VERDICTS = {
    "significant reduction": "reoffending was lower in the treated group, by more than chance "
                             "alone would explain (the 95% confidence interval of the "
                             "difference lies below zero)",
    "significant increase": "reoffending was higher in the treated group, by more than chance "
                            "alone would explain (the 95% confidence interval of the "
                            "difference lies above zero)",
    "inconclusive": "the evaluation cannot tell whether the programme changed reoffending (the "
                    "95% confidence interval of the difference includes zero)",
}


@dataclass
class Table:
    slug: str
    caption: str
    headers: list[str]
    rows: list[list]


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _num(value, places: int = 1) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def _ci(ci, pct: bool = True) -> str:
    if not ci or ci[0] is None:
        return ""
    fmt = _pct if pct else _num
    return f"{fmt(ci[0])} to {fmt(ci[1])}"


def _days(window) -> str:
    text = str(window)
    return text if text.endswith("days") else f"{text} days"


def group_names(run: EvaluationRun) -> tuple[str, str]:
    return ("treatment", "control") if run.design == Design.TRIAL else ("treatment",
                                                                        "comparison")


def primary(run: EvaluationRun) -> dict | None:
    for outcome in (run.result or {}).get("outcomes", []):
        if outcome["window_days"] == run.window_days and outcome["scope"] == run.scope:
            return outcome
    return None


# Below this share of the treated group matched, the matched group is no longer the treated
# population the question is about, so no verdict is given (the rate is shown either way).
DEFAULT_MINIMUM_MATCH_RATE = 0.8


def minimum_match_rate() -> float:
    return float(getattr(settings, "EVALUATION_MINIMUM_MATCH_RATE", DEFAULT_MINIMUM_MATCH_RATE))


def match_rate(run: EvaluationRun) -> tuple[int, int] | None:
    """(treated people matched, treated people) of a finished matched run; None otherwise."""
    matching = (run.result or {}).get("matching")
    if run.design != Design.MATCHED or not matching or not matching.get("treated"):
        return None
    return int(matching["treated_matched"]), int(matching["treated"])


def no_verdict_reason(run: EvaluationRun) -> str:
    """Why the run gives no verdict (too few of the treated group matched), or ""."""
    rate = match_rate(run)
    if rate is None:
        return ""
    matched, treated = rate
    minimum = minimum_match_rate()
    if matched / treated >= minimum:
        return ""
    return (f"No verdict: only {matched:,} of the {treated:,} people in the treated group "
            f"({_pct(matched / treated)}) found a match, and at least {minimum * 100:.0f}% "
            "must for the matched group to stand for the people the programme treated. A "
            "wider caliper or fewer covariates may match more.")


def verdict_words(run: EvaluationRun) -> str:
    found = primary(run)
    if found is None:
        return ""
    withheld = no_verdict_reason(run)
    if withheld:
        return withheld
    text = VERDICTS.get(found["verdict"], found["verdict"])
    return (f"Within {run.window_days} days, counting {SCOPE_NAMES.get(run.scope, run.scope)} "
            f"on a {run.basis} basis, {text}.")


def tables(run: EvaluationRun) -> list[Table]:
    result = run.result or {}
    treated, control = group_names(run)
    found = [Table("flow", "How the cohort was drawn", ["Step", "People"],
                   [[key.replace("_", " ").capitalize(), value] for key, value in
                    run.flow.items()])]
    consort = result.get("consort")
    if consort:
        rows = [[f"Randomised: {arm}", n] for arm, n in consort["randomised"].items()]
        for window, arms in consort.get("analysed", {}).items():
            rows += [[f"Analysed at {_days(window)}: {arm}", n] for arm, n in arms.items()]
        for window, arms in consort.get("follow_up_incomplete", {}).items():
            rows += [[f"Follow-up incomplete at {_days(window)}: {arm}", n]
                     for arm, n in arms.items()]
        found.append(Table("consort", "CONSORT flow (trial)", ["Step", "People"], rows))
    matching = result.get("matching")
    if matching:
        found.append(Table("matching", "Matching flow", ["Step", "People"], [
            ["Treated", matching["treated"]], ["Treated matched", matching["treated_matched"]],
            ["Treated not matched", matching["treated_unmatched"]],
            ["Share of the treated group matched",
             _pct(matching["treated_matched"] / matching["treated"]) if matching["treated"]
             else ""],
            ["Comparison pool", matching["controls"]],
            ["Comparison people used", matching["controls_used"]]]))
    strata = (result.get("data") or {}).get("strata")
    if strata:
        found.append(_forces_table(run, strata, treated, control))
    balance = result.get("balance")
    if balance:
        found.append(Table("balance", "Balance of the groups as drawn",
                           ["Characteristic", f"Mean, {treated}", f"Mean, {control}",
                            "Standardised mean difference"],
                           [[name, _num(t, 2), _num(c, 2), _num(smd, 3)] for name, t, c, smd in
                            zip(balance["names"], balance["mean_treated_before"],
                                balance["mean_control_before"], balance["smd_before"],
                                strict=False)]))
    if balance and balance.get("smd_after") is not None:
        found.append(Table("balance_after", "Balance after matching",
                           ["Characteristic", "SMD before", "SMD after"],
                           [[name, _num(before, 3), _num(after, 3)] for name, before, after in
                            zip(balance["names"], balance["smd_before"], balance["smd_after"],
                                strict=False)]))
    for window in (182, 365):
        rows = []
        for outcome in result.get("outcomes", []):
            if outcome["window_days"] != window:
                continue
            for label, summary in ((treated, outcome["treated"]), (control, outcome["control"])):
                rows.append([SCOPE_NAMES.get(outcome["scope"], outcome["scope"]), label,
                             summary["people"], summary["reoffended"],
                             _pct(summary["prevalence"]), _num(summary["frequency_per_100"]),
                             _num(summary["median_days_to_first"], 0) or "not reached"])
        found.append(Table(f"outcomes_{window}", f"Reoffending within {window} days "
                           f"({'6' if window == 182 else '12'} months)",
                           ["Offences counted", "Group", "People (denominator)", "Reoffended",
                            "Reoffending rate", "Offences per 100 people",
                            "Median days to first"], rows))
    withheld = "none: too few matched" if no_verdict_reason(run) else ""
    found.append(Table("effects", "Effects on reoffending (treated minus control)",
                       ["Window (days)", "Offences counted", "Difference", "95% CI",
                        "Risk ratio", "Rate ratio (frequency)", "Verdict",
                        "Complier-average effect (95% CI)"],
                       [[o["window_days"], SCOPE_NAMES.get(o["scope"], o["scope"]),
                         _pct(o["prevalence"]["risk_difference"]),
                         _ci(o["prevalence"]["risk_difference_ci"]),
                         _num(o["prevalence"]["risk_ratio"], 2),
                         _num(o["frequency"]["rate_ratio"], 2), withheld or o["verdict"],
                         _complier(o)]
                        for o in result.get("outcomes", [])]))
    found.append(Table("harm", "Harm (Crime Harm Index days per person)",
                       ["Window (days)", "Offences counted", f"Mean, {treated}",
                        f"Mean, {control}", "Difference", "95% CI (bootstrap)"],
                       [[o["window_days"], SCOPE_NAMES.get(o["scope"], o["scope"]),
                         _num(o["harm"]["mean_treated"]), _num(o["harm"]["mean_control"]),
                         _num(o["harm"]["difference"]), _ci(o["harm"]["bootstrap_ci"], False)]
                        for o in result.get("outcomes", [])]))
    for window, found_curves in curves(run).items():
        arms = (found_curves["treated"], found_curves["control"])
        rows = []
        for i, day in enumerate(found_curves["days"]):
            row: list = [day]
            for curve in arms:
                row += [curve["at_risk"][i], _pct(_survival_at(curve["points"], day))]
            rows.append(row)
        headers = ["Day"]
        for curve in arms:
            headers += [f"At risk, {curve['label']}", f"Not reoffended, {curve['label']}"]
        weighted = (", matched sample, weighted; people at risk unweighted"
                    if found_curves["weighted"] else "")
        found.append(Table(f"survival_{window}", f"Time to first reoffence over {window} days "
                           f"(Kaplan–Meier{weighted})", headers, rows))
    return found


def _forces_table(run: EvaluationRun, strata: dict, treated: str, control: str) -> Table:
    """A pooled run's per-force sizes: each force's arms in the cohort, and in the primary
    outcome's analysis (full follow-up) with that force's own difference and its weight in the
    Mantel–Haenszel estimate."""
    analysed = {s["stratum"]: s for s in (primary(run) or {}).get("strata") or []}
    total = sum(s["mantel_haenszel_weight"] for s in analysed.values()) or None
    rows = []
    for force, sizes in strata.items():
        a = analysed.get(force, {})
        weight = a.get("mantel_haenszel_weight")
        rows.append([force, sizes["treated_rows"], sizes["control_rows"],
                     a.get("people_treated", 0), a.get("people_control", 0),
                     _pct(a.get("risk_difference")),
                     _pct(weight / total) if total and weight is not None else ""])
    return Table("forces", f"Forces pooled (the force is the stratum; primary outcome: "
                 f"{run.window_days} days, {SCOPE_NAMES.get(run.scope, run.scope)})",
                 ["Force", f"Cohort, {treated}", f"Cohort, {control}",
                  f"Analysed, {treated}", f"Analysed, {control}", "Difference in the force",
                  "Weight in the pooled difference"], rows)


def pooled_forces(run: EvaluationRun) -> list[str]:
    """The forces a pooled run drew from, by name (empty for a force's own run)."""
    return list(run.pooled_forces.order_by("name").values_list("name", flat=True)) \
        if run.pk else []


RERUN = ("This run's result was stored by an earlier version of the evaluation engine, which "
         "did not record the survival curves or the balance of the groups: run the evaluation "
         "again to see them.")


def needs_rerun(run: EvaluationRun) -> str:
    """Why the report lacks its curves and balance, when the stored result predates them."""
    outcomes = (run.result or {}).get("outcomes", [])
    return RERUN if any("curves" not in o for o in outcomes) else ""


def curves(run: EvaluationRun) -> dict[str, dict[str, Any]]:
    """The engine's survival curves of the run's scope, by window (days, as text)."""
    found = {}
    for outcome in (run.result or {}).get("outcomes", []):
        if outcome["scope"] == run.scope and outcome.get("curves"):
            found[str(outcome["window_days"])] = outcome["curves"]
    return dict(sorted(found.items(), key=lambda item: int(item[0])))


def _complier(outcome: dict) -> str:
    found = outcome.get("complier_average")
    if not found or found.get("effect") is None:
        return "not estimated"
    return f"{_pct(found['effect'])} ({_ci(found.get('ci'))})"


def _survival_at(points: list, day: int) -> float:
    value = 1.0
    for when, surv in points:
        if when > day:
            break
        value = surv
    return value


def definitions(run: EvaluationRun) -> list[tuple[str, str]]:
    d = (run.result or {}).get("definitions", {})
    pooled = pooled_forces(run)
    return [
        ("Design", run.get_design_display()),
        ("Index date", run.get_index_basis_display()),
        ("Index dates", f"{run.index_from:%-d %B %Y} to {run.index_to:%-d %B %Y}"),
        ("Basis", run.basis), ("Primary window", f"{run.window_days} days"),
        ("Offences counted", SCOPE_NAMES.get(run.scope, run.scope)),
        ("Who counts as treated", run.get_who_counts_display() if run.design == Design.MATCHED
         else "Everyone randomised (intention to treat); the complier-average effect uses "
              "those who started or completed"),
        *([("Forces pooled", ", ".join(pooled))] if pooled else []),
        *([("Stratified", d["stratified"])] if d.get("stratified") else []),
        ("Denominator", d.get("denominator", "")),
        ("Data end", d.get("data_end", "")),
        ("Harm table version", d.get("harm_table_version", "")),
        ("Inputs fingerprint (SHA-256)", run.fingerprint),
    ]


RECEIVED = {"none": "Did not start the programme", "started": "Started, not completed",
            "completed": "Completed the programme"}


def _n(value: int) -> str:
    return f"n = {value:,}"


def consort_diagram(run: EvaluationRun) -> SafeString | None:
    """The CONSORT flow of a trial run: assessed, excluded, randomised, allocated (with what
    each arm received), lost to follow-up and analysed at the primary window."""
    consort = (run.result or {}).get("consort")
    if not consort or not consort.get("randomised"):
        return None
    flow = run.flow or {}
    rows: list[list[charts.FlowBox]] = []
    aside: dict[int, charts.FlowBox] = {}
    arms = list(consort["randomised"])
    trial = registry.current(run.programme_code).trial
    names = ({"treatment": trial.programme_arm,
              "control": next((a for a in trial.arms if a != trial.programme_arm), "control")}
             if trial is not None else {})
    if "assessed_for_eligibility" in flow:
        rows.append([charts.FlowBox(("Assessed for eligibility",
                                     _n(flow["assessed_for_eligibility"])))])
        excluded = (flow["not_eligible"] + flow["awaiting_eligibility_decision"]
                    + flow["eligible_not_randomised"])
        aside[0] = charts.FlowBox((
            f"Excluded ({_n(excluded)})", f"Not eligible: {flow['not_eligible']:,}",
            f"Awaiting a decision: {flow['awaiting_eligibility_decision']:,}",
            f"Eligible, not randomised: {flow['eligible_not_randomised']:,}"))
    rows.append([charts.FlowBox(("Randomised in the period",
                                 _n(sum(consort["randomised"].values()))))])
    received = consort.get("received") or {}
    rows.append([charts.FlowBox((
        f"Allocated to {names.get(arm, arm)}", _n(consort["randomised"][arm]),
        *(f"{RECEIVED.get(kind, kind)}: {n:,}" for kind, n in received.get(arm, {}).items()
          if n))) for arm in arms])
    primary_key = f"{run.window_days} days"
    incomplete = (consort.get("follow_up_incomplete") or {}).get(primary_key, {})
    analysed = (consort.get("analysed") or {}).get(primary_key, {})
    rows.append([charts.FlowBox((f"Follow-up at {run.window_days} days",
                                 f"Not yet complete: {incomplete.get(arm, 0):,}"))
                 for arm in arms])
    rows.append([charts.FlowBox(("Analysed", _n(analysed.get(arm, 0)))) for arm in arms])
    return charts.flow_diagram("CONSORT flow diagram of the trial", rows, aside)


def figures(run: EvaluationRun) -> dict[str, SafeString]:
    result = run.result or {}
    balance = result.get("balance") or {"names": [], "smd_before": []}
    found = {"balance": charts.balance_chart(
        "Standardised mean differences of the groups",
        [{"name": name, "smd": smd} for name, smd in zip(balance["names"],
                                                          balance["smd_before"], strict=False)])}
    found["forest"] = charts.forest_plot("Effects on reoffending with 95% confidence intervals", [
        {"label": f"{o['window_days']} days, {o['scope']}",
         "estimate": o["prevalence"]["risk_difference"],
         "low": (o["prevalence"]["risk_difference_ci"] or [None, None])[0],
         "high": (o["prevalence"]["risk_difference_ci"] or [None, None])[1]}
        for o in result.get("outcomes", [])])
    consort = consort_diagram(run)
    if consort is not None:
        found["consort"] = consort
    for window, found_curves in curves(run).items():
        by_label = {c["label"]: c for c in (found_curves["treated"], found_curves["control"])}
        found[f"survival_{window}"] = charts.km_chart(
            f"Share not yet reoffending over {window} days, by group", by_label, int(window))
    return found
