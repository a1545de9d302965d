"""The import page's live progress: rows checked, merged and linked, and the time left, written
by the worker as it goes and read through the page; and re-runs stay safe with it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from diversion.audit.models import ProcessingLog
from diversion.records import fastcsv, matching, merge, services, staging
from diversion.records.models import CrimeRecord, ImportBatch
from tests.records.helpers import csv_bytes, people_and_records, row


def _queued(analyst, content: bytes) -> ImportBatch:
    source = services.get_or_create_source(analyst, "Niche")
    return services.start_import(analyst, source, "extract.csv", content, enqueue=False)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_page_shows_rows_checked_and_time_left_while_the_worker_stages(
        analyst, analyst_client, monkeypatch):
    rows = [row(f"A/{i}") for i in range(9)] + [row("A/bad", sex="?")]
    batch = _queued(analyst, csv_bytes(rows))
    url = reverse("records:batch", args=[batch.pk])
    pages: list[str] = []
    original = staging.stage

    def stage_then_look(staged):
        count = original(staged)
        pages.append(_text(analyst_client.get(url).content.decode()))
        return count

    monkeypatch.setattr(staging, "stage", stage_then_look)
    # Chunks are the Python path's (Parquet, XLSX, SQLite); a CSV on PostgreSQL is checked in
    # SQL in one go (records.fastcsv) and its count moves once.
    monkeypatch.setattr(fastcsv, "usable", lambda batch: False)
    services.run_import(batch.pk, chunk_rows=4, link=False)

    # A look as each chunk of 4 rows is staged, before its counts are written with it.
    checked = [re.search(r"Rows checked (\d+) of (\d+) \((\d+) accepted, (\d+) rejected\)", p)
               for p in pages]
    assert all(checked), pages[0]
    numbers = [tuple(int(g) for g in m.groups()) for m in checked if m]
    assert [n[0] for n in numbers] == [0, 4, 8]
    assert all(total == 10 and accepted + rejected == done
               for done, total, accepted, rejected in numbers)
    assert "Time remaining not known yet" in pages[0]
    assert "Time remaining" in pages[1] and "to check the rows" in pages[1]
    assert "Refresh now" in pages[0] and "waiting for the rows to be checked" in pages[0]


def test_linking_progress_and_the_finished_totals(analyst, analyst_client, monkeypatch):
    _people, rows = people_and_records(analyst.organisation, count=30)
    batch = _queued(analyst, csv_bytes(rows))
    url = reverse("records:batch", args=[batch.pk])
    seen: list[str] = []
    original = matching.train

    def train_then_look(*args, **kwargs):
        seen.append(_text(analyst_client.get(url).content.decode()))
        return original(*args, **kwargs)

    monkeypatch.setattr(matching, "train", train_then_look)
    services.run_import(batch.pk)

    assert len(seen) == 1
    assert "Linking people" in seen[0]
    assert re.search(rf"Records linked to people 0 of {len(rows)} unlinked records so far",
                     seen[0]), seen[0]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert batch.rows_merged == batch.rows_accepted == len(rows)
    assert batch.rows_inserted + batch.rows_updated + batch.rows_unchanged == batch.rows_merged
    assert batch.rows_to_link == len(rows) and 0 < batch.rows_linked <= len(rows)
    page = _text(analyst_client.get(url).content.decode())
    assert "Refresh now" not in page and "Time remaining" not in page
    assert f"Rows merged {len(rows)}" in page
    assert f"Records linked to people (this import's linkage) {batch.rows_linked} of " \
           f"{len(rows)} unlinked" in page


def test_a_rerun_after_a_crash_starts_the_progress_again_and_changes_nothing_twice(
        analyst, monkeypatch):
    content = csv_bytes([row(f"A/{i}") for i in range(7)] + [row("A/bad", sex="?")])
    batch = _queued(analyst, content)
    original = merge.merge

    def crash(batch_id, source=None):
        raise RuntimeError("worker killed during the merge")

    monkeypatch.setattr(merge, "merge", crash)
    with pytest.raises(RuntimeError):
        services.run_import(batch.pk, chunk_rows=3, link=False)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.MERGING and batch.rows_processed == 8
    assert CrimeRecord.objects.count() == 0

    monkeypatch.setattr(merge, "merge", original)
    services.run_import(batch.pk, chunk_rows=3, link=False)
    batch.refresh_from_db()
    # The counts are of one clean run, not of two runs added together.
    assert (batch.rows_processed, batch.rows_accepted, batch.rows_rejected) == (8, 7, 1)
    assert batch.rows_merged == batch.rows_inserted == 7
    assert batch.rejections.count() == 1 and CrimeRecord.objects.count() == 7
    logged = ProcessingLog.objects.count()

    again = services.run_import(_queued(analyst, content).pk, link=False)
    assert (again.rows_merged, again.rows_inserted, again.rows_unchanged) == (7, 0, 7)
    assert CrimeRecord.objects.count() == 7 and ProcessingLog.objects.count() == logged
