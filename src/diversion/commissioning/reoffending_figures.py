"""The dashboard's reoffending and benefit–cost figures, from the latest signed-off evaluation run
of each programme that the commissioner's office may see (ReoffendingSummary rows, copied from
the run when it finished: reoffending.py). Commissioners see these aggregates, never the run.

Disclosure control: a run's two window tables are protected together (a 12-month window's
people are among the 6-month window's, and who did not reoffend within 12 months did not within
6), and a window's rates, difference and benefit–cost figures are shown only when every count
of its table is, since a rate and its group size give the count away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from diversion.accounts import policy
from diversion.accounts.models import Organisation, User
from diversion.commissioning import disclosure, figures, outcome_figures, tables
from diversion.commissioning.figures import BenefitCostInterval, Figure
from diversion.commissioning.models import ReoffendingSummary
from diversion.evaluation.models import Design, IndexBasis, WhoCounts
from diversion.evaluation.report import SCOPE_NAMES, VERDICTS
from diversion.programmes import registry

WINDOWS = ((182, "6 months"), (365, "12 months"))
BENEFIT_WINDOW = 365  # 12 months, else the run's primary window
BENEFIT_SCOPE = "da"  # the unit cost is per victim of domestic abuse
BASIS_WORDS = {
    "recorded": "police-recorded, meaning an arrest or complaint of crime naming the person",
    "proven": "proven, meaning convicted or cautioned within the window or a further "
              "six-month waiting period",
}
MINUS = "\u2212"
WITHHELD = "Withheld: fewer than the disclosure threshold"


def _signed(value: float | Decimal, places: int = 1) -> str:
    text = f"{abs(value):,.{places}f}"
    return f"{MINUS}{text}" if value < 0 and text.strip("0.,") else text


def _interval(low, high, places: int = 1, prefix: str = "", suffix: str = "") -> str:
    return (f"{prefix}{_signed(low, places)}{suffix} to {prefix}{_signed(high, places)}"
            f"{suffix}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%-d %B %Y}" if iso else "not stated"


def _money(value: Decimal) -> str:
    return f"{MINUS}£{abs(value):,.2f}" if value < 0 else f"£{value:,.2f}"


@dataclass
class Section:
    """One programme's reoffending figures on the dashboard (or why there are none)."""

    programme: str
    heading: str
    empty: str = ""
    about: list[tuple[str, str]] = field(default_factory=list)
    verdict: str = ""
    figures: list[figures.Figure] = field(default_factory=list)
    tables: list[tables.Table] = field(default_factory=list)
    # Below the `figures` field, that name is the field rather than the module.
    benefit: BenefitCostInterval | None = None
    money: list[Figure] = field(default_factory=list)
    # what links this section's tables, for protecting them with the rest of the dashboard
    relations: list[disclosure.Relation] = field(default_factory=list)

    def to_json(self) -> dict:
        """What a statistics release keeps (already disclosure-controlled)."""
        return {"heading": self.heading, "empty": self.empty,
                "about": [list(row) for row in self.about], "verdict": self.verdict}


def latest(actor: User, filters, programme: str) -> ReoffendingSummary | None:
    # A pooled run belongs to the office that ran it, not to a force: never a force's result.
    found = outcome_figures.overseen(actor, ReoffendingSummary).filter(
        programme_code=programme, pooled=False)
    if filters.force is not None:
        found = found.filter(force=filters.force)
    return found.filter(approved_at__isnull=False).select_related("force") \
        .order_by("-approved_at", "-pk").first()


def place(actor: User, filters) -> str:
    """Where the figures come from, in words: the chosen force, the one overseen, or all."""
    if filters.force is not None:
        return filters.force.name
    names = list(policy.visible(actor, Organisation)
                 .filter(kind="police_force",
                         commissioned_by__commissioner_office_id=actor.organisation_id)
                 .distinct().values_list("name", flat=True)[:2])
    return names[0] if len(names) == 1 else "the forces your office oversees"


