"""Forms for victim workers. Every error message names its field (GOV.UK error summary)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from diversion.core import validators
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.victims.models import (
    BehaviourChange,
    CaseVictim,
    ConsultationOutcome,
    ContactMethod,
    ContactOutcome,
    DashLevel,
    InformationKind,
    RefugeStatus,
    YesNoUnknown,
)
from diversion.victims.schedules import follow_up_points


def _not_in_future(value: date | None, label: str) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"{label} must be today or in the past")


class NamedErrorsForm(Form):
    """Every choice error names its field: an unknown value gets the "choose" message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                fallback = field.error_messages.get("required", "")
                if not fallback.startswith("Choose") and not fallback.startswith("Say"):
                    fallback = f"Choose an option for {str(field.label).lower()}"
                if "Select a valid choice" in str(field.error_messages.get("invalid_choice")):
                    field.error_messages["invalid_choice"] = fallback


def _choices(options, blank: str | None = None) -> list[tuple[str, str]]:
    return ([("", blank)] if blank is not None else []) + list(options)


class VictimForm(NamedErrorsForm):
    given_name = forms.CharField(label="First name", max_length=100,
                                 error_messages={"required": "Enter the victim's first name"})
    family_name = forms.CharField(label="Last name", max_length=100,
                                  error_messages={"required": "Enter the victim's last name"})


class LinkCaseForm(NamedErrorsForm):
    reference = forms.CharField(
        label="Case or crime reference", max_length=30,
        help_text="The police case reference or crime reference, from a force your service "
                  "works with",
        error_messages={"required": "Enter the case or crime reference"})
    relationship = forms.ChoiceField(
        label="Relationship to the person who offended",
        choices=_choices(CaseVictim._meta.get_field("relationship").choices, "Choose one"),
        error_messages={"required": "Choose the relationship to the person who offended",
                        "invalid_choice": "Choose the relationship to the person who offended"})

    def __init__(self, *args, find_case, **kwargs):
        super().__init__(*args, **kwargs)
        self._find_case = find_case
        self.case = None

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        self.case = self._find_case(reference)
        if self.case is None:
            raise forms.ValidationError(
                "No case with that case or crime reference in the forces your service works with")
        return reference


class CaseSearchForm(NamedErrorsForm):
    reference = forms.CharField(label="Case or crime reference", max_length=30,
                                error_messages={"required": "Enter the case or crime reference"})


class ContactDetailsForm(NamedErrorsForm):
    address = forms.CharField(label="Safe address", required=False, widget=forms.Textarea)
    postcode = forms.CharField(label="Postcode", required=False, max_length=16, error_messages={
        "max_length": "Postcode must be a real UK postcode, like SO14 7LP"})
    phone = forms.CharField(label="Safe phone number", required=False, max_length=30)
    email = forms.EmailField(label="Safe email address", required=False, error_messages={
        "invalid": "Enter an email address in the correct format, like name@example.org"})
    safe_times = forms.CharField(label="Safe times to contact", required=False, max_length=300)
    safe_words = forms.CharField(label="Safe words", required=False, max_length=300)
    perpetrator_knows_address = forms.ChoiceField(
        label="Does the person who offended know this address?", required=False,
        choices=_choices(YesNoUnknown.choices, "Not recorded"))
    refuge_status = forms.ChoiceField(label="Refuge status", required=False,
                                      choices=_choices(RefugeStatus.choices, "Not recorded"))

    def clean_postcode(self) -> str:
        return validators.clean_postcode_field(self.cleaned_data["postcode"])

    def clean_phone(self) -> str:
        return validators.clean_phone_field(self.cleaned_data["phone"],
                                            label="Safe phone number", example="07700 900 982")


READ_REASONS = [
    ("plan_contact", "To plan a safe contact with the victim"),
    ("update", "To check or update the contact details"),
    ("safeguarding", "A safeguarding concern needs the victim's contact details"),
    ("other", "Another reason"),
]


class ReasonForm(NamedErrorsForm):
    reason = forms.ChoiceField(
        label="Why do you need to see the contact details?", widget=forms.RadioSelect,
        choices=READ_REASONS,
        error_messages={"required": "Choose why you need to see the contact details",
                        "invalid_choice": "Choose why you need to see the contact details"})
    other_reason = forms.CharField(label="If another reason, give it", required=False,
                                   max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not data.get("other_reason", "").strip():
            self.add_error("other_reason", "Give the reason you need to see the contact details")
        return data

    def justification(self) -> str:
        reason = self.cleaned_data["reason"]
        if reason == "other":
            return "Victim contact details read: " + self.cleaned_data["other_reason"].strip()
        return "Victim contact details read: " + dict(READ_REASONS)[reason]


class StepUpForm(NamedErrorsForm):
    password = forms.CharField(
        label="Password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"})


YES_NO_NOT_ASKED = [("yes", "Yes"), ("no", "No"), ("", "Not yet asked")]


