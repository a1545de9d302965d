"""People known to a force and their offences. OOCR cases build on these (issue: referral)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from diversion.cases import pnc
from diversion.cases.lifecycle import Status
from diversion.core.crypto import EncryptedTextField


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    NOT_KNOWN = "X", "Not known"


class Ethnicity(models.TextChoices):
    """The police self-defined ethnicity (18+1) codes."""

    W1 = "W1", "White: English, Welsh, Scottish, Northern Irish or British"
    W2 = "W2", "White: Irish"
    W9 = "W9", "White: any other White background"
    M1 = "M1", "Mixed: White and Black Caribbean"
    M2 = "M2", "Mixed: White and Black African"
    M3 = "M3", "Mixed: White and Asian"
    M9 = "M9", "Mixed: any other mixed background"
    A1 = "A1", "Asian or Asian British: Indian"
    A2 = "A2", "Asian or Asian British: Pakistani"
    A3 = "A3", "Asian or Asian British: Bangladeshi"
    A4 = "A4", "Asian or Asian British: Chinese"
    A9 = "A9", "Asian or Asian British: any other Asian background"
    B1 = "B1", "Black or Black British: Caribbean"
    B2 = "B2", "Black or Black British: African"
    B9 = "B9", "Black or Black British: any other Black background"
    O2 = "O2", "Other ethnic group: Arab"
    O9 = "O9", "Other ethnic group: any other"
    NS = "NS", "Not stated"


class Relationship(models.TextChoices):
    CURRENT_PARTNER = "current_partner", "Current intimate partner"
    FORMER_PARTNER = "former_partner", "Former intimate partner"
    FAMILY_MEMBER = "family_member", "Family member"
    OTHER_KNOWN = "other_known", "Someone else known to them"
    STRANGER = "stranger", "Stranger"
    NO_VICTIM = "no_victim", "No individual victim"


class OutcomeType(models.TextChoices):
    PENDING = "pending", "Under investigation"
    CHARGE = "charge", "Charged or summonsed"
    CONVICTION = "conviction", "Convicted"
    CAUTION = "caution", "Simple caution"
    CONDITIONAL_CAUTION = "conditional_caution", "Conditional caution"
    COMMUNITY_RESOLUTION = "community_resolution", "Community resolution"
    NO_FURTHER_ACTION = "nfa", "No further action"


class DashRisk(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class OffenceCode(models.Model):
    """A Home Office Counting Rules offence code (reference data, loaded by a migration)."""

    code = models.CharField(max_length=8, primary_key=True)
    description = models.CharField(max_length=200)
    group = models.CharField(max_length=60)
    violence = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


def validate_pnc(value: str) -> None:
    try:
        pnc.normalise(value)
    except pnc.InvalidPNC as exc:
        raise ValidationError(str(exc)) from None


class Person(models.Model):
    """Someone a police force holds records on."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="people")
    force_reference = models.CharField(max_length=30)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=2, choices=Ethnicity.choices, default=Ethnicity.NS)
    pnc_id = models.CharField("PNC ID", max_length=13, blank=True, validators=[validate_pnc])
    postcode_district = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "force_reference"],
                                    name="person_unique_force_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class SafeContactMethod(models.TextChoices):
    """Ways the police say a provider may use to reach the person. A domestic-abuse perpetrator
    may live with the victim: a letter, a voicemail or a text can be seen or heard by her."""

    CALL = "call", "Phone call (speak to the person only)"
    TEXT = "text", "Text message"
    VOICEMAIL = "voicemail", "Voicemail message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter to the postal address"


# Which detail each way needs.
METHOD_NEEDS = {SafeContactMethod.CALL: "phone", SafeContactMethod.TEXT: "phone",
                SafeContactMethod.VOICEMAIL: "phone", SafeContactMethod.EMAIL: "email",
                SafeContactMethod.LETTER: "address"}


