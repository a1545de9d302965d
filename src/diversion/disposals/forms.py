"""Forms for the caution step: consultation and consent, the caution and its conditions, the
date of the victim's statement, a supervisor's go-ahead against the victim's view. Every error
names its field."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from diversion.cases import regimes
from diversion.cases.forms import VersionedForm
from diversion.core.dates import GovukDateField
from diversion.disposals.models import ClosureReason
from diversion.disposals.services import SIGNED_DOCUMENT_REQUIRED


class ConsultationForm(VersionedForm):
    person_consents = forms.BooleanField(
        label="The person consents to an out-of-court resolution and its conditions",
        error_messages={"required": "Confirm that the person consents"})


class CloseCaseForm(VersionedForm):
    """Why the case is closed: only the reasons its status (and breach decision) allow."""

    reason = forms.ChoiceField(
        label="Why is the case being closed?", widget=forms.RadioSelect,
        error_messages={"required": "Select why the case is being closed",
                        "invalid_choice": "Select one of the reasons shown for this case"})
    detail = forms.CharField(
        label="Details", required=False, widget=forms.Textarea, max_length=2000,
        help_text="Needed for another reason; otherwise an optional note for the timeline, "
                  "for example the outcome recorded on the crime record",
        error_messages={"max_length": "The details must be 2,000 characters or fewer"})

    def __init__(self, *args, reasons: list[ClosureReason], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r.value, r.label) for r in reasons]
        if len(reasons) == 1 and not self.is_bound:
            self.initial.setdefault("reason", reasons[0].value)

    def clean_detail(self) -> str:
        return self.cleaned_data["detail"].strip()

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("reason") == ClosureReason.OTHER and not data.get("detail"):
            self.add_error("detail", "Describe the reason for closing the case")
        return data


class CautionForm(VersionedForm):
    disposal_date = GovukDateField(label="Date of the caution")
    regime = forms.ChoiceField(label="Type of caution", widget=forms.RadioSelect,
                               choices=[(r.code, r.label) for r in regimes.REGIMES.values()],
                               error_messages={"required": "Select the type of caution"})
    authorising_officer = forms.CharField(
        label="Authorising officer's name and collar number", max_length=150,
        error_messages={"required": "Enter the authorising officer"})
    authorising_rank = forms.ChoiceField(label="Authorising officer's rank",
                                         choices=[("", "Select"), *regimes.RANKS],
                                         error_messages={"required": "Select the rank"})
    programme_condition = forms.BooleanField(
        label="Rehabilitative condition: attend the programme", required=False)
    reparative_condition = forms.CharField(label="Reparative condition (optional)",
                                           required=False, widget=forms.Textarea)
    restrictive_condition = forms.CharField(label="Restrictive condition (optional)",
                                            required=False, widget=forms.Textarea)
    unpaid_work_hours = forms.IntegerField(
        label="Unpaid work (hours)", min_value=0, max_value=20, initial=0,
        help_text="Up to 20 hours, for a diversionary caution only",
        error_messages={"max_value": "Unpaid work must be 20 hours or fewer",
                        "min_value": "Unpaid work cannot be negative",
                        "invalid": "Unpaid work must be a whole number of hours"})
    deadline = GovukDateField(label="Conditions to be completed by")
    signed_document = forms.BooleanField(
        label="The person has signed the caution document (offence, admission, consent and "
              "conditions)", required=False)

    def clean_signed_document(self):
        if not self.cleaned_data.get("signed_document"):
            raise forms.ValidationError(SIGNED_DOCUMENT_REQUIRED)
        return True

    def __init__(self, *args, case=None, default_weeks: int = 16, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if not self.is_bound:
            today = timezone.localdate()
            due = today + timedelta(weeks=default_weeks)
            self.initial.update({
                "version": case.version if case else None,
                "disposal_date": [today.day, today.month, today.year],
                "deadline": [due.day, due.month, due.year],
                "programme_condition": True,
                "regime": regimes.regimes_for(today)[0].code,
            })

    def clean_disposal_date(self):
        when = self.cleaned_data["disposal_date"]
        if when > timezone.localdate():
            raise forms.ValidationError("The date of the caution must be today or in the past")
        if self.case and when < self.case.offence.offence_date:
            raise forms.ValidationError("The date of the caution must be on or after the "
                                        "offence date")
        return when

    def clean_authorising_rank(self):
        rank = self.cleaned_data["authorising_rank"]
        if rank not in regimes.AUTHORISED_RANKS:
            raise forms.ValidationError("The authorising officer must be a sergeant or above")
        return rank

    def clean(self):
        data = super().clean()
        when, regime_code = data.get("disposal_date"), data.get("regime")
        regime = regimes.REGIMES.get(regime_code)
        if when and regime:
            allowed = regimes.regimes_for(when)
            if regime not in allowed:
                self.add_error("regime", f"On {when:%-d %B %Y} the caution must be: "
                               + " or ".join(r.label for r in allowed))
            elif (data.get("unpaid_work_hours") or 0) > regime.max_unpaid_work_hours:
                self.add_error("unpaid_work_hours",
                               f"A {regime.label.lower()} cannot have unpaid work"
                               if not regime.max_unpaid_work_hours else
                               f"Unpaid work must be {regime.max_unpaid_work_hours} hours or "
                               "fewer")
        deadline = data.get("deadline")
        if when and deadline and regime:
            latest = when + timedelta(weeks=regime.max_deadline_weeks)
            if deadline <= when:
                self.add_error("deadline", "The completion deadline must be after the caution")
            elif deadline > latest:
                self.add_error("deadline",
                               f"The completion deadline must be no later than "
                               f"{latest:%-d %B %Y} ({regime.max_deadline_weeks} weeks, the "
                               "most this caution allows)")
        if not (data.get("programme_condition") or data.get("reparative_condition", "").strip()
                or data.get("restrictive_condition", "").strip()
                or data.get("unpaid_work_hours")):
            self.add_error("programme_condition", "Set at least one condition")
        return data

    def disposal(self) -> dict:
        d = self.cleaned_data
        return {key: d[key] for key in (
            "regime", "disposal_date", "authorising_officer", "authorising_rank",
            "programme_condition", "reparative_condition", "restrictive_condition",
            "unpaid_work_hours", "deadline", "signed_document")}


class StatementForm(VersionedForm):
    """The date the victim gave the police a witness statement or video-recorded interview."""

    victim_statement_date = GovukDateField(
        label="Date of the victim's statement or video-recorded interview",
        help_text="The first date the victim gave the police a witness statement or a "
                  "video-recorded interview. For example, 27 3 2026")

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if not self.is_bound and case is not None:
            self.initial["version"] = case.version
            if case.victim_statement_date:
                d = case.victim_statement_date
                self.initial["victim_statement_date"] = [d.day, d.month, d.year]

    def clean_victim_statement_date(self):
        value = self.cleaned_data["victim_statement_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of the victim's statement must be today or "
                                        "in the past")
        if self.case and value < self.case.offence.offence_date:
            raise forms.ValidationError("The date of the victim's statement must be on or "
                                        "after the offence")
        return value


class VictimViewDecisionForm(VersionedForm):
    """A supervisor's go-ahead although the victim does not support the resolution."""

    supervisor_name = forms.CharField(
        label="Supervisor's name", max_length=150,
        error_messages={"required": "Enter the supervisor's name"})
    supervisor_rank = forms.ChoiceField(
        label="Supervisor's rank", choices=[("", "Select"), *regimes.RANKS],
        error_messages={"required": "Select the supervisor's rank"})
    reasons = forms.CharField(
        label="Reasons for going ahead", max_length=5000, widget=forms.Textarea,
        error_messages={"required": "Give the reasons for going ahead",
                        "max_length": "Reasons must be 5,000 characters or fewer"},
        help_text="Why an out-of-court resolution is right although the victim does not "
                  "support it, and how the victim's safety and views were weighed")

    def clean_supervisor_rank(self):
        rank = self.cleaned_data["supervisor_rank"]
        if rank not in regimes.SENIOR_RANKS:
            raise forms.ValidationError("Going ahead against the victim's view needs an "
                                        "inspector or above")
        return rank

    def clean_reasons(self):
        reasons = self.cleaned_data["reasons"].strip()
        if not reasons:
            raise forms.ValidationError("Give the reasons for going ahead")
        return reasons
