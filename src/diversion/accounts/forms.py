from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from diversion.core.forms import Form, TextLimits


class SignInForm(TextLimits, AuthenticationForm):
    """Django's sign-in form with GOV.UK wording."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case sensitive.",
        "inactive": "This account has been deactivated. Ask your administrator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update({"autocomplete": "username",
                                                     "spellcheck": "false"})
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"})


class CodeForm(Form):
    """The six-digit code from an authenticator app. Spaces are allowed, as apps show them."""

    code = forms.CharField(
        label="Code from your authenticator app", max_length=12,
        error_messages={"required": "Enter the code from your authenticator app"})

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("The code must be 6 digits, like 123456")
        return code


class ChangePasswordForm(TextLimits, PasswordChangeForm):
    """Django's password change form with GOV.UK wording; the rules are the service's own."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again",
        "password_mismatch": "The new passwords do not match. Enter the same password twice",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"old_password": ("Current password", "Enter your current password"),
                  "new_password1": ("New password", "Enter a new password"),
                  "new_password2": ("New password again", "Enter the new password again")}
        for name, (label, required) in labels.items():
            field = self.fields[name]
            field.label = label
            field.error_messages["required"] = required
        self.fields["new_password1"].help_text = (
            "At least 15 characters. A few unrelated words make a good one. It cannot be "
            "mostly the name of this service, a force or a programme.")
