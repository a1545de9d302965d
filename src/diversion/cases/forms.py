"""Forms for recording an offence, its eligibility facts and the eligibility decision. Every
error names its field. The caution step's forms are in `disposals.forms`."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.cases import pnc, regimes
from diversion.cases.lifecycle import Status
from diversion.cases.models import (
    METHOD_NEEDS,
    DashRisk,
    Offence,
    OffenceCode,
    Person,
    Relationship,
    SafeContactMethod,
    Sex,
)
from diversion.core import validators
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.core.paging import SearchForm
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
        data: dict[str, object] = {name: TO_BOOL[self.cleaned_data[name]]
                                   for name in FACT_QUESTIONS}
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
        key = self.data.get(self.add_prefix("submission_key"))
        clash = visible(self.user, Offence).filter(crime_reference=ref)
        if clash.exists() and not clash.filter(cases__submission_key=key).exists():
            raise forms.ValidationError("An offence with this crime reference is already "
                                        "recorded")
        return ref

    def _check_known_person(self, data: dict) -> None:
        """A force reference already in use must belong to the same person."""
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
        if data.get("domestic_abuse") and data.get("relationship") == Relationship.NO_VICTIM:
            # Domestic abuse is behaviour towards a person (Domestic Abuse Act 2021 s.1): there
            # is always a victim to consult, so the no-victim route cannot skip the consultation.
            self.add_error("relationship", "A domestic abuse offence has an individual victim: "
                                           "select their relationship to the person")
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


class CaseSearchForm(SearchForm):
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *Status.choices])

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, label="Search cases",
                         hint="A case or crime reference, a name or a PNC ID", **kwargs)

    def status_value(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


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


class ContactDetailsForm(Form):
    """The cautioned person's contact details, as the police record them for the provider.
    Every message names its field."""

    phone = forms.CharField(
        label="Phone number", required=False, max_length=30,
        error_messages={"max_length": "Phone number must be 30 characters or fewer"},
        help_text="A UK number, like 07700 900 982, or an international one starting with +",
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(
        label="Email address", required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Email address must be in the correct format, like "
                                   "name@example.org",
                        "max_length": "Email address must be 254 characters or fewer"})
    address = forms.CharField(label="Postal address", required=False, max_length=500,
                              widget=forms.Textarea, error_messages={
                                  "max_length": "Postal address must be 500 characters or "
                                                "fewer"})
    postcode = forms.CharField(label="Postcode", required=False, max_length=16,
                               widget=forms.TextInput(attrs={"autocomplete": "off"}),
                               error_messages={"max_length": "Postcode must be a real UK "
                                                             "postcode, like SO14 7LP"})
    safe_methods = forms.MultipleChoiceField(
        label="Safe to contact by", choices=SafeContactMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The person may live with the victim. Choose only the ways that cannot put "
                  "anyone in the home at risk: others may see a letter or a text, or hear a "
                  "voicemail.",
        error_messages={"required": "Safe to contact by: choose at least one way the "
                                    "provider may use",
                        "invalid_choice": "Safe to contact by: choose from the list"})
    notes = forms.CharField(
        label="Safe-contact notes", required=False, max_length=500, widget=forms.Textarea,
        error_messages={"max_length": "Safe-contact notes must be 500 characters or fewer"},
        help_text="For example, times to avoid, or “do not leave a voicemail”. The provider "
                  "sees these notes.")

    def __init__(self, *args, contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and contact is not None:
            for name in ("phone", "email", "address", "postcode", "notes"):
                self.initial[name] = getattr(contact, name)
            self.initial["safe_methods"] = contact.methods

    def clean_phone(self) -> str:
        return validators.clean_phone_field(self.cleaned_data["phone"], label="Phone number",
                                            example="07700 900 982 or +44 808 157 0192")

    def clean_postcode(self) -> str:
        return validators.clean_postcode_field(self.cleaned_data["postcode"])

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip()

    def clean_notes(self) -> str:
        return self.cleaned_data["notes"].strip()

    def clean(self):
        data = super().clean()
        # Each way chosen needs its detail, so the provider is never left with a way to use
        # and nothing to use it with.
        missing = {"phone": "Phone number: enter the number, or untick the phone ways in "
                            "“Safe to contact by”",
                   "email": "Email address: enter the address, or untick email in "
                            "“Safe to contact by”",
                   "address": "Postal address: enter the address, or untick letter in "
                              "“Safe to contact by”"}
        needed = {METHOD_NEEDS[SafeContactMethod(m)] for m in data.get("safe_methods") or []}
        for name in sorted(needed):
            if name in data and not data[name] and not self.has_error(name):
                self.add_error(name, missing[name])
        return data

    def details(self) -> dict:
        d = self.cleaned_data
        return {"phone": d["phone"], "email": d["email"], "address": d["address"],
                "postcode": d["postcode"], "safe_methods": list(d["safe_methods"]),
                "notes": d["notes"]}
