"""The evaluation definition form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from diversion.accounts.models import Organisation
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form, ModelForm
from diversion.evaluation.models import COVARIATES, Design, EvaluationRun, IndexBasis, WhoCounts
from diversion.programmes import registry

WINDOWS = [(182, "182 days (6 months)"), (365, "365 days (12 months)")]
BASES = [("recorded", "Recorded (arrests or complaints naming the person)"),
         ("proven", "Proven (conviction or caution, with a 182-day waiting period)")]
SCOPES = [("any", "Any offence"), ("da", "Domestic-abuse offences only")]


class EvaluationDefinitionForm(ModelForm):
    programme_code = forms.ChoiceField(label="Programme")
    window_days = forms.TypedChoiceField(label="Primary outcome window", choices=WINDOWS,
                                         coerce=int, widget=forms.RadioSelect)
    basis = forms.ChoiceField(label="Reoffending basis", choices=BASES,
                              widget=forms.RadioSelect)
    scope = forms.ChoiceField(label="Offences counted", choices=SCOPES, widget=forms.RadioSelect)
    covariates = forms.MultipleChoiceField(
        label="Matched comparison: balance the groups on", required=False,
        choices=list(COVARIATES.items()), widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to use every covariate that varies in the cohort")
    match_ratio = forms.TypedChoiceField(
        label="Matched comparison: comparison people per treated person", coerce=int,
        choices=[(n, f"{n} to 1") for n in (1, 2, 3, 4, 5)], initial=1, required=False,
        empty_value=1)  # type: ignore[arg-type]  # the stubs allow only text; Django any value
    index_from = GovukDateField(label="Index dates from")
    index_to = GovukDateField(label="Index dates to")
    caliper_sd = forms.FloatField(
        label="Matched comparison: caliper (standard deviations of the propensity score's "
              "logit)", initial=0.2, min_value=0.01, max_value=1.0, required=False,
        help_text="How close a match must be. 0.2 is the usual choice; a narrower caliper "
                  "matches fewer people more closely",
        error_messages={"min_value": "The caliper must be at least 0.01",
                        "max_value": "The caliper must be 1 or less",
                        "invalid": "The caliper must be a number, for example 0.2",
                        "required": "Enter the caliper, for example 0.2"})

    class Meta:
        model = EvaluationRun
        fields = ["title", "programme_code", "design", "index_from", "index_to", "index_basis",
                  "window_days", "basis", "scope", "who_counts", "covariates", "match_ratio",
                  "caliper_sd"]
        widgets = {
            "design": forms.RadioSelect, "index_basis": forms.RadioSelect,
            "who_counts": forms.RadioSelect,
        }
        labels = {"title": "Name of this evaluation", "index_basis": "Index date",
                  "who_counts": "Who counts as treated (the denominator)"}

    forces = forms.ModelMultipleChoiceField(
        label="Forces to pool", queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only forces with a data-sharing agreement in force with your organisation. "
                  "Each force's cohort is drawn from its own data (pseudonymised), and the "
                  "effects are stratified by force",
        error_messages={"required": "Choose at least one force",
                        "invalid_choice": "Choose only forces that share with your "
                                          "organisation under an agreement in force"})

    def __init__(self, *args: Any, pool_from: QuerySet[Organisation] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pool_from is None:  # a force's analyst: the run is over their own force
            del self.fields["forces"]
        else:
            cast(forms.ModelMultipleChoiceField, self.fields["forces"]).queryset = pool_from
        # The latest version of each loaded programme file, once each.
        cast(forms.ChoiceField, self.fields["programme_code"]).choices = registry.choices()
        for name in ("design", "index_basis", "who_counts"):
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [c for c in cast(list, field.choices) if c[0]]

    def clean_caliper_sd(self) -> float:
        value = self.cleaned_data.get("caliper_sd")
        return 0.2 if value is None else value

    def clean(self):
        data = super().clean()
        start, end = data.get("index_from"), data.get("index_to")
        if start and end and end < start:
            self.add_error("index_to", "Index dates to must be the same as or after index "
                                       "dates from")
        design, code, basis = data.get("design"), data.get("programme_code"), \
            data.get("index_basis")
        if design == Design.TRIAL and code:
            if registry.current(code).trial is None:
                self.add_error("design", "This programme has no randomised trial: choose a "
                                         "matched comparison")
            if data.get("who_counts") not in (None, WhoCounts.REFERRED):
                self.add_error("who_counts", "A trial is analysed by intention to treat: choose "
                                             "everyone referred (or randomised); the "
                                             "complier-average effect is reported alongside")
            if basis == IndexBasis.REFERRAL:
                self.add_error("index_basis", "In a trial the control arm is never referred: "
                                              "use the randomisation or caution date")
        if design == Design.MATCHED and basis == IndexBasis.RANDOMISATION:
            self.add_error("index_basis", "A matched comparison has no randomisation date: use "
                                          "the caution or referral date")
        return data


class HeadlineForm(Form):
    """Why a run should be the programme's headline figure."""

    reason = forms.CharField(
        label="Why this run should be the headline", max_length=2000, widget=forms.Textarea,
        help_text="For example: the full trial cohort with 12 months' follow-up, definitions "
                  "agreed with the commissioner",
        error_messages={"required": "Say why this run should be the headline",
                        "max_length": "The reason must be 2,000 characters or fewer"})
