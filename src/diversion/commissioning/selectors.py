"""Reads for the commissioner's pages: contracts, unit costs, and the dashboard's figures.

Case data reaches commissioners only as precomputed aggregate counts (aggregates.py), scoped by
policy to the forces their office oversees, and every table passes disclosure control.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from diversion.accounts import policy
from diversion.accounts.models import Organisation, User
from diversion.commissioning import (
    crime_context,
    disclosure,
    figures,
    outcome_figures,
    programme_codes,
    reoffending_figures,
    stages,
    tables,
)
from diversion.commissioning.models import (
    CommissionedForce,
    Contract,
    DashboardAggregate,
    ReoffendingSummary,
    StatisticsRelease,
    UnitCostVersion,
)
from diversion.commissioning.tables import Table
from diversion.programmes import registry

DEFAULT_UNIT_COSTS = Path(__file__).parent / "data" / "unit_costs_default.json"

NO_REFERRALS = "No referrals recorded yet"


def threshold() -> int:
    """The setting, refused when it would suppress nothing (see also checks.py)."""
    return disclosure.check_threshold(
        getattr(settings, "DISCLOSURE_THRESHOLD", disclosure.DEFAULT_THRESHOLD))


def providers(actor: User) -> QuerySet:
    return policy.visible(actor, Organisation).filter(kind="provider").order_by("name")


def overseen_forces(actor: User) -> QuerySet:
    return (policy.visible(actor, Organisation)
            .filter(kind="police_force",
                    commissioned_by__commissioner_office_id=actor.organisation_id)
            .distinct().order_by("name"))


def contracts(actor: User) -> QuerySet:
    return policy.visible(actor, Contract).select_related("provider").order_by(
        "programme_code", "start_date")


def unit_cost_versions(actor: User) -> QuerySet:
    return policy.visible(actor, UnitCostVersion).order_by("-number")


def default_unit_costs() -> dict:
    return json.loads(DEFAULT_UNIT_COSTS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class UnitCosts:
    number: int | None  # None: the shipped defaults, not yet saved by this office
    price_year: str
    source: str
    da_victim_cost: Decimal
    note: str


def current_unit_costs(actor: User) -> UnitCosts:
    latest = unit_cost_versions(actor).first()
    if latest is not None:
        return UnitCosts(latest.number, latest.price_year, latest.source,
                         latest.da_victim_cost, latest.note)
    d = default_unit_costs()
    return UnitCosts(None, d["price_year"], d["source"], Decimal(d["da_victim_cost"]), d["note"])


def releases(actor: User) -> QuerySet:
    return policy.visible(actor, StatisticsRelease).order_by("-quarter_start")


def published_releases() -> QuerySet:
    return policy.public_visible(StatisticsRelease).select_related(
        "commissioner_office").order_by("-quarter_start")


# --- the dashboard ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    start: date  # first day of the first quarter
    end: date  # last day of the last quarter
    programme: str = ""
    force: Organisation | None = None
    provider: Organisation | None = None

    def query(self) -> dict[str, str]:
        q = {"from_quarter": self.start.isoformat(),
             "to_quarter": figures.quarter_start(self.end).isoformat()}
        if self.programme:
            q["programme"] = self.programme
        if self.force:
            q["force"] = str(self.force.pk)
        if self.provider:
            q["provider"] = str(self.provider.pk)
        return q


@dataclass
class Dashboard:
    filters: Filters
    headline: list[figures.Figure]
    money: list[figures.Figure]
    outcomes: list[figures.Figure]
    tables: list[tables.Table] = field(default_factory=list)
    computed_at: datetime | None = None
    unit_costs: UnitCosts | None = None
    contracts_in_period: int = 0
    reoffending: list[reoffending_figures.Section] = field(default_factory=list)
    crime: crime_context.CrimeContext | None = None

    def table(self, key: str) -> Table | None:  # `tables` here is the field above
        return next((t for t in self.tables if t.key == key), None)


def _contracts_in(actor: User, filters: Filters) -> list[Contract]:
    found = contracts(actor).filter(start_date__lte=filters.end, end_date__gte=filters.start)
    if filters.programme:
        found = found.filter(programme_code=filters.programme)
    if filters.provider is not None:
        found = found.filter(provider=filters.provider)
    return list(found)


@dataclass(frozen=True)
class Version:
    """Everything the dashboard's figures depend on besides the filters, read in a few small
    queries: a cached rendering is reused only while all of it is unchanged."""

    aggregates_at: datetime | None  # the recount (DashboardAggregate and OutcomeAggregate)
    forces: tuple[int, ...]  # which forces the office oversees
    contracts: tuple
    unit_costs: int | None
    runs: tuple  # the evaluation runs' summaries
    threshold: int
    # The loaded programme files (name and version of each): a file added or changed at a
    # restart gives new tables and sections, so older renderings are not reused.
    programmes: tuple = ()


def version(actor: User) -> Version:
    deals = contracts(actor).aggregate(t=Max("updated_at"), n=Count("id"))
    runs = policy.visible(actor, ReoffendingSummary).aggregate(t=Max("computed_at"),
                                                              n=Count("id"))
    return Version(
        policy.visible(actor, DashboardAggregate).aggregate(t=Max("computed_at"))["t"],
        tuple(policy.visible(actor, CommissionedForce).order_by("force_id")
              .values_list("force_id", flat=True)),
        (deals["t"], deals["n"]), unit_cost_versions(actor).aggregate(n=Max("number"))["n"],
        (runs["t"], runs["n"]), threshold(),
        tuple((d.code, d.version, d.name) for d in registry.all_definitions()))


EQUALITY_TABLES = ("equality_sex", "equality_age_band", "equality_ethnic_group")
# the equality tables' columns: recorded, referred, started, first contacted, completed
RECORDED, REFERRED, STARTED, CONTACTED, COMPLETED = range(5)


def _relations(built: list[tables.Table]) -> list[disclosure.Relation]:
    """What a reader of the dashboard (or a release) knows links its tables: each equality
    table counts the same people, a group's referrals are among its recorded cases and its
    starts, contacts and completions among its referrals; the quarters table's total is the
    cases recorded, the delivery table's starts and contacts those of the equality tables; the
    headline counts are those totals. Relations that do not hold for the period's counts are
    dropped when protecting (a referral's quarter is not always the case's)."""
    rel = disclosure.Relation
    keys = {t.key: t for t in built}
    found: list[disclosure.Relation] = []
    equality = [k for k in EQUALITY_TABLES if k in keys]
    for key in equality:
        for i in range(len(keys[key].rows) + 1):  # each group, then the total row
            found += [rel((key, i, REFERRED), (key, i, RECORDED), "<="),
                      *(rel((key, i, j), (key, i, REFERRED), "<=")
                        for j in (STARTED, CONTACTED, COMPLETED)),
                      rel((key, i, COMPLETED), (key, i, STARTED), "<=")]
    for a, b in zip(equality, equality[1:], strict=False):
        found += [rel((a, -1, j), (b, -1, j)) for j in range(5)]
    if equality:
        first = equality[0]
        if "quarters" in keys:
            found.append(rel(("quarters", -1, -1), (first, -1, RECORDED)))
        if "delivery" in keys:
            found += [rel(("delivery", -1, 0), (first, -1, STARTED)),
                      rel(("delivery", -1, 1), (first, -1, CONTACTED))]
        found += [rel(("headline_recorded", 0, 0), (first, -1, RECORDED)),
                  rel(("headline_referrals", 0, 0), (first, -1, REFERRED)),
                  rel(("headline_starts", 0, 0), (first, -1, STARTED)),
                  rel(("headline_completions", 0, 0), (first, -1, COMPLETED))]
    found.append(rel(("headline_breaches", 0, 0), ("headline_referrals", 0, 0), "<="))
    return found


def dashboard(actor: User, filters: Filters) -> Dashboard:
    limit = threshold()
    rows = outcome_figures.rows(actor, filters, DashboardAggregate)
    by_status: dict[str, int] = defaultdict(int)
    by_quarter: dict[tuple[date, str], int] = defaultdict(int)
    groups: dict[str, dict[str, dict[str, int]]] = {
        "sex": defaultdict(lambda: defaultdict(int)),
        "age_band": defaultdict(lambda: defaultdict(int)),
        "ethnic_group": defaultdict(lambda: defaultdict(int)),
    }
    # One pass over the filtered rows (thousands, not cases), summed in Python: cheaper than a
    # GROUP BY query per split, each joining the policy's scope again (bench/dashboard.py).
    for (status, quarter, programme, sex, age, ethnic, n) in rows.values_list(
            "status", "quarter_start", "programme_code", "sex", "age_band", "ethnic_group",
            "count").order_by():
        by_status[status] += n
        by_quarter[(quarter, programme)] += n
        stage = stages.STAGE_OF_STATUS.get(status)
        for dimension, group in (("sex", sex), ("age_band", age), ("ethnic_group", ethnic)):
            cell = groups[dimension][group]
            cell["recorded"] += n
            if stage is not None:
                cell["referred"] += n
            if stage == stages.COMPLETED:
                cell["completed"] += n
    recorded = sum(by_status.values())
    stage_counts = stages.counts_by_stage(by_status)
    computed_at = policy.visible(actor, DashboardAggregate).aggregate(t=Max("computed_at"))["t"]

    found_contracts = _contracts_in(actor, filters)
    quarter_list = figures.quarters(filters.start, filters.end)
    measured = outcome_figures.compute(actor, filters, limit, found_contracts, quarter_list)
    # Starts come from the attendance register (outcome_figures), not the status.
    referred, started = stage_counts[stages.REFERRED], measured.started
    completed, breached = stage_counts[stages.COMPLETED], stage_counts[stages.BREACHED]

    cost = figures.cost_in_period(
        [figures.ContractTerms(c.start_date, c.end_date, c.annual_value) for c in found_contracts],
        filters.start, filters.end)
    unit_costs = current_unit_costs(actor)
    money: list = [
        figures.Figure("Contract cost in the period", cost,
                       "annual contract values, pro rata by day over the period", unit="£",
                       explanation="The annual values of the contracts in the period, pro "
                                   "rata by day (365 a year) over the period."),
        None, None,  # cost per referral and per completion: after disclosure control below
    ]
    programmes = [filters.programme] if filters.programme else programme_codes.keys()
    cost_of = {p: figures.cost_in_period(
        [figures.ContractTerms(c.start_date, c.end_date, c.annual_value)
         for c in found_contracts if c.programme_code == p], filters.start, filters.end)
        for p in programmes}
    reoffending = reoffending_figures.sections(actor, filters, programmes, limit, unit_costs,
                                               cost_of)
    for section in reoffending:
        money += section.money
    outcomes = measured.outcomes

    built = [
        tables.grid("quarters", "Cases recorded for a programme, by quarter",
                    "Count of cases a force recorded for each programme, by the quarter the "
                    "case was recorded in", "Quarter",
                    [figures.quarter_label(q) for q in quarter_list], programmes,
                    [[by_quarter[(q, p)] for p in programmes] for q in quarter_list], limit,
                    alone=False),
    ]
    for key, title, order in (
        ("sex", "Sex", list(figures.SEXES)),
        ("age_band", "Age band", [b[0] for b in figures.AGE_BANDS]),
        ("ethnic_group", "Ethnic group", list(figures.ETHNIC_GROUPS.values())),
    ):
        split = groups[key]
        labels = [figures.SEXES[s] for s in order] if key == "sex" else order
        built.append(tables.by_column(
            f"equality_{key}", f"Equality monitoring by {title.lower()}",
            "Counts of people in each group: cases recorded for a programme, of whom referred, "
            "of whom started (attended a session), first contacted, and completed. Age is taken "
            "on the day the case was recorded.",
            title, labels,
            {"Cases recorded": [split[g]["recorded"] for g in order],
             "Referred": [split[g]["referred"] for g in order],
             "Started": [measured.groups[key][g][outcome_figures.M.STARTED] for g in order],
             "First contacted": [measured.groups[key][g][outcome_figures.M.FIRST_CONTACTED]
                                 for g in order],
             "Completed": [split[g]["completed"] for g in order]}, limit, alone=False))
    built += measured.tables
    built += [t for section in reoffending for t in section.tables]
    crime = crime_context.build(
        actor, filters, [filters.force] if filters.force else list(overseen_forces(actor)),
        limit)
    if crime.table is not None:  # no link to the other tables: its own counts
        built.append(crime.table)
    heads = {"headline_recorded": recorded, "headline_referrals": referred,
             "headline_starts": started, "headline_completions": completed,
             "headline_breaches": breached}
    relations = _relations(built) + [r for section in reoffending for r in section.relations]
    shown = tables.protect_together(built, limit, relations, heads)
    crime_context.add_figures(crime)

    def count(label: str, key: str, numerator: str, empty: str):
        cell = shown[key]
        value = None if cell.value == 0 else (cell.shown if cell.suppressed else cell.value)
        return figures.Figure(label, value, numerator, empty=empty if cell.value == 0 else "")

    def nothing(what: str) -> str:
        # "none yet" names what is missing: with referrals recorded, no starts is not "no
        # referrals"
        return NO_REFERRALS if referred == 0 else f"No {what} recorded yet"

    visible = {key: not cell.suppressed for key, cell in shown.items()}
    completion = figures.rate(completed, started) if (
        started >= limit and (completed == 0 or completed >= limit)
        and visible["headline_starts"] and visible["headline_completions"]) else None
    headline = [
        count("Cases recorded for a programme", "headline_recorded",
              "cases a force recorded for the programme in the period",
              "No cases recorded for a programme in this period"),
        count("Referrals", "headline_referrals", "people referred to the provider in the period",
              NO_REFERRALS),
        count("Starts", "headline_starts", "people referred who attended at least one session, "
              "or completed (from the attendance register)", nothing("starts")),
        count("Completions", "headline_completions", "people who completed every condition",
              nothing("completions")),
        count("Breaches", "headline_breaches",
              "people referred back to the police for non-compliance", nothing("breaches")),
        figures.Figure("Completion rate", completion, "people who completed",
                       "people who started", unit="%",
                       empty=nothing("starts") if started == 0 else
                       "Withheld: fewer than the disclosure threshold"),
        *measured.headline,
    ]
    money[1] = figures.Figure(
        "Cost per referral", figures.cost_per(cost, referred)
        if referred >= limit and visible["headline_referrals"] else None,
        "contract cost in the period", "people referred in the period", unit="£",
        empty=NO_REFERRALS if referred == 0 else "Withheld: too few")
    money[2] = figures.Figure(
        "Cost per completion", figures.cost_per(cost, completed)
        if completed >= limit and visible["headline_completions"] else None,
        "contract cost in the period", "people who completed in the period", unit="£",
        empty=nothing("completions") if completed == 0 else "Withheld: too few")
    return Dashboard(filters, headline, money, outcomes, built, computed_at, unit_costs,
                     len(found_contracts), reoffending, crime)
