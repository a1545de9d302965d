"""Checks for UK phone numbers and postcodes (victims' and the cautioned person's contact
details); the forms put the field's name in their messages."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError

# The UK postcode shape (GOV.UK / ONS): outward code, optional space, inward code.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
                       r"|[A-HK-Y][0-9][ABEHMNPRV-Y]) ?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """Upper-case with one space before the inward code; ValidationError if not a postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE.match(compact):
        raise ValidationError("Enter a real postcode, like SO14 7LP", code="invalid")
    return f"{compact[:-3]} {compact[-3:]}"


# Ofcom's drama ranges: never assigned, so safe for demo and training data; libphonenumber
# calls them invalid, so they are let through explicitly.
_DRAMA = re.compile(r"^44(7700900|1632960|2079460|1134960|1214960|1314960)\d{3}$")


def _drama(parsed) -> bool:
    return bool(_DRAMA.match(f"{parsed.country_code}{parsed.national_number}"))


def normalise_uk_phone(value: str) -> str:
    """A valid UK (or international, with +) number, in international format."""
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not (phonenumbers.is_valid_number(parsed) or _drama(parsed)):
        raise ValidationError(
            "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
            code="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_postcode_field(value: str) -> str:
    """A form's optional postcode: blank stays blank, otherwise normalised or refused."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalise_postcode(value)
    except ValidationError:
        raise ValidationError("Postcode must be a real UK postcode, like SO14 7LP") from None


def clean_phone_field(value: str, *, label: str, example: str) -> str:
    """A form's optional phone number, refused with a message that names the field."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalise_uk_phone(value)
    except ValidationError:
        raise ValidationError(f"{label} must be a real phone number, like {example}") from None
