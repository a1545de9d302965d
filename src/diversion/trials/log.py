"""The trial manager's view of the allocation log: who got which arm, and a check that every
allocation is the one the concealed sequence held at its place.

The check reads the sequence (`TrialBlock`) but reports only counts: the arms still to come in
an open block are never shown, or a user could predict the next allocation and choose whom to
randomise. It covers every allocation in the trial (blocks are shared by the forces running it),
while the log itself lists only the allocations the user's scope allows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.http import QueryDict

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.core.paging import Listing, paginate
from diversion.core.pseudonyms import person_pseudonym
from diversion.programmes import registry
from diversion.programmes.schema import ProgrammeDefinition, TrialSpec
from diversion.trials.models import TrialAllocation, TrialBlock


@dataclass(frozen=True)
class Trial:
    spec: TrialSpec
    programme: ProgrammeDefinition


def trials() -> list[Trial]:
    """Every trial in the programme files (the current version of each programme)."""
    found: dict[str, Trial] = {}
    for definition in registry.all_definitions():
        if definition.trial is not None:
            found[definition.trial.code] = Trial(definition.trial, definition)
    return sorted(found.values(), key=lambda t: t.spec.code)


def trial(code: str) -> Trial | None:
    return next((t for t in trials() if t.spec.code == code), None)


@dataclass
class StratumCheck:
    stratum: str
    by_arm: Counter[str] = field(default_factory=Counter)
    blocks: int = 0
    allocations: int = 0
    not_as_sequenced: int = 0  # the arm differs from the sequence at that place
    out_of_order: int = 0  # a place used while an earlier place in its block was not

    @property
    def arms(self) -> list[tuple[str, int]]:
        # A Counter in a template would answer `.items` with a count of 0.
        return sorted(self.by_arm.items())

    @property
    def ok(self) -> bool:
        return self.not_as_sequenced == 0 and self.out_of_order == 0


def sequence_check(trial_code: str) -> list[StratumCheck]:
    """Each stratum's allocations against its concealed blocks (aggregate counts only)."""
    blocks = {b.pk: b for b in TrialBlock.objects.filter(trial_code=trial_code)}
    checks: dict[str, StratumCheck] = {}
    used: dict[int, list[int]] = defaultdict(list)
    for block in blocks.values():
        checks.setdefault(block.stratum, StratumCheck(block.stratum)).blocks += 1
    for block_id, position, arm, stratum in (TrialAllocation.objects
                                             .filter(trial_code=trial_code)
                                             .values_list("block_id", "position", "arm",
                                                          "stratum")):
        check = checks.setdefault(stratum, StratumCheck(stratum))
        check.allocations += 1
        check.by_arm[arm] += 1
        found = blocks.get(block_id)
        if found is None or position >= len(found.arms) or found.arms[position] != arm \
                or found.stratum != stratum:
            check.not_as_sequenced += 1
        used[block_id].append(position)
    for block_id, positions in used.items():
        owner = blocks.get(block_id)
        if owner is not None:
            checks[owner.stratum].out_of_order += max(positions) + 1 - len(set(positions))
    return [checks[s] for s in sorted(checks)]


@dataclass(frozen=True)
class LogRow:
    allocation: TrialAllocation
    person: str  # the keyed pseudonym analysts see in evaluation cohorts


def log_page(actor, *, trial_code: str, params: QueryDict) -> tuple[Listing, list[LogRow]]:
    """One page of the allocations the actor may see, newest first, read-logged."""
    queryset = (visible(actor, TrialAllocation).filter(trial_code=trial_code)
                .select_related("case", "block", "allocated_by").order_by("-id"))
    with transaction.atomic():
        listing = paginate(queryset, params)
        rows = [LogRow(a, person_pseudonym(a.case.person_id)) for a in listing.items]
        # Logged even when the page is empty: opening the log is itself the reader's act.
        record(actor=actor, operation=Operation.CONSULTATION,
               subjects=[("cases.Person", row.allocation.case.person_id) for row in rows],
               justification=f"Trial allocation log ({trial_code}), pseudonymised")
    return listing, rows


def all_rows(actor, *, trial_code: str) -> list[LogRow]:
    """Every allocation the actor may see, oldest first, for the CSV (the caller logs it)."""
    return [LogRow(a, person_pseudonym(a.case.person_id)) for a in
            visible(actor, TrialAllocation).filter(trial_code=trial_code)
            .select_related("case", "block", "allocated_by").order_by("id")]
