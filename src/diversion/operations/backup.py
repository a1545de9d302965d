"""Backups of the database with what a restore needs to prove it: pg_dump plus the processing
log's signed checkpoints (kept outside the database), and a manifest of row counts, checksums
and which keys the data needs (by id, never the keys). Keys go to a separate file only when the
operator names one; it is created owner-read-only and never beside the data by default.

The dump and the checkpoints are encrypted at rest with a backup key of their own
(DIVERSION_BACKUP_KEYS, operations/encryption.py), streamed so neither the dump nor its
plaintext is ever held in memory or written to disk; the manifest stays readable (row counts,
checksums, key ids: no personal data) and carries a MAC under the backup key, so a restore
believes no file that was changed, swapped or made without the key.

PostgreSQL only: SQLite is a development database (copy its file with sqlite3's .backup).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from diversion.audit import chain
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.audit.verification import checkpoint_path, verify, write_checkpoint
from diversion.core.crypto import FieldDecryptionError, encrypted_fields
from diversion.operations import encryption
from diversion.operations.encryption import EncryptionError

MANIFEST_VERSION = 2  # 2: dump and checkpoints encrypted, manifest MAC'd (1 was plaintext)
# Not data: the cache is rebuilt on use, and rows here change while the app runs.
UNCOUNTED_TABLES = {"diversion_cache"}


class BackupError(Exception):
    """The backup, restore or check cannot go on; the message says why, for the operator."""


@dataclass
class Manifest:
    created_at: str
    database: str
    dump: str
    dump_sha256: str
    checkpoints: str | None
    checkpoints_sha256: str | None
    row_counts: dict[str, int]
    # Which keys the data needs, as ids (first 8 hex of SHA-256): never the keys themselves.
    field_key_ids: list[str]
    log_key_ids: list[str]
    secret_key_id: str
    backup_key_id: str = ""
    version: int = MANIFEST_VERSION
    mac: str = ""  # HMAC under the backup key of everything above

    def _payload(self) -> bytes:
        fields = {name: value for name, value in self.__dict__.items() if name != "mac"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def write(self, path: Path, key: str) -> None:
        self.backup_key_id = encryption.key_id(key)
        self.mac = encryption.manifest_mac(key, self._payload())
        path.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest at `path`, once its MAC proves it was written with a backup key."""
        try:
            data = json.loads(path.read_text())
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise BackupError(f"{path} is not a backup manifest ({exc})") from None
        if manifest.version != MANIFEST_VERSION:
            raise BackupError(f"{path.name} is a version {manifest.version} backup; this "
                              f"release restores version {MANIFEST_VERSION} (encrypted) only")
        key = next((k for k in backup_keys() if encryption.key_id(k) == manifest.backup_key_id),
                   None)
        if key is None:
            raise BackupError(
                f"{path.name} was made with backup key {manifest.backup_key_id}, which is not in "
                f"DIVERSION_BACKUP_KEYS ({', '.join(map(encryption.key_id, backup_keys()))})")
        if not hmac.compare_digest(manifest.mac, encryption.manifest_mac(key,
                                                                         manifest._payload())):
            raise BackupError(f"{path.name} has been changed since the backup was made (its "
                              "MAC does not match): do not trust this backup")
        return manifest


def backup_keys() -> list[str]:
    """The backup keys, newest first; refuses clearly when there are none."""
    if not settings.DIVERSION_BACKUP_KEYS:
        raise BackupError(
            "DIVERSION_BACKUP_KEYS is not set: backups are encrypted at rest with a key of their "
            "own (not a field or log key). Generate one with python -c \"from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\", keep it "
            "in your secrets store and set it where backups are made and restored (README, "
            "Backups)")
    return list(settings.DIVERSION_BACKUP_KEYS)


