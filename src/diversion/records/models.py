"""Imported police crime records, the imports that brought them, and their links to people.

A crime record is keyed by (force, crime reference). Re-importing an identical row changes
nothing (its content hash is equal); a different row replaces it and the prior version is kept
in `CrimeRecordVersion`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# The fields of one imported row, in a fixed order: staging, merge SQL and history share it.
RECORD_FIELDS = (
    "crime_reference", "pnc_id", "force_person_ref", "given_name", "family_name",
    "date_of_birth", "sex", "postcode_district", "offence_code_raw", "offence_code_id",
    "offence_date", "recorded_date", "domestic_abuse", "same_victim", "outcome_type",
    "outcome_date", "row_hash",
)


class RecordSource(models.Model):
    """Where extracts come from (one force system), with its column mapping saved once."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="record_sources")
    name = models.CharField(max_length=80)
    # canonical field name -> the column heading in this source's extracts
    mapping = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["force", "name"],
                                               name="record_source_unique_name")]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One extract file and what importing it did."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", "Columns to map"
        QUEUED = "queued", "Waiting to start"
        INSPECTING = "inspecting", "Checking the file"
        STAGING = "staging", "Checking rows"
        MERGING = "merging", "Saving records"
        LINKING = "linking", "Linking people"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="record_imports")
    source = models.ForeignKey(RecordSource, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64)
    # The uploaded file's random name under RECORDS_UPLOAD_DIR (records/uploads.py), never the
    # person's file name; the file is deleted when the import ends (data minimisation).
    stored_name = models.CharField(max_length=32, blank=True, editable=False)
    # The file's header row, read by the worker (the mapping page shows it without parsing).
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # the mapping this import used
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    problem = models.TextField(blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    unknown_codes = models.JSONField(default=dict, blank=True)  # code -> rows
    # Progress the worker writes as it goes (per chunk of rows, then per stage), for the page.
    started_at = models.DateTimeField(null=True, blank=True)  # when the rows began to be checked
    rows_merged = models.PositiveIntegerField(default=0)
    rows_to_link = models.PositiveIntegerField(default=0)
    rows_linked = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.filename})"

    @property
    def percent(self) -> int:
        if self.status in {self.Status.MERGING, self.Status.LINKING, self.Status.DONE}:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))

    def seconds_remaining(self, now=None) -> int | None:
        """Time left to check the rows at the rate so far; None before there is a rate or
        after the rows are checked (merging and linking have no row-by-row rate)."""
        if self.status != self.Status.STAGING or not self.started_at \
                or not self.rows_processed or not self.rows_total:
            return None
        elapsed = ((now or timezone.now()) - self.started_at).total_seconds()
        left = max(self.rows_total - self.rows_processed, 0)
        return round(elapsed * left / self.rows_processed)

    @property
    def time_remaining(self) -> str:
        seconds = self.seconds_remaining()
        if seconds is None:
            return ""
        if seconds < 60:
            return "less than a minute"
        minutes = round(seconds / 60)
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.INSPECTING, self.Status.STAGING,
                               self.Status.MERGING, self.Status.LINKING}

    @property
    def unknown_code_rows(self) -> int:
        return sum(self.unknown_codes.values())


class RejectedRow(models.Model):
    """One reason a row of an extract was not accepted. Holds no values from the row."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField()  # as a spreadsheet numbers it: header is row 1
    field = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.field}"


class _RecordColumns(models.Model):
    """The columns of one imported row (shared by the record, its history and staging)."""

    crime_reference = models.CharField(max_length=30)
    pnc_id = models.CharField("PNC ID", max_length=13, blank=True)
    force_person_ref = models.CharField("Force person reference", max_length=30, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    postcode_district = models.CharField(max_length=4, blank=True)
    offence_code_raw = models.CharField("Home Office code as supplied", max_length=12)
    # Null when the code is unknown: the row is kept and the code reported, never dropped.
    offence_code = models.ForeignKey("cases.OffenceCode", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    offence_date = models.DateField()
    recorded_date = models.DateField()
    domestic_abuse = models.BooleanField(default=False)
    same_victim = models.BooleanField(default=False)
    outcome_type = models.CharField(max_length=24, default="pending")
    outcome_date = models.DateField(null=True, blank=True)
    row_hash = models.CharField(max_length=64)

    class Meta:
        abstract = True


class StagedRecord(_RecordColumns):
    """Accepted rows of a batch waiting to be merged (bulk-loaded; emptied after the merge)."""

    # Only the (batch, crime reference) index: it serves every lookup by batch, and each
    # further index would be written for every staged row.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+",
                              db_constraint=False, db_index=False)
    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+",
                              db_constraint=False, db_index=False)
    row_number = models.PositiveIntegerField()
    offence_code = None  # staged as the plain id column below (no join while loading)
    offence_code_id = models.CharField(max_length=8, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "crime_reference"])]

    def __str__(self) -> str:
        return f"Staged row {self.row_number}"


class CrimeRecord(_RecordColumns):
    """One offence from a police extract, as last imported."""

    # No index of its own: the unique (force, crime reference) index serves every lookup by
    # force, and one index fewer to maintain is a cheaper import.
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="crime_records", db_index=False)
    version = models.PositiveIntegerField(default=1)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-offence_date", "crime_reference"]
        constraints = [models.UniqueConstraint(fields=["force", "crime_reference"],
                                               name="crime_record_unique_reference")]

    def __str__(self) -> str:
        return self.crime_reference


class CrimeRecordVersion(_RecordColumns):
    """A prior version of a crime record, kept when a correcting extract replaced it."""

    record = models.ForeignKey(CrimeRecord, on_delete=models.CASCADE, related_name="history")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    superseded_by = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "-version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"],
                                               name="crime_record_version_unique")]

    def __str__(self) -> str:
        return f"{self.crime_reference} v{self.version}"


class LinkMethod(models.TextChoices):
    PNC = "pnc", "PNC ID (exact)"
    FORCE_REFERENCE = "force_reference", "Force person reference (exact)"
    PROBABILISTIC = "probabilistic", "Probabilistic, above the upper threshold"
    REVIEWED = "reviewed", "Probabilistic, accepted by an analyst"


class LinkageRun(models.Model):
    """One linkage of a force's unlinked crime records to its people, with its model."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="linkage_runs")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="linkage_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    problem = models.TextField(blank=True)
    upper_threshold = models.FloatField()
    lower_threshold = models.FloatField()
    # The Splink model with its m and u probabilities as estimated from this run's data.
    model_settings = models.JSONField(default=dict, blank=True)
    linked_pnc = models.PositiveIntegerField(default=0)
    linked_force_reference = models.PositiveIntegerField(default=0)
    linked_probabilistic = models.PositiveIntegerField(default=0)
    sent_to_review = models.PositiveIntegerField(default=0)
    left_unlinked = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk}"


class PersonLink(models.Model):
    """A crime record linked to a person on cases, and how the link was made."""

    record = models.OneToOneField(CrimeRecord, on_delete=models.CASCADE, related_name="link")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    match_probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="links")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Link of record {self.record_id} ({self.method})"


class LinkCandidate(models.Model):
    """A probable match between the thresholds, waiting for an analyst's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="candidates")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(CrimeRecord, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # comparison name -> {"level": label, "weight": partial match weight}
    comparisons = models.JSONField(default=dict)
    decision = models.CharField(max_length=10, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "record", "person"],
                                               name="link_candidate_unique_pair")]

    def __str__(self) -> str:
        return f"Candidate {self.record_id}-{self.person_id}"
