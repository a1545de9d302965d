"""Verify the processing log: each lane's keyed chain, then every signed checkpoint of it.

The log is written in lanes (audit/lanes.py), each a complete chain. A chain shows that no
surviving row was changed, inserted or removed from the middle. It cannot show that the newest
rows were removed, so checkpoints (per lane: row count and head MAC, signed with the same keys)
are appended to a file outside the database; the verifier checks each one against the table.
Findings name what was found; an empty list means the log is intact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from diversion.audit import chain
from diversion.audit.models import ProcessingLog

CHECKPOINT_FILE = "processing-log-checkpoints.jsonl"


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


def check_chain(rows: Iterable, report: Report) -> dict[int, dict[int, str]]:
    """Walk rows in (lane, id) order, adding a finding for each problem; return the MAC of each
    row seen, by lane and id."""
    keys = chain.keyring()
    lane: int | None = None
    macs: dict[int, dict[int, str]] = {}
    for row in rows:
        if row.lane != lane:  # each lane is a chain of its own, from the genesis value
            lane, expected_previous, previous_id, seen_signed = row.lane, chain.GENESIS, None, False
            lane_macs = macs.setdefault(row.lane, {})
        report.rows_checked += 1
        lane_macs[row.id] = row.row_hash
        if row.previous_hash != expected_previous:
            after = (f"row {previous_id}" if previous_id is not None
                     else "the start of the log" if not row.lane
                     else f"the start of lane {row.lane}")
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
    names: tuple[str, ...] = ("at", "rows", "head_id", "head_mac", "key_id")
    if "lane" in entry:  # lines written before lanes have none and cover lane 0
        names += ("lane",)
    return {name: entry.get(name) for name in names}


def check_checkpoints(macs: dict[int, dict[int, str]], report: Report) -> None:
    path = checkpoint_path()
    if not path.exists():
        return
    keys = chain.keyring()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            report.checkpoints_checked += 1
            try:
                entry = json.loads(line)
                payload = _checkpoint_payload(entry)
                rows, head_id, at = int(entry["rows"]), entry["head_id"], str(entry["at"])
                lane = int(entry.get("lane", 0))
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
            _check_one(macs.get(lane, {}), lane, rows, head_id, payload["head_mac"], at, report)


def _check_one(macs: dict[int, str], lane: int, rows: int, head_id: int, head_mac: str, at: str,
               report: Report) -> None:
    """One lane's checkpoint against the rows of that lane."""
    ids = sorted(macs)
    where = f" of lane {lane}" if lane else ""
    ends = (f"the log{where} ends at row {ids[-1]}" if ids else f"the log{where} is empty")
    if len(ids) < rows:
        report.findings.append(
            f"{ends} ({len(ids)} rows) but the checkpoint at {at} recorded {rows} rows: "
            "rows deleted")
    if head_id not in macs:
        report.findings.append(
            f"row {head_id}, the newest row{where} at the checkpoint at {at}, is missing: "
            "rows deleted")
    elif macs[head_id] != head_mac:
        report.findings.append(
            f"row {head_id} differs from the MAC the checkpoint at {at} recorded: "
            "the row was changed")
    else:
        up_to_head = sum(1 for row_id in ids if row_id <= head_id)
        if up_to_head < rows:
            report.findings.append(
                f"the log{where} has {up_to_head} rows up to row {head_id} but the checkpoint "
                f"at {at} recorded {rows}: rows deleted")


def verify() -> Report:
    """Check the chain and every checkpoint; the whole log is read once, in id order."""
    report = Report()
    rows = ProcessingLog.objects.order_by("lane", "id").iterator(chunk_size=2000)
    macs = check_chain(rows, report)
    check_checkpoints(macs, report)
    return report


def write_checkpoint() -> list[dict]:
    """Append one signed checkpoint line per lane (row count, newest row and its MAC) to the
    checkpoint file.

    One statement reads every lane's count and head from one snapshot. Within a lane rows
    commit in id order (its lock is held to commit), so a row not yet committed can only come
    after the head: the count and the head agree without stopping the writers.
    """
    heads = list(ProcessingLog.objects.values("lane").annotate(rows=Count("id"), head=Max("id"))
                 .order_by("lane"))
    macs = dict(ProcessingLog.objects.filter(id__in=[h["head"] for h in heads])
                .values_list("id", "row_hash"))
    kid, key = chain.signing_key()
    at = timezone.now().isoformat(timespec="microseconds")
    payloads = [{"at": at, "rows": h["rows"], "head_id": h["head"], "head_mac": macs[h["head"]],
                 "key_id": kid, "lane": h["lane"]} for h in heads]
    if not payloads:
        payloads = [{"at": at, "rows": 0, "head_id": None, "head_mac": None, "key_id": kid,
                     "lane": 0}]
    entries = [{**payload, "signature": chain.mac(key, payload)} for payload in payloads]
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each write goes at the end even with several writers; the file is never
    # rewritten. One write for the whole checkpoint, so its lines stay together.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries)
                 .encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return entries
