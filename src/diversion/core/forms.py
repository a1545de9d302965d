"""The base of every form: each text field has a length limit and refuses hidden
text-direction controls, whatever the form declares (a field added later, in a form's own
__init__, is covered too, because the rules are applied when the form is cleaned)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator

from diversion.core.text import LONG_TEXT, SHORT_TEXT, DirectionControls


class _LengthLimit(MaxLengthValidator):
    def __init__(self, limit: int, label: str) -> None:
        super().__init__(limit, message=f"{label} must be {limit:,} characters or fewer "
                                        "(it has %(show_value)s)")

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            super().__call__(value)


# CharField subclasses whose cleaned value is not the text typed (a UUID, parsed JSON): their
# own parsing bounds them.
_NOT_TEXT = (forms.UUIDField, forms.JSONField)


def _label(field: forms.Field) -> str:
    return str(field.label) if field.label else "This answer"


def limit_text(field: forms.Field) -> None:
    """Give a text field its limits (idempotent)."""
    if (not isinstance(field, forms.CharField) or isinstance(field, _NOT_TEXT)
            or getattr(field, "_text_limits", False)):
        return
    field._text_limits = True  # type: ignore[attr-defined]
    if field.max_length is None:
        field.max_length = (LONG_TEXT if isinstance(field.widget, forms.Textarea)
                            else SHORT_TEXT)
        field.validators.append(_LengthLimit(field.max_length, _label(field)))
    if not isinstance(field.widget, forms.PasswordInput):  # a password may hold any character
        field.validators.append(DirectionControls(_label(field)))


class TextLimits:
    """Mix into any form class (before Django's form class)."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            limit_text(field)
        super().full_clean()  # type: ignore[misc]


class Form(TextLimits, forms.Form):
    pass


class ModelForm(TextLimits, forms.ModelForm):
    pass