def _names(summary: ReoffendingSummary) -> tuple[str, str]:
    return ("treatment", "control") if summary.design == Design.TRIAL else ("treatment",
                                                                            "comparison")


def _outcome(summary: ReoffendingSummary, window: int, scope: str) -> dict | None:
    return next((o for o in summary.outcomes
                 if o["window_days"] == window and o["scope"] == scope), None)


def _rate_shown(reoffended: int, people: int, limit: int) -> bool:
    return (people >= limit and not disclosure.is_small(reoffended, limit)
            and not disclosure.is_small(people - reoffended, limit))


def _all_shown(table: tables.Table | None) -> bool:
    return table is not None and table.protected is not None and not table.any_suppressed


def _window_figures(summary: ReoffendingSummary, window: int, label: str,
                    limit: int, table: tables.Table | None) -> list[figures.Figure]:
    treated, control = _names(summary)
    scope_words = SCOPE_NAMES.get(summary.scope, summary.scope)
    basis_words = BASIS_WORDS.get(summary.basis, summary.basis)
    o = _outcome(summary, window, summary.scope)
    title = f"Reoffended within {label}"
    if o is None:
        return [figures.Figure(title, None, "", empty=f"This run holds no {label} figures "
                               f"({window} days)")]
    if not o["treated_people"] or not o["control_people"] or o["risk_difference"] is None:
        return [figures.Figure(title, None, "", empty=f"No one in this run has a full {label}"
                               " of follow-up yet, so it holds no figures for it")]
    shown = (_rate_shown(o["treated_reoffended"], o["treated_people"], limit)
             and _rate_shown(o["control_reoffended"], o["control_people"], limit)
             and _all_shown(table))
    found = []
    for row, (name, risk) in enumerate(((treated, o["risk_treated"]),
                                        (control, o["risk_control"]))):
        people = table.protected.row_totals[row] if table is not None and table.protected \
            else disclosure.Cell(0, True)
        found.append(figures.Figure(
            f"{title}: {name} group", 100 * risk if shown else None,
            f"people in the {name} group who reoffended within {window} days of the index "
            f"date ({scope_words}, {basis_words})",
            f"people in the {name} group with a full {label} of follow-up ({people.shown})",
            unit="%", empty=WITHHELD))
    low, high = o["risk_difference_ci"] or (None, None)
    difference = (f"{_signed(100 * o['risk_difference'])} percentage points "
                  f"(95% CI {_interval(100 * low, 100 * high)})"
                  ) if low is not None and high is not None else None  # both ends, or neither
    found.append(figures.Figure(
        f"Difference within {label} ({treated} {MINUS} {control})",
        difference if shown else None, "", empty=WITHHELD,
        explanation=f"The {treated} group's rate minus the {control} group's, with its 95% "
                    f"confidence interval; below zero means less reoffending with the "
                    f"programme. Verdict: {o['verdict']}."))
    reduction = o["relative_reduction"]
    rr_ci = o["relative_reduction_ci"]
    found.append(figures.Figure(
        f"Relative reduction within {label}",
        (f"{_signed(100 * reduction)}% (95% CI {_interval(100 * rr_ci[0], 100 * rr_ci[1])}%)"
         if shown and reduction is not None and rr_ci else None), "",
        empty=WITHHELD if not shown else "Not estimable (no reoffending in the "
                                             f"{control} group)",
        explanation=f"1 {MINUS} the {treated} group's rate ÷ the {control} group's rate: the "
                    f"share of the {control} group's reoffending not seen with the programme "
                    "(negative means more reoffending)."))
    return found


