"""Allocate a case to a trial arm: once, from the concealed sequence, logged."""

from __future__ import annotations

import zlib

from django.db import connection
from django.db.models import Count

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.programmes.schema import TrialSpec
from diversion.trials.models import TrialAllocation, TrialBlock
from diversion.trials.randomisation import make_block, stratum_key


def _lock(trial_code: str, stratum: str) -> None:
    # Serialise allocations within one stratum (PostgreSQL); SQLite already serialises writers.
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"trial:{trial_code}:{stratum}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def existing_allocation(case) -> TrialAllocation | None:
    return TrialAllocation.objects.filter(case=case).first()


def allocate(*, actor, case, trial: TrialSpec, programme_version: int,
             facts: dict) -> tuple[TrialAllocation, bool]:
    """The case's allocation, drawn now if it has none. Returns (allocation, newly drawn).

    Must run inside the caller's transaction (which checks eligibility and consent are locked).
    A second request returns the same allocation: there is no way to draw again.
    """
    stratum = stratum_key(trial.strata, facts)
    _lock(trial.code, stratum)
    found = existing_allocation(case)
    if found is not None:
        return found, False
    # The stratum's latest block and how much of it is used, in one query.
    latest = (TrialBlock.objects.filter(trial_code=trial.code, stratum=stratum)
              .annotate(used=Count("allocations")).order_by("-index").first())
    used = latest.used if latest is not None else 0
    block: TrialBlock
    if latest is None or used >= len(latest.arms):
        block = TrialBlock.objects.create(
            trial_code=trial.code, stratum=stratum,
            index=0 if latest is None else latest.index + 1,
            arms=make_block(trial.arms, trial.ratio, trial.block_multiples))
        used = 0
    else:
        block = latest
    allocation = TrialAllocation.objects.create(
        trial_code=trial.code, programme_code=case.programme_code,
        programme_version=programme_version, case=case, stratum=stratum, block=block,
        position=used, arm=block.arms[used], allocated_by=actor)
    record(actor=actor, operation=Operation.COLLECTION, obj=allocation,
           subjects=[case.person],
           justification=f"Random allocation in {trial.name}: {allocation.arm}")
    return allocation, True
