from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import password_validation
from django.db.models import QuerySet

from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import Role
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form, ModelForm


class _RoleChoicesMixin:
    fields: dict[str, forms.Field]  # the ModelForm it is mixed into provides them

    def limit_roles(self, organisation) -> None:
        allowed = organisation.allowed_roles()
        # The model's `role` has choices, so the form field is a (typed) choice field.
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", "Choose a role")] + [
            (value, label) for value, label in Role.choices if value in allowed
        ]
        self.fields["role"].error_messages["invalid_choice"] = (
            "Choose a role that your organisation can give"
        )
        self.fields["role"].error_messages["required"] = "Choose a role"


class UserCreateForm(_RoleChoicesMixin, ModelForm):
    password = forms.CharField(
        label="Temporary password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 15 characters. Give it to the user in person; they should change it.",
        error_messages={"required": "Enter a temporary password"},
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role"]
        error_messages = {
            "username": {"required": "Enter a username",
                         "unique": "A user with that username already exists"},
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        self.fields["first_name"].required = True
        self.fields["first_name"].error_messages["required"] = "Enter the user’s first name"
        self.fields["last_name"].required = True
        self.fields["last_name"].error_messages["required"] = "Enter the user’s last name"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org")
        self.fields["role"].required = True
        self.limit_roles(organisation)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        candidate = User(username=self.data.get("username", ""),
                         first_name=self.data.get("first_name", ""),
                         last_name=self.data.get("last_name", ""),
                         email=self.data.get("email", ""))
        password_validation.validate_password(password, candidate)
        return password


class UserEditForm(_RoleChoicesMixin, ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "is_active"]
        labels = {"is_active": "Account is active (untick to stop this user signing in)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].required = True
        self.limit_roles(self.instance.organisation)


class AgreementForm(Form):
    """A force's data-sharing agreement with a PCC office or research partner."""

    receiver = forms.ModelChoiceField(
        label="Receiving organisation", queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        help_text="The PCC office, or regional or national analysis body, that will see the "
                  "force's aggregate and pseudonymised data",
        error_messages={"required": "Choose the receiving organisation",
                        "invalid_choice": "Choose the receiving organisation"})
    agreed_by = forms.CharField(
        label="Who agreed for the force", max_length=200,
        help_text="Name and post, for example the force's data protection officer",
        error_messages={"required": "Enter who agreed for the force"})
    starts_on = GovukDateField(label="Date from")
    ends_on = GovukDateField(label="End date", required=False,
                             help_text="Leave blank if the agreement is open-ended")
    document_reference = forms.CharField(
        label="Reference of the signed agreement", max_length=200,
        help_text="Where the signed document is kept, for example its records-system reference",
        error_messages={"required": "Enter the reference of the signed agreement"})

    def __init__(self, *args, receivers: QuerySet[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["receiver"]).queryset = receivers

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date must be on or after the date from")
        return data


class WithdrawAgreementForm(Form):
    reason = forms.CharField(label="Why is the agreement withdrawn?", widget=forms.Textarea,
                             error_messages={"required": "Enter why the agreement is withdrawn"})