def _window_table(summary: ReoffendingSummary, window: int, label: str,
                  limit: int) -> tables.Table | None:
    o = _outcome(summary, window, summary.scope)
    if o is None or not (o["treated_people"] and o["control_people"]):
        return None
    treated, control = _names(summary)
    prog = summary.programme_code
    table = tables.grid(
        f"reoffending_{prog.lower()}_{window}",
        f"{prog}: reoffending within {label}, latest evaluation run",
        f"Counts of people in each group of the evaluation run with a full {label} of "
        f"follow-up, by whether they reoffended within {window} days "
        f"({SCOPE_NAMES.get(summary.scope, summary.scope)}, {summary.basis} basis).",
        "Group", [f"{treated.capitalize()} group", f"{control.capitalize()} group"],
        ["Reoffended", "Did not reoffend"],
        [[o["treated_reoffended"], o["treated_people"] - o["treated_reoffended"]],
         [o["control_reoffended"], o["control_people"] - o["control_reoffended"]]], limit,
        alone=False)  # sections() protects both windows together
    table.chart, table.chart_points = "", []  # the rates are in the figures; no chart of sizes
    return table


def _window_relations(by_window: dict[int, tables.Table]) -> list[disclosure.Relation]:
    """A longer window's people are among a shorter one's (full follow-up for longer), and
    whoever did not reoffend within the longer window did not within the shorter."""
    rel = disclosure.Relation
    found = []
    windows = sorted(by_window)
    for short, long in zip(windows, windows[1:], strict=False):
        a, b = by_window[long].key, by_window[short].key
        found += [rel((a, i, j), (b, i, j), "<=") for i in range(3) for j in (1, 2)]
    return found


def _about(summary: ReoffendingSummary, limit: int) -> list[tuple[str, str]]:
    d = summary.definitions
    treated, _ = _names(summary)
    who = (WhoCounts(summary.who_counts).label if summary.design == Design.MATCHED
           else "Everyone randomised to the programme arm (intention to treat)")
    weighting = [] if summary.design == Design.TRIAL else [
        ("Comparison group", "People matched to the treatment group, each weighted by how "
                             "often they were used: its rates are weighted, the counts in the "
                             "tables are not")]
    return [
        ("Evaluation run", f"Run {summary.run_id}" + (f", \u201c{summary.run_title}\u201d"
                                                       if summary.run_title else "")
         + f", {summary.force.name}: completed {summary.finished_at:%-d %B %Y}"
         + (f", signed off as the headline by two analysts on {summary.approved_at:%-d %B %Y}"
            if summary.approved_at else "")),
        ("Design", Design(summary.design).label),
        ("Index date", f"{IndexBasis(summary.index_basis).label}, from "
                       f"{summary.index_from:%-d %B %Y} to {summary.index_to:%-d %B %Y}"),
        (f"Who counts in the {treated} group", who),
        ("Offences counted", f"{SCOPE_NAMES.get(summary.scope, summary.scope).capitalize()}; "
                             f"{BASIS_WORDS.get(summary.basis, summary.basis)}"),
        ("Primary window", f"{summary.window_days} days"),
        ("Cohort", f"{disclosure.protect_count(summary.cohort_size, limit).shown} people"),
        ("Denominator of each rate", _sentence(d.get("denominator") or "not stated")),
        ("Data end", _day(d.get("data_end"))),
        *weighting,
    ]


def _verdict(summary: ReoffendingSummary) -> str:
    o = _outcome(summary, summary.window_days, summary.scope)
    if o is None:
        return ""
    return (f"Within {summary.window_days} days, counting "
            f"{SCOPE_NAMES.get(summary.scope, summary.scope)} on a {summary.basis} basis, "
            f"{VERDICTS.get(o['verdict'], o['verdict'])}.")


def _benefit_outcome(summary: ReoffendingSummary) -> dict | None:
    """The 12-month (else primary-window) outcome, for DA offences where the run has them."""
    for window in (BENEFIT_WINDOW, summary.window_days):
        for scope in (BENEFIT_SCOPE, summary.scope):
            found = _outcome(summary, window, scope)
            if found is not None:
                return found
    return None


def _unit(unit_costs) -> str:
    return (f"£{unit_costs.da_victim_cost:,.2f} per victim of domestic abuse "
            f"({unit_costs.price_year} prices)")


