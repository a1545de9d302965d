"""Contracts, unit costs, the forces each PCC office oversees, and published statistics.

None of these is personal data: they hold organisations, money and aggregates only.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class CommissionedForce(models.Model):
    """A police force whose OOCR work a PCC office oversees (and so sees in aggregate)."""

    commissioner_office = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                            related_name="overseen_forces")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="commissioned_by")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commissioner_office", "force"],
                                               name="commissioned_force_unique")]

    def __str__(self) -> str:
        return f"{self.force} overseen by {self.commissioner_office}"


class Contract(models.Model):
    commissioner_office = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                            related_name="contracts_commissioned")
    # A loaded programme's key (programme_codes.key: the file's code in capitals), checked
    # against the programme files by the form and the service, not by fixed choices here.
    programme_code = models.CharField("Programme", max_length=40)
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="contracts_held")
    start_date = models.DateField()
    end_date = models.DateField()
    annual_value = models.DecimalField(max_digits=12, decimal_places=2,
                                       validators=[MinValueValidator(Decimal(0))])
    target_referrals = models.PositiveIntegerField("Referrals a year")
    target_starts = models.PositiveIntegerField("Starts a year")
    target_completions = models.PositiveIntegerField("Completions a year")
    target_days_to_first_contact = models.PositiveIntegerField("Days to first contact",
                                                               default=14)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme_code", "start_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="contract_ends_after_start"),
            models.CheckConstraint(condition=models.Q(annual_value__gte=0),
                                   name="contract_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_code} with {self.provider} from {self.start_date:%-d %B %Y}"


class UnitCostVersion(models.Model):
    """One version of an office's unit costs. Edits add a version; old versions stay as they were,
    so every benefit–cost figure can say which costs and which price year it used."""

    commissioner_office = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                            related_name="unit_cost_versions")
    number = models.PositiveIntegerField()
    price_year = models.CharField(max_length=9, help_text="For example 2016/17")
    source = models.TextField()
    da_victim_cost = models.DecimalField(
        "Cost per victim of domestic abuse", max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal(0))])
    note = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["commissioner_office", "-number"]
        constraints = [models.UniqueConstraint(fields=["commissioner_office", "number"],
                                               name="unit_cost_version_unique")]

    def __str__(self) -> str:
        return f"Unit costs version {self.number} ({self.price_year} prices)"


class StatisticsRelease(models.Model):
    """A quarterly release of headline figures. Once published it is frozen: the page shows the
    stored snapshot, never a recomputation."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    commissioner_office = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                            related_name="statistics_releases")
    quarter_start = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    threshold = models.PositiveIntegerField(default=5)
    snapshot = models.JSONField(default=dict)
    prepared_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)

    class Meta:
        ordering = ["-quarter_start"]
        constraints = [models.UniqueConstraint(fields=["commissioner_office", "quarter_start"],
                                               name="one_release_per_quarter")]

    def __str__(self) -> str:
        return f"Statistics release for the quarter from {self.quarter_start}"


class DashboardAggregate(models.Model):
    """Case counts per force, programme, quarter and group, precomputed by the task queue so the
    dashboard does not scan every case on each request (the 300 ms target for the page)."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                 related_name="+", null=True)  # None: not referred
    programme_code = models.CharField(max_length=40)
    quarter_start = models.DateField()
    status = models.CharField(max_length=30)
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=20)
    ethnic_group = models.CharField(max_length=40)
    count = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["force", "quarter_start"])]

    def __str__(self) -> str:
        return f"{self.count} {self.programme_code} cases, {self.quarter_start}"


class RecordedCrimeAggregate(models.Model):
    """Counts of a force's imported crime records per recorded month, import and domestic-abuse
    flag (records/context.py), stored by the recount so the dashboard's context figure reads a
    few rows and commissioners never read crime records. No identifiers. The import is named
    by its number, source and time only: they say which extract the figure comes from."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    month_start = models.DateField()
    domestic_abuse = models.BooleanField()
    import_number = models.PositiveIntegerField()  # records.ImportBatch id (not a key)
    source_name = models.CharField(max_length=80)
    imported_at = models.DateTimeField(null=True)
    # The import's extract had a column mapped to the flag: without one every record of it
    # reads as not flagged, so no share is shown.
    flag_column = models.BooleanField()
    count = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["force", "month_start"])]

    def __str__(self) -> str:
        return f"{self.count} crime records, {self.month_start}"


