"""Merge a batch's staged rows into crime records in one statement set, keeping history.

Runs inside the caller's transaction: either every staged row is merged (new rows inserted,
changed rows versioned and updated, identical rows untouched) or nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from diversion.records.models import (
    RECORD_FIELDS,
    CrimeRecord,
    CrimeRecordVersion,
    StagedRecord,
)


@dataclass
class MergeCounts:
    inserted: int
    updated: int
    unchanged: int


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def merge(batch_id: int, source: str | None = None) -> MergeCounts:
    """Merge the batch's rows from the staging table, or from `source` (a table or view of
    the session with the staging table's columns: records.fastcsv's accepted rows), which
    is left for its owner to drop."""
    records, history = _q(CrimeRecord), _q(CrimeRecordVersion)
    staged = source or _q(StagedRecord)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    cols = ", ".join(RECORD_FIELDS)
    join = (f"FROM {staged} s JOIN {records} r ON r.force_id = s.force_id "
            "AND r.crime_reference = s.crime_reference WHERE s.batch_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {staged} s WHERE s.batch_id = %s", [batch_id])  # noqa: S608 (names from model metadata)
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) {join} AND r.row_hash <> s.row_hash", [batch_id])
        updated = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) {join}", [batch_id])
        existing = cursor.fetchone()[0]
        # The prior version of every record this batch changes goes to history first.
        cursor.execute(
            f"INSERT INTO {history} (record_id, force_id, version, batch_id, superseded_by_id, "
            f"superseded_at, {cols}) SELECT r.id, r.force_id, r.version, r.batch_id, %s, %s, "
            + ", ".join(f"r.{c}" for c in RECORD_FIELDS)
            + f" {join} AND r.row_hash <> s.row_hash",
            [batch_id, now, batch_id])
        updates = ", ".join(f"{c} = excluded.{c}" for c in RECORD_FIELDS)
        cursor.execute(
            f"INSERT INTO {records} (force_id, version, batch_id, updated_at, {cols}) "  # noqa: S608 (names from model metadata)
            f"SELECT s.force_id, 1, %s, %s, " + ", ".join(f"s.{c}" for c in RECORD_FIELDS)
            + f" FROM {staged} s WHERE s.batch_id = %s "
            f"ON CONFLICT (force_id, crime_reference) DO UPDATE SET {updates}, "
            f"version = {records}.version + 1, batch_id = excluded.batch_id, "
            f"updated_at = excluded.updated_at WHERE {records}.row_hash <> excluded.row_hash",
            [batch_id, now, batch_id])
        if source is None:
            cursor.execute(f"DELETE FROM {staged} WHERE batch_id = %s", [batch_id])  # noqa: S608 (names from model metadata)
    return MergeCounts(inserted=total - existing, updated=updated,
                       unchanged=existing - updated)
