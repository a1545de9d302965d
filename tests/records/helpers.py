"""Small extracts for the records tests."""

from __future__ import annotations

import csv
import io

HEADER = ["crime_reference", "pnc_id", "force_person_ref", "given_name", "family_name",
          "date_of_birth", "sex", "postcode_district", "offence_code", "offence_date",
          "recorded_date", "domestic_abuse", "same_victim", "outcome_type", "outcome_date"]


def row(ref: str, **extra) -> dict:
    values = {"crime_reference": ref, "pnc_id": "", "force_person_ref": "",
              "given_name": "Sam", "family_name": "Smith", "date_of_birth": "1985-03-02",
              "sex": "M", "postcode_district": "SO14", "offence_code": "105A",
              "offence_date": "2026-01-10", "recorded_date": "2026-01-11",
              "domestic_abuse": "Y", "same_victim": "N", "outcome_type": "caution",
              "outcome_date": "2026-02-01"}
    values.update(extra)
    return values


def csv_bytes(rows: list[dict], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
