"""Verify the processing log: the keyed chain, then every signed checkpoint of its length.

The chain shows that no surviving row was changed, inserted or removed from the middle. It
cannot show that the newest rows were removed, so checkpoints (row count and head MAC, signed
with the same keys) are appended to a file outside the database; the verifier checks each one
against the table. Findings name what was found; an empty list means the log is intact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from diversion.audit import chain
from diversion.audit.models import ProcessingLog

CHECKPOINT_FILE = "processing-log-checkpoints.jsonl"
# Any constant: the same advisory lock `services.record` takes to serialise appends.
CHAIN_LOCK_KEY = 620_182_062


@dataclass
class Report:
    rows_checked: int = 0
    checkpoints_checked: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def checkpoint_path() -> Path:
    return Path(settings.DIVERSION_LOG_CHECKPOINT_DIR) / CHECKPOINT_FILE


def _changed(row) -> str:
    if row.subject_index != chain.subject_index_for(row.subjects):
        what = "blanked" if not row.subject_index.strip() else "changed"
        return f"subject_index of row {row.id} was {what}"
    return f"row {row.id} was changed"


def check_chain(rows: Iterable, report: Report) -> dict[int, str]:
    """Walk rows in id order, adding a finding for each problem; return {id: MAC} of rows seen."""
    keys = chain.keyring()
    expected_previous, previous_id = chain.GENESIS, None
    seen_signed = False
    macs: dict[int, str] = {}
    for row in rows:
        report.rows_checked += 1
        macs[row.id] = row.row_hash
        if row.previous_hash != expected_previous:
            after = f"row {previous_id}" if previous_id is not None else "the start of the log"
            report.findings.append(
                f"row {row.id} does not follow {after}: rows between them were deleted, "
                "or the chain was reordered")
        if row.key_id == chain.LEGACY_KEY_ID:
            if seen_signed:
                report.findings.append(
                    f"row {row.id} is unsigned but follows signed rows: it was forged or its "
                    "signature stripped")
            elif chain.row_digest(row.previous_hash, chain.hashed_fields(row)) != row.row_hash:
                report.findings.append(_changed(row))
        else:
            seen_signed = True
            key = keys.get(row.key_id)
            if key is None:
                report.findings.append(
                    f"row {row.id} is signed with key {row.key_id}, which is not in "
                    "DIVERSION_LOG_KEYS: an unknown key, or a key removed too early")
            elif not _equal(chain.row_mac(key, row), row.row_hash):
                report.findings.append(_changed(row))
        expected_previous, previous_id = row.row_hash, row.id
    return macs


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _checkpoint_payload(entry: dict) -> dict:
    return {name: entry.get(name) for name in ("at", "rows", "head_id", "head_mac", "key_id")}


def check_checkpoints(macs: dict[int, str], report: Report) -> None:
    path = checkpoint_path()
    if not path.exists():
        return
    keys = chain.keyring()
    ids = sorted(macs)
    last_id = ids[-1] if ids else None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            report.checkpoints_checked += 1
            try:
                entry = json.loads(line)
                payload = _checkpoint_payload(entry)
                rows, head_id, at = int(entry["rows"]), entry["head_id"], str(entry["at"])
                signature = str(entry["signature"])
            except (ValueError, KeyError, TypeError):
                report.findings.append(f"checkpoint line {number} is unreadable")
                continue
            key = keys.get(str(payload["key_id"]))
            if key is None:
                report.findings.append(
                    f"checkpoint line {number} (at {at}) is signed with key {payload['key_id']}, "
                    "which is not in DIVERSION_LOG_KEYS")
                continue
            if not _equal(chain.mac(key, payload), signature):
                report.findings.append(
                    f"checkpoint line {number} (at {at}) is forged: its signature does not verify")
                continue
            if head_id is None:
                continue  # a checkpoint of the empty log
            ends = f"the log ends at row {last_id}" if last_id is not None else "the log is empty"
            if len(ids) < rows:
                report.findings.append(
                    f"{ends} ({len(ids)} rows) but the checkpoint at {at} recorded {rows} rows: "
                    "rows deleted")
            if head_id not in macs:
                report.findings.append(
                    f"row {head_id}, the newest row at the checkpoint at {at}, is missing: "
                    "rows deleted")
            elif macs[head_id] != payload["head_mac"]:
                report.findings.append(
                    f"row {head_id} differs from the MAC the checkpoint at {at} recorded: "
                    "the row was changed")
            else:
                up_to_head = sum(1 for row_id in ids if row_id <= head_id)
                if up_to_head < rows:
                    report.findings.append(
                        f"the log has {up_to_head} rows up to row {head_id} but the checkpoint "
                        f"at {at} recorded {rows}: rows deleted")


def verify() -> Report:
    """Check the chain and every checkpoint; the whole log is read once, in id order."""
    report = Report()
    rows = ProcessingLog.objects.order_by("id").iterator(chunk_size=2000)
    macs = check_chain(rows, report)
    check_checkpoints(macs, report)
    return report


def write_checkpoint() -> dict:
    """Append one signed checkpoint (row count, newest row and its MAC) to the checkpoint file.

    Appends are serialised with the chain's own lock, so the count and the head agree.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        head = ProcessingLog.objects.order_by("-id").values("id", "row_hash").first()
        rows = ProcessingLog.objects.count()
    kid, key = chain.signing_key()
    payload = {"at": timezone.now().isoformat(timespec="microseconds"), "rows": rows,
               "head_id": head["id"] if head else None,
               "head_mac": head["row_hash"] if head else None, "key_id": kid}
    entry = {**payload, "signature": chain.mac(key, payload)}
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each line goes at the end even with several writers; the file is never rewritten.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (json.dumps(entry, sort_keys=True) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return entry
