"""The GOV.UK date input (day, month, year as three boxes) as a Django form field: the one way
the service asks for a date. Render it with templates/includes/field.html (or
core/date_field.html directly)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A real date from day, month and year boxes; errors name the field, as GOV.UK asks."""

    widget = DateInputWidget

    def __init__(self, *, label: str, required: bool = True, **kwargs: Any) -> None:
        self.label_text = label
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields, label=label, required=required, require_all_fields=False,
                         **kwargs)

    def prepare_value(self, value: Any) -> Any:
        # An initial date (a form opened on a saved object) shows in the three boxes.
        if isinstance(value, date):
            return cast(DateInputWidget, self.widget).decompress(value)
        return value

    def clean(self, value: Any) -> date | None:
        value = value or ["", "", ""]
        if not isinstance(value, list | tuple):
            value = cast(DateInputWidget, self.widget).decompress(value)
        parts = [str(p or "").strip() for p in value]
        if not any(parts):
            if self.required:
                raise forms.ValidationError(f"Enter the {self.label_text.lower()}")
            return None
        names = ("day", "month", "year")
        missing = [name for name, part in zip(names, parts, strict=True) if not part]
        if missing:
            raise forms.ValidationError(
                f"The {self.label_text.lower()} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1900:
                raise ValueError
            return date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a day of 10**20
            raise forms.ValidationError(
                f"The {self.label_text.lower()} must be a real date") from None

    def compress(self, data_list: list[Any]) -> list[Any]:  # clean() does the work
        return data_list