def _benefit_money(section: Section, summary: ReoffendingSummary, unit_costs, cost: Decimal,
                   limit: int, by_window: dict[int, tables.Table]) -> None:
    prog = summary.programme_code
    treated, control = _names(summary)
    o = _benefit_outcome(summary)
    label = f"Benefit–cost estimate ({prog})"
    unit = _unit(unit_costs)
    numerator = f"social cost avoided (offences avoided × {unit})"
    denominator = (f"contract cost for {prog} in the period ({_money(cost)}); the run's cohort "
                   "is the one its index dates define, not the people referred in this period")
    if (o is None or not o["treated_people"] or not o["control_people"]
            or o["risk_difference_ci"] is None):
        section.money.append(figures.Figure(
            label, None, numerator, denominator, unit="ratio",
            empty="The latest evaluation run has no effect with a confidence interval to value"))
        return
    if not (_rate_shown(o["treated_reoffended"], o["treated_people"], limit)
            and _rate_shown(o["control_reoffended"], o["control_people"], limit)
            and _all_shown(by_window.get(o["window_days"]))):
        section.money.append(figures.Figure(label, None, numerator, denominator, unit="ratio",
                                            empty=WITHHELD))
        return
    benefit = figures.benefit_cost_interval(
        figures.avoided_interval(o["treated_people"], o["risk_control"], o["risk_treated"],
                                 o["risk_difference_ci"]),
        unit_costs.da_victim_cost, cost)
    section.benefit = benefit
    scope_words = SCOPE_NAMES.get(o["scope"], o["scope"])
    which = (f"{scope_words} within {o['window_days']} days"
             + ("" if o["scope"] == BENEFIT_SCOPE else
                " (this run has no domestic-abuse figures)"))
    sure = benefit.avoided.significant
    uncertain = "Uncertain: "

    def shown(interval: figures.Interval, fmt) -> str:
        if sure:
            return f"{fmt(interval.estimate)} (95% CI {fmt(interval.low)} to {fmt(interval.high)})"
        return (f"{uncertain}{fmt(interval.low)} to {fmt(interval.high)} (95% CI); the "
                "evaluation found no significant effect")

    section.money += [
        figures.Figure(
            f"Offences avoided ({prog}, estimate)", shown(benefit.avoided, _signed), "",
            explanation=f"{o['treated_people']:,} people in the run's {treated} group × (the "
                        f"{control} group's rate {100 * o['risk_control']:.1f}% {MINUS} the "
                        f"{treated} group's rate {100 * o['risk_treated']:.1f}%), {which}, from "
                        f"the evaluation run completed {summary.finished_at:%-d %B %Y}; the "
                        "95% CI of the difference carried through. Each person kept from "
                        "reoffending counts as one offence avoided."),
        figures.Figure(
            f"Social cost avoided ({prog})", shown(benefit.benefit, _money), "",
            explanation=f"Offences avoided × {unit}; the interval of offences avoided carried "
                        "through."),
        figures.Figure(
            label, (shown(benefit.ratio, lambda v: _signed(v, 2))
                    if benefit.ratio is not None else None),
            numerator, denominator, unit="ratio",
            empty=f"No {prog} contract in the period, so no cost to compare"),
    ]


NOT_A_COMPARISON = ("This is a single-group figure, not a comparison: there is no control or "
                    "comparison group, so it cannot show whether the programme changed "
                    "reoffending (no effect can be inferred). Many people would not have "
                    "reoffended anyway.")


