"""Victims, their cases, consultation before a caution, safe contact, follow-up and safeguarding.

Sealed: see accounts/policy/scopes.py. Victim workers see these records; police see only
`selectors.police_outcome(case)` and a dated "risk raised" alert. Contact details and free-text
accounts are encrypted at rest (crypto.EncryptedTextField).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from diversion.core.crypto import EncryptedTextField


class ServedForce(models.Model):
    """A victim service's partnership with a police force: it sees that force's cases."""

    victim_service = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                       related_name="served_forces")
    force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                              related_name="victim_services")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["victim_service", "force"],
                                               name="servedforce_unique")]

    def __str__(self) -> str:
        return f"{self.victim_service_id} serves {self.force_id}"


class RefugeStatus(models.TextChoices):
    NOT_IN_REFUGE = "not_in_refuge", "Not in a refuge"
    IN_REFUGE = "in_refuge", "Living in a refuge"
    SEEKING = "seeking", "Seeking a refuge place"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Victim(models.Model):
    victim_service = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                       related_name="victims")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    # Safe contact details: encrypted; read only with a reason and a recent sign-in.
    address = EncryptedTextField(blank=True)
    postcode = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    safe_times = EncryptedTextField("Safe times to contact", blank=True)
    safe_words = EncryptedTextField("Safe words", blank=True)
    perpetrator_knows_address = EncryptedTextField(
        "Does the person who offended know the address?", blank=True)  # a YesNoUnknown value
    refuge_status = EncryptedTextField(blank=True)  # a RefugeStatus value

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"Victim {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


CONTACT_FIELDS = ("address", "postcode", "phone", "email", "safe_times", "safe_words",
                  "perpetrator_knows_address", "refuge_status")


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


class DashLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Consultation(models.Model):
    """The victim's views before the caution. Only `outcome` and `risk_raised` reach police."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="consultations")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="consultations")
    is_draft = models.BooleanField(default=True)
    views = EncryptedTextField(blank=True)
    consents_to_programme = models.BooleanField(null=True)
    risk_raised = models.BooleanField(default=False)
    risk_details = EncryptedTextField(blank=True)
    outcome = models.CharField(max_length=20, choices=ConsultationOutcome.choices, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    dash_level = models.CharField("DASH risk level", max_length=10, choices=DashLevel.choices,
                                  blank=True)
    marac_referral = models.BooleanField("Referred to MARAC", default=False)
    idva_referral = models.BooleanField("Referred to an IDVA", default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_at"]

    def __str__(self) -> str:
        return f"Consultation {self.pk} on case {self.case_id}"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", "Spoke to the victim"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"
    UNSAFE = "unsafe", "Not safe to talk"
    DECLINED = "declined", "Victim declined contact"


class ContactLogEntry(models.Model):
    """Every attempt and conversation with a victim."""

    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="contacts")
    contacted_on = models.DateField()
    method = models.CharField(max_length=12, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=14, choices=ContactOutcome.choices)
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-contacted_on", "-id"]

    def __str__(self) -> str:
        return f"Contact {self.pk} with victim {self.victim_id}"


class BehaviourChange(models.TextChoices):
    POSITIVE = "positive", "Positive change"
    NONE = "none", "No change"
    NEGATIVE = "negative", "Negative change"


class FollowUp(models.Model):
    """A follow-up contact at a programme-defined point (schedules.py)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="follow_ups")
    point = models.CharField(max_length=30)
    contacted_on = models.DateField()
    still_in_contact = models.CharField(
        "Still in contact with the person who offended", max_length=8,
        choices=YesNoUnknown.choices)
    change = models.CharField("Change in behaviour reported", max_length=8,
                              choices=BehaviourChange.choices)
    own_words = EncryptedTextField("In the victim's own words", blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contacted_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "victim", "point"],
                                               name="followup_one_per_point")]

    def __str__(self) -> str:
        return f"Follow-up {self.point} for victim {self.victim_id}"


class SafeguardingAlert(models.Model):
    """A raised risk. Police see only that risk was raised and when; details stay here."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="safeguarding_alerts")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="alerts")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    details = EncryptedTextField(blank=True)
    # Urgent: the case's workshop bookings are paused until a victim worker lifts it.
    urgent = models.BooleanField(default=False)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"Safeguarding alert {self.pk} on case {self.case_id}"

    @property
    def pauses_bookings(self) -> bool:
        return self.urgent and self.lifted_at is None


class InformationKind(models.TextChoices):
    DECISION = "decision", "Told of the decision"
    OUTCOME = "outcome", "Told of the outcome"
    COMPLETION = "completion", "Told of completion"


class InformationEvent(models.Model):
    """A Victims' Code information right met: the victim was told, on a date."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="information")
    kind = models.CharField(max_length=12, choices=InformationKind.choices)
    told_on = models.DateField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["told_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} told to victim {self.victim_id}"


class Disclosure(models.Model):
    """Victim details given outside the victim service, with the recipient (s.62(3))."""

    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.CharField(max_length=200)
    recipient_organisation = models.CharField(max_length=200)
    what = models.CharField("What was disclosed", max_length=300)
    reason = models.CharField(max_length=300)
    disclosed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} about victim {self.victim_id}"
