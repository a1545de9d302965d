"""Evaluation runs: a definition (programme, period, design, outcomes) and its stored result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Design(models.TextChoices):
    TRIAL = "trial", "The programme's randomised trial"
    MATCHED = "matched", "Matched comparison (eligible but not referred)"


class IndexBasis(models.TextChoices):
    RANDOMISATION = "randomisation", "Randomisation date"
    CAUTION = "caution", "Caution date"
    REFERRAL = "referral", "Referral date"


# The covariates a matched run may balance on: cohort column -> what it means.
COVARIATES = {
    "age": "Age at the index date",
    "male": "Sex (male)",
    "prior_offences": "Offences recorded in the 2 years before the index date",
    "da_index": "The index offence was domestic abuse",
}


class WhoCounts(models.TextChoices):
    REFERRED = "referred", "Everyone referred (or randomised)"
    STARTED = "started", "Those who started the programme"
    COMPLETED = "completed", "Those who completed the programme"


class EvaluationRun(models.Model):
    """One evaluation: its definition, inputs' fingerprint and the engine's JSON result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        TOO_SMALL = "too_small", "Cohort too small"
        FAILED = "failed", "Failed"

    # The organisation the run belongs to: the analyst's force, or for a pooled run the PCC
    # office or research partner the pooled forces share with.
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="+")
    # A pooled run: the forces whose cohorts it pools (each under a data-sharing agreement
    # with `force`), the force as the engine's stratum. Empty: the run's own force only.
    pooled_forces = models.ManyToManyField("accounts.Organisation", blank=True,
                                           related_name="+")
    title = models.CharField(max_length=120)
    programme_code = models.CharField(max_length=40)
    design = models.CharField(max_length=10, choices=Design.choices)
    index_from = models.DateField("Index dates from")
    index_to = models.DateField("Index dates to")
    index_basis = models.CharField(max_length=16, choices=IndexBasis.choices)
    window_days = models.PositiveSmallIntegerField(default=365)  # the primary window
    basis = models.CharField(max_length=10, default="recorded")
    scope = models.CharField(max_length=10, default="any")
    who_counts = models.CharField(max_length=10, choices=WhoCounts.choices,
                                  default=WhoCounts.REFERRED)
    # Matched design only: what the propensity score is built on and how close a match must be.
    covariates = models.JSONField(default=list, blank=True)  # empty: every usable covariate
    match_ratio = models.PositiveSmallIntegerField(default=1)
    caliper_sd = models.FloatField(default=0.2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)  # SHA-256 of the Arrow IPC bytes
    cohort_size = models.PositiveIntegerField(null=True, blank=True)
    flow = models.JSONField(default=dict, blank=True)  # how the cohort was drawn
    result = models.JSONField(null=True, blank=True)  # the engine's to_dict()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation run {self.pk}: {self.title}"

    @property
    def pooled(self) -> bool:
        return bool(self.pk) and self.pooled_forces.exists()

    @property
    def windows(self) -> tuple[int, ...]:
        """The primary window first (the engine's verdict is on the first)."""
        return (self.window_days,) + tuple(w for w in (182, 365) if w != self.window_days)


class HeadlineSignOff(models.Model):
    """An analyst's proposal that a finished run be its programme's headline for the force,
    and a second analyst's approval. Only approved runs reach the commissioner's dashboard and
    statistics releases; of those, the most recently approved is the headline, so a test run
    never replaces a result someone has vouched for."""

    run = models.OneToOneField(EvaluationRun, on_delete=models.CASCADE, related_name="sign_off")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(approved_by=models.F("proposed_by")),
                                   name="headline_approved_by_a_second_person"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True, approved_at__isnull=True)
                | models.Q(approved_by__isnull=False, approved_at__isnull=False),
                name="headline_approval_has_a_time"),
        ]

    def __str__(self) -> str:
        return f"Headline sign-off of run {self.run_id}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None
