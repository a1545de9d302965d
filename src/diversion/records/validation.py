"""Checks on an extract: the file as a whole (before anything is stored), then every row."""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from diversion.cases import pnc
from diversion.cases.models import OutcomeType
from diversion.core.text import DIRECTION_CONTROLS
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


@functools.lru_cache(maxsize=65_536)
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
    try:
        for row in rows:
            result.rows += 1
            for name, index in date_columns.items():
                if index < len(row):
                    style = date_style(row[index])
                    if style:
                        styles[name].add(style)
    finally:
        date_style.cache_clear()
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
    names = tuple(positions)
    width = max(positions.values(), default=-1) + 1
    pick = (operator.itemgetter(*positions.values()) if len(positions) > 1
            else (lambda row: tuple(row[i] for i in positions.values())))
    for number, row in enumerate(rows, start=2):
        if len(row) >= width:  # the common case: every mapped cell is there
            yield number, dict(zip(names, pick(row), strict=True))
        else:
            yield number, {name: (row[i] if i < len(row) else "")
                           for name, i in positions.items()}


_HASHED = tuple(name for name in RECORD_FIELDS if name != "row_hash")
_hashed_values = operator.itemgetter(*_HASHED)


def row_hash(values: dict) -> str:
    text = "\x1f".join(map(str, _hashed_values(values)))
    return hashlib.sha256(text.encode()).hexdigest()


_LABEL = {f.name: f.label for f in FIELDS}
_TOO_LONG = {name: f"{_LABEL[name]} must be {length} characters or fewer" for name, length in
             (("crime_reference", 30), ("force_person_ref", 30), ("given_name", 100),
              ("family_name", 100))}
_has_controls = DIRECTION_CONTROLS.search
_strip_controls = DIRECTION_CONTROLS.sub


def _text(raw: dict[str, str], name: str, max_length: int, errors: list) -> str:
    # An extract is kept as the force sent it, but not its hidden direction controls,
    # which could disguise a name on every page that shows the record.
    value = raw.get(name, "")
    if _has_controls(value):
        value = _strip_controls("", value)
    value = value.strip()
    if len(value) > max_length:
        errors.append((name, _TOO_LONG[name]))
    return value


@functools.lru_cache(maxsize=65_536)
def _date_of(value: str, today: date) -> tuple[date | None, str | None, str | None]:
    """(date, its stored text, None), or (None, None, what is wrong) for a non-empty cell.

    Cached: an extract's dates repeat (a few thousand different days), and the cache is
    bounded."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:
            parsed = date.fromisoformat(value)  # the common case, in C; its text is the value
        except ValueError:
            pass
        else:
            if parsed > today:
                return None, None, "is in the future"
            return parsed, value, None
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        return None, None, str(exc)
    if parsed > today:
        return None, None, "is in the future"
    return parsed, parsed.isoformat(), None


@functools.lru_cache(maxsize=32_768)
def _pnc_of(text: str, today: date) -> tuple[str, str | None]:
    """(stored PNC ID, None) or ("", what is wrong); cached, as a person's ID repeats."""
    try:
        return pnc.normalise(text, today), None
    except pnc.InvalidPNC as exc:
        return "", str(exc)


def clear_caches() -> None:
    """Forget the cached dates and PNC IDs (called when an import's rows are checked, so no
    values from an extract stay in the worker's memory after it)."""
    _date_of.cache_clear()
    _pnc_of.cache_clear()
    date_style.cache_clear()


def _when(raw: dict[str, str], name: str, required: bool, today: date,
          errors: list) -> tuple[date | None, str | None]:
    """The date and its stored text (YYYY-MM-DD), or (None, None) with any error added."""
    value = raw.get(name, "").strip()
    if not value:
        if required:
            errors.append((name, f"{_LABEL[name]} is missing"))
        return None, None
    parsed, text, problem = _date_of(value, today)
    if problem is not None:
        errors.append((name, f"{_LABEL[name]} {problem}"))
    return parsed, text


