"""Programme versions as loaded from the definition files, and which provider delivers what."""

from __future__ import annotations

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
    """Which provider a force refers a programme's cases to (one per force and programme)."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="+")
    programme_code = models.CharField(max_length=40)
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="commissioned_programmes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["force", "programme_code"],
                                               name="programmeprovider_unique")]

    def __str__(self) -> str:
        return f"{self.programme_code}: {self.provider_id} for {self.force_id}"
