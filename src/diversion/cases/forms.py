"""Forms for the police journey from offence to caution. Every error names its field."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.cases import pnc, regimes
from diversion.cases.models import DashRisk, OffenceCode, Relationship, Sex
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.programmes import registry

TRI_STATE = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")]
TO_BOOL = {"yes": True, "no": False, "unknown": None}
FROM_BOOL = {True: "yes", False: "no", None: "unknown"}

FACT_QUESTIONS = {
    "admission": "Has the person admitted the offence (or does the CPS agree the evidence is "
                 "overwhelming)?",
    "on_bail": "Is the person on bail?",
    "court_order": "Is the person subject to a court order?",
    "community_sentence": "Is the person serving a community sentence or order?",
    "violence_disposal_within_2_years": "Has the person had a violence conviction or "
                                        "out-of-court disposal in the last 2 years?",
    "interpreter_needed": "Is an interpreter needed?",
    "appropriate_adult_needed": "Is an appropriate adult needed?",
}


def _tri_state(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=TRI_STATE, widget=forms.RadioSelect,
                             error_messages={"required": f"Answer: {label}"})


class FactsMixin(Form):
    """The eligibility facts, each yes / no / not known yet."""

    def _add_fact_fields(self) -> None:
        for name, question in FACT_QUESTIONS.items():
            self.fields[name] = _tri_state(question)
        self.fields["dash_risk"] = forms.ChoiceField(
            label="DASH risk level", choices=[("", "Not assessed yet"), *DashRisk.choices],
            required=False)
        self.fields["victim_statement_date"] = GovukDateField(
            label="Date of the victim's statement", required=False,
            help_text="Starts the CJA 1988 s.39A time limit for domestic common assault. "
                      "For example, 27 3 2026")

    def clean_victim_statement_date(self):
        value = self.cleaned_data.get("victim_statement_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date of the victim's statement must be today or "
                                        "in the past")
        return value

    def facts(self) -> dict:
        data = {name: TO_BOOL[self.cleaned_data[name]] for name in FACT_QUESTIONS}
        data["dash_risk"] = self.cleaned_data.get("dash_risk") or ""
        data["victim_statement_date"] = self.cleaned_data.get("victim_statement_date")
        return data


class RecordCaseForm(FactsMixin):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    programme = forms.ChoiceField(label="Programme", choices=())
    given_name = forms.CharField(label="Given name", max_length=100,
                                 error_messages={"required": "Enter the person's given name"})
    family_name = forms.CharField(label="Family name", max_length=100,
                                  error_messages={"required": "Enter the person's family name"})
    date_of_birth = GovukDateField(label="Date of birth")
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect,
                            error_messages={"required": "Select the person's sex"})
    pnc_id = forms.CharField(label="PNC ID", max_length=20, required=False,
                             help_text="For example, 12/345678A. Leave blank if the person "
                                       "has none.")
    force_reference = forms.CharField(
        label="Force person reference", max_length=30,
        error_messages={"required": "Enter the force person reference"})
    crime_reference = forms.CharField(label="Crime reference", max_length=30,
                                      error_messages={"required": "Enter the crime reference"})
    offence_code = forms.CharField(label="Home Office offence code", max_length=8,
                                   help_text="For example, 105A for common assault",
                                   error_messages={"required": "Enter the offence code"})
    offence_date = GovukDateField(label="Offence date")
    domestic_abuse = forms.BooleanField(label="The offence is domestic abuse", required=False)
    relationship = forms.ChoiceField(label="Relationship to the victim",
                                     choices=[("", "Select"), *Relationship.choices],
                                     error_messages={"required": "Select the relationship"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["programme"].choices = registry.choices()
        self._add_fact_fields()
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            for name in FACT_QUESTIONS:
                self.initial.setdefault(name, "unknown")

    def clean_pnc_id(self) -> str:
        value = self.cleaned_data["pnc_id"].strip()
        if not value:
            return ""
        try:
            return pnc.normalise(value)
        except pnc.InvalidPNC as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_offence_code(self) -> str:
        code = self.cleaned_data["offence_code"].strip().upper()
        if not OffenceCode.objects.filter(code=code).exists():
            raise forms.ValidationError(
                f"“{code}” is not a Home Office offence code we know: check the code")
        return code

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past")
        return born

    def clean_offence_date(self):
        when = self.cleaned_data["offence_date"]
        if when > timezone.localdate():
            raise forms.ValidationError("The offence date must be today or in the past")
        return when

    def clean_crime_reference(self) -> str:
        ref = self.cleaned_data["crime_reference"].strip()
        from diversion.cases.models import Offence

        key = self.data.get(self.add_prefix("submission_key"))
        clash = visible(self.user, Offence).filter(crime_reference=ref)
        if clash.exists() and not clash.filter(cases__submission_key=key).exists():
            raise forms.ValidationError("An offence with this crime reference is already "
                                        "recorded")
        return ref

    def _check_known_person(self, data: dict) -> None:
        """A force reference already in use must belong to the same person."""
        from diversion.cases.models import Person

        ref = data.get("force_reference")
        known = visible(self.user, Person).filter(force_reference=ref).first()
        if known is None or not data.get("date_of_birth"):
            return
        same = (known.family_name.casefold() == data.get("family_name", "").casefold()
                and known.date_of_birth == data["date_of_birth"])
        if not same:
            self.add_error("force_reference",
                           "This force person reference belongs to someone with a different "
                           "name or date of birth: check the reference")

    def clean(self):
        data = super().clean()
        self._check_known_person(data)
        born, when = data.get("date_of_birth"), data.get("offence_date")
        if born and when and when < born:
            self.add_error("offence_date", "The offence date must be after the date of birth")
        statement = data.get("victim_statement_date")
        if statement and when and statement < when:
            self.add_error("victim_statement_date",
                           "The date of the victim's statement must be on or after the offence")
        return data

    def person(self) -> dict:
        d = self.cleaned_data
        return {key: d[key] for key in ("given_name", "family_name", "date_of_birth", "sex",
                                        "pnc_id", "force_reference")}

    def offence(self) -> dict:
        d = self.cleaned_data
        return {"crime_reference": d["crime_reference"], "offence_code_id": d["offence_code"],
                "offence_date": d["offence_date"], "domestic_abuse": d["domestic_abuse"],
                "relationship": d["relationship"]}


class VersionedForm(Form):
    """Carries the case version the form was built from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class FactsForm(FactsMixin, VersionedForm):
    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self._add_fact_fields()
        if not self.is_bound and case is not None:
            self.initial["version"] = case.version
            for name in FACT_QUESTIONS:
                self.initial[name] = FROM_BOOL[getattr(case, name)]
            self.initial["dash_risk"] = case.dash_risk
            if case.victim_statement_date:
                d = case.victim_statement_date
                self.initial["victim_statement_date"] = [d.day, d.month, d.year]

    def clean(self):
        data = super().clean()
        statement = data.get("victim_statement_date")
        if statement and self.case and statement < self.case.offence.offence_date:
            self.add_error("victim_statement_date",
                           "The date of the victim's statement must be on or after the offence")
        return data


