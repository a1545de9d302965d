from __future__ import annotations

from django import forms

from diversion.core.forms import Form


class PreferencesForm(Form):
    wanted = forms.MultipleChoiceField(
        label="Which emails do you want?", required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only emails from the list"})

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.fields["wanted"]
        assert isinstance(wanted, forms.MultipleChoiceField)
        wanted.choices = kinds
