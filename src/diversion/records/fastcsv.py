"""The PostgreSQL path for CSV extracts: the file's text is COPYed into a temporary table and
every row is checked there, set-based, with the same rules and the same messages as
`validation.validate_row` (tests/records/test_fastcsv.py runs both over a hostile file and
compares the rejection reports row by row, and the staged values with their row hashes).

Nothing here is trusted to agree with Python by luck; anything it cannot be sure of goes back
to Python:
- a cheap pass over the bytes first (numpy, 8 MB at a time; no Python per row): UTF-8, no NUL,
  quotes only where both CSV parsers read them alike (a quote opening a field starts it; a
  closing quote ends it), no ``\\.`` line (COPY's end of data), the row count and the longest
  record (in bytes, so never fewer than its characters) within the hard limits of
  `records.limits`. A file that fails any of these is read by the Python reader, which gives the
  exact message (or accepts it);
- COPY refuses what it cannot parse (ragged rows, a blank line, a stray carriage return): the
  savepoint is rolled back and the Python reader takes the file;
- a row with any non-ASCII character in a field whose check lowers, uppercases or parses it
  (PNC ID, dates, sex, postcode district, offence code, flags, outcome) is checked by
  `validate_row` itself (Python's and PostgreSQL's ideas of case and digits differ outside
  ASCII); names and references are compared as Python does (its whitespace and
  direction-control characters are spelled out below).

The temporary tables belong to the database session, are not written to the WAL, vanish if the
worker dies, and are dropped when the rows are staged.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from django.db import DatabaseError, connection, transaction

from diversion.cases import pnc
from diversion.cases.models import OffenceCode, OutcomeType
from diversion.core.text import DIRECTION_CONTROLS
from diversion.records.fields import BY_NAME, FIELDS
from diversion.records.limits import Limits
from diversion.records.models import RECORD_FIELDS, RejectedRow
from diversion.records.validation import (
    FALSE_WORDS,
    OUTCOME_WORDS,
    SEX_WORDS,
    TRUE_WORDS,
    date_style,
    validate_row,
)

__all__ = ["ACCEPTED", "Found", "StageCounts", "discard", "inspect", "stage", "usable"]

RAW, CHECKED = "records_raw", "records_checked"
DUPLICATES, ACCEPTED = "records_duplicates", "records_accepted"
_CHUNK = 8 << 20

# The fields by how they are checked (validate_row's rules). A new optional column is one
# entry here (a flag: FLAGS; a date: it is found from fields.FIELDS) plus its place in
# RECORD_FIELDS; the import below refuses to load if the two disagree.
TEXTS = {"crime_reference": 30, "force_person_ref": 30, "given_name": 100, "family_name": 100}
FLAGS = ("domestic_abuse", "same_victim")
DATES = tuple(f.name for f in FIELDS if f.is_date)
# Fields whose check changes case or reads digits: a non-ASCII value there goes to Python.
SEMANTIC = ("pnc_id", *DATES, "sex", "postcode_district", "offence_code", *FLAGS,
            "outcome_type")
_HANDLED = {*TEXTS, "pnc_id", *DATES, "sex", "postcode_district", "offence_code_raw",
            "offence_code_id", *FLAGS, "outcome_type", "row_hash"}
if set(RECORD_FIELDS) != _HANDLED:  # pragma: no cover (a column added on one side only)
    raise ImportError(f"records.fastcsv does not check {set(RECORD_FIELDS) ^ _HANDLED}")

# Python's str.strip() and re's \s (str patterns) use these; PostgreSQL's btrim and \s do not.
_SPACE_CHARS = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
_ASCII_SPACE = "".join(ch for ch in _SPACE_CHARS if ord(ch) < 128)


def _unicode_literal(text: str) -> str:
    return "U&'" + "".join(f"\\{ord(ch):04X}" for ch in text) + "'"


def _regex_class(chars: str) -> str:
    """A PostgreSQL regex bracket expression for these characters (escaped as \\uXXXX)."""
    return "[" + "".join(f"\\u{ord(ch):04x}" for ch in chars) + "]"


_SPACE = _unicode_literal(_SPACE_CHARS)
_CONTROLS = _regex_class(
    "".join(ch for ch in map(chr, range(0x0600, 0x2070)) if DIRECTION_CONTROLS.match(ch)))
_S = _regex_class(_ASCII_SPACE)
_PNC = f"^{_S}*([0-9]{{2}}|[0-9]{{4}}){_S}*/{_S}*([0-9]{{1,7}}){_S}*([A-Za-z]){_S}*$"
_DUPLICATE = "Crime reference appears more than once in this file (the first row was kept)"


def usable(batch) -> bool:
    return connection.vendor == "postgresql" and batch.file_format == "csv"


# --- the byte-level pass --------------------------------------------------------------------
def _fits(path: Path, limits: Limits) -> int | None:
    """The longest record in bytes if both parsers will read the file alike and it is within
    the row limits; None if the Python reader must decide (see the module's docstring)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    parity = records = longest = 0
    last_end = -1  # absolute offset of the newline that ended the last record
    tail, offset = b"\n", -1  # a virtual newline before the file; offset of buf[0]
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                return None
            buf = tail + chunk
            a = np.frombuffer(buf, dtype=np.uint8)
            hi = len(a) if final else len(a) - 1  # the last byte is checked with the next
            seg = a[1:hi]
            if seg.size:
                if (seg == 0).any():
                    return None
                quotes = np.flatnonzero(seg == 34) + 1
                if quotes.size:
                    odd_before = ((parity + np.arange(quotes.size)) & 1).astype(bool)
                    prev = a[quotes - 1]
                    after = np.full(quotes.size, -1, dtype=np.int16)
                    inside = quotes + 1 < len(a)
                    after[inside] = a[quotes[inside] + 1]
                    opening_ok = np.isin(prev, (44, 10, 34))  # after , or newline, or ""
                    closing_ok = np.isin(after, (34, 44, 10, 13, -1))
                    if not np.where(odd_before, closing_ok, opening_ok).all():
                        return None
                slashes = np.flatnonzero(seg == 92) + 1
                if slashes.size:
                    nxt = slashes + 1 < len(a)
                    line_start = a[slashes - 1] == 10
                    dot = np.zeros(slashes.size, dtype=bool)
                    dot[nxt] = a[slashes[nxt] + 1] == 46
                    if (line_start & dot).any():
                        return None
                newlines = np.flatnonzero(seg == 10) + 1
                if newlines.size:
                    before = parity + np.searchsorted(quotes, newlines)
                    ends = newlines[(before & 1) == 0] + offset
                    if ends.size:
                        lengths = np.diff(ends, prepend=last_end)
                        longest = max(longest, int(lengths.max()))
                        records += int(ends.size)
                        last_end = int(ends[-1])
                parity += int(quotes.size)
            if final:
                size = offset + len(a)
                if parity & 1:
                    return None  # an unclosed quote
                if last_end < size - 1:
                    records += 1
                    longest = max(longest, size - 1 - last_end)
                break
            offset += len(buf) - 2
            tail = buf[-2:]
    if records - 1 > limits.rows or longest > limits.row_chars:
        return None
    return longest


# --- loading and checking -----------------------------------------------------------------
def _tag(stored_name: str, mapping: dict[str, str], today: date) -> str:
    text = json.dumps(sorted(mapping.items())) + stored_name + today.isoformat()
    return hashlib.sha256(text.encode()).hexdigest()


def _loaded(tag: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')",
                       [f"pg_temp.{CHECKED}"])
        row = cursor.fetchone()
    return bool(row) and row[0] == tag


def _printable_ends(expr: str) -> str:
    """True when the text starts and ends with a printable ASCII character (nothing to strip:
    PostgreSQL's btrim with a multibyte set costs about a microsecond a call)."""
    return f"(ascii({expr}) BETWEEN 33 AND 126 AND ascii(right({expr}, 1)) BETWEEN 33 AND 126)"


def _strip(expr: str) -> str:
    """str.strip(): NULL (an empty unquoted cell) as ''."""
    return (f"CASE WHEN {_printable_ends(expr)} THEN {expr} "
            f"ELSE btrim(coalesce({expr}, ''), {_SPACE}) END")


def _concat(exprs: list[str]) -> str:
    """concat() of any number of expressions (a function takes at most 100 arguments)."""
    parts = [f"concat({', '.join(exprs[i:i + 90])})" for i in range(0, len(exprs), 90)]
    return " || ".join(parts) if parts else "''"


class _Refer(Exception):
    """The Python reader must decide about this file (it gives the exact message)."""


def _load(path: Path, headers: list[str], mapping: dict[str, str], tag: str, today: date,
          limits: Limits) -> bool:
    """COPY the file into the raw table, then check every row into the checked table (one
    row per non-blank record, numbered as the Python reader numbers it). False if Python must
    read the file (nothing is kept)."""
    import psycopg

    longest = _fits(path, limits)
    if longest is None:
        return False
    raw_columns = [f"c{i}" for i in range(len(headers))]
    positions = {name: headers.index(col) for name, col in mapping.items()
                 if col and col in headers}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{RAW}, pg_temp.{CHECKED}")
            cursor.execute(f"CREATE TEMP TABLE {RAW} (ord bigint GENERATED ALWAYS AS IDENTITY, "
                           + ", ".join(f"{c} text" for c in raw_columns) + ")")
            with cursor.cursor.copy(f"COPY {RAW} ({', '.join(raw_columns)}) FROM STDIN WITH "
                                    "(FORMAT csv, HEADER true)") as copy, \
                    open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            if longest > limits.cell_chars:
                lengths = ", ".join(f"char_length({c})" for c in raw_columns)
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {RAW} WHERE greatest({lengths}) "  # noqa: S608 (generated names)
                               "> %s)", [limits.cell_chars])
                if cursor.fetchone()[0]:
                    raise _Refer
            cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # date::text is YYYY-MM-DD
            cursor.execute(_checks_sql(raw_columns, positions, today))
            cursor.execute(f"SELECT max(ord) FROM {RAW}")  # noqa: S608 (generated names)
            records = cursor.fetchone()[0] or 0
            cursor.execute(f"DROP TABLE {RAW}")
            cursor.execute(f"SELECT count(*) FROM {CHECKED}")  # noqa: S608 (generated names)
            if cursor.fetchone()[0] != records:
                # The Python reader skips blank records and does not count them.
                cursor.execute(
                    f"UPDATE {CHECKED} SET row_number = n.number FROM (SELECT row_number AS old, "  # noqa: S608 (generated names)
                    f"(row_number() OVER (ORDER BY row_number) + 1)::int AS number FROM "
                    f"{CHECKED}) n WHERE {CHECKED}.row_number = n.old")
            cursor.execute(f"COMMENT ON TABLE pg_temp.{CHECKED} IS '{tag}'")
    except (_Refer, DatabaseError, psycopg.Error):
        # COPY could not parse it (a ragged row, a blank line, a stray carriage return...):
        # nothing was kept (the savepoint is rolled back); Python reads it and says why.
        return False
    return True


