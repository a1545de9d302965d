"""What the processing log's one chain lock costs: chained appends against unchained ones.

    createdb -h 127.0.0.1 -U postgres log_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/log_bench .venv/bin/python bench/log_append.py

Every log row is chained to the one before it (decision 0006), so `audit.services.record` takes
one PostgreSQL advisory lock, held until the writing transaction commits. This measures what
that serialisation costs as writers are added. Each writer runs transactions that write one log
row and then do `--work-ms` of other work before committing (a service's own statements; the
lock is held through them). Side by side in the same run, at each concurrency:

    one lane:  audit.services.record(...) with DIVERSION_LOG_LANES=1: the single chain and
               single lock the log had before lanes (audit/lanes.py)
    chained:   audit.services.record(...) as configured (16 lanes by default): lock a lane,
               read its head, HMAC, insert
    unchained: the same row, signed the same way, inserted into an identical table
               (same columns and indexes) with no lock and no head read

It prints rows per second for both and the ratio (unchained / chained throughput), and compares
the chained capacity with what the load model of bench/load.py needs: at three times the
national peak about 10 pages a second, each writing one or two rows. Run it on a scratch
database: it migrates it and leaves its rows in the log. The last line is the headline: the
ratio at the highest concurrency.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

PEAK_ROWS_PER_SECOND = 20.0  # bench/load.py at 3x peak: ~10 pages/s, up to 2 log rows each


def setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root / "src"), str(root)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")
    import django

    django.setup()


def _run(writers: int, per_writer: int, work_ms: float, append) -> float:
    """Rows per second when `writers` threads each commit `per_writer` transactions."""
    from django.db import connection, transaction

    start = threading.Barrier(writers + 1)

    def writer() -> None:
        start.wait()
        try:
            for _ in range(per_writer):
                with transaction.atomic():
                    append()
                    if work_ms:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return writers * per_writer / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", default="1,4,16", help="concurrencies, comma-separated")
    parser.add_argument("--rows", type=int, default=300, help="transactions per concurrency")
    parser.add_argument("--work-ms", type=float, default=2.0,
                        help="other work in each transaction after the log row")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("needs PostgreSQL: set DATABASE_URL to a scratch database")
    call_command("migrate", verbosity=0)

    from diversion.audit import chain
    from diversion.audit.models import Operation, ProcessingLog
    from diversion.audit.services import record

    table = ProcessingLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_unchained_log")
        cursor.execute(f"CREATE TABLE bench_unchained_log (LIKE {table} INCLUDING ALL)")
    connection.close()
    columns = [f.column for f in ProcessingLog._meta.concrete_fields if f.column != "id"]
    insert = (f"INSERT INTO bench_unchained_log ({', '.join(columns)}) "
              f"VALUES ({', '.join(['%s'] * len(columns))})")

    def chained() -> None:
        record(actor=None, operation=Operation.CONSULTATION, subjects=[("cases.Person", 1)],
               justification="bench/log_append.py")

    def unchained() -> None:
        from django.db import connection as conn

        row = ProcessingLog(operation=Operation.CONSULTATION, actor_username="system",
                            subjects=[{"type": "cases.Person", "id": "1"}],
                            subject_index=" cases.Person:1 ", justification="bench/log_append.py",
                            previous_hash=chain.GENESIS)
        chain.sign(row)
        row.row_hash = f"{row.row_hash[:48]}{time.perf_counter_ns() % 10**16:016d}"
        values = [f.get_db_prep_save(getattr(row, f.attname), conn)
                  for f in ProcessingLog._meta.concrete_fields if f.column != "id"]
        with conn.cursor() as cursor:
            cursor.execute(insert, values)

    print(f"each transaction: one log row, then {args.work_ms:g} ms of other work; "
          f"{args.rows} transactions per concurrency; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    ratio = 0.0
    for writers in [int(w) for w in args.writers.split(",")]:
        per_writer = max(1, args.rows // writers)
        _run(writers, 5, 0, chained), _run(writers, 5, 0, unchained)  # warm up
        plain = _run(writers, per_writer, args.work_ms, unchained)
        lanes, settings.DIVERSION_LOG_LANES = settings.DIVERSION_LOG_LANES, 1
        single = _run(writers, per_writer, args.work_ms, chained)
        settings.DIVERSION_LOG_LANES = lanes
        locked = _run(writers, per_writer, args.work_ms, chained)
        ratio = plain / locked
        print(f"{writers:>3} writers: unchained {plain:5.0f} rows/s; one lane {single:5.0f}; "
              f"{lanes} lanes {locked:5.0f} (ratio {ratio:.2f}, {locked / single:.1f}x one lane;"
              f" {locked / PEAK_ROWS_PER_SECOND:.0f}x the {PEAK_ROWS_PER_SECOND:g} rows/s of 3x "
              "national peak)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"unchained / chained ({settings.DIVERSION_LOG_LANES} lanes) throughput at {writers} "
          f"writers: {ratio:.2f}")


if __name__ == "__main__":
    main()
