"""The caution step of a case: the disposal and its conditions, the referral to the provider,
and a supervisor's go-ahead against the victim's view.

These models began in `cases`; their tables keep the names they had there (`db_table`), so the
move changed no data.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from diversion.cases.regimes import RANKS


class Disposal(models.Model):
    """The caution and its conditions. Its stored time limit is the one every breach uses."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="disposal")
    regime = models.CharField(max_length=30)
    disposal_date = models.DateField()
    authorising_officer = models.CharField(max_length=150)
    authorising_rank = models.CharField(max_length=30)
    programme_condition = models.BooleanField(default=True)  # rehabilitative: attend programme
    reparative_condition = models.TextField(blank=True)
    restrictive_condition = models.TextField(blank=True)
    unpaid_work_hours = models.PositiveSmallIntegerField(default=0)
    deadline = models.DateField()
    signed_document = models.BooleanField(default=False)
    prosecution_last_day = models.DateField(null=True, blank=True)
    time_limit_basis = models.CharField(max_length=30)
    time_limit_explanation = models.TextField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "cases_disposal"
        constraints = [
            models.CheckConstraint(condition=models.Q(unpaid_work_hours__lte=20),
                                   name="disposal_unpaid_work_max_20"),
            models.CheckConstraint(condition=models.Q(deadline__gt=models.F("disposal_date")),
                                   name="disposal_deadline_after_disposal"),
        ]

    def __str__(self) -> str:
        return f"{self.regime} for {self.case_id}"


class Referral(models.Model):
    """A cautioned case referred to the programme's provider. One per case.

    Provider delivery picks referrals up from `delivery` by provider; `first_contact_due`
    is the 14-day first-contact target (domain.md 1.2).
    """

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="referral")
    programme_code = models.CharField(max_length=40)
    programme_version = models.PositiveIntegerField()
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="referrals")
    referred_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)
    first_contact_due = models.DateField()

    class Meta:
        db_table = "cases_referral"
        ordering = ["referred_at", "id"]

    def __str__(self) -> str:
        return f"Referral of {self.case_id} to {self.provider_id}"


class VictimViewDecision(models.Model):
    """A supervisor's decision, with reasons, to go ahead although the victim does not support
    an out-of-court resolution. The victim's view is weighed, not a veto (CPS and the DPP's
    Guidance treat it as a factor), but it is never overridden by the officer who proposed
    the caution alone: randomisation and the caution wait for this decision."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="victim_view_decision")
    supervisor_name = models.CharField(max_length=150)
    supervisor_rank = models.CharField(max_length=30, choices=RANKS)
    reasons = models.TextField()
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "cases_victimviewdecision"
        constraints = [models.CheckConstraint(condition=~models.Q(reasons=""),
                                              name="victim_view_decision_has_reasons")]

    def __str__(self) -> str:
        return f"Go-ahead despite the victim's view for {self.case_id}"


class ClosureReason(models.TextChoices):
    """Why a case was closed. The evaluation cohort and the commissioning dashboard read this,
    never the bare "closed" status, to say whether the programme was completed."""

    PROGRAMME_COMPLETED = "programme_completed", "Completed the programme"
    NO_PROGRAMME_CONDITION = "no_programme_condition", "Cautioned with no programme condition"
    PROSECUTED_AFTER_BREACH = ("prosecuted_after_breach",
                               "Prosecuted for the original offence after a breach")
    NO_FURTHER_ACTION_AFTER_BREACH = ("nfa_after_breach",
                                      "No further action after a breach")
    OTHER = "other", "Another reason"


class Closure(models.Model):
    """How and why a case was closed: one per closed case (the case's status says *that* it is
    closed; this says *why*). Written by `services.close_case` with the status change."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="closure")
    reason = models.CharField(max_length=30, choices=ClosureReason.choices)
    # Required for "another reason"; otherwise the officer's optional note for the timeline.
    detail = models.TextField(blank=True)
    # Null only for cases closed before reasons were recorded (filled in by migration 0002).
    closed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  null=True, blank=True)
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=~models.Q(reason="other", detail=""), name="closure_other_has_detail")]

    def __str__(self) -> str:
        return f"{self.reason} for {self.case_id}"
