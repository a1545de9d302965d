"""The processing log in lanes: writers do not queue behind one lock, and each lane is still a
complete keyed chain whose edits, gaps and truncation the verifier names."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from diversion.accounts.roles import Role
from diversion.audit import chain
from diversion.audit.models import ProcessingLog
from diversion.audit.services import record
from diversion.audit.verification import checkpoint_path, verify, write_checkpoint
from tests.factories import make_person


def _write(cast, lane: int, n: int) -> list[ProcessingLog]:
    """n rows, each in its own transaction, from a connection that last wrote to `lane`."""
    rows = []
    for i in range(n):
        connection.diversion_log_lane = lane
        with transaction.atomic():
            rows.append(record(actor=cast.users[Role.ANALYST], operation="consultation",
                               justification=f"lane {lane} read {i}"))
    return rows


def _superuser_delete(row_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_processinglog WHERE id = %s", [row_id])


@pytest.mark.postgres
def test_each_lane_chains_from_the_start_and_verifies(cast, settings, capsys):
    settings.DIVERSION_LOG_LANES = 4
    one, two = _write(cast, 1, 3), _write(cast, 2, 2)
    assert {row.lane for row in one} == {1} and {row.lane for row in two} == {2}
    assert one[0].previous_hash == two[0].previous_hash == chain.GENESIS
    assert two[1].previous_hash == two[0].row_hash
    call_command("checkpoint_processing_log")
    lines = [json.loads(line) for line in checkpoint_path().read_text().splitlines()]
    assert [(line["lane"], line["rows"]) for line in lines] == [(1, 3), (2, 2)]
    call_command("verify_processing_log")
    assert "5 rows, chain intact" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_gap_or_truncation_in_one_lane_is_named_with_its_lane(cast, settings):
    settings.DIVERSION_LOG_LANES = 4
    one, two = _write(cast, 1, 3), _write(cast, 2, 3)
    write_checkpoint()
    _superuser_delete(one[1].id)
    _superuser_delete(two[2].id)
    with pytest.raises(CommandError) as failure:
        call_command("verify_processing_log")
    message = str(failure.value)
    assert f"row {one[2].id} does not follow row {one[0].id}" in message
    assert f"the log of lane 2 ends at row {two[1].id} (2 rows) but the checkpoint" in message
    assert f"row {two[2].id}, the newest row of lane 2 at the checkpoint" in message


@pytest.mark.postgres
def test_moving_a_row_to_another_lane_breaks_both_chains(cast, settings):
    settings.DIVERSION_LOG_LANES = 4
    one, _two = _write(cast, 1, 3), _write(cast, 2, 2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_processinglog SET lane = 2 WHERE id = %s", [one[1].id])
    findings = verify().findings
    assert any(f"row {one[2].id} does not follow row {one[0].id}" in f for f in findings)
    assert any(f"row {one[1].id} does not follow" in f for f in findings)


@pytest.mark.postgres
def test_a_checkpoint_line_from_before_lanes_still_verifies_against_lane_0(cast, settings):
    settings.DIVERSION_LOG_LANES = 4
    rows = _write(cast, 0, 2)
    kid, key = chain.signing_key()
    payload = {"at": "2026-12-01T00:00:00+00:00", "rows": 2, "head_id": rows[-1].id,
               "head_mac": rows[-1].row_hash, "key_id": kid}  # no "lane": the old format
    checkpoint_path().parent.mkdir(parents=True, exist_ok=True)
    checkpoint_path().write_text(json.dumps({**payload, "signature": chain.mac(key, payload)})
                                 + "\n")
    report = verify()
    assert report.intact and report.checkpoints_checked == 1
    _superuser_delete(rows[-1].id)
    assert any("the newest row at the checkpoint" in f for f in verify().findings)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_takes_a_free_lane_instead_of_queueing_and_keeps_its_own(cast, settings):
    """A transaction holding lane 0 open does not hold up another writer, and its own later
    rows stay in lane 0."""
    settings.DIVERSION_LOG_LANES = 2
    analyst = cast.users[Role.ANALYST]
    person = make_person(cast.orgs["force"], "LANES")
    holding, release, lanes, errors = threading.Event(), threading.Event(), [], []

    def slow_writer() -> None:
        try:
            connection.diversion_log_lane = 0
            with transaction.atomic():
                lanes.append(record(actor=analyst, operation="consultation",
                                    justification="first", subjects=[person]).lane)
                holding.set()
                assert release.wait(30)
                lanes.append(record(actor=analyst, operation="consultation",
                                    justification="second", subjects=[person]).lane)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            holding.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(30)
    connection.diversion_log_lane = 0  # prefers the lane the other transaction holds
    with transaction.atomic():
        mine = record(actor=analyst, operation="consultation", justification="meanwhile",
                      subjects=[person])
    release.set()
    thread.join(30)
    assert errors == []
    assert mine.lane == 1 and lanes == [0, 0]
    assert verify().intact


def test_the_lane_count_must_be_sensible():
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {**os.environ, "DIVERSION_LOG_LANES": "0"}
    result = subprocess.run([sys.executable, "-c", "import diversion.settings"], env=environment,
                            capture_output=True, text=True, check=False,
                            cwd=Path(__file__).resolve().parents[2] / "src")
    assert result.returncode != 0
    assert "DIVERSION_LOG_LANES must be between 1 and 1000" in result.stderr
