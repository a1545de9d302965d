"""What the API reads and writes. No serializer has a field of a victim: perpetrator-facing
roles never see victims' details, and the API has no victim endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diversion.accounts.policy import can_read_field
from diversion.cases.models import Case, DashRisk, Person, Relationship, Sex
from diversion.cases.regimes import RANKS, REGIMES
from diversion.delivery.models import (
    AttendanceOutcome,
    BreachChoice,
    ContactMethod,
    ContactOutcome,
    NeedLevel,
    OneToOneOutcome,
)


class Strict(serializers.Serializer):
    """A request body with a field the endpoint does not know is refused (400 naming it), so a
    misspelt field is never silently dropped."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {str(name): ["This field is not part of this request"]
                       for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- written by police ------------------------------------------------------------------------


class PersonInSerializer(Strict):
    force_reference = serializers.CharField(max_length=30, help_text="The force's own person "
                                                                      "reference")
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    pnc_id = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                   help_text="For example 12/345678A; empty if none")


class OffenceInSerializer(Strict):
    crime_reference = serializers.CharField(
        max_length=30, help_text="The force's own crime reference: pushing it again returns "
                                 "the case already recorded for it, never a second one")
    offence_code = serializers.CharField(max_length=8, help_text="Home Office offence code, "
                                                                 "e.g. 105A")
    offence_date = serializers.DateField()
    domestic_abuse = serializers.BooleanField(default=False)
    relationship = serializers.ChoiceField(choices=Relationship.choices)


class FactsInSerializer(Strict):
    """Eligibility facts: true, false, or null for not known yet."""

    admission = serializers.BooleanField(allow_null=True, default=None)
    on_bail = serializers.BooleanField(allow_null=True, default=None)
    court_order = serializers.BooleanField(allow_null=True, default=None)
    community_sentence = serializers.BooleanField(allow_null=True, default=None)
    violence_disposal_within_2_years = serializers.BooleanField(allow_null=True, default=None)
    interpreter_needed = serializers.BooleanField(allow_null=True, default=None)
    appropriate_adult_needed = serializers.BooleanField(allow_null=True, default=None)
    dash_risk = serializers.ChoiceField(choices=DashRisk.choices, required=False,
                                        allow_blank=True, default="")
    victim_statement_date = serializers.DateField(required=False, allow_null=True, default=None)


class OffencePushSerializer(Strict):
    programme = serializers.CharField(max_length=40, help_text="Programme code, e.g. cara")
    person = PersonInSerializer()
    offence = OffenceInSerializer()
    facts = FactsInSerializer(required=False)


class VersionSerializer(Strict):
    version = serializers.IntegerField(min_value=1, max_value=2_147_483_647, help_text=(
        "The case's version as last read: a case changed since then is refused (409)"))


class EligibilityInSerializer(VersionSerializer):
    """Without `override`, the rules decide; with one, a supervisor's override (the page's
    rules: a reason, and a supervisor of sergeant rank or above)."""

    override = serializers.ChoiceField(
        choices=[("", "No override"), ("eligible", "Eligible"), ("ineligible", "Not eligible")],
        required=False, allow_blank=True, default="",
        help_text="A supervisor's override of the rules' result; empty for none")
    rationale = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                      default="", help_text="Required with an override")
    supervisor_name = serializers.CharField(required=False, allow_blank=True, max_length=150,
                                            default="", help_text="Required with an override")
    supervisor_rank = serializers.ChoiceField(choices=[("", "None"), *RANKS], required=False,
                                              allow_blank=True, default="",
                                              help_text="Sergeant or above, with an override")


class StatementDateInSerializer(VersionSerializer):
    victim_statement_date = serializers.DateField(help_text=(
        "The first date the victim gave a witness statement or video-recorded interview: it "
        "sets the prosecution time limit"))


class VictimViewDecisionInSerializer(VersionSerializer):
    supervisor_name = serializers.CharField(max_length=150)
    supervisor_rank = serializers.ChoiceField(choices=list(RANKS),
                                              help_text="Inspector or above")
    reasons = serializers.CharField(max_length=5000, help_text=(
        "Why an out-of-court resolution is right although the victim does not support it"))


class BreachDecisionInSerializer(VersionSerializer):
    choice = serializers.ChoiceField(choices=BreachChoice.choices)
    rationale = serializers.CharField(max_length=4000)
    new_deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                         help_text="Required for a re-booking")


