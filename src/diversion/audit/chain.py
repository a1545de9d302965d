"""The hash chain over processing-log rows: how a row's hash is computed and verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC

GENESIS = "0" * 64


def row_digest(previous_hash: str, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def hashed_fields(row) -> dict:
    """The columns the hash covers, in a form that round-trips through both databases."""
    return {
        "occurred_at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "operation": row.operation,
        "actor_id": row.actor_id,
        "actor_username": row.actor_username,
        "organisation_id": row.organisation_id,
        "subjects": row.subjects,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "justification": row.justification,
        "recipient": row.recipient,
        "ip_address": row.ip_address,
        "request_id": row.request_id,
    }


def first_break(rows: Iterable) -> tuple[int, str] | None:
    """Walk rows in id order; return (row id, problem) for the first that does not verify."""
    expected_previous = GENESIS
    for row in rows:
        if row.previous_hash != expected_previous:
            return row.id, "previous_hash does not match the row before it"
        if row_digest(row.previous_hash, hashed_fields(row)) != row.row_hash:
            return row.id, "row content does not match its hash"
        expected_previous = row.row_hash
    return None
