"""The OOCR case lifecycle: every status and every allowed transition, in one place.

    recorded ─┬─> eligible ──> consulted ─┬─> randomised ──> cautioned
              └─> ineligible ─(override)─┘└────────────────> cautioned
    cautioned ─┬─> referred ──> in_progress ─┬─> completed ──> closed
               │              └──────────────┴─> breached ──> decided ─(re-book)─> in_progress
               │                                                 └─(prosecute / no further
               │                                                    action)──> closed
               └─> closed   (no programme condition, e.g. the trial's control arm)

Every closure records its reason (disposals.Closure; which reasons each status allows:
disposals.closure): "closed" alone never says whether the programme was completed.

`check(current, target)` raises InvalidTransition with a reason a user can read. Services call
`cases.services.transition()`, which also checks the optimistic-lock version and writes a
CaseEvent. Guards that need other records (the victim consultation before a caution, the
eligibility decision) live in the services that perform the transition.

Provider delivery moves referred cases to in_progress, completed and breached; the
breach decision moves breached to decided, using the time limit stored on the Disposal.
"""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    RECORDED = "recorded", "Recorded"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"
    CONSULTED = "consulted", "Victim consulted"
    RANDOMISED = "randomised", "Randomised"
    CAUTIONED = "cautioned", "Cautioned"
    REFERRED = "referred", "Referred to provider"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    BREACHED = "breached", "Breached"
    DECIDED = "decided", "Breach decided"
    CLOSED = "closed", "Closed"


S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECORDED: frozenset({S.ELIGIBLE, S.INELIGIBLE}),
    S.ELIGIBLE: frozenset({S.CONSULTED, S.INELIGIBLE}),
    S.INELIGIBLE: frozenset({S.ELIGIBLE}),  # only by a supervisor's override
    S.CONSULTED: frozenset({S.RANDOMISED, S.CAUTIONED}),
    S.RANDOMISED: frozenset({S.CAUTIONED}),
    S.CAUTIONED: frozenset({S.REFERRED, S.CLOSED}),
    S.REFERRED: frozenset({S.IN_PROGRESS, S.BREACHED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.BREACHED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    # back to in progress only when the provider corrects the missed mark before police decide
    S.BREACHED: frozenset({S.DECIDED, S.IN_PROGRESS}),
    # in progress only by a "re-book" decision; closed only after prosecute or no further action
    S.DECIDED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# What must happen before a case can reach a status (used in refusal messages).
PREREQUISITE: dict[str, str] = {
    S.RECORDED: "a case never goes back to recorded; its history stays on the timeline",
    S.ELIGIBLE: "eligibility must be checked against the programme's rules",
    S.INELIGIBLE: "eligibility must be checked against the programme's rules",
    S.CONSULTED: "the case must be found eligible first",
    S.RANDOMISED: "eligibility must be decided and the victim consulted first",
    S.CAUTIONED: "the case must be eligible and the victim consulted first",
    S.REFERRED: "the person must be cautioned with a programme condition first",
    S.IN_PROGRESS: "the case must be referred to the provider (or re-booked after a breach) first",
    S.COMPLETED: "the provider must be delivering the programme first",
    S.BREACHED: "the case must be referred to the provider first",
    S.DECIDED: "the provider must report non-compliance first",
    S.CLOSED: ("the caution must be given, the programme completed, or a breach decided, "
               "first"),
}


class InvalidTransition(Exception):
    """The case cannot move to that status from where it is; the message says why."""


def label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status


def allowed(current: str) -> frozenset[str]:
    return TRANSITIONS.get(current, frozenset())


def check(current: str, target: str) -> None:
    if target not in Status.values:
        raise InvalidTransition(f"“{target}” is not a case status")
    if target in allowed(current):
        return
    if current == target:
        raise InvalidTransition(f"The case is already {label(current).lower()}")
    if not allowed(current):
        raise InvalidTransition(
            f"The case is {label(current).lower()}: that is final, so it cannot become "
            f"{label(target).lower()}")
    raise InvalidTransition(
        f"A case that is {label(current).lower()} cannot become {label(target).lower()}: "
        f"{PREREQUISITE[target]}")