def _flag(raw: dict[str, str], name: str, errors: list) -> bool:
    value = raw.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        errors.append((name, f"{_LABEL[name]} must be Y or N"))
    return False


def validate_row(raw: dict[str, str], known_codes: set[str], today: date
                 ) -> tuple[dict | None, list[tuple[str, str]]]:
    """The row's stored values, or None and the (field, reason) list saying what is wrong."""
    errors: list[tuple[str, str]] = []
    out: dict = {}
    get = raw.get

    out["crime_reference"] = reference = _text(raw, "crime_reference", 30, errors)
    if not reference:
        errors.append(("crime_reference", "Crime reference is missing"))
    out["pnc_id"] = ""
    pnc_text = get("pnc_id", "")
    if pnc_text and pnc_text.strip():
        out["pnc_id"], problem = _pnc_of(pnc_text, today)
        if problem is not None:
            errors.append(("pnc_id", problem))
    out["force_person_ref"] = _text(raw, "force_person_ref", 30, errors)
    out["given_name"] = _text(raw, "given_name", 100, errors)
    out["family_name"] = _text(raw, "family_name", 100, errors)
    dob, out["date_of_birth"] = _when(raw, "date_of_birth", False, today, errors)
    sex = get("sex", "").strip().lower()
    out["sex"] = _SEX.get(sex, "")
    if sex and sex not in _SEX:
        errors.append(("sex", "Sex must be M, F or X"))
    district = get("postcode_district", "").strip().upper().replace(" ", "")
    if district and not _POSTCODE_DISTRICT.match(district):
        errors.append(("postcode_district",
                       "Postcode district must be the first part of a postcode, like SO14"))
    out["postcode_district"] = district
    if not (out["pnc_id"] or out["force_person_ref"]
            or (out["family_name"] and dob is not None)) and not any(
                f in {"pnc_id", "date_of_birth"} for f, _ in errors):
        errors.append(("pnc_id", "The row names nobody: give a PNC ID, a force person "
                                 "reference, or a family name and date of birth"))
    code = get("offence_code", "").strip().upper()
    if not code:
        errors.append(("offence_code", "Home Office offence code is missing"))
    elif len(code) > 12:
        errors.append(("offence_code", "Home Office offence code must be 12 characters or fewer"))
    out["offence_code_raw"] = code
    # Unknown codes are kept (and counted on the import), never dropped.
    out["offence_code_id"] = code if code in known_codes else None
    offence_date, out["offence_date"] = _when(raw, "offence_date", True, today,
                                              errors)
    recorded, out["recorded_date"] = _when(raw, "recorded_date", True, today, errors)
    if offence_date and recorded and recorded < offence_date:
        errors.append(("recorded_date", "Recorded date is before the offence date"))
    out["domestic_abuse"] = _flag(raw, "domestic_abuse", errors)
    out["same_victim"] = _flag(raw, "same_victim", errors)
    outcome = get("outcome_type", "").strip().lower()
    out["outcome_type"] = _OUTCOMES.get(outcome, "")
    if outcome not in _OUTCOMES:
        errors.append(("outcome_type", "Outcome type is not one of: "
                                       + ", ".join(label for _v, label in OutcomeType.choices)))
    outcome_date, outcome_text = _when(raw, "outcome_date", False, today, errors)
    if outcome_date and offence_date and outcome_date < offence_date:
        errors.append(("outcome_date", "Outcome date is before the offence date"))
    if outcome_date is None and out["outcome_type"] not in {"", "pending"} and not any(
            f == "outcome_date" for f, _ in errors):
        errors.append(("outcome_date", "Outcome date is missing for a finished outcome"))
    out["outcome_date"] = outcome_text
    if errors:
        return None, errors
    out["row_hash"] = row_hash(out)
    return out, []


__all__ = ["ExtractError", "Inspection", "inspect", "mapped_rows", "validate_row", "FIELDS"]
