from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.api.services import MAX_LIFETIME_DAYS, roles_for
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form


class ClientForm(Form):
    name = forms.CharField(label="Name", max_length=100,
                           help_text="The system that will call the API, for example "
                                     "“Niche RMS nightly push”",
                           error_messages={"required": "Enter a name for the API client"})
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect,
                             help_text="The client sees and does what a user with this role "
                                       "may, in your organisation",
                             error_messages={"required": "Choose a role",
                                             "invalid_choice": "Choose a role that your "
                                                               "organisation can give"})
    scopes = forms.MultipleChoiceField(
        label="Scopes", widget=forms.CheckboxSelectMultiple,
        choices=[("read", "Read"), ("write", "Write")],
        error_messages={"required": "Choose at least one scope"})
    expires_on = GovukDateField(label="Expiry date",
                                help_text=f"The token stops working after this day: at most "
                                          f"{MAX_LIFETIME_DAYS} days from today. For example, "
                                          f"31 3 2027")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (role, Role(role).label) for role in roles_for(organisation)]
        if not self.is_bound:
            self.initial["expires_on"] = timezone.localdate() + timedelta(days=90)

    def clean_expires_on(self):
        when = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if when <= today:
            raise forms.ValidationError("The expiry date must be after today")
        if when > today + timedelta(days=MAX_LIFETIME_DAYS):
            raise forms.ValidationError(f"The expiry date must be within {MAX_LIFETIME_DAYS} "
                                        "days of today")
        return when