def discard() -> None:
    """Drop the session's scratch tables (they go with the session anyway)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS pg_temp.{ACCEPTED}")
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{RAW}, pg_temp.{CHECKED}, "
                       f"pg_temp.{DUPLICATES}")


def _ensure(batch, path: Path, headers: list[str], mapping: dict[str, str], today: date) -> bool:
    tag = _tag(batch.stored_name, mapping, today)
    return _loaded(tag) or _load(path, headers, mapping, tag, today, Limits.from_settings())


# --- the whole-file check -------------------------------------------------------------------
@dataclass
class Found:
    rows: int
    errors: list[str]


def inspect(batch, path: Path, headers: list[str], mapping: dict[str, str]) -> Found | None:
    """validation.inspect's checks on the loaded rows: the row count, no rows, mixed date
    formats per column. None if the Python reader must read the file."""
    from diversion.records.readers import ExtractError

    if not _ensure(batch, path, headers, mapping, date.today()):
        return None
    dates = [name for name in DATES if mapping.get(name) in headers]
    styles = ", ".join(f"bool_or({name}_iso) FILTER (WHERE NOT py), "
                       f"bool_or({name}_uk) FILTER (WHERE NOT py)" for name in dates)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*){', ' + styles if styles else ''} FROM {CHECKED}")  # noqa: S608 (generated names)
        found = cursor.fetchone()
        rows = found[0]
        seen = {name: {style for style, flag in zip(("iso", "uk"), found[1 + 2 * i:3 + 2 * i],
                                                    strict=True) if flag}
                for i, name in enumerate(dates)}
        if dates:
            with connection.chunked_cursor() as source:
                source.execute(f"SELECT cells FROM {CHECKED} WHERE py")  # noqa: S608 (generated names)
                while found := source.fetchmany(2000):
                    for (cells,) in found:
                        raw = dict(zip(_CELL_NAMES, cells, strict=True))
                        for name in dates:
                            style = date_style(raw[name])
                            if style:
                                seen[name].add(style)
    if rows == 0:
        discard()
        raise ExtractError("The selected file has a header row but no records")
    errors = [f"Dates in the column ‘{mapping[name]}’ ({BY_NAME[name].label.lower()}) are in "
              "more than one format (YYYY-MM-DD and DD/MM/YYYY): use one format throughout"
              for name in dates if len(seen[name]) > 1]
    return Found(rows=rows, errors=errors)


# --- the row checks, as SQL -----------------------------------------------------------------
_CELL_NAMES = tuple(f.name for f in FIELDS)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(expr: str, words) -> str:
    return f"{expr} IN ({', '.join(_literal(w) for w in sorted(words))})"


def _lookup(expr: str, table: dict[str, str]) -> str:
    return (f"CASE {expr} " + " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}"
                                       for k, v in sorted(table.items())) + " ELSE '' END")


def _err(name: str, reason_sql: str) -> str:
    return f"'{name}' || chr(31) || {reason_sql}"


def _days_in_month(y: str, m: str) -> str:
    return (f"CASE WHEN {m} = 2 THEN CASE WHEN (mod({y}, 4) = 0 AND mod({y}, 100) <> 0) "
            f"OR mod({y}, 400) = 0 THEN 29 ELSE 28 END WHEN {m} IN (4, 6, 9, 11) THEN 30 "
            "ELSE 31 END")


def _is_iso(v: str) -> str:
    """v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' without a regex: ten characters, dashes at 5 and 8,
    and nothing but digits once the two dashes are taken out."""
    return (f"(substr({v}, 5, 1) = '-' AND length({v}) = 10 AND substr({v}, 8, 1) = '-' "
            f"AND translate({v}, '0123456789', '') = '--')")


def _is_uk(v: str) -> str:
    """v ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' without a regex: two slashes and digits only,
    the first slash 2nd or 3rd, the last 4 characters from the end, 1 or 2 digits between."""
    first = f"position('/' in {v})"
    return (f"({first} IN (2, 3) AND length({v}) BETWEEN 8 AND 10 "
            f"AND translate({v}, '0123456789', '') = '//' "
            f"AND substr({v}, length({v}) - 4, 1) = '/' "
            f"AND length({v}) - 6 - ({first} - 1) IN (1, 2))")


def _pnc_parts(v: str) -> str:
    """regexp_match(v, _PNC): {year, serial, letter} or NULL. The regex (with its captures,
    about 20 microseconds a value) only for a value with whitespace inside; otherwise one slash,
    2 or 4 digits before it, 1 to 7 digits and a letter after it, found without a regex."""
    year, rest = f"split_part({v}, '/', 1)", f"split_part({v}, '/', 2)"
    serial = f"left({rest}, -1)"
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return (f"CASE WHEN {v} = '' THEN NULL "
            f"WHEN length(translate({v}, {_unicode_literal(_ASCII_SPACE)}, '')) <> length({v}) "
            f"THEN regexp_match({v}, '{_PNC}') "
            f"WHEN length({v}) - length(replace({v}, '/', '')) = 1 AND length({year}) IN (2, 4) "
            f"AND translate({year}, '0123456789', '') = '' AND length({rest}) BETWEEN 2 AND 8 "
            f"AND translate({serial}, '0123456789', '') = '' "
            f"AND position(right({rest}, 1) IN '{letters}') > 0 "
            f"THEN ARRAY[{year}, {serial}, right({rest}, 1)] END")


def _hash_sql() -> str:
    """validation.row_hash in SQL: SHA-256 of str() of each value, joined by U+001F."""
    parts = []
    for name in RECORD_FIELDS:
        if name == "row_hash":
            continue
        if name in DATES:
            parts.append(f"coalesce({name}::text, 'None')")  # DateStyle ISO (set by _load)
        elif name in FLAGS:
            parts.append(f"CASE WHEN {name} THEN 'True' ELSE 'False' END")
        else:
            parts.append(f"coalesce({name}, 'None')")
    return ("encode(sha256(convert_to(concat_ws(chr(31), " + ", ".join(parts)
            + "), 'UTF8')), 'hex')")


def _checks_sql(raw_columns: list[str], positions: dict[str, int], today: date) -> str:
    """The statement that fills the checked table from the raw text: per record its number,
    blank or not, whether Python must check it (and then its cells), each date's format, the
    stored values with their row hash, and, in validate_row's order, every problem as
    'field U+001F reason', separated by U+001E ('' when there is none)."""
    label = {name: BY_NAME[name].label for name in BY_NAME}
    day = f"DATE '{today.isoformat()}'"
    # Level 0: the cells as the Python reader gives them (stripped), blank records marked.
    zero = ["ord"] + [(_strip(f"c{positions[f.name]}") if f.name in positions else "''")
                      + f" AS f_{f.name}" for f in FIELDS]
    zero.append(f"NOT {_printable_ends(raw_columns[0])} AND "
                f"btrim({_concat(raw_columns)}, {_SPACE}) = '' AS blank")
    zero.append(_concat([_strip(f"c{positions[name]}") for name in SEMANTIC if name in positions])
                + " AS semantic")
    semantic = "semantic"
    # Level 1: parse pieces from the cells.
    py = f"octet_length({semantic}) <> char_length({semantic})"
    one = ["ord", "blank", f"{py} AS py", f"CASE WHEN {py} THEN ARRAY["
           + ", ".join(f"f_{name}" for name in _CELL_NAMES) + "] END AS cells"]
    for name in TEXTS:
        cell = f"f_{name}"
        one.append(f"CASE WHEN octet_length({cell}) = char_length({cell}) THEN {cell} "
                   f"ELSE btrim(regexp_replace({cell}, '{_CONTROLS}', '', 'g'), {_SPACE}) END "
                   f"AS {name}")
    one += ["f_pnc_id AS pnc_raw", f"{_pnc_parts('f_pnc_id')} AS pm"]
    for name in DATES:
        one += [f"f_{name} AS {name}_v", f"{_is_iso(f'f_{name}')} AS {name}_iso",
                f"{_is_uk(f'f_{name}')} AS {name}_uk"]
    one += ["lower(f_sex) AS sex_l", "replace(upper(f_postcode_district), ' ', '') AS district",
            "upper(f_offence_code) AS code", "lower(f_outcome_type) AS outcome_l"]
    one += [f"lower(f_{name}) AS {name}_l" for name in FLAGS]
    # Level 2: numbers.
    two = ["*", "CASE WHEN pm IS NULL THEN NULL WHEN length(pm[1]) = 2 THEN pm[1]::int + "
                f"CASE WHEN 2000 + pm[1]::int <= {today.year} THEN 2000 ELSE 1900 END "
                "ELSE pm[1]::int END AS pnc_year", "pm[2]::int AS pnc_serial"]
    for name in DATES:
        v, iso, uk = f"{name}_v", f"{name}_iso", f"{name}_uk"
        two += [f"CASE WHEN {iso} THEN substr({v}, 1, 4)::int WHEN {uk} THEN "
                f"split_part({v}, '/', 3)::int END AS {name}_y",
                f"CASE WHEN {iso} THEN substr({v}, 6, 2)::int WHEN {uk} THEN "
                f"split_part({v}, '/', 2)::int END AS {name}_m",
                f"CASE WHEN {iso} THEN substr({v}, 9, 2)::int WHEN {uk} THEN "
                f"split_part({v}, '/', 1)::int END AS {name}_d"]
    # Level 3: real dates, the PNC ID's check letter.
    three = ["*", f"substr('{pnc.CHECK_LETTERS}', mod(mod(pnc_year, 100)::bigint * 10000000 "
                  "+ pnc_serial, 23)::int + 1, 1) AS pnc_expected"]
    for name in DATES:
        y, m, d = f"{name}_y", f"{name}_m", f"{name}_d"
        three.append(f"CASE WHEN {y} BETWEEN 1 AND 9999 AND {m} BETWEEN 1 AND 12 AND {d} "
                     f"BETWEEN 1 AND {_days_in_month(y, m)} THEN make_date({y}, {m}, {d}) END "
                     f"AS {name}_p")
    # Level 4: each field's stored value and problem.
    four = ["c.*"]
    for name in DATES:
        v, p = f"{name}_v", f"{name}_p"
        missing = _literal(f"{label[name]} is missing") if BY_NAME[name].required else "NULL"
        four += [
            f"CASE WHEN {v} = '' THEN {missing} WHEN NOT ({name}_iso OR {name}_uk) THEN "
            + _literal(f"{label[name]} is not a date in the format YYYY-MM-DD or DD/MM/YYYY")
            + f" WHEN {p} IS NULL THEN " + _literal(f"{label[name]} is not a real date")
            + f" WHEN {p} > {day} THEN " + _literal(f"{label[name]} is in the future")
            + f" END AS {name}_e",
            f"CASE WHEN {p} <= {day} THEN {p} END AS {name}"]
    four += [
        "CASE WHEN pnc_raw = '' THEN NULL WHEN pm IS NULL THEN "
        + _literal(pnc.FORMAT_PROBLEM) + " WHEN upper(pm[3]) <> pnc_expected THEN "
        + _literal(pnc.CHECK_PROBLEM) + " END AS pnc_e",
        "CASE WHEN pnc_raw <> '' AND pm IS NOT NULL AND upper(pm[3]) = pnc_expected THEN "
        "lpad(pnc_year::text, 4, '0') || '/' || lpad(pnc_serial::text, 7, '0') || pnc_expected "
        "ELSE '' END AS pnc_id",
        f"{_lookup('sex_l', SEX_WORDS)} AS sex",
        f"{_lookup('outcome_l', OUTCOME_WORDS)} AS outcome_type",
        "c.code AS offence_code_raw", "k.code AS offence_code_id",
        "district AS postcode_district",
        "translate(translate(district, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        "'AAAAAAAAAAAAAAAAAAAAAAAAAA'), '123456789', '000000000') AS district_shape"]
    four += [f"{_in(f'{name}_l', TRUE_WORDS)} AS {name}" for name in FLAGS]
    # The problems, in validate_row's order.
    def too_long(name: str) -> str:
        return (f"CASE WHEN char_length({name}) > {TEXTS[name]} THEN "
                + _err(name, _literal(f"{label[name]} must be {TEXTS[name]} characters or "
                                      "fewer")) + " END")

    errors = [too_long("crime_reference"),
              "CASE WHEN crime_reference = '' THEN "
              + _err("crime_reference", _literal("Crime reference is missing")) + " END",
              "CASE WHEN pnc_e IS NOT NULL THEN " + _err("pnc_id", "pnc_e") + " END",
              too_long("force_person_ref"), too_long("given_name"), too_long("family_name"),
              "CASE WHEN date_of_birth_e IS NOT NULL THEN "
              + _err("date_of_birth", "date_of_birth_e") + " END",
              f"CASE WHEN sex_l <> '' AND NOT {_in('sex_l', SEX_WORDS)} THEN "
              + _err("sex", _literal("Sex must be M, F or X")) + " END",
              "CASE WHEN district <> '' AND district_shape NOT IN ('A0', 'AA0', 'A0A', 'A00', "
              "'AA0A', 'AA00') THEN " + _err("postcode_district", _literal(
                  "Postcode district must be the first part of a postcode, like SO14")) + " END",
              "CASE WHEN NOT (pnc_id <> '' OR force_person_ref <> '' OR (family_name <> '' "
              "AND date_of_birth IS NOT NULL)) AND pnc_e IS NULL AND date_of_birth_e IS NULL "
              "THEN " + _err("pnc_id", _literal(
                  "The row names nobody: give a PNC ID, a force person reference, or a family "
                  "name and date of birth")) + " END",
              "CASE WHEN code = '' THEN "
              + _err("offence_code", _literal("Home Office offence code is missing"))
              + " WHEN char_length(code) > 12 THEN "
              + _err("offence_code", _literal("Home Office offence code must be 12 characters "
                                              "or fewer")) + " END"]
    errors += [f"CASE WHEN {name}_e IS NOT NULL THEN " + _err(name, f"{name}_e") + " END"
               for name in ("offence_date", "recorded_date")]
    errors.append("CASE WHEN recorded_date < offence_date THEN "
                  + _err("recorded_date", _literal("Recorded date is before the offence date"))
                  + " END")
    errors += [f"CASE WHEN NOT {_in(f'{name}_l', TRUE_WORDS | FALSE_WORDS)} THEN "
               + _err(name, _literal(f"{label[name]} must be Y or N")) + " END"
               for name in FLAGS]
    outcomes = "Outcome type is not one of: " + ", ".join(lbl for _v, lbl in OutcomeType.choices)
    errors += [f"CASE WHEN NOT {_in('outcome_l', OUTCOME_WORDS)} THEN "
               + _err("outcome_type", _literal(outcomes[:300])) + " END",
               "CASE WHEN outcome_date_e IS NOT NULL THEN "
               + _err("outcome_date", "outcome_date_e") + " END",
               "CASE WHEN outcome_date < offence_date THEN "
               + _err("outcome_date", _literal("Outcome date is before the offence date"))
               + " END",
               "CASE WHEN outcome_date IS NULL AND outcome_type NOT IN ('', 'pending') AND "
               "outcome_date_e IS NULL THEN " + _err("outcome_date", _literal(
                   "Outcome date is missing for a finished outcome")) + " END"]
    values = [name for name in RECORD_FIELDS if name != "row_hash"]
    codes = connection.ops.quote_name(OffenceCode._meta.db_table)
    styles = [f"{name}_{style}" for name in DATES for style in ("iso", "uk")]
    return (f"CREATE TEMP TABLE {CHECKED} AS SELECT (ord + 1)::int AS row_number, py, "  # noqa: S608 (generated names)
            "cells, " + ", ".join(styles) + ", "
            + ", ".join(values) + f", {_hash_sql()} AS row_hash, concat_ws(chr(30), "
            + ", ".join(errors) + ") AS errors FROM (SELECT " + ", ".join(four)
            + " FROM (SELECT " + ", ".join(three) + " FROM (SELECT " + ", ".join(two)
            + " FROM (SELECT " + ", ".join(one) + " FROM (SELECT " + ", ".join(zero)
            + f" FROM {RAW} OFFSET 0) z WHERE NOT blank OFFSET 0) a OFFSET 0) b OFFSET 0) c "
            f"LEFT JOIN {codes} k ON k.code = c.code OFFSET 0) d")


# --- staging --------------------------------------------------------------------------------
@dataclass
class StageCounts:
    processed: int
    accepted: int
    rejected: int
    unknown: dict[str, int]


def stage(batch, path: Path, today: date) -> StageCounts | None:
    """Record every rejection and leave the accepted rows in the view `ACCEPTED` for the merge
    (inside the caller's transaction). None if the Python reader must read the file (nothing
    has been written)."""
    if not _ensure(batch, path, batch.headers, batch.mapping, today):
        return None
    rejected = connection.ops.quote_name(RejectedRow._meta.db_table)
    values = [name for name in RECORD_FIELDS if name != "row_hash"]
    with connection.cursor() as cursor:
        # What follows changes the checked rows: they are never reused for another run.
        cursor.execute(f"COMMENT ON TABLE pg_temp.{CHECKED} IS NULL")
        cursor.execute(f"SELECT count(*) FROM {CHECKED}")  # noqa: S608 (generated names)
        processed = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {rejected} (batch_id, row_number, field, reason) "  # noqa: S608 (generated names)
            "SELECT %s, row_number, split_part(e, chr(31), 1), left(split_part(e, chr(31), 2), "
            f"300) FROM {CHECKED}, string_to_table(errors, chr(30)) WITH ORDINALITY AS u(e, k) "
            "WHERE NOT py AND errors <> '' "
            "ORDER BY row_number, k", [batch.pk])
        _python_rows(batch, cursor, today, values)
        cursor.execute(f"DELETE FROM {CHECKED} WHERE py OR errors <> ''")  # noqa: S608 (generated names)
        # A reference repeated in the file: the first accepted row is kept.
        cursor.execute(
            f"CREATE TEMP TABLE {DUPLICATES} AS SELECT row_number FROM "  # noqa: S608 (generated names)
            "(SELECT row_number, row_number() OVER (PARTITION BY crime_reference ORDER BY "
            f"row_number) AS k FROM {CHECKED}) f WHERE k > 1")
        cursor.execute(
            f"INSERT INTO {rejected} (batch_id, row_number, field, reason) "  # noqa: S608 (generated names)
            f"SELECT %s, row_number, 'crime_reference', %s FROM {DUPLICATES} "
            "ORDER BY row_number", [batch.pk, _DUPLICATE])
        cursor.execute(f"DELETE FROM {CHECKED} WHERE row_number IN "  # noqa: S608 (generated names)
                       f"(SELECT row_number FROM {DUPLICATES})")
        cursor.execute(f"SELECT count(*) FROM {CHECKED}")  # noqa: S608 (generated names)
        accepted = cursor.fetchone()[0]
        cursor.execute(f"SELECT offence_code_raw, count(*) FROM {CHECKED} "  # noqa: S608 (generated names)
                       "WHERE offence_code_id IS NULL GROUP BY 1 ORDER BY 1")
        unknown = dict(cursor.fetchall())
        # The merge reads the accepted rows as it reads staged ones (merge.merge's source).
        cursor.execute(
            f"CREATE OR REPLACE TEMP VIEW {ACCEPTED} AS SELECT {int(batch.pk)} AS batch_id, "  # noqa: S608 (generated names)
            f"{int(batch.force_id)} AS force_id, row_number, {', '.join(RECORD_FIELDS)} "
            f"FROM {CHECKED}")
    return StageCounts(processed=processed, accepted=accepted, rejected=processed - accepted,
                       unknown=unknown)


def _python_rows(batch, cursor, today: date, values: list[str]) -> None:
    """validate_row itself for the rows with non-ASCII text where its rules read case or
    digits (read 2,000 at a time: a file may be all such rows); accepted ones join the
    checked table as checked rows, rejected ones are recorded."""
    mapped = {name for name, col in batch.mapping.items() if col and col in batch.headers}
    known: set[str] | None = None
    with connection.chunked_cursor() as source:
        source.execute(f"SELECT row_number, cells FROM {CHECKED} WHERE py ORDER BY row_number")  # noqa: S608 (generated names)
        while found := source.fetchmany(2000):
            if known is None:
                known = set(OffenceCode.objects.values_list("code", flat=True))
            accepted, rejects = [], []
            for number, cells in found:
                raw = {name: cell for name, cell in zip(_CELL_NAMES, cells, strict=True)
                       if name in mapped}
                clean, errors = validate_row(raw, known, today)
                if clean is None:
                    rejects += [RejectedRow(batch=batch, row_number=number, field=f,
                                            reason=r[:300]) for f, r in errors]
                else:
                    accepted.append((number, *(clean[name] for name in values),
                                     clean["row_hash"]))
            RejectedRow.objects.bulk_create(rejects)
            if accepted:
                marks = ", ".join(["%s"] * (len(values) + 2))
                cursor.executemany(
                    f"INSERT INTO {CHECKED} (row_number, {', '.join(values)}, row_hash, py, "  # noqa: S608 (generated names)
                    f"errors) VALUES ({marks}, false, '')", accepted)