def key_id(key: str) -> str:
    return chain.key_id(key)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backups need PostgreSQL (DATABASE_URL=postgres://...). This is SQLite, a "
            "development database: stop the app and copy the file with "
            "sqlite3 var/diversion.sqlite3 \".backup copy.sqlite3\"")


def _pg_environment(url: str | None = None) -> dict[str, str]:
    """libpq's variables for the configured database (or `url`): no password on a command line."""
    env = dict(os.environ)
    if url is None:
        conf = connection.settings_dict
        values = {"PGHOST": conf.get("HOST"), "PGPORT": conf.get("PORT"),
                  "PGUSER": conf.get("USER"), "PGPASSWORD": conf.get("PASSWORD"),
                  "PGDATABASE": conf.get("NAME")}
    else:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql"} or not parts.path.strip("/"):
            raise BackupError(f"{_safe(url)} is not a postgres://.../database address")
        values = {"PGHOST": parts.hostname, "PGPORT": str(parts.port or ""),
                  "PGUSER": unquote(parts.username or ""),
                  "PGPASSWORD": unquote(parts.password or ""),
                  "PGDATABASE": unquote(parts.path.strip("/"))}
    env.update({name: str(value) for name, value in values.items() if value})
    return env


def _safe(url: str) -> str:
    """An address for messages, without its password."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(set(connection.introspection.table_names(cursor)) - UNCOUNTED_TABLES)
        counts = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


def write_keys_file(path: Path) -> None:
    """The keys a restore needs, as shell variables, readable by the owner only. Refuses to
    overwrite a file: a keys file is written once and kept apart from the data."""
    lines = [f"SECRET_KEY={settings.SECRET_KEY}",
             f"DIVERSION_FIELD_KEYS={','.join(settings.DIVERSION_FIELD_KEYS)}",
             f"DIVERSION_LOG_KEYS={','.join(settings.DIVERSION_LOG_KEYS)}",
             f"DIVERSION_BACKUP_KEYS={','.join(backup_keys())}"]
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists: a keys file is never overwritten") from None
    with os.fdopen(descriptor, "w") as stream:
        stream.write("\n".join(lines) + "\n")


def backup(out_dir: Path, *, keys_file: Path | None = None,
           keys_beside_data: bool = False) -> Path:
    """Dump the database and copy the checkpoints into `out_dir`; return the manifest's path."""
    require_postgresql()
    key = backup_keys()[0]
    out_dir = out_dir.resolve()
    if keys_file is not None:
        keys_file = keys_file.resolve()
        if keys_file.parent == out_dir and not keys_beside_data:
            raise BackupError(
                "The keys file would sit beside the data it unlocks: name a file in another "
                "place (a vault, another volume), or add --keys-beside-data if you mean it")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = "diversion-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dump = out_dir / f"{stem}.dump.enc"
    copied = out_dir / f"{stem}.checkpoints.jsonl.enc"

    with transaction.atomic():
        record(actor=None, operation=Operation.DISCLOSURE, recipient=f"backup {dump}",
               justification="Backup of the whole database (pg_dump) for disaster recovery")
    # A fresh checkpoint, then the copy, then the snapshot: every copied checkpoint names rows
    # the dump holds.
    write_checkpoint()
    with checkpoint_path().open("rb") as source, _private(copied) as target:
        encryption.encrypt_stream(source, target, key, "checkpoints")

    # One snapshot for the counts and the dump, so they agree while the app keeps running.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = count_rows()
        _dump_encrypted(snapshot, dump, key)

    if keys_file is not None:
        write_keys_file(keys_file)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=str(connection.settings_dict["NAME"]), dump=dump.name,
        dump_sha256=_sha256(dump), checkpoints=copied.name, checkpoints_sha256=_sha256(copied),
        row_counts=counts, field_key_ids=[key_id(k) for k in settings.DIVERSION_FIELD_KEYS],
        log_key_ids=[key_id(k) for k in settings.DIVERSION_LOG_KEYS],
        secret_key_id=key_id(settings.SECRET_KEY))
    path = out_dir / f"{stem}.manifest.json"
    manifest.write(path, key)
    return path


