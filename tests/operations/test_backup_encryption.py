"""The backup files' streaming encryption (operations/encryption.py) against every way a file
can be changed: each is refused, whatever the size. The PostgreSQL journeys through the
commands are in test_backup_drill.py."""

from __future__ import annotations

import io
import os

import pytest

from diversion.operations.encryption import (
    CHUNK,
    TAG,
    EncryptionError,
    decrypt_stream,
    encrypt_stream,
)

KEY = "b3RoZXItYmFja3VwLWtleS1mb3ItdGhlLXRlc3RzLTA="
HEADER = 48


def _encrypt(plain: bytes, purpose: str = "dump") -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plain), out, KEY, purpose)
    return out.getvalue()


def _decrypt(sealed: bytes, purpose: str = "dump", keys: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(sealed), out, keys or [KEY], purpose, "test.enc")
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5])
def test_any_size_round_trips_and_two_encryptions_differ(size):
    plain = os.urandom(size)
    sealed = _encrypt(plain)
    assert _decrypt(sealed) == plain
    assert _encrypt(plain) != sealed  # a fresh salt, so a fresh key, every time


def _chunks(sealed: bytes) -> list[bytes]:
    body = sealed[HEADER:]
    return [body[i:i + CHUNK + TAG] for i in range(0, len(body), CHUNK + TAG)]


def _tampered(sealed: bytes) -> dict[str, bytes]:
    header, chunks = sealed[:HEADER], _chunks(sealed)
    flipped = bytearray(sealed)
    flipped[HEADER + CHUNK // 2] ^= 0x01
    salt_changed = bytearray(sealed)
    salt_changed[HEADER - 1] ^= 0x01
    return {
        "a bit flipped": bytes(flipped),
        "the header's salt changed": bytes(salt_changed),
        "cut at a chunk boundary": header + b"".join(chunks[:-1]),
        "cut inside a chunk": sealed[:-7],
        "cut to the header": header,
        "chunks reordered": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "a chunk repeated": header + chunks[0] + b"".join(chunks),
        "bytes appended": sealed + b"\0" * 20,
    }


KINDS = ["a bit flipped", "the header's salt changed", "cut at a chunk boundary",
         "cut inside a chunk", "cut to the header", "chunks reordered", "a chunk repeated",
         "bytes appended"]


@pytest.mark.parametrize("how", KINDS)
def test_every_kind_of_change_is_refused(how):
    sealed = _encrypt(os.urandom(2 * CHUNK + 100))
    with pytest.raises(EncryptionError, match="fails authentication"):
        _decrypt(_tampered(sealed)[how])


def test_a_chunk_from_another_file_or_purpose_is_refused():
    plain = os.urandom(CHUNK + 10)
    one, two = _encrypt(plain), _encrypt(plain)
    spliced = one[:HEADER] + _chunks(two)[0] + _chunks(one)[1]
    with pytest.raises(EncryptionError, match="fails authentication at chunk 0"):
        _decrypt(spliced)
    with pytest.raises(EncryptionError, match="fails authentication"):
        _decrypt(one, purpose="checkpoints")  # a dump cannot pass as the checkpoints


def test_a_wrong_key_and_a_plain_file_are_refused_clearly():
    sealed = _encrypt(b"data")
    other = "ZGV2LW9ubHktZGl2ZXJzaW9uLWJhY2t1cC1rZXktMDA="
    with pytest.raises(EncryptionError, match="which is not in DIVERSION_BACKUP_KEYS"):
        _decrypt(sealed, keys=[other])
    assert _decrypt(sealed, keys=[other, KEY]) == b"data"  # an older key still listed
    with pytest.raises(EncryptionError, match="not an encrypted Diversion backup file"):
        _decrypt(b"PGDMP\x01\x0e\x00" + b"\0" * 100)
