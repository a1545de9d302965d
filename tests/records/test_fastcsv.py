"""The set-based check of CSV extracts on PostgreSQL (records.fastcsv) against the Python
validator: the same hostile files through both give the same rejection report, row by row,
the same stored values and row hashes, and the same refusals of whole files."""

from __future__ import annotations

import csv
import io
from unittest import mock

import pytest

from diversion.records import fastcsv, services
from diversion.records.models import (
    RECORD_FIELDS,
    CrimeRecord,
    CrimeRecordVersion,
    ImportBatch,
    RejectedRow,
)
from diversion.records.readers import ExtractError
from tests.records.helpers import HEADER, row

pytestmark = pytest.mark.postgres

NAMES = ["Sam", "", "  Jo  ", "\u202eSmith\u202c", "O'Brien", "Ann-Marie", "Zoë", "李",
         "\U0001f600", "X" * 100, "Y" * 101, "=cmd|' /C calc'!A0", "+SUM(A1)", "@x", "-2+3",
         "\x1fTab\x1f", "a\u00a0", "\u2028line", "comma, inside", 'say "hi"', "two\nlines",
         "\x0bvt", "\x85nel", "\u200fmark", "\u3000wide\u3000", "\u061c"]
PNCS = ["", "12/345678B", "nonsense", " 12 / 345678 a", "2012/345678?", "99/1234567X",
        "1234/1Z", "12/34567890A", "１２/345678A", "2012/0000001", "00/1A", "12\t/345678A",
        "12/345678\u00a0A", "2012/3456787"]
ISO_DATES = ["", "1985-02-30", "2999-01-01", "yesterday", "0000-01-01", "1985-3-2", "1985-03-02",
             "2020-02-29", "2021-02-29", "２０２０-01-01", "2020-01-01T", "1900-12-31",
             "2026-01-10", "2024-13-01", "2024-00-10", "2024-01-00", "2024-04-31"]
UK_DATES = ["", "30/02/1985", "01/01/2999", "1/2/1985", "29/02/2023", "29/02/2024", "31/4/2020",
            "00/01/2020", "1/13/2020", "123/1/2020", "١/٢/٢٠٢٠", "02/03/1985", "10/01/2026"]
SEXES = ["", "Q", "male", "MALE", " f ", "ſ", "\u212a", "ｍ", "x", "Unknown", "not known", "u"]
DISTRICTS = ["", "SO14 7AA", "so14", "s o 1 4", "ß1", "SO1", "1SO", "EC1A", "ｓｏ14", "PO1"]
CODES = ["", "X" * 13, "8n", "ß", "zz9", "105a", "105A", " 58a", "ＺＺ", "8N\u202e", "X" * 12]
FLAGS = ["", "maybe", "2", "YES", "t", "y", "N", "ｙ", "false", "İ", "0", "1"]
OUTCOMES = ["", "hanging", "Simple caution", "PENDING", "nfa", "No further action", "caution",
            "charge", "ＮＦＡ", "Convicted", "conditional_caution"]


def hostile_rows(count: int = 600) -> list[dict]:
    """Rows that together break every rule, with repeated references, in a fixed order."""
    rows = []
    for i in range(count):
        def pick(values: list[str], step: int = 1, i: int = i) -> str:
            return values[(i * step) % len(values)]

        rows.append(row(
            pick(["A/{i}", "", " ", "R" * 31, "\u202eA/{i}", "\u00a0A/{i}\u00a0", "A/7",
                  "=HYPERLINK(\"x\")", "A/{i}", "A/{i}"]).format(i=i),
            pnc_id=pick(PNCS, 3), force_person_ref=pick(["", "P1", "Q" * 31, "\u202aP2"], 5),
            given_name=pick(NAMES, 7), family_name=pick(NAMES, 11),
            date_of_birth=pick(UK_DATES, 5), sex=pick(SEXES, 3),
            postcode_district=pick(DISTRICTS, 7), offence_code=pick(CODES, 5),
            offence_date=pick(ISO_DATES, 3), recorded_date=pick(ISO_DATES, 7),
            domestic_abuse=pick(FLAGS, 5), same_victim=pick(FLAGS, 7),
            outcome_type=pick(OUTCOMES, 3), outcome_date=pick(UK_DATES, 7)))
    # Enough plain rows to be accepted, and an all-blank row (skipped, not counted).
    rows += [row(f"OK/{i}", date_of_birth="02/03/1985", outcome_date="01/02/2026")
             for i in range(20)]
    # References repeated: plainly, and disguised by a direction control and a wide space.
    rows += [row(ref, date_of_birth="02/03/1985", outcome_date="01/02/2026", offence_code="8N")
             for ref in ("OK/3", "\u202aOK/4", "OK/5\u3000", "OK/5")]
    rows.insert(40, {name: "" for name in HEADER})
    rows.insert(50, {name: " \t" for name in HEADER})
    return rows


