"""Which case statuses (cases.lifecycle.Status) count as which stage of the programme.

One place, so the dashboard follows the lifecycle if it changes. "closed" follows either a
completion or a caution with no programme condition; aggregates.py tells them apart by whether
the case has a referral and records the first as CLOSED_AFTER_REFERRAL.
"""

from __future__ import annotations

REFERRED = "referred"
STARTED = "started"
COMPLETED = "completed"
BREACHED = "breached"
CLOSED_AFTER_REFERRAL = "closed_after_referral"
# A case with a programme stage but no referral (historical or imported cases, such as the demo's
# evaluation cohort) never reached the provider: it counts as recorded, not as a referral.
NOT_REFERRED = "not_referred"

# status -> the furthest stage it shows the case reached
STAGE_OF_STATUS: dict[str, str] = {
    "referred": REFERRED,
    "in_progress": STARTED,
    "completed": COMPLETED,
    CLOSED_AFTER_REFERRAL: COMPLETED,  # closed is reached from completed only, once referred
    "breached": BREACHED,
    "decided": BREACHED,  # the police's breach decision follows a breach
}


def counts_by_stage(status_counts: dict[str, int]) -> dict[str, int]:
    """Referrals, starts, completions and breaches from counts per case status.

    Every later stage was referred; completed people had started; breaches are counted apart
    (a breach may come before or after a start).
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
