"""Reviews of records past their retention date, and subject-access requests.

Neither points at the record it is about with a foreign key: the record may be erased, and
these rows (like the processing log) must outlive it. They name it by type and id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    DELETED = "deleted", "Deleted"
    KEPT = "kept", "Kept"


class KeepReason(models.TextChoices):
    LEGAL_HOLD = "legal_hold", "Legal hold (litigation, inquiry or complaint)"
    OPEN_CASE = "open_case", "Still needed for an open case or investigation"
    PUBLIC_PROTECTION = "public_protection", "Public protection (MoPI review: keep longer)"
    OTHER = "other", "Other reason"


class RetentionReview(models.Model):
    """One record found past its retention date, and what the administrator decided."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    record_type = models.CharField(max_length=30)  # a key of schedule.SCHEDULE
    object_type = models.CharField(max_length=100)  # "cases.Person"
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=300)  # what it is, without a name
    due_on = models.DateField()
    found_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices,
                              default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    keep_reason = models.CharField(max_length=20, choices=KeepReason.choices, blank=True)
    keep_until = models.DateField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)  # rows erased, by model

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id"],
                                    condition=models.Q(status="pending"),
                                    name="retentionreview_one_pending_per_record"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.object_type}:{self.object_id} ({self.status})"


class SubjectType(models.TextChoices):
    PERSON = "person", "A person the force holds records on (offender or suspect)"
    VICTIM = "victim", "A victim the victim service supports"


class SubjectAccessRequest(models.Model):
    """A subject-access request (DPA 2018 s.45; UK GDPR Art. 15) and its answer."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    subject_type = models.CharField(max_length=10, choices=SubjectType.choices)
    subject_id = models.PositiveIntegerField()  # cases.Person or victims.Victim, no FK
    subject_reference = models.CharField(max_length=60)  # force reference or "Victim 12"
    received_on = models.DateField()
    due_on = models.DateField()
    identity_checked = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"Subject-access request {self.pk}"
