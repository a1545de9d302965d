"""Victims and their consultation before a caution. Sealed: see accounts/policy.py.

Victim workers see these records; police see only `selectors.police_outcome(case)`.
Contact details (encrypted), the contact log, follow-ups and safeguarding come with the
victim-voice work.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Victim(models.Model):
    victim_service = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                       related_name="victims")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"Victim {self.pk}"


class CaseVictim(models.Model):
    """One victim may be linked to several cases, and one case to several victims."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="victim_links")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="case_links")
    relationship = models.CharField(max_length=20, choices=[
        ("current_partner", "Current intimate partner"),
        ("former_partner", "Former intimate partner"),
        ("family_member", "Family member"),
        ("other", "Other"),
    ])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "victim"],
                                               name="casevictim_unique")]

    def __str__(self) -> str:
        return f"Victim {self.victim_id} on case {self.case_id}"


class ConsultationOutcome(models.TextChoices):
    SUPPORTS = "supports", "Victim supports an out-of-court resolution"
    DOES_NOT_SUPPORT = "does_not_support", "Victim does not support an out-of-court resolution"
    NO_VIEW = "no_view", "Victim consulted and expressed no view"
    NOT_CONTACTABLE = "not_contactable", "Reasonable efforts made; victim not contactable"


class Consultation(models.Model):
    """The victim's views before the caution. Only `outcome` and `risk_raised` reach police."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="consultations")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="consultations")
    is_draft = models.BooleanField(default=True)
    views = models.TextField(blank=True)
    consents_to_programme = models.BooleanField(null=True)
    risk_raised = models.BooleanField(default=False)
    risk_details = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=ConsultationOutcome.choices, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at"]

    def __str__(self) -> str:
        return f"Consultation {self.pk} on case {self.case_id}"
