"""Imports through the command and the services: validation, idempotence, corrections."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command

from diversion.audit.models import Operation, ProcessingLog
from diversion.records import services
from diversion.records.models import (
    CrimeRecord,
    CrimeRecordVersion,
    ImportBatch,
    RecordSource,
    RejectedRow,
)
from tests.records.helpers import csv_bytes, row


def _import(analyst, content: bytes, name: str = "extract.csv", link: bool = False):
    source = services.get_or_create_source(analyst, "Niche")
    batch = services.start_import(analyst, source, name, content, enqueue=False)
    return services.run_import(batch.pk, link=link)


def _checksum() -> str:
    rows = CrimeRecord.objects.order_by("crime_reference").values_list(
        "crime_reference", "row_hash", "version", "offence_code_raw")
    history = CrimeRecordVersion.objects.order_by("record__crime_reference", "version") \
        .values_list("record__crime_reference", "version", "row_hash")
    return hashlib.sha256(repr((list(rows), list(history))).encode()).hexdigest()


def test_accepted_rows_are_stored_with_offence_codes(analyst, settings):
    batch = _import(analyst, csv_bytes([row("A/1"), row("A/2", offence_code="8n")]))
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_accepted, batch.rows_rejected, batch.rows_inserted) == (2, 0, 2)
    record = CrimeRecord.objects.get(crime_reference="A/2")
    assert record.offence_code_id == "8N"
    assert record.force_id == analyst.organisation_id
    assert record.domestic_abuse is True and record.outcome_type == "caution"
    # The file is not kept once imported.
    assert batch.stored_name == "" and not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def test_unknown_offence_codes_are_kept_and_counted(analyst):
    batch = _import(analyst, csv_bytes([row("A/1", offence_code="ZZ9"),
                                        row("A/2", offence_code="ZZ9"),
                                        row("A/3", offence_code="QQ1")]))
    assert batch.unknown_codes == {"QQ1": 1, "ZZ9": 2}
    assert batch.unknown_code_rows == 3
    assert CrimeRecord.objects.filter(offence_code__isnull=True).count() == 3
    assert set(CrimeRecord.objects.values_list("offence_code_raw", flat=True)) == {"ZZ9", "QQ1"}


@pytest.mark.parametrize(("values", "field", "reason"), [
    ({"crime_reference": ""}, "crime_reference", "Crime reference is missing"),
    ({"crime_reference": "X" * 31}, "crime_reference", "30 characters or fewer"),
    ({"pnc_id": "12/345678B"}, "pnc_id", "check letter is wrong"),
    ({"pnc_id": "nonsense"}, "pnc_id", "Enter a PNC ID"),
    ({"date_of_birth": "1985-02-30"}, "date_of_birth", "is not a real date"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "is in the future"),
    ({"date_of_birth": "yesterday"}, "date_of_birth", "is not a date"),
    ({"sex": "Q"}, "sex", "Sex must be M, F or X"),
    ({"postcode_district": "SO14 7AA"}, "postcode_district", "first part of a postcode"),
    ({"given_name": "", "family_name": "", "date_of_birth": ""}, "pnc_id",
     "The row names nobody"),
    ({"offence_code": ""}, "offence_code", "offence code is missing"),
    ({"offence_code": "X" * 13}, "offence_code", "12 characters or fewer"),
    ({"offence_date": ""}, "offence_date", "Offence date is missing"),
    ({"recorded_date": ""}, "recorded_date", "Recorded date is missing"),
    ({"recorded_date": "2026-01-09"}, "recorded_date", "before the offence date"),
    ({"offence_date": "2999-01-01", "recorded_date": "2999-01-01"}, "offence_date",
     "in the future"),
    ({"domestic_abuse": "maybe"}, "domestic_abuse", "must be Y or N"),
    ({"same_victim": "2"}, "same_victim", "must be Y or N"),
    ({"outcome_type": "hanging"}, "outcome_type", "Outcome type is not one of"),
    ({"outcome_date": "2026-01-01"}, "outcome_date", "before the offence date"),
    ({"outcome_date": ""}, "outcome_date", "missing for a finished outcome"),
])
def test_each_validation_rule_rejects_the_row_with_field_and_reason(analyst, values, field,
                                                                     reason):
    batch = _import(analyst, csv_bytes([row("A/1"), row("A/2", **values)]))
    assert (batch.rows_accepted, batch.rows_rejected) == (1, 1)
    rejection = RejectedRow.objects.get(batch=batch, field=field)
    assert rejection.row_number == 3  # header is row 1
    assert reason in rejection.reason
    assert list(CrimeRecord.objects.values_list("crime_reference", flat=True)) == ["A/1"]


def test_a_reference_repeated_in_one_file_keeps_the_first_row(analyst):
    batch = _import(analyst, csv_bytes([row("A/1"), row("A/1", offence_code="8N")]))
    assert (batch.rows_accepted, batch.rows_rejected) == (1, 1)
    assert CrimeRecord.objects.get().offence_code_id == "105A"
    assert "more than once" in RejectedRow.objects.get().reason


def test_uk_dates_and_flag_words_are_understood(analyst):
    _import(analyst, csv_bytes([row("A/1", offence_date="10/01/2026", recorded_date="11/01/2026",
                                    date_of_birth="02/03/1985", outcome_date="01/02/2026",
                                    domestic_abuse="yes", sex="female",
                                    outcome_type="Simple caution")]))
    record = CrimeRecord.objects.get()
    assert str(record.offence_date) == "2026-01-10"
    assert str(record.date_of_birth) == "1985-03-02"
    assert (record.sex, record.outcome_type, record.domestic_abuse) == ("F", "caution", True)


def test_the_same_extract_again_changes_nothing(analyst):
    content = csv_bytes([row(f"A/{i}") for i in range(5)])
    _import(analyst, content)
    before = _checksum()
    collections = ProcessingLog.objects.filter(operation=Operation.COLLECTION).count()
    again = _import(analyst, content)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 5)
    assert _checksum() == before
    assert ProcessingLog.objects.filter(operation=Operation.COLLECTION).count() == collections


def test_a_correcting_extract_updates_and_keeps_history(analyst):
    _import(analyst, csv_bytes([row("A/1"), row("A/2")]))
    original = CrimeRecord.objects.get(crime_reference="A/2")
    batch = _import(analyst, csv_bytes([row("A/1"), row("A/2", offence_code="8N"),
                                        row("A/3")]))
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_unchanged) == (1, 1, 1)
    corrected = CrimeRecord.objects.get(crime_reference="A/2")
    assert corrected.pk == original.pk
    assert (corrected.offence_code_id, corrected.version, corrected.batch_id) == (
        "8N", 2, batch.pk)
    prior = CrimeRecordVersion.objects.get(record=corrected)
    assert (prior.version, prior.offence_code_id, prior.superseded_by_id) == (1, "105A", batch.pk)
    assert prior.batch_id == original.batch_id
    assert CrimeRecord.objects.get(crime_reference="A/1").version == 1
    logged = ProcessingLog.objects.filter(object_id=str(batch.pk),
                                          object_type="records.ImportBatch")
    assert set(logged.values_list("operation", flat=True)) == {"collection", "alteration"}


def test_each_import_writes_a_collection_log_row(analyst):
    batch = _import(analyst, csv_bytes([row("A/1")]))
    entry = ProcessingLog.objects.get(operation=Operation.COLLECTION,
                                      object_type="records.ImportBatch", object_id=str(batch.pk))
    assert entry.actor == analyst and "1 new crime records" in entry.justification


def test_command_imports_and_reimports(analyst, tmp_path, capsys):
    path = tmp_path / "week1.csv"
    path.write_bytes(csv_bytes([row("A/1"), row("A/2", sex="?")]))
    call_command("import_records", str(path), "--analyst", analyst.username,
                 "--source", "Niche", "--no-link")
    assert "1 accepted, 1 rejected, 1 new" in capsys.readouterr().out
    call_command("import_records", str(path), "--analyst", analyst.username,
                 "--source", "Niche", "--no-link")
    assert "0 new, 0 corrected, 1 unchanged" in capsys.readouterr().out
    assert RecordSource.objects.get().mapping["crime_reference"] == "crime_reference"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("extract.txt", b"a,b\n1,2\n", "must be a CSV, Parquet or XLSX file"),
    ("extract.csv", b"", "is empty"),
    ("extract.csv", csv_bytes([]), "header row but no records"),
    ("extract.csv", csv_bytes([row("A/1", family_name="Müller")], encoding="latin-1"),
     "not UTF-8"),
    ("extract.xlsx", b"not a workbook", "not a real XLSX file"),
    ("extract.parquet", b"PAR1 not really", "not a readable Parquet file"),
    ("extract.csv", csv_bytes([row("A/1")], header=["crime_reference", "pnc_id"]),
     "lacks required columns"),
    ("extract.csv", csv_bytes([row("A/1"), row("A/2", offence_date="10/01/2026")]),
     "more than one format"),
])
def test_command_refuses_bad_files_before_storing_anything(analyst, tmp_path, name, content,
                                                           message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_records", str(path), "--analyst", analyst.username,
                     "--source", "Niche", "--no-link")
    assert not CrimeRecord.objects.exists()
    assert not ImportBatch.objects.exclude(status=ImportBatch.Status.NEEDS_MAPPING).exists()


def test_xlsx_and_parquet_extracts_import_the_same_records(analyst):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq
    from openpyxl import Workbook

    from tests.records.helpers import HEADER

    rows = [row("A/1"), row("A/2", domestic_abuse="N")]
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for item in rows:
        sheet.append([item[h] for h in HEADER])
    xlsx = io.BytesIO()
    book.save(xlsx)
    first = _import(analyst, xlsx.getvalue(), "extract.xlsx")
    assert (first.rows_inserted, first.rows_rejected) == (2, 0)
    table = pa.table({h: [item[h] for item in rows] for h in HEADER})
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    second = _import(analyst, parquet.getvalue(), "extract.parquet")
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, 2)
