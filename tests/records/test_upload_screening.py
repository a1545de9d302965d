"""Uploads refused and logged (security.md 16, ASVS 5.4.3): the virus scan through a ClamAV
daemon's INSTREAM protocol (a fake clamd in a thread), renamed Windows programs, and a security
event with the file's size and SHA-256 for every refused file, through the page, the command
line and the worker."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from diversion.audit.models import SecurityEvent, SecurityEventKind
from diversion.core import antivirus
from diversion.records import services
from diversion.records.models import CrimeRecord, ImportBatch
from tests.records import bombs
from tests.records.helpers import csv_bytes, row

# The EICAR test file, built from parts so this repository does not itself trip a scanner.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-" + "TEST-FILE!"
         + "$H+H*").encode()


# --- A fake clamd: INSTREAM over a Unix or TCP socket, in a thread --------------------------

@dataclass
class FakeClamd:
    """Answers INSTREAM like clamd: `stream: Eicar-Test-Signature FOUND` when the stream holds
    the EICAR string, else `stream: OK`. `mode` makes it misbehave."""

    address: str = ""
    mode: str = "scan"  # "scan", "silent" (never answers), "max:<bytes>" (StreamMaxLength)
    streams: list[bytes] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)

    def serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # the test closed the listening socket
            with conn:
                self._one(conn)

    def _read(self, conn: socket.socket, count: int) -> bytes:
        data = b""
        while len(data) < count:
            more = conn.recv(count - len(data))
            if not more:
                raise ConnectionError("client went away")
            data += more
        return data

    def _one(self, conn: socket.socket) -> None:
        try:
            command = b""
            while not command.endswith(b"\0"):
                command += self._read(conn, 1)
            self.commands.append(command)
            if command != b"zINSTREAM\0":
                conn.sendall(b"UNKNOWN COMMAND\0")
                return
            limit = int(self.mode[4:]) if self.mode.startswith("max:") else None
            stream = b""
            while True:
                (length,) = struct.unpack("!L", self._read(conn, 4))
                if length == 0:
                    break
                self.chunk_sizes.append(length)
                stream += self._read(conn, length)
                if limit is not None and len(stream) > limit:
                    conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                    return
            self.streams.append(stream)
            if self.mode == "silent":
                conn.recv(1)  # until the client gives up
                return
            found = EICAR in stream
            conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")
        except OSError:
            return


@contextlib.contextmanager
def _serving(server: socket.socket, address: str, settings) -> Iterator[FakeClamd]:
    """Serve a fake clamd on `server` and configure it as the app's scanner."""
    fake = FakeClamd(address=address)
    thread = threading.Thread(target=fake.serve, args=(server,), daemon=True)
    thread.start()
    settings.DIVERSION_CLAMD = fake.address
    settings.DIVERSION_CLAMD_TIMEOUT = 5
    try:
        yield fake
    finally:
        _stop(server, thread)


@pytest.fixture
def clamd(settings) -> Iterator[FakeClamd]:
    """A fake clamd on a Unix socket (a short path: sun_path holds about 100 bytes)."""
    directory = Path(tempfile.mkdtemp(prefix="clamd", dir="/tmp"))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(directory / "clamd.ctl"))
    server.listen(5)
    with _serving(server, f"unix://{directory / 'clamd.ctl'}", settings) as fake:
        yield fake
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def tcp_clamd(settings) -> Iterator[FakeClamd]:
    server = socket.create_server(("127.0.0.1", 0))
    with _serving(server, f"tcp://127.0.0.1:{server.getsockname()[1]}", settings) as fake:
        yield fake


def _stop(server: socket.socket, thread: threading.Thread) -> None:
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (Linux)
    server.close()
    thread.join(timeout=5)


def _upload(client, name: str, content: bytes):
    return client.post(reverse("records:upload"), {
        "source": "", "new_source": "Niche", "extract": SimpleUploadedFile(name, content)})