class PersonContact(models.Model):
    """The cautioned person's contact details, recorded by the police so the provider a case is
    referred to can make first contact. Every value is encrypted at rest (core.crypto); the
    policy scopes the row to the person's force and, while a case of theirs is referred or in
    progress, to that case's provider (accounts/policy/scopes.py)."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="contact")
    phone = EncryptedTextField("Phone number", blank=True)
    email = EncryptedTextField("Email address", blank=True)
    address = EncryptedTextField("Postal address", blank=True)
    postcode = EncryptedTextField("Postcode", blank=True)
    # SafeContactMethod values, comma-separated (encrypted: it says how the household lives).
    safe_methods = EncryptedTextField("Safe to contact by", blank=True)
    notes = EncryptedTextField("Safe-contact notes", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)

    def __str__(self) -> str:
        return f"Contact details of person {self.person_id}"

    @property
    def methods(self) -> list[str]:
        return [m for m in self.safe_methods.split(",") if m in SafeContactMethod.values]

    @property
    def method_labels(self) -> list[str]:
        return [str(SafeContactMethod(m).label) for m in self.methods]


PERSON_CONTACT_FIELDS = ("phone", "email", "address", "postcode", "safe_methods", "notes")


class Offence(models.Model):
    """A recorded offence, with the person suspected of it."""

    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="offences")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="offences")
    crime_reference = models.CharField(max_length=30)
    offence_code = models.ForeignKey(OffenceCode, on_delete=models.PROTECT, related_name="+")
    offence_date = models.DateField()
    recorded_date = models.DateField()
    domestic_abuse = models.BooleanField("Domestic abuse flag", default=False)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    outcome_type = models.CharField(max_length=24, choices=OutcomeType.choices,
                                    default=OutcomeType.PENDING)
    outcome_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-offence_date", "crime_reference"]
        constraints = [
            models.UniqueConstraint(fields=["force", "crime_reference"],
                                    name="offence_unique_crime_reference"),
            models.CheckConstraint(condition=models.Q(recorded_date__gte=models.F("offence_date")),
                                   name="offence_recorded_after_offence"),
        ]

    def __str__(self) -> str:
        return f"{self.crime_reference} {self.offence_code_id}"


class Case(models.Model):
    """An out-of-court resolution case: one person, one index offence, one programme.

    The lifecycle (statuses and allowed transitions) and eligibility are built on this by the
    "offence to caution" work; victims link to cases in `victims`, the caution and referral are
    in `disposals`.
    """

    reference = models.CharField(max_length=30, unique=True)
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                              related_name="cases")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="cases")
    programme_code = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=30, default="recorded", choices=Status.choices)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking: every change bumps it; a stale form is refused, so no update is lost.
    version = models.PositiveIntegerField(default=1)
    # --- Offence to caution
    # The record form's one-time key: a repeated submission finds this case instead of a new one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Facts for the eligibility rules; None means not yet known (the rule shows as unknown).
    admission = models.BooleanField(null=True)
    on_bail = models.BooleanField(null=True)
    court_order = models.BooleanField(null=True)
    community_sentence = models.BooleanField(null=True)
    violence_disposal_within_2_years = models.BooleanField(null=True)
    interpreter_needed = models.BooleanField(null=True)
    appropriate_adult_needed = models.BooleanField(null=True)
    dash_risk = models.CharField("DASH risk level", max_length=10, blank=True,
                                 choices=DashRisk.choices)
    person_consents = models.BooleanField(null=True)
    victim_statement_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


# --- Offence to caution: eligibility decisions and the timeline. The caution, the
# referral and the victim-view decision are in `disposals`.

class EligibilityDecision(models.Model):
    """The rules' results at the time of the decision, the rule-set version, and any override."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="eligibility_decisions")
    ruleset_version = models.CharField(max_length=60)  # e.g. "cara-v1"
    facts = models.JSONField()
    results = models.JSONField()  # [{"rule_id", "text", "status", "reason"}, ...]
    computed_result = models.CharField(max_length=20)  # eligible / ineligible / needs_information
    result = models.CharField(max_length=20)  # final: eligible or ineligible
    overridden = models.BooleanField(default=False)
    override_rationale = models.TextField(blank=True)
    supervisor_name = models.CharField(max_length=150, blank=True)
    supervisor_rank = models.CharField(max_length=30, blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overridden=False) | ~models.Q(override_rationale=""),
                name="eligibility_override_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.result} ({self.ruleset_version}) for {self.case_id}"


class CaseEvent(models.Model):
    """One line of the case timeline: who did what, and when."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                              null=True)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return self.title
