"""The Home Office offence codes reference table, loaded from cases/data/offence_codes.csv."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "offence_codes.csv"


def load_offence_codes(model=None) -> int:
    """Create or update every code from the CSV; safe to re-run. Returns the number of codes.

    `model` is the historical model when a migration calls this; otherwise the live one.
    """
    if model is None:
        from diversion.cases.models import OffenceCode as model
    count = 0
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            model.objects.update_or_create(
                code=row["code"],
                defaults={"description": row["description"], "group": row["group"],
                          "violence": row["violence"] == "true"},
            )
            count += 1
    return count