class ConsultationForm(NamedErrorsForm):
    """A draft may be saved with anything missing; completing it checks the whole answer."""

    views = forms.CharField(label="The victim's views on an out-of-court resolution",
                            required=False, widget=forms.Textarea)
    consents_to_programme = forms.ChoiceField(
        label="Does the victim consent to the programme?", required=False,
        widget=forms.RadioSelect, choices=YES_NO_NOT_ASKED)
    risk_raised = forms.BooleanField(label="The victim raised a risk concern", required=False)
    risk_details = forms.CharField(label="Risk concerns", required=False, widget=forms.Textarea)
    dash_level = forms.ChoiceField(label="DASH risk level", required=False,
                                   choices=_choices(DashLevel.choices, "Not assessed"))
    marac_referral = forms.BooleanField(label="Referred to MARAC", required=False)
    idva_referral = forms.BooleanField(label="Referred to an IDVA", required=False)
    outcome = forms.ChoiceField(label="Outcome for police", required=False,
                                widget=forms.RadioSelect, choices=ConsultationOutcome.choices)

    def __init__(self, *args, completing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.completing = completing

    def clean(self):
        data = super().clean()
        if not self.completing:
            return data
        outcome = data.get("outcome")
        if not outcome:
            self.add_error("outcome", "Choose the outcome for police before completing")
        contacted = outcome and outcome != ConsultationOutcome.NOT_CONTACTABLE
        if contacted and not data.get("consents_to_programme"):
            self.add_error("consents_to_programme",
                           "Say whether the victim consents to the programme before completing")
        if data.get("risk_raised") and not data.get("dash_level"):
            self.add_error("dash_level", "Choose the DASH risk level for the risk concern")
        if data.get("risk_raised") and not data.get("risk_details", "").strip():
            self.add_error("risk_details", "Describe the risk concerns")
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        consent = data.pop("consents_to_programme", "")
        data["consents_to_programme"] = {"yes": True, "no": False}.get(consent)
        return data


class ContactLogForm(NamedErrorsForm):
    contacted_on = GovukDateField(label="Contact date")
    method = forms.ChoiceField(label="Method",
                               choices=_choices(ContactMethod.choices, "Choose one"),
                               error_messages={"required": "Choose the contact method",
                                               "invalid_choice": "Choose the contact method"})
    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect,
                                choices=ContactOutcome.choices,
                                error_messages={"required": "Choose the outcome of the contact"})
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea)

    def clean_contacted_on(self):
        value = self.cleaned_data["contacted_on"]
        _not_in_future(value, "Contact date")
        return value


class FollowUpForm(NamedErrorsForm):
    point = forms.ChoiceField(label="Follow-up point",
                              error_messages={"required": "Choose the follow-up point"})
    contacted_on = GovukDateField(label="Follow-up date")
    still_in_contact = forms.ChoiceField(
        label="Is the victim still in contact with the person who offended?",
        widget=forms.RadioSelect, choices=YesNoUnknown.choices,
        error_messages={"required": "Say whether the victim is still in contact"})
    change = forms.ChoiceField(
        label="Does the victim report a change in the person's behaviour?",
        widget=forms.RadioSelect, choices=BehaviourChange.choices,
        error_messages={"required": "Choose the change in behaviour the victim reports"})
    own_words = forms.CharField(label="In the victim's own words", required=False,
                                widget=forms.Textarea)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["point"].choices = _choices(
            [(code, label) for code, label, _ in follow_up_points(case.programme_code)],
            "Choose one")
        self.fields["point"].error_messages["invalid_choice"] = "Choose the follow-up point"

    def clean_contacted_on(self):
        value = self.cleaned_data["contacted_on"]
        _not_in_future(value, "Follow-up date")
        case_date = timezone.localdate(self.case.created_at)
        if value < case_date:
            raise forms.ValidationError(
                f"Follow-up date must be on or after the case was opened "
                f"({case_date:%-d %B %Y})")
        return value


class SafeguardingForm(NamedErrorsForm):
    details = forms.CharField(
        label="What is the concern?", widget=forms.Textarea,
        help_text="Stays in the victim service. Police are told only that a risk was raised, "
                  "and when.",
        error_messages={"required": "Describe the safeguarding concern"})
    urgent = forms.BooleanField(
        label="Urgent: pause the case's workshop bookings", required=False,
        help_text="The provider cannot book or run sessions on this case until you lift it.")


class InformationEventForm(NamedErrorsForm):
    kind = forms.ChoiceField(label="What was the victim told?", widget=forms.RadioSelect,
                             choices=InformationKind.choices,
                             error_messages={"required": "Choose what the victim was told"})
    told_on = GovukDateField(label="Date told")

    def clean_told_on(self):
        value = self.cleaned_data["told_on"]
        _not_in_future(value, "Date told")
        return value


class DisclosureForm(NamedErrorsForm):
    recipient = forms.CharField(label="Recipient's name and role", max_length=200,
                                error_messages={"required": "Enter who received the details"})
    recipient_organisation = forms.CharField(
        label="Recipient's organisation", max_length=200,
        error_messages={"required": "Enter the recipient's organisation"})
    what = forms.CharField(label="What was disclosed", max_length=300,
                           error_messages={"required": "Enter what was disclosed"})
    reason = forms.CharField(label="Lawful reason for the disclosure", max_length=300,
                             error_messages={"required": "Enter the reason for the disclosure"})
