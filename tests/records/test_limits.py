"""Uploads that expand: the request stores and queues, the worker refuses at a hard limit with
a message naming the limit and the value, and memory stays flat whatever the file claims."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from diversion.audit.models import Operation, ProcessingLog
from diversion.records import uploads
from diversion.records.limits import Limits
from diversion.records.models import CrimeRecord, ImportBatch
from tests.records import bombs
from tests.records.helpers import HEADER, csv_bytes, row

ROOT = Path(__file__).resolve().parents[2]
MB = bombs.MB


def _upload(client, name, content, **data):
    payload = {"source": "", "new_source": "Niche", **data,
               "extract": SimpleUploadedFile(name, content)}
    return client.post(reverse("records:upload"), payload)


def _xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for item in rows:
        sheet.append([item[h] for h in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def limits(monkeypatch):
    """Lower one of the limits that are not settings, for the test."""
    def lower(**overrides) -> None:
        base = Limits.from_settings.__func__

        def patched(cls):
            return dataclasses.replace(base(cls), **overrides)

        monkeypatch.setattr(Limits, "from_settings", classmethod(patched))
    return lower


@pytest.fixture
def command(analyst, tmp_path):
    def run(name: str, content: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        call_command("import_records", str(path), "--analyst", analyst.username,
                     "--source", "Niche", "--no-link")
    return run


# --- The bomb through the page --------------------------------------------------------------

def test_a_few_mb_workbook_expanding_to_gigabytes_is_refused_with_flat_memory(
        analyst_client, run_worker, settings, django_capture_on_commit_callbacks):
    bomb = bombs.zeros_sheet(3.5)
    assert len(bomb) < 5 * MB  # 3.5 GB once expanded
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "extract.xlsx", bomb)
    batch = ImportBatch.objects.get()
    # The request stored the file and queued it: it read nothing from it.
    assert response.status_code == 302 and response.url == reverse("records:batch",
                                                                   args=[batch.pk])
    assert (batch.status, batch.rows_total, batch.headers) == ("queued", 0, [])
    assert [p.name for p in settings.RECORDS_UPLOAD_DIR.iterdir()] == [batch.stored_name]

    tracemalloc.start()
    try:
        run_worker()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB, f"the worker allocated {peak / MB:.0f} MB"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.problem == ("The workbook part ‘xl/worksheets/sheet1.xml’ expands to 3.5 GB: "
                             "the limit is 512 MB. Export the extract as CSV instead")
    page = analyst_client.get(response.url).content.decode()
    assert "The file was refused" in page and "expands to 3.5 GB: the limit is 512 MB" in page
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())  # the refused file is gone
    assert not CrimeRecord.objects.exists()


def test_a_part_that_lies_about_its_size_is_caught_while_decompressing(
        analyst_client, run_worker, django_capture_on_commit_callbacks):
    # 1 GB of well-formed rows whose header claims 5 MB: the ratio looks like a real sheet's,
    # so only the decompression itself can tell.
    bomb = bombs.rows_sheet(1024, declared=5 * MB)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(analyst_client, "extract.xlsx", bomb)
    tracemalloc.start()
    try:
        run_worker()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB, f"the worker allocated {peak / MB:.0f} MB"
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert "does not match the size and checksum its header declares" in batch.problem


# --- Peak RSS of a separate process reading the bombs ---------------------------------------

# Peak RSS from the kernel's high-water mark for this process image (VmHWM): resource's
# ru_maxrss would include the parent's peak, which a child inherits across fork and exec.
_MEASURE = r"""
import json, sys
from diversion.records.limits import Limits
from diversion.records.readers import Extract, ExtractError


def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


path, control = sys.argv[1], sys.argv[2] == "control"
before = peak_kb()
if control:
    data = open(path, "rb").read()  # the old way: the whole file in memory
    message = ""
else:
    try:
        _header, rows = Extract("xlsx", path, Limits()).header_and_rows()
        for _ in rows:
            pass
        message = "read"
    except ExtractError as exc:
        message = str(exc)