class ConsultationInSerializer(VersionSerializer):
    person_consents = serializers.BooleanField()


class CautionInSerializer(VersionSerializer):
    disposal_date = serializers.DateField()
    regime = serializers.ChoiceField(choices=[(code, r.label) for code, r in REGIMES.items()])
    authorising_officer = serializers.CharField(max_length=150)
    authorising_rank = serializers.ChoiceField(choices=list(RANKS))
    programme_condition = serializers.BooleanField(default=False)
    reparative_condition = serializers.CharField(required=False, allow_blank=True,
                                                 max_length=2000, default="")
    restrictive_condition = serializers.CharField(required=False, allow_blank=True,
                                                  max_length=2000, default="")
    unpaid_work_hours = serializers.IntegerField(min_value=0, max_value=20, default=0)
    deadline = serializers.DateField()
    signed_document = serializers.BooleanField()


# --- read by police and providers -------------------------------------------------------------


class PersonOutSerializer(serializers.Serializer):
    force_reference = serializers.CharField(required=False)
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False)
    sex = serializers.CharField()
    pnc_id = serializers.CharField(required=False)

    def to_representation(self, instance: Person) -> dict[str, Any]:
        """Only the fields this caller's role may read (accounts/policy/fields.py)."""
        data = super().to_representation(instance)
        user = self.context["request"].user
        return {name: value for name, value in data.items()
                if can_read_field(user, Person, name)}


class OffenceOutSerializer(serializers.Serializer):
    crime_reference = serializers.CharField()
    offence_code = serializers.CharField(source="offence_code_id")
    offence_date = serializers.DateField()
    domestic_abuse = serializers.BooleanField()
    relationship = serializers.CharField()


class DisposalOutSerializer(serializers.Serializer):
    regime = serializers.CharField()
    disposal_date = serializers.DateField()
    deadline = serializers.DateField()
    programme_condition = serializers.BooleanField()
    prosecution_last_day = serializers.DateField(allow_null=True)


class CaseOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    programme = serializers.CharField(source="programme_code")
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(allow_null=True)
    person = PersonOutSerializer()
    offence = OffenceOutSerializer()
    disposal = serializers.SerializerMethodField()
    provider = serializers.SerializerMethodField()

    @extend_schema_field(DisposalOutSerializer(allow_null=True))
    def get_disposal(self, case: Case) -> dict | None:
        disposal = getattr(case, "disposal", None)
        return DisposalOutSerializer(disposal).data if disposal is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_provider(self, case: Case) -> str | None:
        referral = getattr(case, "referral", None)
        return referral.provider.name if referral is not None else None




class BreachDecisionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    choice = serializers.CharField()
    rationale = serializers.CharField()
    new_deadline = serializers.DateField(allow_null=True)
    decided_at = serializers.DateTimeField()


class BreachResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false: this decision was already recorded "
                                                 "(a repeated call), and nothing changed")
    decision = BreachDecisionOutSerializer()
    case = CaseOutSerializer()


class PushResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false: the crime reference was already "
                                                 "recorded, and this is its case")
    case = CaseOutSerializer()


# --- providers --------------------------------------------------------------------------------


class AttendanceOutSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class BookingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.IntegerField(source="event_id")
    session = serializers.CharField(source="session_id")
    starts_on = serializers.DateField(source="event.starts_on")
    round = serializers.IntegerField()
    cancelled = serializers.BooleanField()
    attendance = serializers.SerializerMethodField()

    @extend_schema_field(AttendanceOutSerializer(allow_null=True))
    def get_attendance(self, booking) -> dict | None:
        mark = getattr(booking, "attendance", None)
        return AttendanceOutSerializer(mark).data if mark is not None else None




class ReferralOutSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    status = serializers.CharField(source="case.status")
    status_label = serializers.CharField(source="case.get_status_display")
    version = serializers.IntegerField(source="case.version")
    programme = serializers.CharField(source="programme_code")
    programme_version = serializers.IntegerField()
    referred_at = serializers.DateTimeField()
    first_contact_due = serializers.DateField()
    deadline = serializers.DateField(source="case.disposal.deadline")
    updated_at = serializers.DateTimeField(allow_null=True)
    person = PersonOutSerializer(source="case.person")


