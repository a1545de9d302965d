"""Change in a score from the start to the end of a programme (e.g. SWEMWBS wellbeing).

One pair per person: a start score and an end score, or no end score yet. People with only a
start score are counted as "no end score", never dropped silently; the mean change and its 95%
confidence interval use the people with both (a paired t-interval: mean ± t(0.975, n − 1) ×
SD / √n). "Improved by a meaningful amount" is a change of at least `meaningful` points
(SWEMWBS: 3 metric points, the top of the 1 to 3 of Shah et al. 2018, Health Qual Life
Outcomes 16:239; the programme file says which), "worsened" a change of at most −`meaningful`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from scipy import stats

__all__ = ["ChangeSummary", "summarise_change", "summarise_changes"]

_TOLERANCE = 1e-9  # metric scores have two decimals: 20.73 − 17.73 must count as 3


@dataclass(frozen=True)
class ChangeSummary:
    people: int  # with a start score
    paired: int  # with a start and an end score
    no_end: int  # with a start score only
    mean_change: float | None
    sd_change: float | None
    ci_low: float | None  # None with fewer than two pairs
    ci_high: float | None
    improved: int  # change >= meaningful
    worsened: int  # change <= -meaningful
    no_meaningful_change: int
    meaningful: float
    confidence: float

    def to_json(self) -> dict:
        return asdict(self)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def summarise_change(start: Sequence[float], end: Sequence[float | None], *,
                     meaningful: float, confidence: float = 0.95) -> ChangeSummary:
    """Summarise end − start over people; `end[i]` is None (or NaN) with no end score."""
    if len(start) != len(end):
        raise ValueError("start and end need one score each per person")
    if any(_missing(s) for s in start):
        raise ValueError("every person counted needs a start score")
    changes = [float(e) - float(s) for s, e in zip(start, end, strict=True)
               if e is not None and not _missing(e)]
    return summarise_changes(changes, no_end=len(start) - len(changes), meaningful=meaningful,
                             confidence=confidence)


def summarise_changes(changes: Sequence[float], *, no_end: int, meaningful: float,
                      confidence: float = 0.95) -> ChangeSummary:
    """The same from each paired person's change (end − start) and the count of people with a
    start score only (what the dashboard's aggregate counts keep)."""
    if meaningful <= 0:
        raise ValueError("meaningful change must be above zero")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if no_end < 0:
        raise ValueError("no_end cannot be negative")
    changes = [float(c) for c in changes]
    n = len(changes)
    improved = sum(1 for c in changes if c >= meaningful - _TOLERANCE)
    worsened = sum(1 for c in changes if c <= -meaningful + _TOLERANCE)
    mean = sum(changes) / n if n else None
    sd = low = high = None
    if n >= 2 and mean is not None:
        sd = math.sqrt(sum((c - mean) ** 2 for c in changes) / (n - 1))
        half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
    return ChangeSummary(
        people=n + no_end, paired=n, no_end=no_end, mean_change=mean, sd_change=sd,
        ci_low=low, ci_high=high, improved=improved, worsened=worsened,
        no_meaningful_change=n - improved - worsened, meaningful=float(meaningful),
        confidence=confidence)
