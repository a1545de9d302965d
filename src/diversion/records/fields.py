"""The canonical fields of a police crime-record extract, and the headings we guess for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractField:
    name: str
    label: str
    required: bool = False
    is_date: bool = False
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ExtractField, ...] = (
    ExtractField("crime_reference", "Crime reference", True,
                 aliases=("crime_ref", "crime_reference_number", "offence_reference", "urn")),
    ExtractField("pnc_id", "PNC ID", aliases=("pnc", "pnc_number", "pncid")),
    ExtractField("force_person_ref", "Force person reference",
                 aliases=("person_ref", "person_reference", "nominal_ref", "force_reference")),
    ExtractField("given_name", "Given name", aliases=("first_name", "forename", "forenames")),
    ExtractField("family_name", "Family name", aliases=("surname", "last_name")),
    ExtractField("date_of_birth", "Date of birth", is_date=True, aliases=("dob", "birth_date")),
    ExtractField("sex", "Sex", aliases=("gender",)),
    ExtractField("postcode_district", "Postcode district",
                 aliases=("postcode", "postcode_area", "district")),
    ExtractField("offence_code", "Home Office offence code", True,
                 aliases=("ho_code", "home_office_code", "hoc", "offence_code_ho")),
    ExtractField("offence_date", "Offence date", True, True, aliases=("date_of_offence",)),
    ExtractField("recorded_date", "Recorded date", True, True,
                 aliases=("date_recorded", "crime_recorded_date")),
    ExtractField("domestic_abuse", "Domestic abuse flag", aliases=("da_flag", "da", "domestic")),
    ExtractField("same_victim", "Same-victim flag", aliases=("same_victim_flag",)),
    ExtractField("outcome_type", "Outcome type", aliases=("outcome", "disposal")),
    ExtractField("outcome_date", "Outcome date", is_date=True, aliases=("disposal_date",)),
)
BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)


def _key(heading: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in heading.strip().lower()).strip("_")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Field name -> heading, for every field whose name or alias a heading matches."""
    by_key = {_key(h): h for h in headers}
    guessed = {}
    for f in FIELDS:
        for candidate in (f.name, _key(f.label), *f.aliases):
            if candidate in by_key:
                guessed[f.name] = by_key[candidate]
                break
    return guessed
