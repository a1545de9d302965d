"""Run a page's form over an API body, so the API applies the very rules the pages do (the
serializer gives the types for the OpenAPI document; the form gives the rules and messages)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from rest_framework.exceptions import ValidationError


def form_data(values: dict[str, Any], *, dates: Iterable[str] = ()) -> dict[str, Any]:
    """Serializer values as the POST data the form expects (a date as day, month, year boxes;
    a tick box ticked or not)."""
    dates = set(dates)
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in dates and isinstance(value, date):
            data.update({f"{name}_0": str(value.day), f"{name}_1": str(value.month),
                         f"{name}_2": str(value.year)})
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def cleaned(form: forms.BaseForm, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's cleaned data, or a 400 naming each field the form refused (by its name in
    the API body: `names` maps a form field to it, e.g. "given_name" -> "person.given_name")."""
    if form.is_valid():
        return form.cleaned_data
    names = names or {}
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else names.get(name, name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    raise ValidationError(errors)
