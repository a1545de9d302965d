"""The keyed chain over processing-log rows: how a row's MAC is computed and verified.

Each row carries `key_id` (the first 8 hex digits of SHA-256 of the key that signed it) and
`row_hash`, an HMAC-SHA256 over a canonical serialisation of every column, `previous_hash` and
`subject_index` included. The keys live in the environment (DIVERSION_LOG_KEYS, newest first),
never in the database, so someone who can write to the database cannot recompute the chain.
Rows written before the chain was keyed (`key_id` blank) keep the old unkeyed SHA-256 digest;
they verify the old way, and only before the first signed row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings

GENESIS = "0" * 64
LEGACY_KEY_ID = ""


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def row_digest(previous_hash: str, fields: dict) -> str:
    """The unkeyed digest of rows written before the chain was keyed."""
    return hashlib.sha256(previous_hash.encode() + canonical(fields)).hexdigest()


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def keyring() -> dict[str, str]:
    """Every configured key by its id; the first listed (newest) signs new rows."""
    return {key_id(key): key for key in settings.DIVERSION_LOG_KEYS}


def signing_key() -> tuple[str, str]:
    key = settings.DIVERSION_LOG_KEYS[0]
    return key_id(key), key


def mac(key: str, payload: dict) -> str:
    return hmac.new(key.encode(), canonical(payload), hashlib.sha256).hexdigest()


def hashed_fields(row) -> dict:
    """The columns the legacy digest covers, in a form that round-trips through both databases."""
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


def signed_fields(row) -> dict:
    """Every column of a signed row except the MAC itself (and the id, which the chain orders)."""
    return {**hashed_fields(row), "subject_index": row.subject_index,
            "previous_hash": row.previous_hash, "key_id": row.key_id}


def row_mac(key: str, row) -> str:
    return mac(key, signed_fields(row))


def subject_index_for(subjects: list[dict]) -> str:
    return "".join(f" {ref['type']}:{ref['id']} " for ref in subjects)


def sign(row) -> None:
    """Give a new row its key id and MAC (its previous_hash must already be set)."""
    row.key_id, key = signing_key()
    row.row_hash = row_mac(key, row)
