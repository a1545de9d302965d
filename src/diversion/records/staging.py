"""Bulk-load a batch's accepted rows into the staging table: COPY on PostgreSQL, else INSERT."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from diversion.records.models import RECORD_FIELDS, StagedRecord

__all__ = ["RECORD_FIELDS", "STAGE_COLUMNS", "clear", "relax_commit", "stage"]

STAGE_COLUMNS = ("batch_id", "force_id", "row_number", *RECORD_FIELDS)


def _table() -> str:
    return connection.ops.quote_name(StagedRecord._meta.db_table)


def stage(rows: Iterable[tuple]) -> int:
    """Write rows (tuples in STAGE_COLUMNS order) to the staging table. Returns the count."""
    rows = list(rows)
    if not rows:
        return 0
    columns = ", ".join(STAGE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg 3: COPY ... FROM STDIN streams rows without per-row statements.
            raw = cursor.cursor
            with raw.copy(f"COPY {_table()} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
            cursor.executemany(f"INSERT INTO {_table()} ({columns}) VALUES ({marks})", rows)  # noqa: S608 (names from model metadata)
    return len(rows)


def relax_commit() -> None:
    """Let the present transaction (one chunk of staging) commit without waiting for its WAL
    to reach disk (PostgreSQL's `synchronous_commit = off`, for this transaction only).

    Safe for staging alone: a chunk lost in a server crash is never relied on, because an
    import is re-run from the top of staging (staging and rejections are cleared first) and
    the merge, which is what keeps records and the processing log, commits synchronously
    (its commit also flushes every earlier WAL record). No-op on SQLite, and when the chunk's
    transaction is not the outermost one (a caller's transaction keeps its own commit).
    """
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def clear(batch_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE batch_id = %s", [batch_id])  # noqa: S608 (names from model metadata)
