"""The allocation log: append-only in the ORM and, by triggers, in the database itself.

`TrialBlock` holds each stratum's concealed sequence; no page shows it and no role has a scope
for it. `TrialAllocation` is the log of who got which arm; one per case, never changed.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from diversion.audit.models import AppendOnlyModel


class TrialBlock(AppendOnlyModel):
    trial_code = models.CharField(max_length=60)
    stratum = models.CharField(max_length=200)
    index = models.PositiveIntegerField()  # 0, 1, 2 ... within the trial and stratum
    arms = models.JSONField()  # the permuted block, e.g. ["control", "workshop", ...]
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trial_code", "stratum", "index"],
                                               name="trialblock_unique_index")]

    def __str__(self) -> str:
        return f"{self.trial_code} {self.stratum} block {self.index}"


class TrialAllocation(AppendOnlyModel):
    trial_code = models.CharField(max_length=60)
    programme_code = models.CharField(max_length=40)
    programme_version = models.PositiveIntegerField()
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="trial_allocation")
    stratum = models.CharField(max_length=200)
    block = models.ForeignKey(TrialBlock, on_delete=models.PROTECT, related_name="allocations")
    position = models.PositiveIntegerField()
    arm = models.CharField(max_length=40)
    allocated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT,
                                     related_name="+")
    allocated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["block", "position"],
                                               name="trialallocation_unique_position")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.arm}"
