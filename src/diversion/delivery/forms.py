"""Provider and police forms for delivery; errors name the field for the GOV.UK summary."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.delivery.models import (
    AttendanceOutcome,
    BreachChoice,
    ContactMethod,
    ContactOutcome,
    NeedLevel,
    OneToOneOutcome,
)


class ContactForm(Form):
    made_on = GovukDateField(label="Date of the contact attempt")
    method = forms.ChoiceField(label="Method", choices=ContactMethod.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose how you tried to make contact"})
    outcome = forms.ChoiceField(label="Outcome", choices=ContactOutcome.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": "Choose the outcome"})


class EventForm(Form):
    session_id = forms.ChoiceField(label="Session", error_messages={
        "required": "Choose the session"})
    starts_on = GovukDateField(label="Date")
    venue = forms.CharField(label="Venue", max_length=200,
                            error_messages={"required": "Enter the venue"})
    sex = forms.ChoiceField(label="Group", choices=[("M", "Men only"), ("F", "Women only")],
                            widget=forms.RadioSelect,
                            error_messages={"required": "Choose who the group is for"})
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=100, error_messages={
        "required": "Enter the number of places",
        "min_value": "Places must be 1 or more", "max_value": "Places must be 100 or fewer"})
    facilitators = forms.MultipleChoiceField(label="Facilitators",
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "Choose a facilitator"})

    def __init__(self, *args, sessions, facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session_id"].choices = [("", "Choose a session")] + sessions
        self.fields["facilitators"].choices = facilitators

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        if starts_on < timezone.localdate():
            raise forms.ValidationError("The date must be today or in the future")
        return starts_on


class BookForm(Form):
    event = forms.ChoiceField(label="Event", widget=forms.RadioSelect,
                              error_messages={"required": "Choose an event",
                                              "invalid_choice": "Choose an event from the list"})

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [
            (str(e.pk), f"{e.starts_on:%A %-d %B %Y}, {e.venue} "
                        f"({e.capacity - e.taken} of {e.capacity} places left)") for e in events]


class AttendanceCorrectionForm(Form):
    outcome = forms.ChoiceField(label="Correct attendance", choices=AttendanceOutcome.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": "Choose the correct attendance"})
    reason = forms.CharField(label="Reason the absence was excused", required=False,
                             max_length=500, widget=forms.Textarea,
                             help_text="Only if the correct attendance is excused")
    why = forms.CharField(label="Why is the mark being corrected?", max_length=1000,
                          widget=forms.Textarea,
                          help_text="For example, the wrong person was marked. Police and "
                                    "auditors can read this.",
                          error_messages={"required": "Say why the mark is being corrected"})

    def clean(self):
        data = super().clean()
        if data.get("outcome") == AttendanceOutcome.EXCUSED and \
                not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason the absence was excused")
        return data


class RegisterForm(Form):
    """One outcome (and reason, for an excused absence) per booking."""

    def __init__(self, *args, bookings, **kwargs):
        super().__init__(*args, **kwargs)
        self.bookings = bookings
        for booking in bookings:
            person = booking.case.person
            name = f"{person.given_name} {person.family_name}"
            self.fields[f"mark_{booking.pk}"] = forms.ChoiceField(
                label=name, choices=AttendanceOutcome.choices, widget=forms.RadioSelect,
                error_messages={"required": f"Choose attendance for {name}"})
            self.fields[f"reason_{booking.pk}"] = forms.CharField(
                label=f"Reason {name} was excused", required=False, max_length=500)

    def clean(self):
        data = super().clean()
        for booking in self.bookings:
            if data.get(f"mark_{booking.pk}") == AttendanceOutcome.EXCUSED and \
                    not (data.get(f"reason_{booking.pk}") or "").strip():
                self.add_error(f"reason_{booking.pk}", "Give the reason the absence was excused")
        return data

    def marks(self) -> dict[int, tuple[str, str]]:
        return {b.pk: (self.cleaned_data[f"mark_{b.pk}"],
                       self.cleaned_data.get(f"reason_{b.pk}", "")) for b in self.bookings}

    def rows(self):
        return [(b, self[f"mark_{b.pk}"], self[f"reason_{b.pk}"]) for b in self.bookings]


class QuestionnaireForm(Form):
    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(o.value), o.label) for o in questionnaire.options]
        for number, item in enumerate(questionnaire.items, 1):
            self.fields[item.id] = forms.TypedChoiceField(
                label=f"{number}. {item.text}", choices=choices, coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Answer question {number}"})


class AssessmentForm(Form):
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea,
                              max_length=4000)

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        for domain in domains:
            self.fields[f"need_{domain.id}"] = forms.ChoiceField(
                label=domain.name, choices=NeedLevel.choices, widget=forms.RadioSelect,
                error_messages={"required": f"Choose the level of need for {domain.name}"})
        self.order_fields([f"need_{d.id}" for d in domains] + ["summary"])


class OneToOneForm(Form):
    PREFIX = "one_to_one"  # the case page has the contact form's "outcome" too: ids stay unique
    held_on = GovukDateField(label="Date of the session")
    outcome = forms.ChoiceField(label="Was the session held?", choices=OneToOneOutcome.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": "Choose whether the session was held"})
    minutes = forms.IntegerField(label="Length in minutes", required=False, min_value=1,
                                 help_text="Only if the session was held",
                                 error_messages={"invalid": "Enter the length as a number of "
                                                            "minutes",
                                                 "min_value": "The length must be 1 minute or "
                                                              "more"})
    note = forms.CharField(label="Note (provider only: police never see it)", required=False,
                           max_length=1000, widget=forms.Textarea)

    def __init__(self, *args, max_minutes: int = 480, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_minutes = max_minutes

    def clean(self):
        data = super().clean()
        minutes = data.get("minutes")
        if data.get("outcome") == OneToOneOutcome.HELD:
            if minutes is None and "minutes" not in self.errors:
                self.add_error("minutes", "Enter how long the session lasted, in minutes")
            elif minutes is not None and minutes > self.max_minutes:
                self.add_error("minutes", f"The length must be {self.max_minutes} minutes or "
                                          "fewer")
        return data


class NoteForm(Form):
    text = forms.CharField(label="Case note", widget=forms.Textarea, max_length=4000,
                           error_messages={"required": "Enter the note"})


class GoalForm(Form):
    goal = forms.CharField(label="Goal", max_length=300,
                           error_messages={"required": "Enter the goal"})


class OnwardForm(Form):
    service = forms.CharField(label="Service referred to", max_length=200,
                              error_messages={"required": "Enter the service"})
    reason = forms.CharField(label="Reason", max_length=300,
                             error_messages={"required": "Enter the reason"})
    made_on = GovukDateField(label="Date of the onward referral")


class BreachForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(label="Decision", choices=BreachChoice.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose a decision"})
    rationale = forms.CharField(label="Rationale", widget=forms.Textarea, max_length=4000,
                                error_messages={"required": "Enter the rationale"})
    new_deadline = GovukDateField(label="New deadline (for a re-booking)", required=False)
