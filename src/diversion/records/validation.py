"""Checks on an extract: the file as a whole (before anything is stored), then every row."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from diversion.cases import pnc
from diversion.cases.models import OutcomeType
from diversion.core.text import without_direction_controls
from diversion.records.fields import BY_NAME, FIELDS, REQUIRED
from diversion.records.models import RECORD_FIELDS
from diversion.records.readers import Extract, ExtractError

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_TRUE = {"y", "yes", "true", "1", "t"}
_FALSE = {"", "n", "no", "false", "0", "f"}
_SEX = {"m": "M", "male": "M", "f": "F", "female": "F", "x": "X", "u": "X", "not known": "X",
        "unknown": "X"}
_OUTCOMES = {**{v: v for v in OutcomeType.values},
             **{label.lower(): v for v, label in OutcomeType.choices}, "": "pending"}
# The same words for the set-based check of CSV extracts on PostgreSQL (records.fastcsv).
TRUE_WORDS, FALSE_WORDS, SEX_WORDS, OUTCOME_WORDS = _TRUE, _FALSE, _SEX, _OUTCOMES


def date_style(text: str) -> str | None:
    """'iso' for YYYY-MM-DD, 'uk' for DD/MM/YYYY, None otherwise."""
    if _ISO.match(text):
        return "iso"
    if _UK.match(text):
        return "uk"
    return None


def parse_date(text: str) -> date:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)  # the common case, in C
        except ValueError:
            pass
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK.match(text)
        if not match:
            raise ValueError("is not a date in the format YYYY-MM-DD or DD/MM/YYYY")
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("is not a real date") from None


@dataclass
class Inspection:
    """What the whole-file check found: the header, the mapping in force and the row count."""

    headers: list[str]
    mapping: dict[str, str]
    rows: int
    errors: list[str] = field(default_factory=list)


def check_mapping(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Messages for required fields the mapping or the header row lacks."""
    problems = []
    for name in REQUIRED:
        column = mapping.get(name)
        if not column:
            problems.append(f"The file has no column for {BY_NAME[name].label.lower()}: "
                            "map one, or add it to the header row")
        elif column not in headers:
            problems.append(f"The header row has no column ‘{column}’ "
                            f"(mapped to {BY_NAME[name].label.lower()})")
    return problems


def inspect(extract: Extract, mapping: dict[str, str]) -> Inspection:
    """Read the whole file once: encoding, header, emptiness and date formats per column.

    Raises ExtractError for the first problem that stops the file being read at all; returns
    the mapping's problems and mixed date formats as `errors` (nothing has been stored).
    """
    headers, rows = extract.header_and_rows()
    if not any(headers):
        raise ExtractError("The selected file has no header row")
    result = Inspection(headers=headers, mapping=mapping, rows=0)
    result.errors = check_mapping(headers, mapping)
    date_columns = {f.name: headers.index(mapping[f.name]) for f in FIELDS
                    if f.is_date and mapping.get(f.name) in headers}
    styles: dict[str, set[str]] = {name: set() for name in date_columns}
    for row in rows:
        result.rows += 1
        for name, index in date_columns.items():
            if index < len(row):
                style = date_style(row[index])
                if style:
                    styles[name].add(style)
    if result.rows == 0:
        raise ExtractError("The selected file has a header row but no records")
    for name, seen in styles.items():
        if len(seen) > 1:
            result.errors.append(
                f"Dates in the column ‘{mapping[name]}’ ({BY_NAME[name].label.lower()}) are in "
                "more than one format (YYYY-MM-DD and DD/MM/YYYY): use one format throughout")
    return result


def mapped_rows(extract: Extract, mapping: dict[str, str]) -> Iterator[tuple[int, dict]]:
    """(spreadsheet row number, {field: text}) for every data row."""
    headers, rows = extract.header_and_rows()
    positions = {name: headers.index(col) for name, col in mapping.items()
                 if col and col in headers}
    for number, row in enumerate(rows, start=2):
        yield number, {name: (row[i] if i < len(row) else "") for name, i in positions.items()}


def row_hash(values: dict) -> str:
    text = "\x1f".join(str(values[name]) for name in RECORD_FIELDS if name != "row_hash")
    return hashlib.sha256(text.encode()).hexdigest()