def _private(path: Path) -> Any:
    """A new file readable by its owner only (never an existing one, never through a link)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools)")
    return found


def _dump_encrypted(snapshot: str, dump: Path, key: str) -> None:
    """pg_dump's output streamed through the encryption into `dump`: no plaintext on disk."""
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
               f"--snapshot={snapshot}"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=_pg_environment(),  # noqa: S603 (our argv)
                                   stdout=subprocess.PIPE, stderr=errors)
        try:
            assert process.stdout is not None
            with _private(dump) as target:
                encryption.encrypt_stream(process.stdout, target, key, "dump")
        except BaseException:
            process.kill()  # it would block on a pipe nobody reads
            process.wait()
            dump.unlink(missing_ok=True)
            raise
        returncode = process.wait()
        if returncode != 0:
            dump.unlink(missing_ok=True)
            errors.seek(0)
            raise BackupError(f"pg_dump failed: {errors.read().decode(errors='replace')[-2000:]}")


def _connect(env: dict[str, str], dbname: str) -> Any:
    """A psycopg connection (autocommit) to `dbname` on the server `env` names."""
    import psycopg

    options: dict[str, Any] = {"host": env.get("PGHOST"), "port": env.get("PGPORT"),
                               "user": env.get("PGUSER"), "password": env.get("PGPASSWORD")}
    return psycopg.connect(dbname=dbname, autocommit=True, **options)


def _database_is_empty(env: dict[str, str]) -> bool | None:
    """None when the database does not exist; else whether it has no tables."""
    import psycopg

    try:
        with _connect(env, env["PGDATABASE"]) as conn:
            row = conn.execute("SELECT count(*) FROM information_schema.tables "
                               "WHERE table_schema = 'public'").fetchone()
            return bool(row and row[0] == 0)
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise BackupError(f"cannot reach the target database: {exc}") from None


def create_database(url: str) -> None:
    from psycopg import sql

    env = _pg_environment(url)
    with _connect(env, "postgres") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(env["PGDATABASE"])))


def drop_database(url: str) -> None:
    from psycopg import sql

    env = _pg_environment(url)
    with _connect(env, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(env["PGDATABASE"])))


def restore(manifest_path: Path, url: str, checkpoint_dir: Path) -> Manifest:
    """Restore a backup into a new (or empty) database at `url` and its checkpoints into
    `checkpoint_dir`, after checking both files against the manifest's checksums."""
    manifest = Manifest.read(manifest_path)
    keys = backup_keys()
    folder = manifest_path.resolve().parent
    dump = folder / manifest.dump
    if not dump.exists():
        raise BackupError(f"{dump} is missing")
    if _sha256(dump) != manifest.dump_sha256:
        raise BackupError(f"{dump.name} does not match the manifest's checksum: changed or cut")
    checkpoints = folder / manifest.checkpoints if manifest.checkpoints else None
    if checkpoints is not None and (
            not checkpoints.exists() or _sha256(checkpoints) != manifest.checkpoints_sha256):
        raise BackupError(f"{manifest.checkpoints} is missing or does not match the manifest")
    # Authenticate every chunk before anything is restored, so a tampered file changes nothing.
    for path, purpose in ((dump, "dump"), (checkpoints, "checkpoints")):
        if path is not None:
            _decrypt(path, None, keys, purpose)
    env = _pg_environment(url)
    state = _database_is_empty(env)
    if state is None:
        create_database(url)
    elif not state:
        raise BackupError(f"{_safe(url)} already holds tables: restore only into a new database")
    _restore_decrypted(dump, keys, env)
    if checkpoints is not None:
        checkpoint_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = checkpoint_dir / checkpoint_path().name
        if target.exists():
            raise BackupError(f"{target} exists: restore the checkpoints into an empty folder")
        with _private(target) as stream:
            _decrypt(checkpoints, stream, keys, "checkpoints")
    return manifest


