"""Provider delivery: contact, workshop events, bookings, attendance, questionnaires, notes,
JUNO assessments, goals and onward referrals, the breach decision and the sweep's reminders.

Police see attendance and completion only (accounts.policy SCOPES / FIELD_READERS); notes,
questionnaire answers, assessments and event details stay with the provider.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone"
    TEXT = "text", "Text message"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"


class ContactOutcome(models.TextChoices):
    CONTACTED = "contacted", "Spoke to the person"
    MESSAGE = "message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_DETAILS = "wrong_details", "Wrong contact details"


class ContactAttempt(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contacts")
    made_on = models.DateField()
    method = models.CharField(max_length=20, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_on", "id"]

    def __str__(self) -> str:
        return f"Contact with case {self.case_id} on {self.made_on}: {self.outcome}"


class WorkshopEvent(models.Model):
    """One delivery of a programme session (a CARA workshop part, a JUNO group or one-to-one)."""

    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="workshop_events")
    programme_code = models.CharField(max_length=40)
    session_id = models.CharField(max_length=40)
    starts_on = models.DateField()
    venue = models.CharField(max_length=200)
    facilitators = models.ManyToManyField("accounts.User", related_name="workshop_events")
    capacity = models.PositiveSmallIntegerField(default=12)
    sex = models.CharField("Group", max_length=1, choices=[("M", "Men only"), ("F", "Women only")])
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # Not a column: views that list events set it to the places booked and not cancelled.
    taken: int

    class Meta:
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.session_id} on {self.starts_on:%-d %b %Y} at {self.venue}"


class Booking(models.Model):
    """A place for a case at an event, in a delivery round (a re-booking starts a new round)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="bookings")
    event = models.ForeignKey(WorkshopEvent, on_delete=models.PROTECT, related_name="bookings")
    session_id = models.CharField(max_length=40)
    round = models.PositiveSmallIntegerField(default=1)
    cancelled = models.BooleanField(default=False)
    booked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event__starts_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "event"],
                                               name="one_place_per_event")]

    def __str__(self) -> str:
        return f"Case {self.case_id} at event {self.event_id} (round {self.round})"


class AttendanceOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    LATE = "late", "Late: refused entry (not attended)"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    EXCUSED = "excused", "Excused (give the reason)"


MISSED = frozenset({AttendanceOutcome.LATE, AttendanceOutcome.DID_NOT_ATTEND})


class Attendance(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="attendance")
    outcome = models.CharField(max_length=20, choices=AttendanceOutcome.choices)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.outcome} for booking {self.booking_id}"


class AttendanceCorrection(models.Model):
    """A mark changed after it was saved: what it was, what it became and why (kept for ever;
    the Attendance row holds the current mark)."""

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT,
                                   related_name="corrections")
    previous_outcome = models.CharField(max_length=20, choices=AttendanceOutcome.choices)
    previous_reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=AttendanceOutcome.choices)
    why = models.TextField()
    corrected_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["corrected_at", "id"]

    def __str__(self) -> str:
        return f"{self.previous_outcome} -> {self.outcome} for attendance {self.attendance_id}"


class QuestionnaireResponse(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="questionnaire_responses")
    questionnaire_id = models.CharField(max_length=40)
    programme_code = models.CharField(max_length=40)
    programme_version = models.PositiveIntegerField()
    answers = models.JSONField()  # {item id: value}
    raw_score = models.IntegerField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "questionnaire_id"],
                                               name="one_response_per_questionnaire")]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} for case {self.case_id}"


class OneToOneOutcome(models.TextChoices):
    HELD = "held", "Held"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider", "Cancelled by the provider"


class OneToOneSession(models.Model):
    """A one-to-one session the programme file declares (`one_to_ones`), held or not.

    Police see the outcome and the date (counts on the progress page); the note stays with the
    provider (FIELD_READERS)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="one_to_ones")
    held_on = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=30, choices=OneToOneOutcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"One-to-one for case {self.case_id} on {self.held_on}: {self.outcome}"


class CaseNote(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Note on case {self.case_id}"


class NeedLevel(models.TextChoices):
    NONE = "none", "No need"
    SOME = "some", "Some need"
    HIGH = "high", "High need"


class NeedsAssessment(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="needs_assessment")
    needs = models.JSONField()  # {domain id: level}
    summary = models.TextField(blank=True)
    assessed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Needs assessment for case {self.case_id}"


class Goal(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="goals")
    text = models.CharField(max_length=300)
    set_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Goal for case {self.case_id}"


class OnwardReferral(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="onward_referrals")
    service = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    made_on = models.DateField()
    made_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Onward referral of case {self.case_id} to {self.service}"


class BreachChoice(models.TextChoices):
    REBOOK = "rebook", "Extend the deadline and re-book the programme"
    PROSECUTE = "prosecute", "Prosecute for the original offence"
    NO_FURTHER_ACTION = "nfa", "No further action"


class BreachDecision(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="breach_decisions")
    choice = models.CharField(max_length=20, choices=BreachChoice.choices)
    rationale = models.TextField()
    new_deadline = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.choice} for case {self.case_id}"


class ReminderKind(models.TextChoices):
    FIRST_CONTACT_OVERDUE = "first_contact_overdue", "First contact overdue"
    DEADLINE_NEAR = "deadline_near", "Condition deadline near"
    TIME_LIMIT_NEAR = "time_limit_near", "Prosecution time limit near"


class Reminder(models.Model):
    """A flag raised by the background sweep (delivery.tasks), never by a page load."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    due_on = models.DateField(null=True)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_reminder_kind")]

    def __str__(self) -> str:
        return f"{self.kind} for case {self.case_id}"
