"""Out-of-court disposal regimes, chosen by the disposal date. Pure Python apart from settings.

Before the PCSC Act 2022 Part 6 commencement date (settings.PCSC_COMMENCEMENT_DATE) the only
regime is the CJA 2003 conditional caution; on or after it, the diversionary caution (upper
tier) or community caution (lower tier). Conditions typically last up to 16 weeks and
exceptionally 20 (domain.md 3.1, secondary source); the same maximum is assumed for the PCSC
cautions until the final Code is confirmed. Unpaid work (max 20 hours) is allowed for the
diversionary caution (PCSC s.101); not for the others here (the CJA 2003 punitive object was
not reviewed, domain.md 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings


@dataclass(frozen=True)
class Regime:
    code: str
    label: str
    max_deadline_weeks: int
    max_unpaid_work_hours: int
    breach_means_prosecution: bool


CJA_2003 = Regime("cja2003_conditional", "Conditional caution (CJA 2003)", 20, 0, True)
PCSC_DIVERSIONARY = Regime("pcsc_diversionary", "Diversionary caution (PCSC Act 2022)", 20, 20,
                           True)
PCSC_COMMUNITY = Regime("pcsc_community", "Community caution (PCSC Act 2022)", 20, 0, False)

REGIMES = {r.code: r for r in (CJA_2003, PCSC_DIVERSIONARY, PCSC_COMMUNITY)}

# Police ranks, lowest first; the authorised person must be a sergeant or above (DPP §2.1).
RANKS = [
    ("constable", "Constable"),
    ("sergeant", "Sergeant"),
    ("inspector", "Inspector"),
    ("chief_inspector", "Chief inspector"),
    ("superintendent", "Superintendent"),
    ("chief_superintendent", "Chief superintendent"),
]
AUTHORISED_RANKS = frozenset(code for code, _ in RANKS[1:])
# Going ahead against the victim's view needs someone above the authorising sergeant.
SENIOR_RANKS = frozenset(code for code, _ in RANKS[2:])


def commencement() -> date:
    return settings.PCSC_COMMENCEMENT_DATE


def regimes_for(disposal_date: date) -> list[Regime]:
    if disposal_date < commencement():
        return [CJA_2003]
    return [PCSC_DIVERSIONARY, PCSC_COMMUNITY]
