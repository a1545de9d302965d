"""Someone who can write to the database, trigger out of the way, cannot tamper unseen."""

from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from diversion.accounts.roles import Role
from diversion.audit import chain
from diversion.audit.models import ProcessingLog
from diversion.audit.services import record
from diversion.audit.verification import checkpoint_path
from tests.factories import make_person


def _rows(cast, n: int, reference: str = "T1") -> list[ProcessingLog]:
    person = make_person(cast.orgs["force"], reference)
    rows = []
    for i in range(n):
        with transaction.atomic():
            rows.append(record(actor=cast.users[Role.ANALYST], operation="consultation",
                               justification=f"read {i}", subjects=[person], obj=person))
    return rows


@contextmanager
def _superuser():
    """A cursor with the append-only trigger out of the way, as a database superuser could."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_processinglog_append_only")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_processing_log")
    return str(failure.value)


def _verify_passes(capsys) -> str:
    call_command("verify_processing_log")
    return capsys.readouterr().out


def test_an_intact_log_verifies_and_leaves_a_checkpoint(cast, capsys):
    _rows(cast, 3)
    assert "3 rows, chain intact" in _verify_passes(capsys)
    entries = [json.loads(line) for line in checkpoint_path().read_text().splitlines()]
    assert [entry["rows"] for entry in entries] == [3]
    assert "3 rows, chain intact, 1 checkpoints consistent" in _verify_passes(capsys)


@pytest.mark.parametrize("attacker_scheme", ["unkeyed sha256", "hmac with a guessed key"])
def test_an_edit_with_every_later_hash_recomputed_is_named(cast, attacker_scheme):
    rows = _rows(cast, 5)
    target = rows[1]
    with _superuser() as cursor:
        previous = rows[0].row_hash
        for row in ProcessingLog.objects.order_by("id").filter(id__gte=target.id):
            if row.id == target.id:
                row.justification = "quietly edited"
            row.previous_hash = previous
            if attacker_scheme == "unkeyed sha256":
                row.key_id = ""
                row.row_hash = chain.row_digest(row.previous_hash, chain.hashed_fields(row))
            else:
                row.row_hash = hmac.new(b"guess", chain.canonical(chain.signed_fields(row)),
                                        hashlib.sha256).hexdigest()
            cursor.execute("UPDATE audit_processinglog SET justification=%s, previous_hash=%s, "
                           "row_hash=%s, key_id=%s WHERE id=%s",
                           [row.justification, row.previous_hash, row.row_hash, row.key_id,
                            row.id])
            previous = row.row_hash
    message = _verify_fails()
    if attacker_scheme == "unkeyed sha256":
        assert f"row {target.id} is unsigned but follows signed rows" in message
    else:
        assert f"row {target.id} was changed" in message
    assert f"row {rows[0].id} " not in message.replace(f"follow row {rows[0].id}", "")


def test_a_blanked_subject_index_is_named(cast):
    rows = _rows(cast, 3)
    with _superuser() as cursor:
        cursor.execute("UPDATE audit_processinglog SET subject_index='' WHERE id=%s",
                       [rows[1].id])
    message = _verify_fails()
    assert f"subject_index of row {rows[1].id} was blanked" in message
    assert "1 findings" in message


def test_deleting_the_newest_rows_is_caught_by_the_checkpoint(cast):
    rows = _rows(cast, 5)
    call_command("checkpoint_processing_log")
    with _superuser() as cursor:
        cursor.execute("DELETE FROM audit_processinglog WHERE id > %s", [rows[2].id])
    message = _verify_fails()
    assert f"the log ends at row {rows[2].id} (3 rows) but the checkpoint at" in message
    assert "recorded 5 rows: rows deleted" in message
    assert f"row {rows[4].id}, the newest row at the checkpoint" in message


def test_deleting_a_middle_row_is_named(cast):
    rows = _rows(cast, 4)
    with _superuser() as cursor:
        cursor.execute("DELETE FROM audit_processinglog WHERE id = %s", [rows[1].id])
    message = _verify_fails()
    assert f"row {rows[2].id} does not follow row {rows[0].id}: rows between them were deleted" \
        in message


def test_a_forged_checkpoint_line_is_named(cast):
    _rows(cast, 2)
    call_command("checkpoint_processing_log")
    entry = json.loads(checkpoint_path().read_text())
    entry["rows"] = 1  # claims a shorter log, to cover a later truncation
    with checkpoint_path().open("a") as lines:
        lines.write(json.dumps(entry) + "\n")
        lines.write("not json\n")
    message = _verify_fails()
    assert "checkpoint line 2 (at " in message and "is forged" in message
    assert "checkpoint line 3 is unreadable" in message
    assert "checkpoint line 1" not in message


def test_a_checkpoint_after_an_edit_of_its_head_row_is_named(cast):
    rows = _rows(cast, 2)
    call_command("checkpoint_processing_log")
    with _superuser() as cursor:  # drop the head and re-append a different one under its id
        cursor.execute("UPDATE audit_processinglog SET row_hash=%s WHERE id=%s",
                       ["f" * 64, rows[1].id])
    message = _verify_fails()
    assert f"row {rows[1].id} differs from the MAC the checkpoint" in message


def test_key_rotation_old_rows_verify_with_the_key_they_name(cast, settings, capsys):
    old_key = "old-processing-log-key-0123456789abcdef"
    new_key = "new-processing-log-key-0123456789abcdef"
    settings.DIVERSION_LOG_KEYS = [old_key]
    old_rows = _rows(cast, 2)
    call_command("checkpoint_processing_log")
    settings.DIVERSION_LOG_KEYS = [new_key, old_key]
    new_rows = _rows(cast, 2, reference="T3")
    assert {row.key_id for row in old_rows} == {chain.key_id(old_key)}
    assert {row.key_id for row in new_rows} == {chain.key_id(new_key)}
    assert "4 rows, chain intact" in _verify_passes(capsys)
    settings.DIVERSION_LOG_KEYS = [new_key]  # the old key dropped while its rows are kept
    message = _verify_fails()
    assert f"row {old_rows[0].id} is signed with key {chain.key_id(old_key)}, which is not in " \
        "DIVERSION_LOG_KEYS" in message
    assert "checkpoint line 1" in message and "not in DIVERSION_LOG_KEYS" in message


def test_legacy_unkeyed_rows_still_verify_before_the_first_signed_row(cast, capsys):
    previous = chain.GENESIS
    for i in range(2):  # rows as the unkeyed chain wrote them
        row = ProcessingLog(operation="consultation", actor_username="system",
                            justification=f"legacy {i}", previous_hash=previous)
        row.row_hash = chain.row_digest(previous, chain.hashed_fields(row))
        row.save()
        row.refresh_from_db()
        previous = row.row_hash
    _rows(cast, 2)
    assert "4 rows, chain intact" in _verify_passes(capsys)


def test_the_append_only_trigger_survives_the_keyed_chain_migration(cast):
    row = _rows(cast, 1)[0]
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017
        cursor.execute("UPDATE audit_processinglog SET key_id = '' WHERE id = %s", [row.id])


def test_the_integrity_check_page_task_reports_a_finding(cast):
    from diversion.audit.models import IntegrityCheck
    from diversion.audit.tasks import verify_chain

    rows = _rows(cast, 3)
    with _superuser() as cursor:
        cursor.execute("UPDATE audit_processinglog SET subject_index='' WHERE id=%s",
                       [rows[0].id])
    check = IntegrityCheck.objects.create()
    verify_chain.call(check.pk)
    check.refresh_from_db()
    assert check.status == "failed"
    assert f"subject_index of row {rows[0].id} was blanked" in check.problem


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_writers_keep_the_keyed_chain_intact(cast, capsys):
    import threading

    from django.db import connections

    person = make_person(cast.orgs["force"], "T2")
    errors = []

    def writer():
        try:
            for i in range(10):
                with transaction.atomic():
                    record(actor=cast.users[Role.ANALYST], operation="consultation",
                           justification=f"concurrent {i}", subjects=[person])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ProcessingLog.objects.count() >= 60
    assert "chain intact" in _verify_passes(capsys)


@pytest.mark.parametrize(("keys", "message"), [
    (None, "DIVERSION_LOG_KEYS must be set in production"),
    ("dev-only-processing-log-key-not-for-production",
     "DIVERSION_LOG_KEYS must not use the development key in production"),
    ("too-short", "DIVERSION_LOG_KEYS each key must be at least 32 characters"),
])
def test_production_refuses_a_missing_development_or_short_log_key(keys, message):
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DIVERSION_LOG_KEYS", "DATABASE_URL"}}
    environment.update(DIVERSION_ENV="production", DEBUG="false", ALLOWED_HOSTS="example.org",
                       SECRET_KEY="x" * 60,
                       DIVERSION_FIELD_KEYS="Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk=")
    if keys is not None:
        environment["DIVERSION_LOG_KEYS"] = keys
    result = subprocess.run([sys.executable, "-c", "import diversion.settings"], env=environment,
                            capture_output=True, text=True, check=False,
                            cwd=Path(__file__).resolve().parents[2] / "src")
    assert result.returncode != 0
    assert message in result.stderr
