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


GIVEN = ["Sam", "Alex", "Jo", "Chris", "Pat", "Lee", "Kim", "Max", "Ali", "Ray", "Tom", "Ann",
         "Eve", "Ian", "Liz", "Ben", "Amy", "Dan", "Zoe", "Joe"]
FAMILY = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
          "Wright", "Hall", "Green", "Wood", "Clark", "Hill", "Moore", "King", "Lee", "Baker",
          "Young", "Allen", "Scott", "Adams", "Price", "Bell"]
DISTRICTS = ["SO14", "SO15", "SO16", "PO1", "PO2", "PO4"]


def people_and_records(force, count: int = 60, seed: int = 7):
    """`count` people on cases and one crime-record row per person, matching on name,
    date of birth, sex and district but with no PNC ID or force reference; plus 15 rows
    naming nobody on cases."""
    import random
    from datetime import date, timedelta

    from tests.factories import make_person

    rng = random.Random(seed)
    people, rows = [], []
    for i in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
        sex = rng.choice("MF")
        district = rng.choice(DISTRICTS)
        person = make_person(force, f"P{i:04d}", given_name=given, family_name=family,
                             date_of_birth=born, sex=sex, postcode_district=district, pnc_id="")
        people.append(person)
        rows.append(row(f"R/{i:04d}", given_name=given, family_name=family,
                        date_of_birth=born.isoformat(), sex=sex, postcode_district=district))
    for j in range(15):
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
        rows.append(row(f"N/{j:04d}", given_name=rng.choice(GIVEN),
                        family_name=rng.choice(FAMILY) + "son", date_of_birth=born.isoformat(),
                        sex=rng.choice("MF"), postcode_district=rng.choice(DISTRICTS)))
    return people, rows