def validate_row(raw: dict[str, str], known_codes: set[str], today: date
                 ) -> tuple[dict | None, list[tuple[str, str]]]:
    """The row's stored values, or None and the (field, reason) list saying what is wrong."""
    errors: list[tuple[str, str]] = []
    out: dict = {}

    def text(name: str, max_length: int) -> str:
        # An extract is kept as the force sent it, but not its hidden direction controls,
        # which could disguise a name on every page that shows the record.
        value = without_direction_controls(raw.get(name, "")).strip()
        if len(value) > max_length:
            errors.append((name, f"{BY_NAME[name].label} must be {max_length} characters or "
                                 "fewer"))
        return value

    def when(name: str, required: bool) -> date | None:
        value = raw.get(name, "").strip()
        if not value:
            if required:
                errors.append((name, f"{BY_NAME[name].label} is missing"))
            return None
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            errors.append((name, f"{BY_NAME[name].label} {exc}"))
            return None
        if parsed > today:
            errors.append((name, f"{BY_NAME[name].label} is in the future"))
            return None
        return parsed

    def flag(name: str) -> bool:
        value = raw.get(name, "").strip().lower()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            errors.append((name, f"{BY_NAME[name].label} must be Y or N"))
        return False

    out["crime_reference"] = text("crime_reference", 30)
    if not out["crime_reference"]:
        errors.append(("crime_reference", "Crime reference is missing"))
    out["pnc_id"] = ""
    if raw.get("pnc_id", "").strip():
        try:
            out["pnc_id"] = pnc.normalise(raw["pnc_id"], today)
        except pnc.InvalidPNC as exc:
            errors.append(("pnc_id", str(exc)))
    out["force_person_ref"] = text("force_person_ref", 30)
    out["given_name"] = text("given_name", 100)
    out["family_name"] = text("family_name", 100)
    dob = when("date_of_birth", False)
    out["date_of_birth"] = dob.isoformat() if dob else None
    sex = raw.get("sex", "").strip().lower()
    out["sex"] = _SEX.get(sex, "")
    if sex and sex not in _SEX:
        errors.append(("sex", "Sex must be M, F or X"))
    district = raw.get("postcode_district", "").strip().upper().replace(" ", "")
    if district and not _POSTCODE_DISTRICT.match(district):
        errors.append(("postcode_district",
                       "Postcode district must be the first part of a postcode, like SO14"))
    out["postcode_district"] = district
    if not (out["pnc_id"] or out["force_person_ref"]
            or (out["family_name"] and dob is not None)) and not any(
                f in {"pnc_id", "date_of_birth"} for f, _ in errors):
        errors.append(("pnc_id", "The row names nobody: give a PNC ID, a force person "
                                 "reference, or a family name and date of birth"))
    code = raw.get("offence_code", "").strip().upper()
    if not code:
        errors.append(("offence_code", "Home Office offence code is missing"))
    elif len(code) > 12:
        errors.append(("offence_code", "Home Office offence code must be 12 characters or fewer"))
    out["offence_code_raw"] = code
    # Unknown codes are kept (and counted on the import), never dropped.
    out["offence_code_id"] = code if code in known_codes else None
    offence_date = when("offence_date", True)
    recorded = when("recorded_date", True)
    if offence_date and recorded and recorded < offence_date:
        errors.append(("recorded_date", "Recorded date is before the offence date"))
    out["offence_date"] = offence_date.isoformat() if offence_date else None
    out["recorded_date"] = recorded.isoformat() if recorded else None
    out["domestic_abuse"] = flag("domestic_abuse")
    out["same_victim"] = flag("same_victim")
    outcome = raw.get("outcome_type", "").strip().lower()
    out["outcome_type"] = _OUTCOMES.get(outcome, "")
    if outcome not in _OUTCOMES:
        errors.append(("outcome_type", "Outcome type is not one of: "
                                       + ", ".join(label for _v, label in OutcomeType.choices)))
    outcome_date = when("outcome_date", False)
    if outcome_date and offence_date and outcome_date < offence_date:
        errors.append(("outcome_date", "Outcome date is before the offence date"))
    if outcome_date is None and out["outcome_type"] not in {"", "pending"} and not any(
            f == "outcome_date" for f, _ in errors):
        errors.append(("outcome_date", "Outcome date is missing for a finished outcome"))
    out["outcome_date"] = outcome_date.isoformat() if outcome_date else None
    if errors:
        return None, errors
    out["row_hash"] = row_hash(out)
    return out, []


__all__ = ["ExtractError", "Inspection", "inspect", "mapped_rows", "validate_row", "FIELDS"]