class EligibilityForm(VersionedForm):
    override = forms.ChoiceField(
        label="Supervisor override", required=False, widget=forms.RadioSelect,
        choices=[("", "No override: use the rules' result"),
                 ("eligible", "Override: eligible"), ("ineligible", "Override: not eligible")])
    rationale = forms.CharField(label="Reason for the override", required=False,
                                widget=forms.Textarea)
    supervisor_name = forms.CharField(label="Supervisor's name", required=False, max_length=150)
    supervisor_rank = forms.ChoiceField(label="Supervisor's rank", required=False,
                                        choices=[("", "Select"), *regimes.RANKS])

    def clean(self):
        data = super().clean()
        if data.get("override"):
            if not (data.get("rationale") or "").strip():
                self.add_error("rationale", "Give the reason for overriding the rules")
            if not (data.get("supervisor_name") or "").strip():
                self.add_error("supervisor_name", "Enter the supervisor's name")
            if data.get("supervisor_rank") not in regimes.AUTHORISED_RANKS:
                self.add_error("supervisor_rank",
                               "The supervisor must be a sergeant or above")
        return data


class ConsultationForm(VersionedForm):
    person_consents = forms.BooleanField(
        label="The person consents to an out-of-court resolution and its conditions",
        error_messages={"required": "Confirm that the person consents"})


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
            from diversion.cases.services import SIGNED_DOCUMENT_REQUIRED

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
