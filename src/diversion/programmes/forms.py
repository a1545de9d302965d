"""The force administrator's form: which provider delivers a programme for the force."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import QuerySet

from diversion.accounts.models import Organisation
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form
from diversion.programmes import registry
from diversion.programmes.services import PROVIDER_NOT_IN_AREA


class ProviderSettingForm(Form):
    programme_code = forms.ChoiceField(
        label="Programme", widget=forms.RadioSelect,
        error_messages={"required": "Choose the programme",
                        "invalid_choice": "Choose a programme from the list"})
    provider = forms.ModelChoiceField(
        label="Provider", queryset=Organisation.objects.none(), empty_label="Choose a provider",
        help_text="The intervention provider your force refers the programme's cases to at "
                  "the caution",
        error_messages={"required": "Choose the provider",
                        "invalid_choice": PROVIDER_NOT_IN_AREA})
    valid_from = GovukDateField(
        label="Date from", help_text="Cautions given on or after this date are referred to "
                                     "this provider, for example 1 4 2027")
    valid_to = GovukDateField(label="End date", required=False,
                              help_text="Leave blank if there is no end date yet")

    def __init__(self, *args, providers: QuerySet[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every loaded programme file, so a new file is offered with no code change.
        cast(forms.ChoiceField, self.fields["programme_code"]).choices = registry.choices()
        cast(forms.ModelChoiceField, self.fields["provider"]).queryset = providers

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "The end date must be the same as or after the date "
                                       "from")
        return data