def _decrypt(path: Path, target: Any, keys: list[str], purpose: str) -> None:
    try:
        with path.open("rb") as source:
            encryption.decrypt_stream(source, target, keys, purpose, path.name)
    except EncryptionError as error:
        raise BackupError(f"{error}: do not trust this backup") from None


def _restore_decrypted(dump: Path, keys: list[str], env: dict[str, str]) -> None:
    """The decrypted dump streamed into pg_restore's standard input: no plaintext on disk."""
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               f"--dbname={env['PGDATABASE']}"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE,  # noqa: S603 (our argv)
                                   stdout=subprocess.DEVNULL, stderr=errors)
        assert process.stdin is not None
        try:
            _decrypt(dump, process.stdin, keys, "dump")
        except BrokenPipeError:
            pass  # pg_restore stopped early: its own message follows
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()  # end of input (or a cut one, if decrypting failed)
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            raise BackupError(
                f"pg_restore failed: {errors.read().decode(errors='replace').strip()[-2000:]}")


@dataclass
class Check:
    """What a restored database was checked for, and every finding."""

    rows: int = 0
    log_rows: int = 0
    checkpoints: int = 0
    decrypted: int = 0
    findings: list[str] = field(default_factory=list)


def check_restored(manifest: Manifest) -> Check:
    """Run in the restored environment: keys, row counts, the log's chain and checkpoints, and
    every encrypted field decrypted (in memory, never shown)."""
    result = Check()
    for name, wanted, have in (
            ("DIVERSION_FIELD_KEYS", manifest.field_key_ids, settings.DIVERSION_FIELD_KEYS),
            ("DIVERSION_LOG_KEYS", manifest.log_key_ids, settings.DIVERSION_LOG_KEYS)):
        missing = sorted(set(wanted) - {key_id(k) for k in have})
        if missing:
            result.findings.append(f"{name} lacks the key(s) {', '.join(missing)} the data needs")
    if key_id(settings.SECRET_KEY) != manifest.secret_key_id:
        result.findings.append("SECRET_KEY differs from the backed-up one: keyed pseudonyms "
                               "and signed sessions would not match")

    counts = count_rows()
    result.rows = sum(counts.values())
    for table in sorted(set(manifest.row_counts) | set(counts)):
        if counts.get(table) != manifest.row_counts.get(table):
            result.findings.append(f"table {table}: {counts.get(table, 'missing')} rows restored, "
                                   f"{manifest.row_counts.get(table, 'none')} backed up")

    report = verify()
    result.log_rows, result.checkpoints = report.rows_checked, report.checkpoints_checked
    result.findings.extend(f"processing log: {finding}" for finding in report.findings)
    if manifest.checkpoints and not report.checkpoints_checked:
        result.findings.append("no signed checkpoint was found to check the log against")

    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        rows = model._base_manager.values_list("pk", *names).iterator(chunk_size=2000)
        try:
            for row in rows:
                result.decrypted += sum(1 for value in row[1:] if value)
        except FieldDecryptionError:
            result.findings.append(f"{model._meta.label}: encrypted fields do not decrypt with "
                                   "DIVERSION_FIELD_KEYS")
    if result.decrypted:
        with transaction.atomic():
            record(actor=None, operation=Operation.CONSULTATION,
                   justification=f"Restore check: {result.decrypted} encrypted values decrypted "
                                 "in memory to prove the keys, none shown or stored")
    return result


def database_url() -> str:
    """The configured database as a postgres:// address."""
    from urllib.parse import quote

    conf = connection.settings_dict
    auth = quote(conf.get("USER") or "")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"])
    return (f"postgres://{auth}@{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}"
            f"/{conf['NAME']}")


def read_keys_file(path: Path) -> dict[str, str]:
    keys = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip():
            keys[name.strip()] = value.strip()
    return keys
