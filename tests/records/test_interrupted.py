"""An import that dies halfway, then re-run, ends exactly like one clean run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from diversion.accounts.roles import Role
from diversion.audit.models import Operation, ProcessingLog
from diversion.cases import pnc
from diversion.records import services
from diversion.records.models import CrimeRecord, CrimeRecordVersion, ImportBatch
from tests.factories import make_user
from tests.records.helpers import csv_bytes, row

ROOT = Path(__file__).resolve().parents[2]


def _checksum(force) -> str:
    rows = CrimeRecord.objects.filter(force=force).order_by("crime_reference").values_list(
        "crime_reference", "row_hash", "version", "offence_code_id", "date_of_birth")
    history = CrimeRecordVersion.objects.filter(force=force).order_by(
        "record__crime_reference", "version").values_list("record__crime_reference", "version",
                                                          "row_hash")
    return hashlib.sha256(repr((list(rows), list(history))).encode()).hexdigest()


def _rows(count: int, code: str = "105A") -> list[dict]:
    return [row(f"K/{i:07d}", offence_code=code if i % 7 else "ZZ9",
                pnc_id="" if i % 3 else pnc.make(2020, i)) for i in range(count)]


def test_a_crash_inside_the_merge_leaves_nothing_and_a_rerun_completes(analyst):
    """The merge and its log rows are one transaction (works on SQLite and PostgreSQL)."""
    first = csv_bytes(_rows(300))
    source = services.get_or_create_source(analyst, "Niche")
    services.run_import(services.start_import(analyst, source, "a.csv", first,
                                              enqueue=False).pk, link=False)
    before = _checksum(analyst.organisation)
    correcting = csv_bytes(_rows(300, code="8N"))
    batch = services.start_import(analyst, source, "b.csv", correcting, enqueue=False)
    with mock.patch("diversion.records.services.record", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        services.run_import(batch.pk, link=False)
    assert _checksum(analyst.organisation) == before  # nothing half-merged
    assert not CrimeRecordVersion.objects.exists()
    services.run_import(batch.pk, link=False)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert batch.rows_updated == 300 - len([i for i in range(300) if not i % 7])
    assert CrimeRecordVersion.objects.count() == batch.rows_updated


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_halfway_then_rerun_equals_one_clean_run(cast, tmp_path):
    analyst = cast.users[Role.ANALYST]
    clean_analyst = make_user("clean_analyst", Role.ANALYST, cast.outsider_org)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(_rows(60_000)))

    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
           f"{settings['NAME']}")
    from django.conf import settings as django_settings

    # The killed process and the resuming one share the upload directory, as web and worker do.
    env = {**os.environ, "DATABASE_URL": url,
           "RECORDS_UPLOAD_DIR": str(django_settings.RECORDS_UPLOAD_DIR)}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_records", str(path), "--analyst",
         analyst.username, "--source", "Niche", "--no-link", "--chunk-rows", "500"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    batch = None
    while time.monotonic() < deadline and process.poll() is None:
        batch = ImportBatch.objects.filter(force=analyst.organisation).first()
        if batch is not None and batch.rows_processed >= 5_000:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import finished before it was killed"
    batch.refresh_from_db()
    # Killed while staging (the Python path commits its progress per chunk) or inside the
    # merge's one transaction (the CSV path on PostgreSQL checks every row in one statement,
    # so its progress jumps to the end before the merge): either way nothing is merged.
    assert batch.status in {ImportBatch.Status.STAGING, ImportBatch.Status.MERGING}
    assert 0 < batch.rows_processed <= 60_000
    assert not CrimeRecord.objects.exists()  # staged rows are not records until the merge

    call_command("import_records", str(path), "--analyst", analyst.username, "--source",
                 "Niche", "--no-link", "--resume", str(batch.pk))
    call_command("import_records", str(path), "--analyst", clean_analyst.username,
                 "--source", "Niche", "--no-link")
    batch.refresh_from_db()
    assert (batch.status, batch.rows_inserted, batch.rows_accepted) == ("done", 60_000, 60_000)
    assert _checksum(analyst.organisation) == _checksum(cast.outsider_org)
    assert CrimeRecord.objects.filter(force=analyst.organisation).count() == 60_000
    assert ProcessingLog.objects.filter(operation=Operation.COLLECTION,
                                        object_id=str(batch.pk)).count() == 1