def to_csv(rows: list[dict], header: list[str] = HEADER, quote_all: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n",
                            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _outcome(analyst, content: bytes, fast: bool):
    """What one import did: status and problem, counts, the rejection report, the records."""
    from django.db import connection

    CrimeRecordVersion.objects.all().delete()
    CrimeRecord.objects.all().delete()
    source = services.get_or_create_source(analyst, "Niche")
    used = []
    real_stage = fastcsv.stage

    def spy(*args, **kwargs):
        found = real_stage(*args, **kwargs)
        used.append(found is not None)
        return found

    with mock.patch.object(fastcsv, "usable", lambda batch: fast and connection.vendor
                           == "postgresql"), mock.patch.object(fastcsv, "stage", spy):
        try:
            batch = services.start_import(analyst, source, "x.csv", content, enqueue=False)
        except (ExtractError, services.ImportRefused) as exc:
            return ("refused", str(exc)), used
        batch = services.run_import(batch.pk, link=False)
    rejections = list(RejectedRow.objects.filter(batch=batch).order_by("row_number", "id")
                      .values_list("row_number", "field", "reason"))
    records = list(CrimeRecord.objects.order_by("crime_reference")
                   .values_list(*[f if f != "offence_code_id" else "offence_code"
                                  for f in RECORD_FIELDS]))
    counts = (batch.status, batch.problem, batch.rows_total, batch.rows_processed,
              batch.rows_accepted, batch.rows_rejected, batch.rows_inserted, batch.unknown_codes)
    return (counts, rejections, records), used


def _compare(analyst, content: bytes, *, fast_expected: bool | None = True):
    """Import the file through the Python check, then through the set-based one; the same.
    fast_expected: whether the set-based check must have taken the rows (None: either)."""
    python, _ = _outcome(analyst, content, fast=False)
    fast, used = _outcome(analyst, content, fast=True)
    if fast_expected is not None:
        assert any(used) is fast_expected
    if python[0] == "refused" or fast[0] == "refused":
        assert fast == python
        return python
    assert fast[0] == python[0]
    for number, (a, b) in enumerate(zip(fast[1], python[1], strict=False)):
        assert a == b, f"rejection {number}: set-based {a} != Python {b}"
    assert len(fast[1]) == len(python[1])
    for a, b in zip(fast[2], python[2], strict=True):
        assert a == b
    return python


def test_a_hostile_extract_gets_the_same_report_from_both_checks(analyst):
    counts, rejections, records = _compare(analyst, to_csv(hostile_rows()))
    # The fixture exercises the rules: many rejections of every field, some rows accepted.
    assert counts[0] == ImportBatch.Status.DONE and counts[4] >= 20
    assert {field for _n, field, _r in rejections} >= {
        "crime_reference", "pnc_id", "given_name", "family_name", "date_of_birth", "sex",
        "postcode_district", "offence_code", "offence_date", "recorded_date", "domestic_abuse",
        "same_victim", "outcome_type", "outcome_date"}
    assert any("more than once" in reason for _n, _f, reason in rejections)


def test_quoted_every_cell_and_uk_dates_elsewhere_give_the_same_report(analyst):
    rows = [dict(r, offence_date=r["date_of_birth"], recorded_date=r["outcome_date"],
                 date_of_birth=r["offence_date"], outcome_date=r["recorded_date"])
            for r in hostile_rows(300)]
    _compare(analyst, to_csv(rows, quote_all=True))


def test_columns_in_another_order_with_extra_and_missing_ones(analyst):
    header = ["notes", *reversed([h for h in HEADER if h not in {"sex", "pnc_id"}]), "extra"]
    rows = [dict(r, notes="=1+1", extra="\x1f") for r in hostile_rows(200)]
    _compare(analyst, to_csv(rows, header=header))


def test_a_reimport_through_the_other_path_changes_nothing(analyst):
    content = to_csv(hostile_rows(200))
    source = services.get_or_create_source(analyst, "Niche")
    with mock.patch.object(fastcsv, "usable", lambda batch: False):
        first = services.start_import(analyst, source, "x.csv", content, enqueue=False)
        services.run_import(first.pk, link=False)
    again = services.start_import(analyst, source, "x.csv", content, enqueue=False)
    again = services.run_import(again.pk, link=False)
    assert again.rows_inserted == again.rows_updated == 0
    assert again.rows_unchanged == first.rows_total - RejectedRow.objects.filter(
        batch=first).values("row_number").distinct().count()


GOOD = [row(f"A/{i}") for i in range(5)]


@pytest.mark.parametrize("content", [
    pytest.param(to_csv(GOOD) + b"A/9,\x00,,,,,,,105A,2026-01-10,2026-01-11,,,,\r\n", id="nul"),
    pytest.param(to_csv(GOOD) + "A/9,,,Zoë".encode("latin-1") + b",,,,,105A,2026-01-10,,,,,\r\n",
                 id="latin-1"),
    pytest.param(to_csv(GOOD) + b'A/9,"unclosed,,,,,,,105A,2026-01-10,2026-01-11,,,,\r\n',
                 id="unclosed-quote"),
    pytest.param(to_csv(GOOD) + b'A/9,ab"c,,,,,,,105A,2026-01-10,2026-01-11,,,,\r\n',
                 id="quote-inside-a-cell"),
    pytest.param(to_csv(GOOD) + b'A/9,"ab"c,,,,,,,105A,2026-01-10,2026-01-11,,,,\r\n',
                 id="text-after-a-closing-quote"),
    pytest.param(to_csv(GOOD) + b"A/9,too,few\r\n", id="short-row"),
    pytest.param(to_csv(GOOD) + b"A/9" + b",x" * 20 + b"\r\n", id="long-row"),
    pytest.param(to_csv(GOOD) + b"\r\n" + to_csv([row("A/8")]).split(b"\r\n", 1)[1],
                 id="blank-line"),
    pytest.param(to_csv(GOOD) + b"\\.\r\n" + to_csv([row("A/8")]).split(b"\r\n", 1)[1],
                 id="end-of-data-marker"),
    pytest.param(to_csv(GOOD).replace(b"\r\n", b"\n", 2), id="mixed-line-ends"),
    pytest.param(to_csv(GOOD).replace(b"\r\n", b"\r"), id="old-mac-line-ends"),
    pytest.param(to_csv([row("A/1", given_name="x" * 40_000)]), id="cell-over-32767"),
    pytest.param(to_csv([row("A/1", given_name="x" * 200_000)]), id="cell-over-csv-limit"),
    pytest.param(to_csv([row("A/1", given_name="\n" * 30_000 + "x" * 30_000)] * 18),
                 id="rows-over-1M-characters"),
    pytest.param(b"\xef\xbb\xbf" + to_csv(GOOD), id="byte-order-mark"),
    pytest.param(to_csv([]), id="no-rows"),
    pytest.param(to_csv([{name: "" for name in HEADER}] * 3), id="only-blank-rows"),
    pytest.param(to_csv([row("A/1", offence_date="2026-01-10"),
                         row("A/2", offence_date="10/01/2026")]), id="mixed-date-formats"),
])
def test_a_hostile_file_is_refused_or_read_the_same_way(analyst, content):
    _compare(analyst, content, fast_expected=None)


def test_the_row_limit_is_the_python_readers(analyst, settings):
    settings.RECORDS_MAX_ROWS = 4
    _compare(analyst, to_csv(GOOD), fast_expected=False)
    settings.RECORDS_MAX_ROWS = 5
    _compare(analyst, to_csv(GOOD))
