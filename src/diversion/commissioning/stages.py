"""Seam to the referral lifecycle (issue 3): which case statuses count as which stage.

On main every case is "recorded", so the referral stages are honestly empty. When the lifecycle
lands, map its real statuses here (one place) and the dashboard fills in.
"""

from __future__ import annotations

REFERRED = "referred"
STARTED = "started"
COMPLETED = "completed"
BREACHED = "breached"

# status -> the furthest stage it shows the case reached
STAGE_OF_STATUS: dict[str, str] = {
    "referred": REFERRED,
    "contacted": REFERRED,
    "started": STARTED,
    "in_progress": STARTED,
    "completed": COMPLETED,
    "breached": BREACHED,
    "non_compliant": BREACHED,
}


def counts_by_stage(status_counts: dict[str, int]) -> dict[str, int]:
    """Referrals, starts, completions and breaches from counts per case status.

    Every later stage was referred; completed people had started; breaches are counted apart.
    """
    stage = {REFERRED: 0, STARTED: 0, COMPLETED: 0, BREACHED: 0}
    for status, count in status_counts.items():
        reached = STAGE_OF_STATUS.get(status)
        if reached is None:
            continue
        stage[REFERRED] += count
        if reached in (STARTED, COMPLETED):
            stage[STARTED] += count
        if reached == COMPLETED:
            stage[COMPLETED] += count
        if reached == BREACHED:
            stage[BREACHED] += count
    return stage
