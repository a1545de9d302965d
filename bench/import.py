#!/usr/bin/env python
"""Rows per second of the crime-record import against a plain COPY and Django bulk_create.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/import.py
    .venv/bin/python bench/import.py --rows 10000

All three are measured in the same run, on the same generated CSV file, in a throwaway
database (Django's test-database machinery: `bench_<name>_<pid>`, dropped at the end):
- plain COPY: the CSV streamed into an untyped table with COPY ... FROM STDIN (the floor);
- the import: what `import_records` does, the whole-file check included. On PostgreSQL a CSV
  goes the set-based way (records/fastcsv.py): a byte-level pass, COPY of the file's text into
  a temporary table, every check in SQL, then one INSERT ... ON CONFLICT merge with history
  from the accepted rows. On SQLite every row is validated in Python and staged;
- bulk_create: the same validation, then CrimeRecord objects saved with bulk_create.
On SQLite there is no COPY: the import stages with executemany and the COPY line is skipped.
It also prints the import's peak memory (VmHWM, reset just before it), the CPU seconds of this
process and of its PostgreSQL backend (when the server runs on this host), and, last, the
import's CPU against plain COPY's: on a shared machine the wall-time ratio says little.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")

HEADER = ["crime_reference", "pnc_id", "force_person_ref", "given_name", "family_name",
          "date_of_birth", "sex", "postcode_district", "offence_code", "offence_date",
          "recorded_date", "domestic_abuse", "same_victim", "outcome_type", "outcome_date"]


def make_csv(rows: int, seed: int = 1) -> bytes:
    from diversion.cases import pnc

    rng = random.Random(seed)
    codes = ["105A", "8N", "8L", "58A", "9A", "49", "ZZ9"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    start = date(2024, 1, 1)
    for i in range(rows):
        offence = start + timedelta(days=rng.randint(0, 600))
        writer.writerow([
            f"B/{i:08d}", pnc.make(2000 + i % 20, i % 9_999_999) if i % 3 else "",
            f"P{i % 400_000:07d}", rng.choice(["Sam", "Alex", "Jo", "Chris"]),
            rng.choice(["Smith", "Jones", "Brown", "Taylor"]),
            (date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))).isoformat(),
            rng.choice("MF"), rng.choice(["SO14", "PO1"]), rng.choice(codes),
            offence.isoformat(), (offence + timedelta(days=1)).isoformat(),
            rng.choice("YN"), rng.choice("YN"), "caution",
            (offence + timedelta(days=30)).isoformat()])
    return out.getvalue().encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bulk-create-rows", type=int, default=None,
                        help="Time bulk_create on only the first N rows (it is slow) and report "
                             "its rate; default: all rows.")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})
    settings.DATABASES["default"]["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite"
        else f"bench_{settings.DATABASES['default']['NAME']}_{os.getpid()}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _run(args.rows, connection, args.bulk_create_rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _run(rows: int, connection, bulk_rows: int | None = None) -> int:
    from diversion.accounts.models import Organisation, User
    from diversion.accounts.roles import OrganisationKind, Role
    from diversion.cases.models import OffenceCode
    from diversion.records import services
    from diversion.records.models import RECORD_FIELDS, CrimeRecord, ImportBatch, RecordSource
    from diversion.records.readers import Extract
    from diversion.records.validation import mapped_rows, validate_row

    content = make_csv(rows)
    print(f"{rows:,} rows, {len(content) / 1e6:.1f} MB CSV, database: {connection.vendor}")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores")
    forces = [Organisation.objects.create(name=f"Bench {n}", code=f"bench-{n}",
                                          kind=OrganisationKind.POLICE_FORCE) for n in (1, 2)]
    analyst = User.objects.create(username="bench", role=Role.ANALYST, organisation=forces[0])
    results: dict[str, float] = {}
    cpus: dict[str, tuple[float, float]] = {}

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_plain (" + ", ".join(f"{h} text" for h in HEADER)
                           + ")")
            server = _server_cpu(connection)
            started, cpu = time.perf_counter(), _cpu()
            with cursor.cursor.copy("COPY bench_plain FROM STDIN WITH (FORMAT csv, HEADER true)"
                                    ) as copy:
                for offset in range(0, len(content), 1 << 20):
                    copy.write(content[offset:offset + (1 << 20)])
            connection.commit() if not connection.get_autocommit() else None
            results["plain COPY"] = time.perf_counter() - started
            cpus["plain COPY"] = (_cpu() - cpu, _server_cpu(connection) - server)
            _say("plain COPY", rows, results["plain COPY"])
            _say_cpu(*cpus["plain COPY"])

    source = RecordSource.objects.create(force=forces[0], name="bench")
    stages = _time_stages(connection, services)
    before_kb = _reset_peak()
    server = _server_cpu(connection)
    started, cpu = time.perf_counter(), _cpu()
    batch = services.start_import(analyst, source, "bench.csv", content, enqueue=False)
    batch = services.run_import(batch.pk, link=False)
    results["import (validate, stage, merge)"] = time.perf_counter() - started
    cpus["import"] = (_cpu() - cpu, _server_cpu(connection) - server)
    _say("import (validate, stage, merge)", rows, results["import (validate, stage, merge)"])
    _say_cpu(*cpus["import"])
    parts = {name: stages.get(name, (0.0, 0.0)) for name in ("_prepare", "_stage_all")}
    rest = tuple(total - sum(p[i] for p in parts.values())
                 for i, total in enumerate(cpus["import"]))
    print("  of which (CPU seconds, this process + backend): whole-file check (PostgreSQL: "
          "byte pass, COPY into a temporary table, every row checked in SQL) "
          f"{parts['_prepare'][0]:.1f} + {parts['_prepare'][1]:.1f}; read, validate and stage "
          "(PostgreSQL: rejections, repeated references) "
          f"{parts['_stage_all'][0]:.1f} + {parts['_stage_all'][1]:.1f}; store the upload, "
          f"merge (with its foreign-key checks at commit) and the rest {rest[0]:.1f} + "
          f"{rest[1]:.1f}")
    peak_kb = _status_kb("VmHWM")
    print(f"  import peak memory (VmHWM, reset before it): {peak_kb / 1024:,.0f} MB, of which "
          f"{before_kb / 1024:,.0f} MB was held before it (Django, the test CSV in memory); "
          f"growth {(peak_kb - before_kb) / 1024:,.0f} MB")
    assert batch.status == ImportBatch.Status.DONE, batch.problem
    assert batch.rows_inserted == rows, (batch.rows_inserted, batch.rows_rejected)

    known = set(OffenceCode.objects.values_list("code", flat=True))
    today = date.today()
    bulk_rows = min(bulk_rows or rows, rows)
    started = time.perf_counter()
    pending: list[CrimeRecord] = []
    for number, raw in mapped_rows(Extract("csv", content), batch.mapping):
        if number - 1 > bulk_rows:
            break
        clean, _errors = validate_row(raw, known, today)
        pending.append(CrimeRecord(force=forces[1], batch=batch,
                                   **{name: clean[name] for name in RECORD_FIELDS}))
        if len(pending) == 5000:
            CrimeRecord.objects.bulk_create(pending)
            pending.clear()
    CrimeRecord.objects.bulk_create(pending)
    bulk_seconds = time.perf_counter() - started
    _say(f"Django bulk_create (same validation, {bulk_rows:,} rows)", bulk_rows, bulk_seconds)

    import_rate = rows / results["import (validate, stage, merge)"]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores (shared machine)")
    print(f"import / bulk_create speed:       {import_rate / (bulk_rows / bulk_seconds):.2f}x")
    if "plain COPY" in results:
        copy_rate = rows / results["plain COPY"]
        print(f"import time / plain COPY time:    "
              f"{results['import (validate, stage, merge)'] / results['plain COPY']:.1f}x "
              f"(goal 2x); speed ratio {import_rate / copy_rate:.3f}")
        copy_cpu, import_cpu = sum(cpus["plain COPY"]), sum(cpus["import"])
        print(f"import CPU / plain COPY CPU (this process + its PostgreSQL backend; the "
              f"same on a busy machine): {import_cpu / copy_cpu:.1f}x")
    else:
        print("plain COPY: not measured (needs PostgreSQL)")
    return 0


def _time_stages(connection, services) -> dict[str, tuple[float, float]]:
    """Wrap the import's stages to add up their CPU seconds (this process, its backend)."""
    totals: dict[str, tuple[float, float]] = {}

    def timed(name: str) -> None:
        function = getattr(services, name)

        def wrapper(*args, **kwargs):
            server, cpu = _server_cpu(connection), _cpu()
            try:
                return function(*args, **kwargs)
            finally:
                before = totals.get(name, (0.0, 0.0))
                totals[name] = (before[0] + _cpu() - cpu,
                                before[1] + _server_cpu(connection) - server)

        setattr(services, name, wrapper)

    for name in ("_prepare", "_stage_all"):
        timed(name)
    return totals


def _say_cpu(client: float, server: float) -> None:
    backend = f", {server:.1f} in its PostgreSQL backend" if server else ""
    print(f"  CPU seconds: {client:.1f} in this process{backend}", flush=True)


def _server_cpu(connection) -> float:
    """CPU seconds of this connection's PostgreSQL backend, when the server is on this host
    (read from /proc; 0 when it is not, or on SQLite)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> int:
    """Reset the kernel's high-water mark (VmHWM) to the present RSS, and return that."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    return _status_kb("VmRSS")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _say(name: str, rows: int, seconds: float) -> None:
    print(f"{name:<52} {seconds:8.2f} s {rows / seconds:12,.0f} rows/s", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
