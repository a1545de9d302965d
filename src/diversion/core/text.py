"""Rules for free text entered by people or imported: how long it may be, and no hidden
text-direction controls.

Unicode's bidirectional controls (right-to-left override and its relatives) reorder what a
reader sees without changing what is stored: "Smith\u202eGNP" reads as "SmithPNG" on screen,
so a name can be disguised from the officer or worker reading it, and code can be hidden in
plain sight ("Trojan Source"). People's names and notes have no need of them; the letters of
right-to-left scripts are untouched.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), and the direction
# marks (U+200E, U+200F, U+061C).
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

SHORT_TEXT = 500  # one line: a name, a reference, a place, a source
LONG_TEXT = 10_000  # a note, reasons, a description: about four pages of typing


def has_direction_controls(value: str) -> bool:
    return bool(DIRECTION_CONTROLS.search(value))


def without_direction_controls(value: str) -> str:
    """The text with its direction controls removed (for imported data, which is kept)."""
    return DIRECTION_CONTROLS.sub("", value)


class DirectionControls:
    """A form validator: text with hidden direction controls is refused, not silently changed,
    so what was typed and what is stored are the same."""

    def __init__(self, label: str = "This answer") -> None:
        self.label = label

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and has_direction_controls(value):
            raise ValidationError(
                f"{self.label} must not contain hidden text-direction characters (such as a "
                "right-to-left override): they change how the text reads on screen",
                code="direction_controls")
