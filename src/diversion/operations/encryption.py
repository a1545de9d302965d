"""Encryption at rest of backups: AES-256-GCM in 1 MiB chunks, streamed (cryptography).

A backup key (DIVERSION_BACKUP_KEYS, newest first; never a field or log key) is never used
directly: each file gets its own key, derived with HKDF-SHA256 from the backup key, a random
32-byte salt in the file's header and the file's purpose, so a nonce can simply count chunks
without ever repeating under one key. This is the STREAM construction (Hoang et al. 2015, as in
age and Tink's streaming AEAD): chunk i is sealed with nonce = i (8 bytes) || 3 zero bytes ||
final flag, and the header is the associated data of every chunk, so a changed header, a chunk
changed, dropped, repeated, reordered or moved from another file, a cut at a chunk boundary or
bytes appended all fail authentication. Memory stays at about two chunks whatever the size.

Header: MAGIC (8 bytes) | key id (8 ASCII hex: which backup key) | salt (32 bytes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"DVNBAK1\n"
CHUNK = 1 << 20
TAG = 16
_HEADER = len(MAGIC) + 8 + 32


class EncryptionError(Exception):
    """A backup file cannot be encrypted or decrypted; the message says why."""


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def decode_key(key: str) -> bytes:
    """A backup key: 32 random bytes in URL-safe base64 (the shape of a Fernet key)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise EncryptionError("a backup key must be 32 bytes in URL-safe base64")
    return raw


def _derive(key: str, salt: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"diversion backup v1 " + purpose.encode()).derive(decode_key(key))


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(8, "big") + b"\0\0\0" + (b"\1" if final else b"\0")


def _blocks(source: IO[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Blocks of `size` bytes (the last may be shorter or empty), each with "is it the last"."""
    current = _read_full(source, size)
    while True:
        following = _read_full(source, size)
        yield current, not following
        if not following:
            return
        current = following


def _read_full(source: IO[bytes], size: int) -> bytes:
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def encrypt_stream(source: IO[bytes], target: IO[bytes], key: str, purpose: str) -> None:
    header = MAGIC + key_id(key).encode() + os.urandom(32)
    aead = AESGCM(_derive(key, header[-32:], purpose))
    target.write(header)
    for index, (block, final) in enumerate(_blocks(source, CHUNK)):
        target.write(aead.encrypt(_nonce(index, final), block, header))


def decrypt_stream(source: IO[bytes], target: IO[bytes] | None, keys: list[str], purpose: str,
                   name: str) -> None:
    """Decrypt `source` into `target` (None: only check it). Raises EncryptionError on a wrong
    or missing key, or on any change; what was written before a failure must be discarded."""
    header = _read_full(source, _HEADER)
    if len(header) < _HEADER or not header.startswith(MAGIC):
        raise EncryptionError(f"{name} is not an encrypted Diversion backup file")
    wanted = header[len(MAGIC):len(MAGIC) + 8].decode("ascii", "replace")
    key = next((k for k in keys if key_id(k) == wanted), None)
    if key is None:
        raise EncryptionError(
            f"{name} was encrypted with backup key {wanted}, which is not in "
            f"DIVERSION_BACKUP_KEYS ({', '.join(key_id(k) for k in keys) or 'none set'})")
    aead = AESGCM(_derive(key, header[-32:], purpose))
    for index, (block, final) in enumerate(_blocks(source, CHUNK + TAG)):
        try:
            plain = aead.decrypt(_nonce(index, final), block, header)
        except InvalidTag:
            raise EncryptionError(
                f"{name} fails authentication at chunk {index}: it was changed, cut short or "
                "added to since it was made (or belongs to another backup)") from None
        if target is not None:
            target.write(plain)


def manifest_mac(key: str, payload: bytes) -> str:
    """HMAC-SHA256 of the manifest under a key derived from the backup key: only a holder of
    the key can write a manifest that a restore believes."""
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"diversion backup manifest v1").derive(decode_key(key))
    return hmac.new(mac_key, payload, hashlib.sha256).hexdigest()
