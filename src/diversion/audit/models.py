"""The processing log (Data Protection Act 2018 s.62) and security events. Both append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Operation(models.TextChoices):
    """The six operations s.62(1) requires logs of."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a log row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class ProcessingLog(AppendOnlyModel):
    """One row per operation on personal data, written in the same transaction as the operation.

    Rows are chained by HMAC-SHA256 (`previous_hash` → `row_hash`, keyed by DIVERSION_LOG_KEYS,
    the signing key named by `key_id`) so an edit made behind the application's back, even by
    someone who can write to the database, is detected by `manage.py verify_processing_log`;
    signed checkpoints outside the database show when the newest rows were removed.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    operation = models.CharField(max_length=16, choices=Operation.choices, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)  # "system" for tasks
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     null=True, related_name="+")
    subjects = models.JSONField(default=list)  # [{"type": "cases.Person", "id": "3"}, ...]
    subject_index = models.TextField(blank=True)  # " cases.Person:3 " for portable search
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    justification = models.TextField()
    recipient = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    previous_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=8, blank=True)  # blank: an unkeyed row from before keys
    # Which of the log's chains the row belongs to (audit/lanes.py); rows from before lanes are 0.
    lane = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["lane", "id"], name="audit_log_lane_id")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(justification=""), name="processinglog_has_justification"
            ),
            models.CheckConstraint(
                condition=~models.Q(operation="disclosure") | ~models.Q(recipient=""),
                name="processinglog_disclosure_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} by {self.actor_username} at {self.occurred_at}"


class SecurityEventKind(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    SIGN_OUT = "sign_out", "Signed out"
    ACCESS_DENIED = "access_denied", "Access denied"
    SECOND_STEP_PASSED = "second_step_passed", "Authenticator code accepted"
    SECOND_STEP_FAILED = "second_step_failed", "Authenticator code refused"
    AUTHENTICATOR_SET_UP = "authenticator_set_up", "Authenticator app set up"
    AUTHENTICATOR_RESET = "authenticator_reset", "Authenticator reset by an administrator"
    PASSWORD_CHANGED = "password_changed", "Password changed by its owner"
    UPLOAD_REFUSED = "upload_refused", "Upload refused"


class SecurityEvent(AppendOnlyModel):
    """Authentication, failed-authorisation and refused-upload events (ASVS 16.3.1, 16.3.2,
    5.4.3). A refused upload keeps the file's size and SHA-256, never its contents or name."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             related_name="+")
    username = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     null=True, related_name="+")
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(null=True)
    reason = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    # Refused uploads only. Nullable so SQLite adds the columns without rebuilding the table
    # (which would drop its append-only trigger).
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.path}"


class IntegrityCheck(models.Model):
    """One run of the hash-chain verification, done on the task queue."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Tampering detected"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_checked = models.PositiveIntegerField(default=0)
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Integrity check {self.pk}: {self.status}"
