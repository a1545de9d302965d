from __future__ import annotations

from datetime import date
from typing import cast

from django import forms

from diversion.core.forms import Form
from diversion.records import context
from diversion.records.fields import FIELDS
from diversion.records.limits import Limits, size
from diversion.records.readers import HEAD_BYTES, ExtractError, decode_check, detect_format


class UploadForm(Form):
    source = forms.ChoiceField(
        label="Which system is the extract from?", required=False,
        help_text="Choose a source you have imported from before, or name a new one below.")
    new_source = forms.CharField(label="Name of a new source", required=False, max_length=80,
                                 help_text="For example, Niche RMS weekly extract")
    extract = forms.FileField(
        label="Upload a crime-record extract",
        help_text="A CSV (UTF-8), Parquet or XLSX file with a header row",
        error_messages={"required": "Select a crime-record extract to upload",
                        "empty": "The selected file is empty"})

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = ""  # why clean_extract refused the file, for the security log
        self.sources = {str(s.pk): s for s in sources}
        self.fields["source"].choices = [("", "A new source")] + [
            (pk, s.name) for pk, s in self.sources.items()]

    def clean_extract(self):
        """Only the cheap checks: the upload's size, its type and its first bytes (a refusal
        is noted in `refused` for the view to log). The file is scanned for viruses when it is
        stored, and read, with the hard limits, by the task worker (services.queue_upload)."""
        upload = self.cleaned_data["extract"]
        cap = Limits.from_settings().upload_bytes
        if upload.size > cap:
            self.refused = f"The selected file must be smaller than {size(cap)}"
            raise forms.ValidationError(self.refused)
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        try:
            self.file_format = detect_format(upload.name, head)
            if self.file_format == "csv":
                decode_check(head)
        except ExtractError as exc:
            self.refused = str(exc)
            raise forms.ValidationError(self.refused) from None
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("source") and not (data.get("new_source") or "").strip():
            self.add_error("new_source", "Choose a source, or enter the name of a new source")
        return data


class MappingForm(Form):
    """One select per extract field, offering the file's column headings."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file")] + [(h, h) for h in headers if h]
        for f in FIELDS:
            self.fields[f.name] = forms.ChoiceField(
                label=f.label + ("" if f.required else " (optional)"), choices=choices,
                required=f.required, initial=initial_mapping.get(f.name, ""),
                error_messages={
                    "required": f"Choose the column that holds the {f.label.lower()}",
                    "invalid_choice": f"Choose a column of this file for the {f.label.lower()}"})

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label="Is this the same person?", widget=forms.RadioSelect,
        choices=[("accepted", "Yes, link the crime record to this person"),
                 ("rejected", "No, they are different people")],
        error_messages={"required": "Select whether this is the same person"})


QUARTERS = (("", "The whole year"), ("1", "April to June"), ("2", "July to September"),
            ("3", "October to December"), ("4", "January to March"))
EARLIEST_FINANCIAL_YEAR = 2010


class ContextPeriodForm(Form):
    """The period of the domestic-abuse context figure: a financial year, or one quarter of
    it (records/context.py)."""

    year = forms.ChoiceField(
        label="Financial year",
        error_messages={"required": "Choose the financial year",
                        "invalid_choice": "Choose a financial year from the list: it cannot "
                                          "start in the future"})
    quarter = forms.ChoiceField(
        label="Quarter", required=False, choices=QUARTERS,
        error_messages={"invalid_choice": "Choose the whole year or a quarter from the list"})

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        latest = context.financial_year_of(today)
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            (str(y), f"April {y} to March {y + 1}")
            for y in range(latest, EARLIEST_FINANCIAL_YEAR - 1, -1)]

    def period(self) -> tuple[date, date]:
        """(first day, last day), both included."""
        year = int(self.cleaned_data["year"])
        quarter = self.cleaned_data.get("quarter")
        return (context.financial_quarter(year, int(quarter)) if quarter
                else context.financial_year(year))
