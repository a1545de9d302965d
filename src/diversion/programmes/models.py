"""Programme versions as loaded from the definition files, and which provider delivers what."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone


class ProgrammeVersion(models.Model):
    """A stored copy of one definition file. A version, once loaded, never changes."""

    code = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    trial_running = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"],
                                               name="programmeversion_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def ruleset_version(self) -> str:
        return f"{self.code}-v{self.version}"


class ProgrammeProvider(models.Model):
    """Which provider a force refers a programme's cases to, from a date (to a date, or open).

    A force's administrator records each setting; rows are never deleted, so the history of who
    delivered what, when, stays. At most one setting covers any day for a force and programme
    (`programmes.services.set_provider` refuses overlaps)."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="+")
    programme_code = models.CharField(max_length=40)
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="commissioned_programmes")
    valid_from = models.DateField("Date from")
    valid_to = models.DateField("End date", null=True, blank=True)
    # Null only on settings made before they were recorded through the page.
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme_code", "-valid_from"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(valid_to__isnull=True)
                       | models.Q(valid_to__gte=models.F("valid_from"))),
            name="programmeprovider_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.programme_code}: {self.provider_id} for {self.force_id}"

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
