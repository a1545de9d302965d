"""The dashboard's arithmetic, from plain inputs (no Django), so every figure is unit-tested.

Each figure carries its numerator and denominator in words: published figures for these
programmes conflict because their denominators were never stated (domain.md 1.4, 6.10).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import cast

from diversion.core.ages import age_on

PENCE = Decimal("0.01")


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and, in words, what was divided by what."""

    label: str
    value: Decimal | float | int | str | None
    numerator: str
    denominator: str = ""
    unit: str = ""  # "%", "£", "days" or "" for a count
    empty: str = ""  # why there is no value yet, shown instead of it
    # How a figure that is not one count over another is worked out (a difference, an
    # estimate with its interval); shown instead of the numerator and denominator lines.
    explanation: str = ""

    @property
    def shown(self) -> str:
        if self.value is None:
            return self.empty or "not available"
        if isinstance(self.value, str):  # already a disclosure symbol such as [c]
            return self.value
        if self.unit == "%":
            return f"{self.value:.1f}%"
        if self.unit == "£":
            return f"£{self.value:,.2f}"
        if self.unit == "days":
            return f"{self.value:g} days"
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        return f"{self.value:,}"


# --- periods ----------------------------------------------------------------------------------

def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    following = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


def quarter_label(day: date) -> str:
    """Calendar quarters, named by their months, e.g. "Jan to Mar 2026"."""
    start = quarter_start(day)
    end = quarter_end(day)
    return f"{start:%b} to {end:%b %Y}"


def quarters(start: date, end: date) -> list[date]:
    """The first day of each calendar quarter that overlaps start..end, in order."""
    found = []
    current = quarter_start(start)
    while current <= end:
        found.append(current)
        current = quarter_end(current) + timedelta(days=1)
    return found


def overlap_days(a_start: date, a_end: date, b_start: date, b_end: date) -> int:
    """Days (inclusive) two date ranges share; 0 when they do not meet."""
    return max(0, (min(a_end, b_end) - max(a_start, b_start)).days + 1)


# --- money ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractTerms:
    start: date
    end: date
    annual_value: Decimal


def cost_in_period(contracts: Iterable[ContractTerms], start: date, end: date) -> Decimal:
    """What the contracts cost over start..end: each annual value pro rata by day (365 a year)."""
    total = Decimal(0)
    for terms in contracts:
        days = overlap_days(terms.start, terms.end, start, end)
        total += Decimal(terms.annual_value) * days / 365
    return total.quantize(PENCE, ROUND_HALF_UP)


def cost_per(cost: Decimal, count: int) -> Decimal | None:
    """Cost divided by a count; None (not infinity, not zero) when nothing was counted."""
    if count <= 0:
        return None
    return (Decimal(cost) / count).quantize(PENCE, ROUND_HALF_UP)


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage, or None when the denominator is zero."""
    if denominator <= 0:
        return None
    if numerator < 0 or numerator > denominator:
        raise ValueError("a rate's numerator must lie between 0 and its denominator")
    return 100.0 * numerator / denominator


@dataclass(frozen=True)
class BenefitCost:
    offences_avoided: Decimal
    benefit: Decimal
    cost: Decimal
    ratio: Decimal | None  # benefit per £1 spent


def offences_avoided(people: int, comparison_rate: float, treated_rate: float) -> Decimal:
    """Expected offences avoided: people × (comparison rate − treated rate), rates as proportions.

    Negative when the treated group reoffended more (an honest disbenefit, not clipped).
    """
    if not (0 <= comparison_rate <= 1 and 0 <= treated_rate <= 1):
        raise ValueError("rates must be proportions between 0 and 1")
    return (Decimal(people) * (Decimal(str(comparison_rate)) - Decimal(str(treated_rate)))
            ).quantize(Decimal("0.1"), ROUND_HALF_UP)


def benefit_cost(avoided: Decimal, unit_cost: Decimal, cost: Decimal) -> BenefitCost:
    """The social cost avoided (offences avoided × unit cost) against what the programme cost."""
    benefit = (Decimal(avoided) * Decimal(unit_cost)).quantize(PENCE, ROUND_HALF_UP)
    ratio = (benefit / cost).quantize(PENCE, ROUND_HALF_UP) if cost > 0 else None
    return BenefitCost(Decimal(avoided), benefit, Decimal(cost), ratio)


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95% confidence interval."""

    estimate: Decimal
    low: Decimal
    high: Decimal

    @property
    def significant(self) -> bool:
        """The interval excludes zero: the evaluation found an effect either way."""
        return self.low > 0 or self.high < 0


