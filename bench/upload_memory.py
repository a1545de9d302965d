#!/usr/bin/env python
"""Peak memory of the task worker importing a normal extract and refusing upload bombs.

    .venv/bin/python bench/upload_memory.py            # SQLite in a temporary directory
    .venv/bin/python bench/upload_memory.py --rows 10000

Each file is queued as the upload page queues it (`services.queue_upload`: stored under a
random name, nothing parsed), then a fresh worker process (`manage.py db_worker --batch`) runs
the queue and reports its peak resident memory (VmHWM, the kernel's high-water mark for that
process) beside its resident memory once Django is loaded and before the task starts.
Normal files are imported in full, linkage included.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

_WORKER = r"""
import json, os, sys
sys.path[:0] = [sys.argv[1] + "/src", sys.argv[1]]
os.environ["DJANGO_SETTINGS_MODULE"] = "diversion.settings"
import django
django.setup()
import diversion.records.services, diversion.records.tasks  # noqa: what the task imports


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))


loaded = status("VmRSS")
from django.core.management import call_command
call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
print(json.dumps({"loaded_kb": loaded, "peak_kb": status("VmHWM")}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["RECORDS_UPLOAD_DIR"] = f"{tmp}/uploads"
        os.environ["DJANGO_SETTINGS_MODULE"] = "diversion.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return _run(args.rows)


def _files(rows: int) -> list[tuple[str, str, bytes]]:
    from openpyxl import Workbook
    from tests.records import bombs

    make_csv = importlib.import_module("bench.import").make_csv
    normal = make_csv(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in normal.decode().splitlines():
        sheet.append(line.split(","))
    xlsx = io.BytesIO()
    book.save(xlsx)
    return [
        (f"normal CSV, {rows:,} rows", "normal.csv", normal),
        (f"normal XLSX, {rows:,} rows", "normal.xlsx", xlsx.getvalue()),
        ("XLSX bomb: worksheet of zeros, 3.5 GB expanded", "bomb.xlsx", bombs.zeros_sheet(3.5)),
        ("XLSX bomb: 1 GB of rows, header claims 5 MB", "lying.xlsx",
         bombs.rows_sheet(1024, declared=5 * bombs.MB)),
        ("XLSX bomb: one 40 MB row of tiny cells", "row.xlsx", bombs.one_huge_row(40)),
        ("XLSX bomb: one 40 MB row of long cells", "wide.xlsx", bombs.one_row_of_long_cells(40)),
        ("XLSX billion laughs", "laughs.xlsx", bombs.billion_laughs("xl/worksheets/sheet1.xml")),
        ("CSV: one 500 MB line", "line.csv", None),
    ]


def _run(rows: int) -> int:
    from diversion.accounts.models import Organisation, User
    from diversion.accounts.roles import OrganisationKind, Role
    from diversion.records import services
    from diversion.records.models import ImportBatch

    force = Organisation.objects.create(name="Bench force", code="bench",
                                        kind=OrganisationKind.POLICE_FORCE)
    analyst = User.objects.create(username="bench", role=Role.ANALYST, organisation=force)
    source = services.get_or_create_source(analyst, "Bench")
    print(f"{'file':<50} {'size':>9} {'worker loaded':>14} {'worker peak':>12}  outcome")
    for label, name, content in _files(rows):
        chunks = [content] if content is not None else _endless_line(500)
        size = len(content) if content is not None else 500 * (1 << 20)
        batch = services.queue_upload(analyst, source, name, chunks)
        done = subprocess.run([sys.executable, "-c", _WORKER, str(ROOT)], capture_output=True,
                              text=True, check=True, env=os.environ.copy())
        memory = json.loads(done.stdout.strip().splitlines()[-1])
        batch = ImportBatch.objects.get(pk=batch.pk)
        outcome = (f"{batch.rows_inserted + batch.rows_unchanged:,} rows merged"
                   if batch.status == ImportBatch.Status.DONE else f"refused: {batch.problem}")
        print(f"{label:<50} {size / 1e6:7.1f}MB {memory['loaded_kb'] / 1024:11.0f} MB "
              f"{memory['peak_kb'] / 1024:9.0f} MB  {outcome[:110]}", flush=True)
    return 0


def _endless_line(megabytes: int):
    yield b"crime_reference," + b"x" * (1 << 20)
    for _ in range(megabytes - 1):
        yield b"x" * (1 << 20)


if __name__ == "__main__":
    raise SystemExit(main())
