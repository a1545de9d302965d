"""Uploaded extracts on disk, between the upload request and the worker that imports them.

A stored file is named by a random token, never by anything the person sent, and lives in
`settings.RECORDS_UPLOAD_DIR` (outside the web root; nothing serves it back). It is written in
chunks, so the request never holds the file in memory, and deleted when its import ends.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from diversion.records.limits import LimitExceeded, size

_NAME = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Stored:
    name: str
    sha256: str
    size: int
    head: bytes  # the first bytes, for the type and encoding checks


def directory() -> Path:
    path = Path(settings.RECORDS_UPLOAD_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    """The stored file's path; refuses anything but a token this module made."""
    if not _NAME.match(name or ""):
        raise ValueError("not a stored upload name")
    return directory() / name


class TooLarge(LimitExceeded):
    """Past the upload cap; carries the whole upload's size and SHA-256 for the security log."""

    def __init__(self, message: str, *, size: int, sha256: str) -> None:
        super().__init__(message)
        self.size, self.sha256 = size, sha256


def store(chunks: Iterable[bytes], max_bytes: int, head_bytes: int = 4096) -> Stored:
    """Write chunks to a new file under a random name; refuse (and remove it) past max_bytes."""
    name = secrets.token_hex(16)
    final = path_of(name)
    partial = final.with_name(name + ".part")
    digest = hashlib.sha256()
    written = 0
    head = b""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    iterator = iter(chunks)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iterator:
                written += len(chunk)
                digest.update(chunk)
                if written > max_bytes:
                    break
                if len(head) < head_bytes:
                    head += chunk[:head_bytes - len(head)]
                out.write(chunk)
        if written > max_bytes:
            partial.unlink(missing_ok=True)
            # Nothing more is written; the rest is only hashed, for the log of the refusal
            # (the web server or the command's disk already holds it).
            for chunk in iterator:
                written += len(chunk)
                digest.update(chunk)
            raise TooLarge(f"The selected file must be smaller than {size(max_bytes)}",
                           size=written, sha256=digest.hexdigest())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Stored(name=name, sha256=digest.hexdigest(), size=written, head=head)


def digest(chunks: Iterable[bytes]) -> tuple[int, str]:
    """Size and SHA-256 of a file that is refused before it is stored."""
    found = hashlib.sha256()
    total = 0
    for chunk in chunks:
        total += len(chunk)
        found.update(chunk)
    return total, found.hexdigest()


def read(name: str, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
    """The stored file in chunks (for the virus scan)."""
    with open(path_of(name), "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk


def delete(name: str) -> None:
    if name:
        path_of(name).unlink(missing_ok=True)
