from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.retention.models import KeepReason, SubjectType


class EraseForm(Form):
    explanation = forms.CharField(
        label="Why it can be deleted (optional)", required=False, widget=forms.Textarea,
        help_text="For example: reviewed; no public-protection reason to keep it.")
    confirm = forms.BooleanField(
        label="I have reviewed this record and confirm it should be deleted",
        error_messages={"required": "Confirm that the record should be deleted"})


class KeepForm(Form):
    reason = forms.ChoiceField(label="Why is it being kept?", choices=KeepReason.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose why it is being kept"})
    # Required: a kept record with no date would be listed again by the next night's sweep.
    keep_until = GovukDateField(
        label="Date to review it again",
        help_text="It is listed for review again after this date. For example, 27 3 2028.")
    explanation = forms.CharField(label="Explain the decision", widget=forms.Textarea,
                                  error_messages={"required": "Explain the decision"})

    def clean_keep_until(self) -> date:
        value = self.cleaned_data["keep_until"]
        if value <= timezone.localdate():
            raise forms.ValidationError("The date to review it again must be in the future")
        return value


class RequestForm(Form):
    subject_type = forms.ChoiceField(label="Whose data is it?", choices=SubjectType.choices,
                                     widget=forms.RadioSelect,
                                     error_messages={"required": "Choose whose data it is"})
    reference = forms.CharField(
        label="Their reference", max_length=60,
        help_text="A person's force reference or PNC ID; a victim's record number "
                  "(for example Victim 12).",
        error_messages={"required": "Enter their reference"})
    received_on = GovukDateField(label="Date the request was received")
    identity_checked = forms.CharField(
        label="How their identity was checked", widget=forms.Textarea,
        error_messages={"required": "Say how their identity was checked"})

    def clean_received_on(self) -> date:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():  # the due date counts from it
            raise forms.ValidationError(
                "The date the request was received must be today or in the past")
        return value