class ReferralDetailSerializer(ReferralOutSerializer):
    bookings = serializers.SerializerMethodField()

    @extend_schema_field(BookingOutSerializer(many=True))
    def get_bookings(self, referral) -> list[dict]:
        rows = referral.case.bookings.select_related("event", "attendance").order_by("id")
        return BookingOutSerializer(rows, many=True).data




class ContactInSerializer(Strict):
    made_on = serializers.DateField()
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)


class ContactOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    made_on = serializers.DateField()
    method = serializers.CharField()
    outcome = serializers.CharField()
    case_status = serializers.CharField(source="case.status")


class BookingInSerializer(Strict):
    event = serializers.IntegerField(min_value=1, max_value=2**62,
                                     help_text="A workshop event's id (GET /provider/events/)")


class EventOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.CharField(source="programme_code")
    session = serializers.CharField(source="session_id")
    starts_on = serializers.DateField()
    venue = serializers.CharField()
    group = serializers.CharField(source="sex")
    capacity = serializers.IntegerField()


class MarkInSerializer(Strict):
    booking = serializers.IntegerField(min_value=1, max_value=2**62)
    outcome = serializers.ChoiceField(choices=AttendanceOutcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   default="", help_text="Required for an excused absence")


class RegisterInSerializer(Strict):
    marks = MarkInSerializer(many=True, allow_empty=False, max_length=500)


class RegisterOutSerializer(serializers.Serializer):
    new_marks = serializers.IntegerField(help_text="Marks recorded now; a mark already "
                                                   "recorded is left as it was")


class AttendanceCorrectionInSerializer(Strict):
    outcome = serializers.ChoiceField(choices=AttendanceOutcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="",
                                   help_text="Required for an excused absence")
    why = serializers.CharField(max_length=1000, help_text="Why the mark is being corrected "
                                                           "(police and auditors read it)")


class AttendanceCorrectionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="attendance.booking_id")
    previous_outcome = serializers.CharField()
    outcome = serializers.CharField()
    why = serializers.CharField()
    corrected_at = serializers.DateTimeField()
    case_status = serializers.CharField(source="attendance.booking.case.status")


class EventInSerializer(Strict):
    programme = serializers.CharField(max_length=40, help_text="Programme code, e.g. cara")
    session = serializers.CharField(max_length=40, help_text="A session of the programme, "
                                                             "e.g. part_a")
    starts_on = serializers.DateField(help_text="Today or later")
    venue = serializers.CharField(max_length=200)
    group = serializers.ChoiceField(choices=[("M", "Men only"), ("F", "Women only")])
    capacity = serializers.IntegerField(min_value=1, max_value=100)
    facilitators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), allow_empty=False,
        max_length=50, help_text="Ids of the provider's facilitators or managers")


class EventCreatedSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false: the same event (session, date, venue, "
                                                 "group) already existed, and this is it")
    event = EventOutSerializer()


class QuestionnaireInSerializer(Strict):
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=-1000, max_value=1000), allow_empty=False,
        help_text="{item id: the value of the option chosen}, one per item")


class QuestionnaireOutSerializer(serializers.Serializer):
    questionnaire = serializers.CharField(source="questionnaire_id")
    answers = serializers.DictField(child=serializers.IntegerField())
    raw_score = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    recorded_at = serializers.DateTimeField()


class AssessmentInSerializer(Strict):
    needs = serializers.DictField(child=serializers.ChoiceField(choices=NeedLevel.choices),
                                  allow_empty=False,
                                  help_text="{domain id: level of need}, one per domain")
    summary = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                    default="")


class AssessmentOutSerializer(serializers.Serializer):
    needs = serializers.DictField(child=serializers.CharField())
    summary = serializers.CharField()
    assessed_at = serializers.DateTimeField()


class OneToOneInSerializer(Strict):
    held_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=OneToOneOutcome.choices)
    minutes = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       min_value=1, max_value=1440,
                                       help_text="Required if the session was held")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="",
                                 help_text="Provider only: police never see it")


class OneToOneOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    outcome = serializers.CharField()
    minutes = serializers.IntegerField()
    note = serializers.CharField()


class OneToOneResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false: the same session (date, outcome, "
                                                 "length) was already recorded, and this is it")
    one_to_one = OneToOneOutSerializer()
    case_status = serializers.CharField()