print(json.dumps({"grew_kb": peak_kb() - before, "message": message}))
"""


def _measure(path: Path, control: bool = False) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "DJANGO_SETTINGS_MODULE": "diversion.settings"}
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path),
                           "control" if control else "read"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: bombs.zeros_sheet(3.5), r"expands to 3\.5 GB: the limit is 512 MB"),
    (lambda: bombs.zeros_sheet(3.5, declared=1000), "does not match the size and checksum"),
    (lambda: bombs.one_huge_row(40), r"A row of the worksheet has more than 500 cells"),
    (lambda: bombs.one_row_of_long_cells(40), r"A row of the worksheet is larger than 2 MB"),
    (lambda: bombs.billion_laughs("xl/worksheets/sheet1.xml"), "declares XML entities"),
], ids=["zeros-3.5GB", "lying-size", "one-40MB-row", "one-40MB-row-long-cells",
        "billion-laughs"])
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_reading_a_bomb_keeps_the_process_peak_rss_flat(tmp_path, make, message):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(make())
    found = _measure(path)
    assert re.search(message, found["message"]), found["message"]
    assert found["grew_kb"] < 48 * 1024, f"peak RSS grew by {found['grew_kb'] / 1024:.0f} MB"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_the_rss_measure_sees_growth_when_a_file_is_held_whole(tmp_path):
    """The measure above can fail: holding a 64 MB file in memory shows as growth."""
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(64 * MB))
    assert _measure(path, control=True)["grew_kb"] > 60 * 1024


# --- Each limit, through the command line (the same readers as the worker) ------------------

def _long_cell_csv(chars: int) -> bytes:
    return csv_bytes([row("A/1"), row("A/2", given_name="x" * chars)])


@pytest.mark.parametrize(("name", "make", "message"), [
    ("a.csv", lambda: csv_bytes([row(f"A/{i}") for i in range(6)]),
     r"The file has more than 5 rows \(the limit\)"),
    ("a.csv", lambda: csv_bytes([{**row("A/1"), **{f"x{i}": "" for i in range(500)}}],
                                header=HEADER + [f"x{i}" for i in range(500)]),
     r"Row 1 has 515 columns: the limit is 500"),
    ("a.csv", lambda: _long_cell_csv(40_000),
     r"Row 3, column 4 holds 40,000 characters: the limit for one cell is 32,767"),
    ("a.csv", lambda: _long_cell_csv(200_000),
     r"holds more than 32,767 characters \(the limit for one cell\)"),
    ("a.csv", lambda: csv_bytes([row("A/1", **{h: "y" * 90_000 for h in HEADER[3:]})]),
     r"A row of the file is longer than 1,000,000 characters"),
    ("a.csv", lambda: b",".join([b"x"] * 1_200_000) + b"\n",
     r"A row of the file is longer than 1,000,000 characters"),
    ("a.xlsx", lambda: _xlsx([row(f"A/{i}") for i in range(6)]),
     r"The file has more than 5 rows \(the limit\)"),
    ("a.xlsx", lambda: _xlsx([row("A/1", given_name="x" * 32_767),
                              {**row("A/2"), "given_name": "y" * 32_767}]) ,
     None),
    ("a.xlsx", lambda: bombs.build_zip(bombs.workbook_parts([HEADER + ["x"] * 500])),
     r"Row 1 has 515 columns: the limit is 500"),
    ("a.xlsx", lambda: bombs.with_part(bombs.deflated("docProps/a.xml", b"<a/>"), [
        bombs.deflated(f"docProps/x{i}.xml", b"<a/>") for i in range(500)]),
     r"The workbook has 5\d\d parts inside it: the limit is 500"),
    ("a.xlsx", lambda: bombs.with_part(
        bombs.repeated("xl/media/image1.png", b"", b"\0" * MB, 6)),
     r"The workbook part ‘xl/media/image1.png’ is compressed 1,0\d\d to 1: the limit is 100"),
    ("a.xlsx", lambda: bombs.with_part(
        bombs.repeated("xl/styles.xml", b"", b"\0" * MB, 20)),
     r"The workbook part ‘xl/styles.xml’ expands to 20 MB: the limit is 8 MB"),
    ("a.xlsx", lambda: bombs.with_part(
        bombs.repeated("xl/sharedStrings.xml", b"", b"\0" * MB, 70)),
     r"The workbook part ‘xl/sharedStrings.xml’ expands to 70 MB: the limit is 64 MB"),
    ("a.xlsx", lambda: bombs.billion_laughs("xl/workbook.xml"), r"declares XML entities"),
    ("a.xlsx", lambda: bombs.billion_laughs("xl/worksheets/sheet1.xml"),
     r"declares XML entities"),
], ids=["csv-rows", "csv-columns", "csv-cell", "csv-cell-past-csv-module-limit", "csv-row",
        "csv-one-line-of-commas", "xlsx-rows", "xlsx-cells-at-the-limit-are-fine",
        "xlsx-columns", "xlsx-parts", "xlsx-ratio", "xlsx-other-part", "xlsx-shared-strings",
        "xlsx-entities-workbook", "xlsx-entities-sheet"])
def test_each_limit_refuses_the_file_naming_the_limit_and_the_value(
        command, settings, name, make, message):
    settings.RECORDS_MAX_ROWS = 5
    if message is None:
        command(name, make())  # just within the limits: read, and each row judged on its own
        assert ImportBatch.objects.get().rows_rejected == 2  # names over 100 characters
        return
    with pytest.raises(CommandError, match=message):
        command(name, make())
    assert not CrimeRecord.objects.exists() and not ImportBatch.objects.exists()
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def test_the_total_a_workbook_expands_to_is_limited(command, limits):
    limits(compression_ratio=10_000)  # so that the total, not the ratio, is what refuses
    workbook = bombs.build_zip([
        *bombs.workbook_parts(),
        bombs.repeated("xl/worksheets/sheet2.xml", b"", b"\0" * MB, 300),
        bombs.repeated("xl/worksheets/sheet3.xml", b"", b"\0" * MB, 300)])
    with pytest.raises(CommandError, match=r"The workbook expands to 600 MB: the limit is 512 MB"):
        command("a.xlsx", workbook)


def test_parquet_metadata_is_checked_before_reading(command, settings, limits):
    import pyarrow as pa
    import pyarrow.parquet as pq

    settings.RECORDS_MAX_ROWS = 5
    table = pa.table({h: [row(f"A/{i}")[h] for i in range(6)] for h in HEADER})
    out = io.BytesIO()
    pq.write_table(table, out)
    with pytest.raises(CommandError, match=r"The file has 6 rows: the limit is 5"):
        command("a.parquet", out.getvalue())
    settings.RECORDS_MAX_ROWS = 100
    limits(row_group_bytes=100)
    with pytest.raises(CommandError, match=r"A row group of the file expands to \d+ KB: the "
                                           r"limit is 1 KB"):
        command("a.parquet", out.getvalue())


# --- The upload itself -------------------------------------------------------------------

def test_the_upload_size_cap_is_checked_before_anything_is_stored(analyst_client, settings):
    settings.RECORDS_UPLOAD_MAX_MB = 1
    big = csv_bytes([row(f"A/{i}") for i in range(13_000)])
    assert len(big) > MB
    page = _upload(analyst_client, "big.csv", big).content.decode()
    assert "The selected file must be smaller than 1 MB" in page
    assert not ImportBatch.objects.exists() and not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def test_the_command_line_has_the_same_size_cap(command, settings):
    settings.RECORDS_UPLOAD_MAX_MB = 1
    with pytest.raises(CommandError, match="must be smaller than 1 MB"):
        command("big.csv", csv_bytes([row(f"A/{i}") for i in range(13_000)]))
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def test_a_dot_dot_file_name_never_becomes_a_path(analyst_client, settings, tmp_path):
    settings.RECORDS_UPLOAD_DIR = tmp_path / "inside" / "uploads"
    _upload(analyst_client, "../../escaped.csv", csv_bytes([row("A/1")]))
    batch = ImportBatch.objects.get()
    assert re.fullmatch(r"[0-9a-f]{32}", batch.stored_name)
    assert batch.filename == "escaped.csv"  # only shown on the page, never used as a path
    assert [p.name for p in settings.RECORDS_UPLOAD_DIR.iterdir()] == [batch.stored_name]
    assert list(tmp_path.rglob("escaped*")) == []
    for hostile in ("../escaped.csv", "/etc/passwd", batch.stored_name + "/..", ""):
        with pytest.raises(ValueError, match="not a stored upload name"):
            uploads.path_of(hostile)


# --- Happy paths end to end through the page ----------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_normal_extract_goes_upload_queued_worker_merged_and_again_changes_nothing(
        analyst_client, run_worker, settings, django_capture_on_commit_callbacks, fmt):
    rows = [row(f"A/{i}") for i in range(30)] + [row("A/bad", sex="?")]
    content = csv_bytes(rows) if fmt == "csv" else _xlsx(rows)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, f"week1.{fmt}", content)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.QUEUED
    run_worker()
    batch.refresh_from_db()
    assert (batch.status, batch.rows_total, batch.rows_inserted, batch.rows_rejected) == (
        "done", 31, 30, 1)
    page = analyst_client.get(response.url).content.decode()
    assert "Download the rejected rows report" in page and "Refresh now" not in page
    assert CrimeRecord.objects.count() == 30
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())
    collections = ProcessingLog.objects.filter(operation=Operation.COLLECTION).count()

    # The same file again, and the same task run twice: nothing changes.
    with django_capture_on_commit_callbacks(execute=True):
        _upload(analyst_client, f"week1.{fmt}", content, source=str(batch.source_id),
                new_source="")
    run_worker()
    again = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert (again.status, again.rows_inserted, again.rows_updated, again.rows_unchanged) == (
        "done", 0, 0, 30)
    from diversion.records.services import run_import

    assert run_import(again.pk).status == ImportBatch.Status.DONE
    assert CrimeRecord.objects.count() == 30
    assert ProcessingLog.objects.filter(operation=Operation.COLLECTION).count() == collections


def test_the_number_of_shared_strings_is_limited_while_they_are_read(command, limits):
    # openpyxl holds every shared string in memory (about 180 bytes each): they are counted
    # as the part decompresses, whatever size the part declares.
    limits(shared_strings=5_000)
    with pytest.raises(CommandError, match=r"The workbook holds more than 5,000 different "
                                           r"texts \(the limit\)"):
        command("a.xlsx", bombs.many_shared_strings(5_001))
    # At the limit the workbook is read (it has a header and no rows).
    with pytest.raises(CommandError, match="header row but no records"):
        command("a.xlsx", bombs.many_shared_strings(5_000))


def test_an_import_waiting_for_its_mapping_without_a_header_is_read_again(
        analyst, analyst_client, run_worker, django_capture_on_commit_callbacks):
    """One stored before uploads moved to disk (the migration kept its file, not its header)."""
    from diversion.records import services

    header = ["Crime No", "HO Code"]
    stored = uploads.store([csv_bytes([{"Crime No": "A/1", "HO Code": "105A"}],
                                      header=header)], max_bytes=MB)
    source = services.get_or_create_source(analyst, "Niche")
    batch = ImportBatch.objects.create(force=analyst.organisation, source=source,
                                       filename="old.csv", file_format="csv", sha256="0" * 64,
                                       stored_name=stored.name, created_by=analyst,
                                       status=ImportBatch.Status.NEEDS_MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.get(reverse("records:mapping", args=[batch.pk]))
    assert response.url == reverse("records:batch", args=[batch.pk])
    run_worker()
    batch.refresh_from_db()
    assert (batch.status, batch.headers) == (ImportBatch.Status.NEEDS_MAPPING, header)
    assert "Crime No" in analyst_client.get(
        reverse("records:mapping", args=[batch.pk])).content.decode()


def test_a_declared_dimension_neither_pads_rows_nor_is_needed(command):
    """openpyxl would pad every row to a declared A1:XFD1048576 (16,384 cells), or parse the
    whole sheet when no dimension is declared, before the first row."""
    parts = bombs.workbook_parts([HEADER, *([row(f"A/{i}")[h] for h in HEADER]
                                            for i in range(3))])
    sheet = next(p for p in parts if p.name == "xl/worksheets/sheet1.xml")
    text = bombs.zlib.decompress(sheet.data, -15)
    wide = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', text)
    assert wide != text
    command("wide.xlsx", bombs.build_zip(
        [*(p for p in parts if p is not sheet), bombs.deflated(sheet.name, wide)]))
    assert CrimeRecord.objects.count() == 3
