"""Backup and restore of a PostgreSQL database, proved by restoring it (manage.py commands)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.audit.verification import write_checkpoint
from diversion.operations.backup import database_url, drop_database
from tests.victims.helpers import home_case, make_victim

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "12 Hidden Lane, Portsmouth"


@pytest.fixture
def data(cast):
    victim = make_victim(cast, home_case(cast), address=ADDRESS, phone="07700 900123")
    with transaction.atomic():
        record(actor=cast.users["victim_worker"], operation=Operation.CONSULTATION,
               justification="test read", subjects=[victim])
    write_checkpoint()
    return victim


def _verify(manifest: Path, url: str, checkpoints: Path, **keys: str):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(DATABASE_URL=url, DIVERSION_LOG_CHECKPOINT_DIR=str(checkpoints),
               DJANGO_SETTINGS_MODULE="diversion.settings", **keys)
    return subprocess.run([sys.executable, "-m", "django", "verify_restore", str(manifest)],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def scratch():
    url = f"{database_url()}_restore_test"
    drop_database(url)
    yield url
    drop_database(url)


@pytest.mark.postgres
def test_the_drill_restores_a_copy_whose_log_checkpoints_and_encrypted_fields_verify(
        data, capsys):
    call_command("backup_drill")
    out = capsys.readouterr().out
    assert "Restore drill passed." in out
    assert "processing log of" in out and "intact against" in out
    assert "encrypted values decrypt" in out
    # The scratch database is gone.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s",
                       [f"{connection.settings_dict['NAME']}_drill_%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
def test_a_backup_holds_no_key_unless_asked_and_its_files_are_owner_only(data, tmp_path):
    call_command("backup_database", "--out", str(tmp_path / "backup"))
    files = list((tmp_path / "backup").iterdir())
    assert sorted("".join(f.suffixes[-2:]) for f in files) == [".dump.enc", ".jsonl.enc",
                                                               ".manifest.json"]
    secrets = [*settings.DIVERSION_FIELD_KEYS, *settings.DIVERSION_LOG_KEYS,
               *settings.DIVERSION_BACKUP_KEYS, settings.SECRET_KEY]
    for file in files:
        content = file.read_bytes()
        assert not any(secret.encode() in content for secret in secrets), file.name
        assert ADDRESS.encode() not in content  # encrypted at rest, so in the dump too
    for file in files:
        if file.suffix == ".enc":
            content = file.read_bytes()
            assert content.startswith(b"DVNBAK1\n")
            # Encrypted: no pg_dump signature, no table names, no checkpoint JSON.
            for plain in (b"PGDMP", b"victims_victim", b"audit_processinglog", b'"rows"'):
                assert plain not in content, (file.name, plain)
            assert stat.S_IMODE(file.stat().st_mode) == 0o600

    with pytest.raises(CommandError, match="beside the data it unlocks"):
        call_command("backup_database", "--out", str(tmp_path / "backup"),
                     "--keys-file", str(tmp_path / "backup" / "keys.env"))
    keys = tmp_path / "vault" / "keys.env"
    keys.parent.mkdir()
    call_command("backup_database", "--out", str(tmp_path / "backup"), "--keys-file", str(keys))
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert settings.DIVERSION_FIELD_KEYS[0] in keys.read_text()
    assert f"DIVERSION_BACKUP_KEYS={settings.DIVERSION_BACKUP_KEYS[0]}" in keys.read_text()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("backup_database", "--out", str(tmp_path / "again"), "--keys-file", str(keys))


@pytest.mark.postgres
def test_a_changed_dump_or_a_used_database_is_refused(data, tmp_path, scratch):
    call_command("backup_database", "--out", str(tmp_path))
    manifest = next(tmp_path.glob("*.manifest.json"))
    dump = next(tmp_path.glob("*.dump.enc"))
    original = dump.read_bytes()
    dump.write_bytes(original[:-10])
    with pytest.raises(CommandError, match="does not match the manifest's checksum"):
        call_command("restore_backup", str(manifest), "--database-url", scratch,
                     "--checkpoint-dir", str(tmp_path / "c1"))
    dump.write_bytes(original)
    with pytest.raises(CommandError, match="already holds tables"):
        call_command("restore_backup", str(manifest), "--database-url", database_url(),
                     "--checkpoint-dir", str(tmp_path / "c2"))


@pytest.mark.postgres
def test_a_restore_with_the_wrong_keys_is_reported(data, tmp_path, scratch):
    call_command("backup_database", "--out", str(tmp_path))
    manifest = next(tmp_path.glob("*.manifest.json"))
    call_command("restore_backup", str(manifest), "--database-url", scratch,
                 "--checkpoint-dir", str(tmp_path / "checkpoints"))
    wrong = _verify(manifest, scratch, tmp_path / "checkpoints",
                    DIVERSION_FIELD_KEYS="d3JvbmctZmllbGQta2V5LWZvci10aGUtZHJpbGwtMDA=",
                    DIVERSION_LOG_KEYS="another-processing-log-key-of-32-characters-or-more")
    assert wrong.returncode != 0
    assert "DIVERSION_FIELD_KEYS lacks the key" in wrong.stderr
    assert "victims.Victim: encrypted fields do not decrypt" in wrong.stderr
    assert "which is not in DIVERSION_LOG_KEYS" in wrong.stderr
    assert ADDRESS not in wrong.stderr + wrong.stdout

    right = _verify(manifest, scratch, tmp_path / "checkpoints")
    assert right.returncode == 0, right.stderr
    assert "Restore verified" in right.stdout


def test_backups_refuse_sqlite_clearly(db, vendor, tmp_path):
    if vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    for command in (["backup_drill"], ["backup_database", "--out", str(tmp_path)]):
        with pytest.raises(CommandError, match="Backups need PostgreSQL"):
            call_command(*command)
    assert not list(tmp_path.iterdir())


OTHER_KEY = "b3RoZXItYmFja3VwLWtleS1mb3ItdGhlLXRlc3RzLTA="  # 32 bytes, not the development key


def _restore(manifest: Path, url: str, checkpoints: Path):
    call_command("restore_backup", str(manifest), "--database-url", url,
                 "--checkpoint-dir", str(checkpoints))


def _database_exists(url: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                       [url.rsplit("/", 1)[-1]])
        return cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_a_tampered_dump_is_refused_before_anything_is_restored(data, tmp_path, scratch):
    from diversion.operations.backup import Manifest

    call_command("backup_database", "--out", str(tmp_path))
    manifest_path = next(tmp_path.glob("*.manifest.json"))
    dump = next(tmp_path.glob("*.dump.enc"))
    changed = bytearray(dump.read_bytes())
    changed[len(changed) // 2] ^= 1
    dump.write_bytes(bytes(changed))

    # Someone without the key rewrites the manifest's checksum to match: its MAC gives it away.
    import hashlib
    import json

    fields = json.loads(manifest_path.read_text())
    fields["dump_sha256"] = hashlib.sha256(bytes(changed)).hexdigest()
    manifest_path.write_text(json.dumps(fields))
    with pytest.raises(CommandError, match="has been changed since the backup was made"):
        _restore(manifest_path, scratch, tmp_path / "c1")

    # Even a manifest re-signed with the key (an insider, or a mix-up) cannot pass a changed
    # chunk: AES-GCM refuses it, and the target database is never created.
    resigned = Manifest(**{k: v for k, v in fields.items() if k not in {"mac"}})
    resigned.write(manifest_path, settings.DIVERSION_BACKUP_KEYS[0])
    with pytest.raises(CommandError, match="fails authentication at chunk"):
        _restore(manifest_path, scratch, tmp_path / "c2")
    assert not _database_exists(scratch)
    assert not (tmp_path / "c2").exists()


@pytest.mark.postgres
def test_a_wrong_or_missing_backup_key_is_refused_with_a_clear_message(
        data, tmp_path, scratch, settings):
    from diversion.operations.encryption import key_id

    made_with = settings.DIVERSION_BACKUP_KEYS[0]
    call_command("backup_database", "--out", str(tmp_path / "b"))
    manifest = next((tmp_path / "b").glob("*.manifest.json"))

    settings.DIVERSION_BACKUP_KEYS = [OTHER_KEY]
    with pytest.raises(CommandError, match=f"backup key {key_id(made_with)}, which is not in "
                                           f"DIVERSION_BACKUP_KEYS \\({key_id(OTHER_KEY)}\\)"):
        _restore(manifest, scratch, tmp_path / "c1")
    assert not _database_exists(scratch)

    settings.DIVERSION_BACKUP_KEYS = []
    for command in (["backup_database", "--out", str(tmp_path / "none")],
                    ["restore_backup", str(manifest), "--database-url", scratch,
                     "--checkpoint-dir", str(tmp_path / "c2")]):
        with pytest.raises(CommandError, match="DIVERSION_BACKUP_KEYS is not set"):
            call_command(*command)
    assert not (tmp_path / "none").exists()

    # After a rotation (new key first, old kept), the old backup still restores.
    settings.DIVERSION_BACKUP_KEYS = [OTHER_KEY, made_with]
    _restore(manifest, scratch, tmp_path / "c3")
    restored = _verify(manifest, scratch, tmp_path / "c3",
                       DIVERSION_BACKUP_KEYS=f"{OTHER_KEY},{made_with}")
    assert restored.returncode == 0, restored.stderr
    # verify_restore believes the manifest only with the key that signed it.
    unsigned = _verify(manifest, scratch, tmp_path / "c3", DIVERSION_BACKUP_KEYS=OTHER_KEY)
    assert unsigned.returncode != 0 and "which is not in DIVERSION_BACKUP_KEYS" in unsigned.stderr
