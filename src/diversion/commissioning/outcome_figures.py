"""The dashboard's delivery and outcome figures, read from OutcomeAggregate counts (outcomes.py).
Reoffending and the benefit–cost estimate come from evaluation runs: reoffending_figures.py.

Every rate here is withheld when its denominator, its numerator or the rest (denominator minus
numerator) is a small count, so a share cannot reveal a few people by subtraction; medians are
withheld when fewer than the threshold people stand behind them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.db.models import QuerySet

from diversion.accounts import policy
from diversion.accounts.models import User
from diversion.commissioning import disclosure, figures, tables
from diversion.commissioning.models import Contract, OutcomeAggregate
from diversion.programmes import registry
from reoffending.change import summarise_changes

M = OutcomeAggregate.Measure
DEFAULT_FIRST_CONTACT_DAYS = 14  # domain.md 1.2; used for a provider with no contract in view
WITHHELD = "Withheld: fewer than the disclosure threshold"


@dataclass
class Outcomes:
    started: int
    headline: list[figures.Figure]
    outcomes: list[figures.Figure]
    tables: list[tables.Table] = field(default_factory=list)
    # {dimension: {group: {"started": n, "contacted": n}}} for the equality tables
    groups: dict = field(default_factory=dict)


def overseen(actor: User, model) -> QuerySet:
    """The dashboard's rows: of the forces the office oversees. (The policy also lets forces
    sharing under an agreement through; they belong to the regional view, not here.)"""
    return policy.visible(actor, model).filter(
        force__commissioned_by__commissioner_office_id=actor.organisation_id)


def rows(actor: User, filters, model=OutcomeAggregate) -> QuerySet:
    """The aggregate rows (OutcomeAggregate or DashboardAggregate) the filters choose."""
    found = overseen(actor, model).filter(
        quarter_start__gte=filters.start, quarter_start__lte=filters.end)
    if filters.programme:
        found = found.filter(programme_code=filters.programme)
    if filters.force is not None:
        found = found.filter(force=filters.force)
    if filters.provider is not None:
        found = found.filter(provider=filters.provider)
    return found


def shareable(numerator: int, denominator: int, limit: int) -> bool:
    return (denominator >= limit and not disclosure.is_small(numerator, limit)
            and not disclosure.is_small(denominator - numerator, limit))


def share(label: str, numerator: int, denominator: int, limit: int, words: tuple[str, str],
          empty: str, cells: tuple[disclosure.Cell, ...] = ()) -> figures.Figure:
    """`cells`: the numerator and denominator as a table shows them; the share is withheld
    when the table withholds either (it and the denominator would give the count away)."""
    value = figures.rate(numerator, denominator) if (
        shareable(numerator, denominator, limit)
        and not any(c.suppressed for c in cells)) else None
    return figures.Figure(label, value, words[0], words[1], unit="%",
                          empty=empty if denominator == 0 else WITHHELD)


def median_figure(label: str, counts: dict[int, int], limit: int, words: tuple[str, str],
                  empty: str) -> figures.Figure:
    n = sum(counts.values())
    value = figures.median_of_counts(counts) if n >= limit else None
    return figures.Figure(label, value, words[0], f"{words[1]} ({n:,})" if n >= limit
                          else words[1], unit="days", empty=empty if n == 0 else WITHHELD)


def _targets(contracts: list[Contract]) -> dict[tuple[int, str], int]:
    """(provider, programme) -> the contract's days-to-first-contact target (the strictest if
    several contracts in the period differ)."""
    found: dict[tuple[int, str], int] = {}
    for c in contracts:
        key = (c.provider_id, c.programme_code)
        found[key] = min(found.get(key, c.target_days_to_first_contact),
                         c.target_days_to_first_contact)
    return found


def compute(actor: User, filters, limit: int, contracts: list[Contract],
            quarter_list: list[date]) -> Outcomes:
    # One pass over the filtered rows (thousands, not cases): every figure and split below is
    # summed from it in Python, cheaper than a GROUP BY query per figure (bench/dashboard.py).
    # Fetched at once, not through a server-side cursor, which costs more than it saves here.
    totals: dict[tuple[str, int], int] = defaultdict(int)
    contact_by: dict[tuple[int, str, int], int] = defaultdict(int)
    by_quarter: dict[tuple[date, str], int] = defaultdict(int)
    dimensions = ("sex", "age_band", "ethnic_group")
    groups: dict = {d: defaultdict(lambda: defaultdict(int)) for d in dimensions}
    score_changes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    no_end: dict[str, int] = defaultdict(int)
    for (quarter, provider_id, programme, sex, age, ethnic, measure, value,
         n) in rows(actor, filters).values_list(
            "quarter_start", "provider_id", "programme_code", "sex", "age_band",
            "ethnic_group", "measure", "value", "count").order_by():
        totals[(measure, value)] += n
        if measure == M.SCORE_CHANGE:
            score_changes[programme][value] += n
        elif measure == M.SCORE_NO_END:
            no_end[programme] += n
        if measure == M.FIRST_CONTACT_DAYS:
            contact_by[(provider_id, programme, value)] += n
        if measure in (M.STARTED, M.FIRST_CONTACTED, M.COMPLETION_DAYS):
            by_quarter[(quarter, measure)] += n
        if measure in (M.STARTED, M.FIRST_CONTACTED):
            for dimension, group in zip(dimensions, (sex, age, ethnic), strict=True):
                groups[dimension][group][measure] += n

    def hist(measure: str) -> dict[int, int]:
        return {v: n for (m, v), n in totals.items() if m == measure}

    started = sum(hist(M.STARTED).values())
    contact = hist(M.FIRST_CONTACT_DAYS)
    completion = hist(M.COMPLETION_DAYS)

    targets = _targets(contracts)
    within = 0
    for (provider_id, programme, value), n in contact_by.items():
        target = targets.get((provider_id, programme), DEFAULT_FIRST_CONTACT_DAYS)
        within += n if value <= target else 0
    contacted = sum(contact.values())
    target_words = ", ".join(sorted({f"{d} days" for d in targets.values()})) or \
        f"{DEFAULT_FIRST_CONTACT_DAYS} days"

    headline = [
        median_figure("Days from caution to first contact (median)", contact, limit,
                      ("days from the caution to the provider's first successful contact, "
                       "middle value", "people referred who were contacted"),
                      "No first contact recorded yet"),
        share("First contact within the contract's target", within, contacted, limit,
              (f"people first contacted within the contract's target ({target_words}; "
               f"{DEFAULT_FIRST_CONTACT_DAYS} days where no contract covers the provider)",
               "people referred who were contacted"), "No first contact recorded yet"),
        median_figure("Days from caution to completion (median)", completion, limit,
                      ("days from the caution to completion, middle value",
                       "people who completed, with a recorded caution"),
                      "No completion recorded yet"),
    ]

    partner_yes, partner_no = totals[(M.ATTITUDE_PARTNER, 1)], totals[(M.ATTITUDE_PARTNER, 0)]
    children_yes, children_no = (totals[(M.ATTITUDE_CHILDREN, 1)],
                                 totals[(M.ATTITUDE_CHILDREN, 0)])
    positive, none, negative = (totals[(M.VICTIM_CHANGE, 1)], totals[(M.VICTIM_CHANGE, 0)],
                                totals[(M.VICTIM_CHANGE, -1)])
    followed = positive + none + negative
    built = [
        tables.by_column(
            "delivery", "Delivery by referral quarter",
            "Counts of people referred in each quarter: who attended a session (started), who "
            "the provider first contacted, and who completed with a recorded caution date.",
            "Quarter", [figures.quarter_label(q) for q in quarter_list],
            {"Started": [by_quarter[(q, M.STARTED)] for q in quarter_list],
             "First contacted": [by_quarter[(q, M.FIRST_CONTACTED)] for q in quarter_list],
             "Completed": [by_quarter[(q, M.COMPLETION_DAYS)] for q in quarter_list]}, limit,
            alone=False),  # linked to the equality tables: the dashboard protects it
        tables.grid(
            "attitude", "Post-workshop questionnaire: did the workshops change your attitude?",
            "Counts of people answering each question on the post-workshop questionnaire; "
            "agree or strongly agree counts as yes.", "Question",
            ["To my partner", "To my children"], ["Yes", "No"],
            [[partner_yes, partner_no], [children_yes, children_no]], limit),
        tables.grid(
            "victim_feedback", "Victims' latest follow-up",
            "Counts of victims followed up, by the change in behaviour reported at their latest "
            "follow-up.", "Change reported", ["Positive change", "No change", "Negative change"],
            ["Victims"], [[positive], [none], [negative]], limit),
    ]

    # Grids built alone are protected as they are built.
    attitude = cast(disclosure.ProtectedTable, built[1].protected)
    victims = cast(disclosure.ProtectedTable, built[2].protected)
    outcome_figures = [
        share("Said the workshops changed their attitude to their partner", partner_yes,
              partner_yes + partner_no, limit,
              ("people who agreed or strongly agreed on the post-workshop questionnaire",
               "people who answered that question"), "No questionnaires recorded yet",
              (attitude.cells[0][0], attitude.row_totals[0])),
        share("Said the workshops changed their attitude to their children", children_yes,
              children_yes + children_no, limit,
              ("people who agreed or strongly agreed on the post-workshop questionnaire",
               "people who answered that question"), "No questionnaires recorded yet",
              (attitude.cells[1][0], attitude.row_totals[1])),
        share("Victims reporting a positive change", positive, followed, limit,
              ("victims whose latest follow-up reported a positive change in behaviour",
               "victims followed up (each victim's latest follow-up)"),
              "No victim follow-up recorded yet", (victims.cells[0][0], victims.total)),
    ]

    for programme in sorted(set(score_changes) | set(no_end)):
        table, found = _score_change(programme, score_changes[programme], no_end[programme],
                                     limit)
        if table is not None:
            built.append(table)
            outcome_figures += found

    return Outcomes(started, headline, outcome_figures, built, groups)


def _score_change(programme: str, changes: dict[int, int], no_end: int, limit: int
                  ) -> tuple[tables.Table | None, list[figures.Figure]]:
    """A programme's start-to-end change measure (JUNO: SWEMWBS): a table of people improved,
    not changed, worsened by a meaningful amount or with no end score, and the mean change with
    its 95% CI (reoffending.change), shown only when at least `limit` people stand behind it."""
    try:
        measures = registry.current(programme.lower()).change_measures()
    except KeyError:
        return None, []
    if not measures:
        return None, []
    measure = measures[0]
    meaningful = measure.meaningful_change or 0.0  # the schema requires it
    summary = summarise_changes([v / 100 for v, n in changes.items() for _ in range(n)],
                                no_end=no_end, meaningful=meaningful)
    table = tables.grid(
        f"score_change_{programme.lower()}", f"{programme}: {measure.name}, start to end",
        f"Counts of people with a start score, by the change from their start score to their "
        f"end score; a change of {meaningful:g} points or more either way counts as meaningful. "
        "People with a start score only are counted as having no end score yet.", "Change",
        ["Improved by a meaningful amount", "No meaningful change",
         "Worsened by a meaningful amount", "No end score yet"], ["People"],
        [[summary.improved], [summary.no_meaningful_change], [summary.worsened],
         [summary.no_end]], limit)
    protected = cast(disclosure.ProtectedTable, table.protected)
    paired_cells = tuple(protected.cells[i][0] for i in range(3))
    paired_words = (f"{summary.paired:,}" if not any(c.suppressed for c in paired_cells)
                    else disclosure.SUPPRESSED_TEXT)
    denominator = f"people with a start and an end score ({paired_words})"
    mean = None
    if summary.paired >= limit and summary.mean_change is not None and \
            summary.ci_low is not None and summary.ci_high is not None:
        mean = (f"{summary.mean_change:+.2f} points (95% CI {summary.ci_low:+.2f} to "
                f"{summary.ci_high:+.2f})")
    found = [
        figures.Figure(
            f"{programme}: {measure.name}, mean from start to end", mean, "", denominator,
            empty="No one has a start and an end score yet" if summary.paired == 0
            else WITHHELD,
            explanation=f"The mean of each person's end score minus start score over the "
                        f"{denominator}, with its 95% confidence interval (t distribution); "
                        "above zero means better wellbeing at the end. People with no end "
                        f"score ({protected.cells[3][0].shown}) are not in the mean. "
                        + (f"Source: {measure.source}." if measure.source else "")),
        share(f"{programme}: improved by a meaningful amount ({meaningful:g} points or more)",
              summary.improved, summary.paired, limit,
              (f"people whose score rose by {meaningful:g} points or more", denominator),
              "No one has a start and an end score yet", paired_cells),
    ]
    return table, found
