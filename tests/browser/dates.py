"""Filling in a GOV.UK date input in the browser: day, month and year boxes."""

from __future__ import annotations

from datetime import date


def fill_date(page, field: str, value: date) -> None:
    page.locator(f"#id_{field}").fill(str(value.day))
    page.locator(f"#id_{field}_month").fill(str(value.month))
    page.locator(f"#id_{field}_year").fill(str(value.year))
