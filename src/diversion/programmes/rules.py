"""A small rule engine: each eligibility rule is met, not met or unknown, with its reason.

Pure Python (no Django). Facts are a mapping of name to value; a missing or None fact makes
the rule unknown rather than failing it, so a decision maker sees what is still to find out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from diversion.programmes.schema import RuleSpec

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
ELIGIBLE, INELIGIBLE, NEEDS_INFORMATION = "eligible", "ineligible", "needs_information"


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    text: str
    status: str  # MET, NOT_MET or UNKNOWN
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def evaluate_rule(rule: RuleSpec, facts: Mapping[str, Any]) -> RuleResult:
    value = facts.get(rule.fact)
    if value is None:
        label = rule.fact.replace("_", " ")
        return RuleResult(rule.id, rule.text, UNKNOWN, f"{label} is not recorded")
    op, target = rule.operator, rule.value
    if op == "equals":
        ok = value == target
        expected = f"must be {_show(target)}"
    elif op == "in":
        ok = value in target
        expected = f"must be one of {_show(target)}"
    elif op == "not_in":
        ok = value not in target
        expected = f"must not be one of {_show(target)}"
    elif op == "min":
        ok = value >= target
        expected = f"must be at least {_show(target)}"
    else:  # "max"
        ok = value <= target
        expected = f"must be at most {_show(target)}"
    label = rule.fact.replace("_", " ")
    reason = f"{label} is {_show(value)}" + ("" if ok else f"; it {expected}")
    return RuleResult(rule.id, rule.text, MET if ok else NOT_MET, reason)


def evaluate(rules: Iterable[RuleSpec], facts: Mapping[str, Any]) -> list[RuleResult]:
    return [evaluate_rule(rule, facts) for rule in rules]


def overall(results: Iterable[RuleResult]) -> str:
    """Ineligible if any rule is not met; eligible if all are met; otherwise more is needed."""
    statuses = [r.status for r in results]
    if NOT_MET in statuses:
        return INELIGIBLE
    if UNKNOWN in statuses:
        return NEEDS_INFORMATION
    return ELIGIBLE