class OutcomeAggregate(models.Model):
    """Counts of one delivery or outcome measure per force, provider, programme, referral quarter
    and group, precomputed with DashboardAggregate (aggregates.py). `value` is what was measured
    (days for a duration, 1/0 for agreed or not, 1/0/-1 for a victim's positive/no/negative
    change); `count` how many people had it. No identifier is stored, only counts. Durations
    and attitude answers are stored without the equality groups (sex, age band, ethnic group
    blank): per group they would multiply the rows the dashboard reads, and only their totals
    are shown; the started and first-contacted counts keep the groups."""

    class Measure(models.TextChoices):
        STARTED = "started", "Attended a first session (value 1)"
        FIRST_CONTACTED = "first_contacted", "First contacted (value 1)"
        FIRST_CONTACT_DAYS = "first_contact_days", "Days from caution to first contact"
        COMPLETION_DAYS = "completion_days", "Days from caution to completion"
        ATTITUDE_PARTNER = "attitude_partner", "Workshops changed attitude to partner (1 yes)"
        ATTITUDE_CHILDREN = "attitude_children", "Workshops changed attitude to children (1 yes)"
        VICTIM_CHANGE = "victim_change", "Victim's latest follow-up (1 positive, 0 no, -1 worse)"
        SCORE_CHANGE = "score_change", ("Start-to-end change in the programme's change measure "
                                        "(value: hundredths of a point)")
        SCORE_NO_END = "score_no_end", "Start score of the change measure but no end score (0)"
        SINGLE_GROUP = "single_group", ("Completed with full follow-up: reoffended within the "
                                        "programme's single-group window (1 yes, 0 no)")

    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                 related_name="+")
    programme_code = models.CharField(max_length=40)
    quarter_start = models.DateField()  # the quarter of the referral
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=20)
    ethnic_group = models.CharField(max_length=40)
    measure = models.CharField(max_length=30, choices=Measure.choices)
    value = models.IntegerField()
    count = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["force", "quarter_start", "measure"])]

    def __str__(self) -> str:
        return f"{self.count} at {self.measure}={self.value}, {self.quarter_start}"


class ReoffendingSummary(models.Model):
    """What the commissioner's dashboard shows of one completed evaluation run, copied from the
    run's result when it completes (reoffending.py): group rates, effects with their 95% CIs
    and the definitions, per window and scope. Aggregates only: no person, no pseudonym, and
    nothing the dashboard links to (commissioners cannot open runs). Reading this small row
    instead of the run's result JSON keeps the dashboard fast."""

    run = models.OneToOneField("evaluation.EvaluationRun", on_delete=models.CASCADE,
                               related_name="+")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    programme_code = models.CharField(max_length=40)  # upper case, as in contracts
    run_title = models.CharField(max_length=120, blank=True)  # names the run in releases
    finished_at = models.DateTimeField()
    # When a second analyst approved the run as the headline: the latest approved is shown.
    approved_at = models.DateTimeField(null=True)
    design = models.CharField(max_length=10)
    index_basis = models.CharField(max_length=16)
    index_from = models.DateField()
    index_to = models.DateField()
    window_days = models.PositiveSmallIntegerField()  # the run's primary window
    basis = models.CharField(max_length=10)
    scope = models.CharField(max_length=10)  # the run's primary scope
    who_counts = models.CharField(max_length=10)
    cohort_size = models.PositiveIntegerField()
    # [{window_days, scope, treated_people, treated_reoffended, control_people,
    #   control_reoffended, risk_treated, risk_control, risk_difference, risk_difference_ci,
    #   relative_reduction, relative_reduction_ci, verdict}, ...] (rates as proportions)
    outcomes = models.JSONField(default=list)
    definitions = models.JSONField(default=dict)  # denominator and data end, in words
    # A pooled run (its `force` is then the PCC office or research partner it belongs to): the
    # forces it pools, [[id, name], ...], and its stratified method. It reaches the regional
    # view only (regional.pooled_headlines), never a force's dashboard.
    pooled = models.BooleanField(default=False)
    pooled_forces = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["programme_code", "-finished_at"]),
                   models.Index(fields=["programme_code", "-approved_at"])]

    def __str__(self) -> str:
        return f"Reoffending summary of evaluation run {self.run_id}"