def _command(analyst, tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    call_command("import_records", str(path), "--analyst", analyst.username,
                 "--source", "Niche", "--no-link")


def _refusal(analyst, content: bytes, where: str) -> SecurityEvent:
    """The one security event for a refused file, with who, where, its size and SHA-256."""
    event = SecurityEvent.objects.get(kind=SecurityEventKind.UPLOAD_REFUSED)
    assert (event.user, event.username, event.organisation_id) == (
        analyst, analyst.username, analyst.organisation_id)
    assert event.file_size == len(content)
    assert event.file_sha256 == hashlib.sha256(content).hexdigest()
    assert event.reason.startswith(where + ": ")
    return event


def _nothing_stored(settings) -> None:
    assert not ImportBatch.objects.exists() and not CrimeRecord.objects.exists()
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def _eicar_csv() -> bytes:
    return csv_bytes([row("A/1"), row("A/2", given_name=EICAR.decode())])


# --- The virus scan ---------------------------------------------------------------------------

def test_eicar_through_the_page_is_refused_logged_and_not_stored(analyst_client, analyst,
                                                                 clamd, settings):
    content = _eicar_csv()
    response = _upload(analyst_client, "extract.csv", content)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert services.INFECTED in page
    assert "Eicar-Test-Signature" not in page  # the virus's name is for the log only
    _nothing_stored(settings)
    event = _refusal(analyst, content, services.PAGE)
    assert event.reason == "upload page: virus found: Eicar-Test-Signature"
    assert event.request_id and event.ip_address == "127.0.0.1"
    # The whole file went to clamd, in chunks, and nothing of it went to the log.
    assert clamd.streams == [content]
    assert EICAR.decode() not in event.reason and "A/2" not in event.reason


def test_eicar_through_the_command_line_is_refused_and_logged(analyst, clamd, settings,
                                                              tmp_path):
    content = _eicar_csv()
    with pytest.raises(CommandError, match="contains a virus"):
        _command(analyst, tmp_path, "extract.csv", content)
    _nothing_stored(settings)
    event = _refusal(analyst, content, services.COMMAND)
    assert event.reason.endswith("virus found: Eicar-Test-Signature")


def test_a_clean_file_is_scanned_whole_in_chunks_then_imported(
        analyst_client, clamd, run_worker, django_capture_on_commit_callbacks):
    content = csv_bytes([row(f"A/{i}") for i in range(3000)])
    assert len(content) > 3 * antivirus.CHUNK
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "extract.csv", content)
    assert response.status_code == 302
    assert clamd.commands == [b"zINSTREAM\0"] and clamd.streams == [content]
    assert max(clamd.chunk_sizes) <= antivirus.CHUNK and len(clamd.chunk_sizes) >= 4
    run_worker()
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE
    assert CrimeRecord.objects.count() == 3000
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.UPLOAD_REFUSED).exists()


def test_the_scanner_over_tcp_finds_eicar_too(analyst_client, analyst, tcp_clamd, settings):
    content = _eicar_csv()
    assert services.INFECTED in _upload(analyst_client, "extract.csv", content).content.decode()
    _nothing_stored(settings)
    _refusal(analyst, content, services.PAGE)
    assert tcp_clamd.streams == [content]


def _closed_tcp_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_an_unreachable_scanner_refuses_the_upload_fail_closed(analyst_client, analyst,
                                                              settings, transport):
    address = ("unix:///tmp/no-such-clamd-socket/clamd.ctl" if transport == "unix"
               else f"tcp://127.0.0.1:{_closed_tcp_port()}")
    settings.DIVERSION_CLAMD = address
    content = csv_bytes([row("A/1")])
    page = _upload(analyst_client, "extract.csv", content).content.decode()
    assert services.UNCHECKED in page  # "... could not be checked for viruses: try again later"
    _nothing_stored(settings)
    event = _refusal(analyst, content, services.PAGE)
    assert "virus scan failed: clamd at " + address in event.reason


def test_an_unreachable_scanner_refuses_on_the_command_line(analyst, settings, tmp_path):
    settings.DIVERSION_CLAMD = "unix:///tmp/no-such-clamd-socket/clamd.ctl"
    content = csv_bytes([row("A/1")])
    with pytest.raises(CommandError, match="could not be checked for viruses"):
        _command(analyst, tmp_path, "extract.csv", content)
    _nothing_stored(settings)
    _refusal(analyst, content, services.COMMAND)


def test_a_scanner_that_never_answers_times_out_and_refuses(analyst_client, analyst, clamd,
                                                            settings):
    clamd.mode = "silent"
    settings.DIVERSION_CLAMD_TIMEOUT = 1
    content = csv_bytes([row("A/1")])
    page = _upload(analyst_client, "extract.csv", content).content.decode()
    assert services.UNCHECKED in page
    _nothing_stored(settings)
    assert "timed out" in _refusal(analyst, content, services.PAGE).reason


def test_a_file_longer_than_clamds_stream_limit_is_refused_naming_the_setting(
        analyst_client, analyst, clamd, settings):
    clamd.mode = "max:100000"  # clamd's StreamMaxLength set below the upload cap
    content = csv_bytes([row(f"A/{i}") for i in range(3000)])
    page = _upload(analyst_client, "extract.csv", content).content.decode()
    assert services.UNCHECKED in page
    _nothing_stored(settings)
    assert "StreamMaxLength" in _refusal(analyst, content, services.PAGE).reason


def test_without_a_scanner_uploads_are_accepted_unscanned(analyst_client, settings,
                                                          django_capture_on_commit_callbacks):
    settings.DIVERSION_CLAMD = ""  # development: no clamd
    assert antivirus.configured() is None
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "extract.csv", _eicar_csv())
    assert response.status_code == 302 and ImportBatch.objects.count() == 1


