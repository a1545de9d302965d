from __future__ import annotations

from django import forms

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
    keep_until = GovukDateField(label="Review it again on", required=False)
    explanation = forms.CharField(label="Explain the decision", widget=forms.Textarea,
                                  error_messages={"required": "Explain the decision"})


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
