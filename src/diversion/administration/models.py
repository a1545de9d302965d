"""Data-sharing agreements: a police force's recorded permission for its aggregate and
pseudonymised data to reach a receiving organisation's regional or national view.

An agreement is recorded by an administrator of the force and is never edited: it is withdrawn
(which stops new reads at once) and the row stays as history. The access policy
(`accounts/policy/scopes.py`) reads the live ones."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone

RECEIVER_KINDS = ("commissioner", "research_partner")


def in_force(on: date | None = None) -> Q:
    """Agreements in force on `on` (today): started, not ended, not withdrawn."""
    on = on or timezone.localdate()
    return ((Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            & Q(withdrawn_at__isnull=True, starts_on__lte=on))


class DataSharingAgreementQuerySet(models.QuerySet):
    def live(self, on: date | None = None) -> DataSharingAgreementQuerySet:
        return self.filter(in_force(on))


class DataSharingAgreement(models.Model):
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="sharing_agreements")
    receiver = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="received_agreements",
                                 verbose_name="Receiving organisation")
    agreed_by = models.CharField("Who agreed for the force", max_length=200,
                                 help_text="Name and post, for example the force's data "
                                           "protection officer")
    starts_on = models.DateField("Date from")
    ends_on = models.DateField("End date", null=True, blank=True)
    document_reference = models.CharField("Reference of the signed agreement", max_length=200)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    withdrawal_reason = models.TextField(blank=True)

    objects = DataSharingAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="agreement_withdrawal_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.force} to {self.receiver} from {self.starts_on:%-d %B %Y}"

    def status(self, on: date | None = None) -> str:
        on = on or timezone.localdate()
        if self.withdrawn_at is not None:
            return "Withdrawn"
        if self.starts_on > on:
            return "Not started"
        if self.ends_on is not None and self.ends_on < on:
            return "Ended"
        return "In force"
