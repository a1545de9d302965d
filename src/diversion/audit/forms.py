from __future__ import annotations

from django import forms

from diversion.audit.models import Operation, SecurityEventKind
from diversion.core.dates import GovukDateField
from diversion.core.forms import Form

# DPA 2018 s.62(4): the only purposes for which the logs may be used.
PURPOSES = [
    ("", "Choose a purpose"),
    ("lawfulness", "Verifying the lawfulness of processing"),
    ("self_monitoring", "Self-monitoring, including internal disciplinary proceedings"),
    ("integrity_security", "Ensuring the integrity and security of personal data"),
    ("criminal_proceedings", "The purposes of criminal proceedings"),
]


class LogQueryForm(Form):
    purpose = forms.ChoiceField(
        label="Why are you reading the log?", choices=PURPOSES,
        help_text="The law allows the log to be read only for these purposes. "
                  "Your reading is logged.",
        error_messages={"required": "Choose why you are reading the log"},
    )
    operation = forms.ChoiceField(label="Operation", required=False,
                                  choices=[("", "Any")] + Operation.choices)
    username = forms.CharField(label="Username of the person who acted", required=False,
                               max_length=150)
    subject = forms.CharField(label="Subject reference", required=False, max_length=120,
                              help_text="For example cases.Person:42")
    date_from = GovukDateField(label="From (date)", required=False)
    date_to = GovukDateField(label="To (date)", required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return data


class SecurityQueryForm(LogQueryForm):
    # Django's way to drop an inherited field, which the stubs cannot express; a shared base
    # class instead would reorder the fields on the page.
    operation = None  # type: ignore[assignment]
    subject = None  # type: ignore[assignment]
    kind = forms.ChoiceField(label="Event", required=False,
                             choices=[("", "Any")] + SecurityEventKind.choices)
