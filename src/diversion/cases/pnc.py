"""Police National Computer IDs: parse, validate the check character, and format.

A PNC ID is a year, a serial number and a check letter: the check letter is the value of the
2-digit year followed by the 7-digit serial, modulo 23, mapped 1=A ... 22=Y, 0=Z, skipping I, O
and S (Criminal Justice Hub data standard). Stored as YYYY/NNNNNNND.
"""

from __future__ import annotations

import re
from datetime import date

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"  # index = remainder; I, O and S are never used
_PATTERN = re.compile(r"^\s*(\d{2}|\d{4})\s*/\s*(\d{1,7})\s*([A-Za-z])\s*$")
# The two problems normalise() reports (records' set-based import check says the same).
FORMAT_PROBLEM = "Enter a PNC ID in the format YY/NNNNNNNL or YYYY/NNNNNNNL, like 12/345678A"
CHECK_PROBLEM = "The PNC ID’s check letter is wrong: check you have typed it correctly"


class InvalidPNC(ValueError):
    """The text is not a PNC ID, or its check character is wrong."""


def check_letter(year: int, serial: int) -> str:
    return CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def normalise(text: str, today: date | None = None) -> str:
    """Return the stored form YYYY/NNNNNNND, or raise InvalidPNC saying what is wrong."""
    match = _PATTERN.match(text or "")
    if not match:
        raise InvalidPNC(FORMAT_PROBLEM)
    year_text, serial_text, letter = match.groups()
    year = int(year_text)
    if len(year_text) == 2:
        current = (today or date.today()).year
        year += 2000 if 2000 + year <= current else 1900
    serial = int(serial_text)
    expected = check_letter(year, serial)
    if letter.upper() != expected:
        raise InvalidPNC(CHECK_PROBLEM)
    return f"{year:04d}/{serial:07d}{expected}"


def display(stored: str) -> str:
    """Short display form: 2-digit year, leading zeroes of the serial suppressed."""
    year, rest = stored.split("/")
    return f"{year[2:]}/{int(rest[:-1])}{rest[-1]}"


def make(year: int, serial: int) -> str:
    """Build a valid stored PNC ID (for synthetic data and tests)."""
    return f"{year:04d}/{serial:07d}{check_letter(year, serial)}"
