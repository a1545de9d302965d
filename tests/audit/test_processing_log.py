"""The s.62 processing log: complete rows, in the action's transaction, append-only, chained."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import AppendOnlyError, Operation, ProcessingLog
from diversion.audit.services import ProcessingLogError, record
from tests.dates import with_date_inputs
from tests.factories import make_offence, make_person


@pytest.mark.parametrize("operation", Operation.values)
def test_each_operation_writes_exactly_one_complete_row(cast, operation):
    actor = cast.users[Role.DECISION_MAKER]
    person = make_person(cast.orgs["force"], "S1")
    with transaction.atomic():
        row = record(actor=actor, operation=operation, justification="Testing the log",
                     subjects=[person], obj=person,
                     recipient="Test Victim Service" if operation == "disclosure" else "")
    assert ProcessingLog.objects.count() == 1
    row.refresh_from_db()
    assert row.operation == operation
    assert row.actor == actor and row.actor_username == actor.username
    assert row.organisation == cast.orgs["force"]
    assert row.subjects == [{"type": "cases.Person", "id": str(person.pk)}]
    assert row.object_type == "cases.Person" and row.object_id == str(person.pk)
    assert row.justification == "Testing the log"
    assert row.occurred_at.utcoffset().total_seconds() == 0  # stored and returned in UTC
    assert len(row.row_hash) == 64


def test_a_page_read_logs_request_id_address_and_subjects(cast, client):
    person = make_person(cast.orgs["force"], "S2")
    make_offence(person, "REF/1")
    client.force_login(cast.users[Role.DECISION_MAKER])
    response = client.get(reverse("cases:home"), REMOTE_ADDR="10.1.2.3",
                          HTTP_X_FORWARDED_FOR="6.6.6.6")
    row = ProcessingLog.objects.get(operation="consultation")
    assert row.request_id == response["X-Request-ID"]
    assert row.ip_address == "10.1.2.3"  # the forged X-Forwarded-For is ignored
    assert {"type": "cases.Person", "id": str(person.pk)} in row.subjects


@pytest.mark.django_db(transaction=True)
def test_log_must_be_written_inside_the_actions_transaction(cast):
    with pytest.raises(ProcessingLogError, match="inside the action's transaction"):
        record(actor=cast.users[Role.ANALYST], operation="consultation", justification="x")


def test_a_disclosure_must_name_its_recipient(cast):
    with transaction.atomic(), pytest.raises(ProcessingLogError, match="recipient"):
        record(actor=cast.users[Role.ANALYST], operation="disclosure", justification="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessingLog.objects.create(operation="disclosure", justification="x",
                                     previous_hash="0", row_hash="1")


def test_a_justification_is_required(cast):
    with transaction.atomic(), pytest.raises(ProcessingLogError, match="justification"):
        record(actor=cast.users[Role.ANALYST], operation="consultation", justification="  ")


def test_the_action_and_its_log_row_commit_or_fail_together(cast):
    actor = cast.users[Role.DECISION_MAKER]
    with pytest.raises(RuntimeError), transaction.atomic():
        person = make_person(cast.orgs["force"], "S3")
        record(actor=actor, operation="collection", justification="new person",
               subjects=[person])
        raise RuntimeError("the action fails after logging")
    assert ProcessingLog.objects.count() == 0


def _one_row(cast) -> ProcessingLog:
    with transaction.atomic():
        return record(actor=cast.users[Role.ANALYST], operation="consultation",
                      justification="row to tamper with")


def test_rows_cannot_be_changed_or_deleted_through_the_orm(cast):
    row = _one_row(cast)
    row.justification = "edited"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        ProcessingLog.objects.update(justification="edited")
    with pytest.raises(AppendOnlyError):
        ProcessingLog.objects.all().delete()


def test_the_database_refuses_an_update_behind_the_orms_back(cast):
    row = _one_row(cast)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_processinglog SET justification = 'edited' WHERE id = %s",
                       [row.pk])


@pytest.mark.postgres
def test_postgres_refuses_a_delete_behind_the_orms_back(cast):
    row = _one_row(cast)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_processinglog WHERE id = %s", [row.pk])


def test_the_hash_chain_verifies_and_detects_an_edit(cast, capsys):
    for _ in range(3):
        _one_row(cast)
    call_command("verify_processing_log")
    assert "chain intact" in capsys.readouterr().out
    middle = ProcessingLog.objects.order_by("id")[1]
    with connection.cursor() as cursor:  # a superuser's edit, with the trigger out of the way
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER audit_processinglog_append_only")
        cursor.execute("UPDATE audit_processinglog SET justification = 'quietly edited' "
                       "WHERE id = %s", [middle.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    with pytest.raises(CommandError, match=f"row {middle.pk}"):
        call_command("verify_processing_log")


def test_auditor_must_state_a_purpose_and_the_query_is_logged(cast, client):
    _one_row(cast)
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200 and "row to tamper with" not in page.content.decode()
    page = client.get(reverse("audit:log"), {"purpose": ""})
    assert "Choose why you are reading the log" in page.content.decode()
    before = ProcessingLog.objects.count()
    page = client.get(reverse("audit:log"), {"purpose": "lawfulness"})
    assert "row to tamper with" in page.content.decode()
    assert ProcessingLog.objects.count() == before + 1
    newest = ProcessingLog.objects.order_by("-id").first()
    assert newest.operation == "consultation" and newest.actor == cast.users[Role.AUDITOR]
    assert "Verifying the lawfulness" in newest.justification


def test_the_results_table_can_be_scrolled_from_the_keyboard(cast, client):
    """Eight columns are wider than a laptop screen (axe, in the retention browser journey):
    the scrolling wrapper takes keyboard focus and is named, so arrow keys can scroll it."""
    with transaction.atomic():
        record(actor=cast.users[Role.DECISION_MAKER], operation="consultation",
               justification="a row to find")
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(reverse("audit:log"), {"purpose": "lawfulness"}).content.decode()
    assert ('<div class="app-table-wrapper" role="region" aria-label="Processing log rows '
            'found" tabindex="0">') in page


def test_auditor_sees_only_their_own_organisations_rows(cast, client):
    with transaction.atomic():
        record(actor=cast.outsider_officer, operation="consultation",
               justification="outsider's own reading")
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(reverse("audit:log"), {"purpose": "integrity_security"}).content.decode()
    assert "outsider&#x27;s own reading" not in page and "outsider's own reading" not in page


def test_auditor_filters_by_subject_and_rejects_impossible_dates(cast, client):
    person = make_person(cast.orgs["force"], "S9")
    with transaction.atomic():
        record(actor=cast.users[Role.DECISION_MAKER], operation="alteration",
               justification="about S9", subjects=[person])
    client.force_login(cast.users[Role.AUDITOR])
    page = client.get(reverse("audit:log"), {"purpose": "lawfulness",
                                             "subject": f"cases.Person:{person.pk}"})
    assert "about S9" in page.content.decode()
    page = client.get(reverse("audit:log"), with_date_inputs(
        {"purpose": "lawfulness", "date_from": "2026-02-10", "date_to": "2026-02-01"},
        "date_from", "date_to"))
    assert "must be the same as or after" in page.content.decode()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.AUDITOR])
def test_only_auditors_can_read_the_logs(cast, client, role):
    client.force_login(cast.users[role])
    assert client.get(reverse("audit:log"), {"purpose": "lawfulness"}).status_code == 403
    assert client.get(reverse("audit:security"), {"purpose": "lawfulness"}).status_code == 403


def test_auditor_queues_an_integrity_check_that_the_worker_runs(
        cast, client, django_capture_on_commit_callbacks, run_worker):
    from diversion.audit.models import IntegrityCheck

    _one_row(cast)
    client.force_login(cast.users[Role.AUDITOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:integrity_check"))
    assert response.status_code == 302
    check = IntegrityCheck.objects.get()
    assert check.status == "queued"
    run_worker()
    check.refresh_from_db()
    assert check.status == "passed" and check.rows_checked == 2
    page = client.get(reverse("audit:log")).content.decode()
    assert "Passed" in page and "2 rows checked" in page


def test_only_auditors_can_queue_integrity_checks(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    assert client.post(reverse("audit:integrity_check")).status_code == 403
    client.force_login(cast.users[Role.AUDITOR])
    assert client.get(reverse("audit:integrity_check")).status_code == 405