def avoided_interval(people: int, comparison_rate: float, treated_rate: float,
                     difference_ci: Sequence[float]) -> Interval:
    """Offences avoided, people × (comparison rate − treated rate), with the CI of the risk
    difference (treated − comparison, as the engine reports it) carried through: the ends swap
    and change sign. Not rounded here, so the money below is not rounded twice."""
    if not (0 <= comparison_rate <= 1 and 0 <= treated_rate <= 1):
        raise ValueError("rates must be proportions between 0 and 1")
    low_d, high_d = (Decimal(str(v)) for v in difference_ci)
    if low_d > high_d:
        raise ValueError("a confidence interval's lower end cannot exceed its upper end")
    n = Decimal(people)
    return Interval(n * (Decimal(str(comparison_rate)) - Decimal(str(treated_rate))),
                    -high_d * n, -low_d * n)


@dataclass(frozen=True)
class BenefitCostInterval:
    avoided: Interval
    benefit: Interval  # £: offences avoided × unit cost
    cost: Decimal
    ratio: Interval | None  # benefit per £1 of cost; None when nothing was spent


def benefit_cost_interval(avoided: Interval, unit_cost: Decimal, cost: Decimal
                          ) -> BenefitCostInterval:
    """The benefit–cost estimate with the interval of offences avoided carried through (the
    unit cost and the contract cost are taken as fixed)."""
    ends = [benefit_cost(v, unit_cost, cost) for v in (avoided.estimate, avoided.low,
                                                        avoided.high)]
    benefit = Interval(*(e.benefit for e in ends))
    # The three share one cost, so either every ratio is None or none is.
    ratio = None if ends[0].ratio is None else Interval(*(cast(Decimal, e.ratio) for e in ends))
    return BenefitCostInterval(avoided, benefit, Decimal(cost), ratio)


# --- people -----------------------------------------------------------------------------------

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 18", 0, 17), ("18 to 24", 18, 24), ("25 to 34", 25, 34), ("35 to 44", 35, 44),
    ("45 to 54", 45, 54), ("55 and over", 55, 200),
)
ETHNIC_GROUPS: dict[str, str] = {
    "W": "White", "M": "Mixed or multiple", "A": "Asian or Asian British",
    "B": "Black or Black British", "O": "Other ethnic group", "N": "Not stated",
}
SEXES: dict[str, str] = {"M": "Male", "F": "Female", "X": "Not known"}


def age_band(born: date, day: date) -> str:
    age = max(age_on(born, day), 0)  # a birth date after the day is a data error, not a band
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    raise ValueError(f"no age band for age {age}")


def ethnic_group(code: str) -> str:
    """The five census groups plus not stated, from a police self-defined ethnicity code."""
    return ETHNIC_GROUPS.get((code or "N")[0], ETHNIC_GROUPS["N"])


def split(labels: Iterable[str], order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts per label in a fixed order (every label listed, zeros included)."""
    counted = Counter(labels)
    unknown = set(counted) - set(order)
    if unknown:
        raise ValueError(f"labels outside the order: {sorted(unknown)}")
    return [(label, counted[label]) for label in order]


def median_days(durations: Iterable[int]) -> float | None:
    values = list(durations)
    if any(v < 0 for v in values):
        raise ValueError("a duration cannot be negative")
    return float(median(values)) if values else None


def share_within(durations: Iterable[int], days: int) -> tuple[int, int]:
    """(how many took at most `days`, how many there were): e.g. first contact in 14 days."""
    values = list(durations)
    return sum(1 for v in values if v <= days), len(values)


# --- delivery and outcome measures -------------------------------------

def median_of_counts(counts: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}, without expanding them (aggregates)."""
    if any(v < 0 for v in counts) or any(n < 0 for n in counts.values()):
        raise ValueError("durations and counts cannot be negative")
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted((v, n) for v, n in counts.items() if n)

    def nth(position: int) -> int:  # 0-based position in the sorted expansion
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise AssertionError("position beyond the counts")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def within_of_counts(counts: dict[int, int], days: int) -> tuple[int, int]:
    """(how many took at most `days`, how many there were), from {days: how many}."""
    return sum(n for v, n in counts.items() if v <= days), sum(counts.values())
