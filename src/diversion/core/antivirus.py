"""Virus scanning of uploads by a ClamAV daemon (clamd), streamed over its INSTREAM command.

`DIVERSION_CLAMD` names the daemon (`unix:///run/clamav/clamd.ctl` or `tcp://host:3310`);
unset, nothing is scanned (development; production warns, system check diversion.W020).
Nothing here downloads signatures: clamd and its freshclam are the operator's to run.

INSTREAM (clamd(8)): the command `zINSTREAM\\0`, then chunks each prefixed by its length as a
4-byte big-endian integer, then a zero length; clamd answers `stream: OK`, `stream: <name>
FOUND` or an error, ending in NUL. clamd refuses a stream longer than its `StreamMaxLength`
(25 MB by default) with `INSTREAM size limit exceeded. ERROR`: raise it to at least
`RECORDS_UPLOAD_MAX_MB`. Written here rather than taken from PyPI: `clamd` is unmaintained
since 2017 and its maintained fork `clamav-client` is GPL-2.0 (docs/decisions/0002).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core import checks

from diversion.env import clamd_address

# Bytes a chunk carries; far below clamd's StreamMaxLength and its buffer sizes.
CHUNK = 64 * 1024
_REPLY_LIMIT = 4096
_SIZE_LIMIT = "INSTREAM size limit exceeded"


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str = ""  # the virus's name when infected: for the security log, not the user


class ScannerUnavailable(Exception):
    """The file could not be checked: clamd unreachable, too slow, or answering an error."""


class Scanner(Protocol):
    def scan(self, chunks: Iterable[bytes]) -> Verdict: ...


class ClamdScanner:
    """One connection per scan; `timeout` bounds the connect, each send and the wait for the
    answer (clamd scans after the whole stream has arrived)."""

    def __init__(self, address: str, timeout: float) -> None:
        self.address = address
        _family, self.target = clamd_address(address)
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        if isinstance(self.target, str):  # a Unix socket's path
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.target)
            except BaseException:
                sock.close()
                raise
            return sock
        sock = socket.create_connection(self.target, timeout=self.timeout)
        sock.settimeout(self.timeout)
        return sock

    def scan(self, chunks: Iterable[bytes]) -> Verdict:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                try:
                    for chunk in chunks:
                        for start in range(0, len(chunk), CHUNK):
                            piece = chunk[start:start + CHUNK]
                            # One send per chunk: a separate 4-byte send would meet Nagle's
                            # algorithm and delayed ACKs on TCP.
                            sock.sendall(struct.pack("!L", len(piece)) + piece)
                    sock.sendall(struct.pack("!L", 0))
                except OSError as exc:
                    # clamd stops reading past StreamMaxLength and says why before closing.
                    reply = _read_reply(sock, quiet=True)
                    if not reply:
                        raise ScannerUnavailable(f"clamd at {self.address}: {exc}") from exc
                else:
                    reply = _read_reply(sock)
        except ScannerUnavailable:
            raise
        except OSError as exc:  # refused, missing socket, timed out, reset
            raise ScannerUnavailable(f"clamd at {self.address}: {exc}") from exc
        return _verdict(reply, self.address)


def _read_reply(sock: socket.socket, *, quiet: bool = False) -> str:
    data = b""
    try:
        while b"\0" not in data and len(data) < _REPLY_LIMIT:
            more = sock.recv(_REPLY_LIMIT)
            if not more:
                break
            data += more
    except OSError:
        if not quiet:
            raise
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _verdict(reply: str, address: str) -> Verdict:
    if reply == "stream: OK":
        return Verdict(infected=False)
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return Verdict(infected=True, signature=reply[len("stream: "):-len(" FOUND")].strip())
    if reply.startswith(_SIZE_LIMIT):
        raise ScannerUnavailable(f"clamd at {address} refused the stream as longer than its "
                                 "StreamMaxLength: raise it to RECORDS_UPLOAD_MAX_MB")
    raise ScannerUnavailable(f"clamd at {address} answered {reply[:120]!r}")


def configured() -> Scanner | None:
    """The scanner `DIVERSION_CLAMD` names, or None when it is unset."""
    address = getattr(settings, "DIVERSION_CLAMD", "")
    if not address:
        return None
    return ClamdScanner(address, float(getattr(settings, "DIVERSION_CLAMD_TIMEOUT", 60)))


@checks.register(checks.Tags.security, deploy=True)
def scanner_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION or settings.DIVERSION_CLAMD:
        return []
    return [checks.Warning(
        "DIVERSION_CLAMD is not set: uploaded police extracts are not scanned for viruses.",
        hint="Run clamd (with freshclam keeping its signatures current, and StreamMaxLength at "
             "least RECORDS_UPLOAD_MAX_MB) and set DIVERSION_CLAMD=unix:///run/clamav/clamd.ctl "
             "or tcp://host:3310 (README, Configuration).",
        id="diversion.W020")]