# --- Renamed Windows programs -----------------------------------------------------------------

def _windows_program() -> bytes:
    """The start of a PE file: the DOS header ("MZ", e_lfanew at 0x3C), its stub, "PE\\0\\0"."""
    dos = bytearray(b"MZ" + b"\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 50)
    dos[0x3C:0x40] = struct.pack("<L", 0x80)
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    body = bytes(dos) + stub.ljust(0x80 - len(dos), b"\0") + b"PE\0\0" + b"\x64\x86" + b"\0" * 400
    return body


@pytest.mark.parametrize(("name", "kind"), [
    ("extract.csv", "CSV"), ("extract.xlsx", "XLSX"), ("extract.parquet", "PARQUET")])
def test_a_renamed_windows_program_is_refused_on_the_page_and_logged(
        analyst_client, analyst, settings, name, kind):
    content = _windows_program()
    page = _upload(analyst_client, name, content).content.decode()
    assert "govuk-error-summary" in page
    assert f"The selected file is a Windows program, not a {kind} file" in page
    _nothing_stored(settings)
    event = _refusal(analyst, content, services.PAGE)
    assert event.reason == f"upload page: The selected file is a Windows program, not a {kind} file"


@pytest.mark.parametrize("name", ["extract.csv", "extract.xlsx", "extract.parquet"])
def test_a_renamed_windows_program_is_refused_on_the_command_line_and_logged(
        analyst, settings, tmp_path, name):
    content = _windows_program()
    with pytest.raises(CommandError, match="is a Windows program"):
        _command(analyst, tmp_path, name, content)
    _nothing_stored(settings)
    _refusal(analyst, content, services.COMMAND)


def test_a_csv_whose_first_column_starts_with_mz_is_not_a_program(analyst_client, settings,
                                                                  django_capture_on_commit_callbacks):
    content = b"MZ_ref,crime_reference\n" + b"1,A/1\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "extract.csv", content)
    assert response.status_code == 302  # text, no NUL byte: read as a CSV


# --- Every other refusal is logged too --------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("extract.pdf", b"%PDF-1.4 not an extract", "must be a CSV, Parquet or XLSX file"),
    ("extract.pdf", _windows_program(), "must be a CSV, Parquet or XLSX file"),  # .exe as .pdf
    ("extract.xlsx", b"not a workbook", "not a real XLSX file"),
    ("extract.parquet", b"PK\x03\x04 a zip", "not a real PARQUET file"),
    ("extract.csv", "Øster,1\n".encode("utf-16"), "not UTF-8"),
])
def test_wrong_type_and_bad_first_bytes_are_logged_from_the_page(analyst_client, analyst,
                                                                 settings, name, content,
                                                                 message):
    page = _upload(analyst_client, name, content).content.decode()
    assert message in page
    _nothing_stored(settings)
    event = _refusal(analyst, content, services.PAGE)
    assert message in event.reason


@pytest.mark.parametrize("where", [services.PAGE, services.COMMAND])
def test_too_big_is_logged_with_the_whole_files_size_and_hash(analyst_client, analyst,
                                                              settings, tmp_path, where):
    settings.RECORDS_UPLOAD_MAX_MB = 1
    content = csv_bytes([row(f"A/{i}") for i in range(13_000)])
    assert len(content) > 1 << 20
    if where == services.PAGE:
        assert "must be smaller than 1 MB" in _upload(analyst_client, "big.csv",
                                                       content).content.decode()
    else:
        with pytest.raises(CommandError, match="must be smaller than 1 MB"):
            _command(analyst, tmp_path, "big.csv", content)
    _nothing_stored(settings)
    _refusal(analyst, content, where)  # the command hashes past the cap, writing nothing


def test_a_zip_bomb_refused_by_the_worker_is_logged_for_the_uploader(
        analyst_client, analyst, run_worker, settings, django_capture_on_commit_callbacks):
    settings.RECORDS_EXPANDED_MAX_MB = 1
    bomb = bombs.zeros_sheet(0.01)  # a 10 MB worksheet in a few kilobytes
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(analyst_client, "extract.xlsx", bomb).status_code == 302
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.UPLOAD_REFUSED).exists()
    run_worker()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and "expands to" in batch.problem
    event = _refusal(analyst, bomb, services.WORKER)
    assert event.reason == f"{services.WORKER}: {batch.problem}"[:300]
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())


def test_the_auditor_sees_the_refusal_with_its_hash(analyst_client, cast, client, settings):
    from diversion.accounts.roles import Role

    content = _windows_program()
    _upload(analyst_client, "extract.csv", content)
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(reverse("audit:security"), {
        "purpose": "integrity_security", "kind": SecurityEventKind.UPLOAD_REFUSED}
    ).content.decode()
    assert "Upload refused" in page and hashlib.sha256(content).hexdigest() in page
    assert f"File of {len(content)} bytes" in page
