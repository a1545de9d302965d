from __future__ import annotations

from datetime import date
from typing import cast

from django import forms

from diversion.accounts.models import Organisation
from diversion.commissioning import figures, programme_codes, selectors
from diversion.commissioning.models import Contract, UnitCostVersion
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form, ModelForm

EARLIEST_QUARTER = date(2018, 1, 1)


def quarter_choices(today: date) -> list[tuple[str, str]]:
    return [(q.isoformat(), figures.quarter_label(q))
            for q in reversed(figures.quarters(EARLIEST_QUARTER, today))]


class ContractForm(ModelForm):
    start_date = GovukDateField(label="Start date")
    end_date = GovukDateField(
        label="End date", help_text="The last day the contract covers, for example, 31 3 2029")

    class Meta:
        model = Contract
        fields = ["programme_code", "provider", "start_date", "end_date", "annual_value",
                  "target_referrals", "target_starts", "target_completions",
                  "target_days_to_first_contact"]
        labels = {"annual_value": "Annual value (£)"}
        help_texts = {
            "annual_value": "In pounds, for example 125000",
            "target_days_to_first_contact": "Days from the caution to the provider's first "
                                            "contact with the person",
        }
        error_messages = {
            "programme_code": {"required": "Choose the programme",
                               "invalid_choice": "Choose the programme"},
            "provider": {"required": "Choose the provider",
                         "invalid_choice": "Choose a provider from the list"},
            "annual_value": {"required": "Enter the annual value",
                             "invalid": "Enter the annual value as a number of pounds",
                             "min_value": "The annual value cannot be negative",
                             "max_digits": "The annual value is too large",
                             "max_decimal_places": "Enter the annual value in pounds and pence"},
            **{name: {"required": f"Enter the target for {label}",
                      "invalid": f"Enter the target for {label} as a whole number",
                      "min_value": f"The target for {label} cannot be negative"}
               for name, label in (("target_referrals", "referrals"),
                                   ("target_starts", "starts"),
                                   ("target_completions", "completions"),
                                   ("target_days_to_first_contact", "days to first contact"))},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # A ChoiceField over the loaded programme files (the model field has no choices); a
        # contract whose programme's file has since gone keeps its own value on the list.
        offered = programme_codes.choices()
        current = self.instance.programme_code if self.instance.pk else ""
        if current and current not in dict(offered):
            offered.append((current, current))
        self.fields["programme_code"] = forms.ChoiceField(
            label="Programme", choices=[("", "Choose a programme"), *offered],
            error_messages={"required": "Choose the programme",
                            "invalid_choice": "Choose a programme from the list"})
        self.fields["provider"].queryset = selectors.providers(user)
        self.fields["provider"].empty_label = "Choose a provider"
        for name in ("target_referrals", "target_starts", "target_completions",
                     "target_days_to_first_contact"):
            self.fields[name].widget.input_type = "text"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be the same as or after the start date")
        elif start and end and data.get("programme_code"):
            clash = selectors.contracts(self.user).filter(
                programme_code=data["programme_code"], start_date__lte=end, end_date__gte=start)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            other = clash.first()
            if other is not None:
                self.add_error("start_date",
                               f"The dates overlap your {other.programme_code} contract with "
                               f"{other.provider.name} ({other.start_date:%-d %B %Y} to "
                               f"{other.end_date:%-d %B %Y}): one programme can have one "
                               f"contract at a time")
        return data


class UnitCostForm(ModelForm):
    class Meta:
        model = UnitCostVersion
        fields = ["da_victim_cost", "price_year", "source", "note"]
        labels = {"da_victim_cost": "Cost per victim of domestic abuse (£)",
                  "price_year": "Price year", "note": "Notes"}
        help_texts = {"price_year": "The financial year the costs are priced in, like 2016/17"}
        error_messages = {
            "da_victim_cost": {"required": "Enter the cost per victim of domestic abuse",
                               "invalid": "Enter the cost as a number of pounds",
                               "min_value": "The cost cannot be negative"},
            "price_year": {"required": "Enter the price year"},
            "source": {"required": "Enter where the figures come from"},
        }

    def clean_price_year(self) -> str:
        value = self.cleaned_data["price_year"].strip()
        parts = value.split("/")
        if (len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4
                or len(parts[1]) != 2 or (int(parts[0]) + 1) % 100 != int(parts[1])):
            raise forms.ValidationError("Enter the price year as a financial year, like 2016/17")
        return value


class FilterForm(Form):
    from_quarter = forms.ChoiceField(label="From the quarter",
                                     error_messages={"invalid_choice": "Choose a quarter from "
                                                     "the list for the start of the period"})
    to_quarter = forms.ChoiceField(label="To the quarter",
                                   error_messages={"invalid_choice": "Choose a quarter from the "
                                                   "list for the end of the period: it cannot "
                                                   "be in the future"})
    programme = forms.ChoiceField(label="Programme", required=False, error_messages={
        "invalid_choice": "Choose a programme from the list"})
    force: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label="Police force", queryset=None, required=False, empty_label="All forces",
        error_messages={"invalid_choice": "Choose a force from the list"})
    provider: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label="Provider", queryset=None, required=False, empty_label="All providers",
        error_messages={"invalid_choice": "Choose a provider from the list"})

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        choices = quarter_choices(today)
        fields = self.fields  # typed as plain Fields; each is the class declared above
        cast(forms.ChoiceField, fields["from_quarter"]).choices = choices
        cast(forms.ChoiceField, fields["to_quarter"]).choices = choices
        cast(forms.ChoiceField, fields["programme"]).choices = [
            ("", "All programmes"), *programme_codes.choices()]
        cast(forms.ModelChoiceField, fields["force"]).queryset = selectors.overseen_forces(user)
        cast(forms.ModelChoiceField, fields["provider"]).queryset = selectors.providers(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("from_quarter"), data.get("to_quarter")
        if start and end and end < start:
            self.add_error("to_quarter", "The period ends before it starts: choose a ‘to’ "
                                         "quarter the same as or after the ‘from’ quarter")
        return data

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data
        start = date.fromisoformat(data["from_quarter"])
        end = figures.quarter_end(date.fromisoformat(data["to_quarter"]))
        return selectors.Filters(start=start, end=end, programme=data.get("programme") or "",
                                 force=data.get("force"), provider=data.get("provider"))


class ReleaseForm(Form):
    quarter = forms.ChoiceField(label="Quarter to release",
                                error_messages={"required": "Choose the quarter",
                                                "invalid_choice": "Choose a quarter that has "
                                                                  "ended"})

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        finished = figures.quarter_start(today)
        cast(forms.ChoiceField, self.fields["quarter"]).choices = [
            (v, label) for v, label in quarter_choices(today) if date.fromisoformat(v) < finished]
