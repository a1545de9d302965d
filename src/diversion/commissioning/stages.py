"""Which case statuses (cases.lifecycle.Status) count as which stage of the programme.

One place, so the dashboard follows the lifecycle if it changes. "closed" alone says nothing
about the programme: aggregates.py reads the closure's recorded reason (disposals.Closure) and
stores a referred case that was closed as CLOSED_COMPLETED (the programme was completed),
CLOSED_AFTER_BREACH (closed on a prosecution or no-further-action breach decision) or
CLOSED_OTHER (anything else: counted as referred only). A case closed with no referral (no
programme condition) stays "closed" and is not a referral.
"""

from __future__ import annotations

from diversion.disposals import closure

REFERRED = "referred"
STARTED = "started"
COMPLETED = "completed"
BREACHED = "breached"
CLOSED_COMPLETED = "closed_completed"
CLOSED_AFTER_BREACH = "closed_after_breach"
CLOSED_OTHER = "closed_other"
# A case with a programme stage but no referral (historical or imported cases, such as the demo's
# evaluation cohort) never reached the provider: it counts as recorded, not as a referral.
NOT_REFERRED = "not_referred"

# status -> the furthest stage it shows the case reached
STAGE_OF_STATUS: dict[str, str] = {
    "referred": REFERRED,
    "in_progress": STARTED,
    "completed": COMPLETED,
    CLOSED_COMPLETED: COMPLETED,
    "breached": BREACHED,
    "decided": BREACHED,  # the police's breach decision follows a breach
    CLOSED_AFTER_BREACH: BREACHED,  # and the case closed on it: still a breach, not a completion
    CLOSED_OTHER: REFERRED,
}


def closed_status(reason: str | None) -> str:
    """The stored status of a referred case that is closed, from its closure reason."""
    if reason in closure.COMPLETED_REASONS:
        return CLOSED_COMPLETED
    if reason in closure.BREACH_CLOSURES:
        return CLOSED_AFTER_BREACH
    return CLOSED_OTHER


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