def _single_group(section: Section, actor: User, filters, prog: str, limit: int) -> None:
    """With no comparison (no signed-off trial or matched run), the programme file's
    single-group headline (JUNO: not reoffended within 12 months of completing), from the
    precomputed counts (outcomes.py), with its denominator and definition, and the warning
    that it is not a comparison. Withheld under the same rules as every rate."""
    from diversion.commissioning.models import OutcomeAggregate
    from diversion.commissioning.outcome_figures import shareable

    try:
        headline = registry.current(prog.lower()).single_group_headline
    except KeyError:
        return
    if headline is None:
        return
    counts = {0: 0, 1: 0}
    # Everyone referred who has a full window since completing, whenever referred (as a run
    # covers the people its index dates define): the period's referrals could not have.
    found = policy.visible(actor, OutcomeAggregate).filter(
        programme_code=prog, measure=OutcomeAggregate.Measure.SINGLE_GROUP)
    if filters.force is not None:
        found = found.filter(force=filters.force)
    if filters.provider is not None:
        found = found.filter(provider=filters.provider)
    for value, n in found.values_list("value", "count").order_by():
        counts[value] = counts.get(value, 0) + n
    reoffended, clean = counts[1], counts[0]
    people = reoffended + clean
    table = tables.grid(
        f"single_group_{prog.lower()}", f"{prog}: {headline.name.lower()} (single group)",
        f"Counts of people referred (at any date) who completed {prog} at least "
        f"{headline.window_days} days ago, by whether they reoffended within "
        f"{headline.window_days} days of completing. Not a comparison.",
        "Group", ["Completed, with full follow-up"], ["Not reoffended", "Reoffended"],
        [[clean, reoffended]], limit)
    table.chart, table.chart_points = "", []
    protected = table.protected
    total = protected.total if protected is not None else disclosure.Cell(people, True)
    rate = (100 * clean / people if people and shareable(clean, people, limit)
            and protected is not None and not protected.any_suppressed else None)
    section.heading = f"{prog}: reoffending (single group, no comparison)"
    section.about = [
        ("Figure", f"{headline.name} (single group)"),
        ("Denominator", f"people referred (at any date, not only in the period above) who "
                        f"completed {prog} at least "
                        f"{headline.window_days} days before the counts were computed, so "
                        f"each has {headline.window_days} days of follow-up ({total.shown})"),
        ("Reoffending means", _sentence(headline.definition)),
        ("Not a comparison", NOT_A_COMPARISON),
    ]
    section.figures.append(figures.Figure(
        f"{headline.name} ({prog}, single group)", rate,
        f"people who completed and did not reoffend within {headline.window_days} days of "
        "completing", f"people who completed, with {headline.window_days} days of "
                      f"follow-up ({total.shown})", unit="%",
        empty=("No one has completed with a full follow-up window yet" if people == 0
               else WITHHELD)))
    section.tables.append(table)


def fill(section: Section, summary: ReoffendingSummary, limit: int,
         key_prefix: str = "") -> dict[int, tables.Table]:
    """A signed-off run's definitions, verdict, window tables (protected together) and rates;
    the window tables by window. `key_prefix` keeps another page's tables' keys apart."""
    section.about = _about(summary, limit)
    section.verdict = _verdict(summary)
    by_window = {}
    for window, label in WINDOWS:
        table = _window_table(summary, window, label, limit)
        if table is not None:
            table.key = key_prefix + table.key
            by_window[window] = table
            section.tables.append(table)
    section.relations = _window_relations(by_window)
    tables.protect_together(section.tables, limit, section.relations)
    for window, label in WINDOWS:
        section.figures += _window_figures(summary, window, label, limit,
                                           by_window.get(window))
    return by_window


def sections(actor: User, filters, programmes: list[str], limit: int, unit_costs,
             cost_of: dict[str, Decimal]) -> list[Section]:
    """One section per programme in view; `cost_of` is each programme's contract cost in the
    period."""
    found = []
    where = None
    for prog in programmes:
        summary = latest(actor, filters, prog)
        section = Section(prog, f"{prog}: reoffending from the latest evaluation run")
        if summary is None:
            where = where or place(actor, filters)
            section.empty = (f"No evaluation run for {prog} in {where} has been signed off as "
                             "the headline yet: an analyst proposes a finished run and a "
                             "second analyst approves it.")
            _single_group(section, actor, filters, prog, limit)
            section.money.append(figures.Figure(
                f"Benefit–cost estimate ({prog})", None,
                f"social cost avoided (offences avoided × {_unit(unit_costs)})",
                f"contract cost for {prog} in the period", unit="ratio", empty=section.empty))
            found.append(section)
            continue
        by_window = fill(section, summary, limit)
        _benefit_money(section, summary, unit_costs, cost_of.get(prog, Decimal(0)), limit,
                       by_window)
        found.append(section)
    return found
