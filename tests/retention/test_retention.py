"""Retention: the sweep lists records past their retention date; an administrator deletes them
(the processing log keeps its rows and gains an erasure row) or records why they are kept;
nothing a live case needs is deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.audit.verification import verify
from diversion.cases.models import Case, CaseEvent, Offence, Person
from diversion.retention.models import RetentionReview, SubjectAccessRequest
from diversion.retention.schedule import SCHEDULE
from diversion.victims import services as victim_services
from diversion.victims.models import ContactLogEntry, Victim
from tests.retention.helpers import YEARS_AGO_7, closed_long_ago, victim_service_admin
from tests.victims.helpers import home_case, make_victim

pytestmark = pytest.mark.django_db


def _sweep() -> None:
    call_command("retention_sweep")


def test_every_rule_states_its_period_trigger_and_basis():
    keys = {rule.key for rule in SCHEDULE}
    assert {"person", "victim", "staged_record", "rejected_row", "crime_record", "evaluation",
            "security_event", "processing_log"} <= keys
    for rule in SCHEDULE:
        assert rule.basis and rule.trigger and rule.sweep in ("review", "delete", "none")


def test_sweep_lists_a_person_whose_case_closed_over_six_years_ago(cast, client):
    old = closed_long_ago(cast)
    home_case(cast, "TF-NEW")  # recorded this month: not due
    _sweep()
    _sweep()  # a second sweep opens no second review
    review = RetentionReview.objects.get()
    assert (review.object_type, review.object_id) == ("cases.Person", str(old.person_id))
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.get(reverse("retention:reviews")).content.decode()
    assert review.summary in page and "Retention schedule" in page
    assert old.person.family_name not in page  # the list names no one


def test_deleting_erases_the_person_and_keeps_the_log_honest(cast, client):
    old = closed_long_ago(cast)
    person_pk, case_pk = old.person_id, old.pk
    _sweep()
    review = RetentionReview.objects.get()
    before = ProcessingLog.objects.filter(subject_index__contains=f" cases.Person:{person_pk} ")
    earlier = set(before.values_list("pk", "row_hash"))
    admin = cast.users[Role.ADMINISTRATOR]
    client.force_login(admin)
    url = reverse("retention:review", args=[review.pk])
    page = client.post(url, {"erase-explanation": "", "erase": "1"}).content.decode()
    assert "Confirm that the record should be deleted" in page  # no confirmation, no deletion
    assert Person.objects.filter(pk=person_pk).exists()

    response = client.post(url, {"erase-confirm": "on", "erase-explanation": "Reviewed",
                                 "erase": "1"})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=person_pk).exists()
    assert not Case.objects.filter(pk=case_pk).exists()
    assert not Offence.objects.filter(person_id=person_pk).exists()
    assert not CaseEvent.objects.filter(case_id=case_pk).exists()
    review.refresh_from_db()
    assert review.status == "deleted" and review.decided_by == admin
    assert review.counts["cases.Person"] == 1 and review.counts["cases.Case"] == 1
    # The earlier rows stay as written; one erasure row says what, who, why, how many.
    assert earlier <= set(ProcessingLog.objects.values_list("pk", "row_hash"))
    erasure = ProcessingLog.objects.get(operation="erasure")
    assert erasure.actor == admin
    assert {"type": "cases.Person", "id": str(person_pk)} in erasure.subjects
    assert {"type": "cases.Case", "id": str(case_pk)} in erasure.subjects
    assert "Reviewed" in erasure.justification and "cases.Person 1" in erasure.justification
    assert verify().intact


def test_a_live_case_is_never_deleted(cast, client):
    old = closed_long_ago(cast)
    _sweep()
    Case.objects.filter(pk=old.pk).update(status="in_progress")  # reopened since the sweep
    review = RetentionReview.objects.get()
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:review", args=[review.pk]),
                       {"erase-confirm": "on", "erase": "1"}).content.decode()
    assert "cannot be deleted yet" in page and "still live" in page
    assert Person.objects.filter(pk=old.person_id).exists()
    assert not ProcessingLog.objects.filter(operation="erasure").exists()
    review.refresh_from_db()
    assert review.status == "pending"


def test_a_live_case_keeps_its_person_off_the_list(cast):
    old = closed_long_ago(cast)
    Case.objects.filter(pk=old.pk).update(status="referred")
    _sweep()
    assert not RetentionReview.objects.exists()


def test_victim_service_records_on_the_case_block_its_deletion(cast, client):
    old = closed_long_ago(cast)
    make_victim(cast, case=old)
    _sweep()
    review = RetentionReview.objects.get(object_type="cases.Person")
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:review", args=[review.pk]),
                       {"erase-confirm": "on", "erase": "1"}).content.decode()
    assert "victim service still holds records" in page
    assert Case.objects.filter(pk=old.pk).exists()


def test_keeping_a_record_needs_a_reason_and_holds_it_until_the_date(cast, client):
    closed_long_ago(cast)
    _sweep()
    review = RetentionReview.objects.get()
    client.force_login(cast.users[Role.ADMINISTRATOR])
    url = reverse("retention:review", args=[review.pk])
    page = client.post(url, {"keep": "1"}).content.decode()
    assert "Choose why it is being kept" in page and "Explain the decision" in page
    until = timezone.localdate() + timedelta(days=365)
    response = client.post(url, {
        "keep": "1", "keep-reason": "legal_hold", "keep-explanation": "Civil claim pending",
        "keep-keep_until_0": until.day, "keep-keep_until_1": until.month,
        "keep-keep_until_2": until.year})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "kept" and review.keep_until == until
    row = ProcessingLog.objects.get(operation="alteration", object_type="retention.RetentionReview")
    assert "Legal hold" in row.justification
    _sweep()
    assert RetentionReview.objects.count() == 1  # held: not listed again before the date


def test_keeping_needs_a_review_date_in_the_future(cast, client):
    """Kept with no date, a record would be listed again by the very next sweep: the decision
    would not hold. So the date is required, and must be after today."""
    closed_long_ago(cast)
    _sweep()
    review = RetentionReview.objects.get()
    client.force_login(cast.users[Role.ADMINISTRATOR])
    url = reverse("retention:review", args=[review.pk])
    reasons = {"keep": "1", "keep-reason": "other", "keep-explanation": "Complaint open"}
    page = client.post(url, reasons).content.decode()
    assert "Enter the date to review it again" in page
    today = timezone.localdate()
    page = client.post(url, {**reasons, "keep-keep_until_0": today.day,
                             "keep-keep_until_1": today.month,
                             "keep-keep_until_2": today.year}).content.decode()
    assert "The date to review it again must be in the future" in page
    review.refresh_from_db()
    assert review.status == "pending" and review.keep_until is None
    assert not ProcessingLog.objects.filter(object_type="retention.RetentionReview").exists()


def test_victim_erasure_removes_encrypted_contact_details(cast, client):
    case = closed_long_ago(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    victim = make_victim(cast, case=case)
    victim_services.update_contact_details(worker, victim, {"address": "1 Secret Lane",
                                                            "phone": "+44 7700 900111"})
    then = timezone.localdate() - YEARS_AGO_7
    victim_services.add_contact(worker, victim, contacted_on=then, method="phone",
                                outcome="spoke", notes="Spoke about the case")
    Victim.objects.filter(pk=victim.pk).update(created_at=timezone.now() - YEARS_AGO_7)
    _sweep()
    review = RetentionReview.objects.get(object_type="victims.Victim")
    admin = victim_service_admin(cast)
    client.force_login(admin)
    assert client.get(reverse("retention:reviews")).status_code == 200
    client.post(reverse("retention:review", args=[review.pk]),
                {"erase-confirm": "on", "erase": "1"})
    assert not Victim.objects.filter(pk=victim.pk).exists()
    assert not ContactLogEntry.objects.filter(victim_id=victim.pk).exists()
    row = ProcessingLog.objects.get(operation="erasure")
    assert row.organisation_id == admin.organisation_id
    assert {"type": "victims.Victim", "id": str(victim.pk)} in row.subjects
    assert verify().intact


def test_an_unlifted_alert_blocks_a_victims_deletion(cast, client):
    case = closed_long_ago(cast)
    victim = make_victim(cast, case=case)
    victim_services.raise_alert(cast.users[Role.VICTIM_WORKER], victim=victim, case=case,
                                urgent=True, details="Threats")
    Victim.objects.filter(pk=victim.pk).update(created_at=timezone.now() - YEARS_AGO_7)
    _sweep()
    review = RetentionReview.objects.get(object_type="victims.Victim")
    client.force_login(victim_service_admin(cast))
    page = client.post(reverse("retention:review", args=[review.pk]),
                       {"erase-confirm": "on", "erase": "1"}).content.decode()
    assert "has not been lifted" in page
    assert Victim.objects.filter(pk=victim.pk).exists()


def test_other_organisations_and_other_roles_cannot_reach_a_review(cast, client):
    closed_long_ago(cast)
    _sweep()
    review = RetentionReview.objects.get()
    url = reverse("retention:review", args=[review.pk])
    client.force_login(cast.outsider_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"erase-confirm": "on", "erase": "1"}).status_code == 404
    assert "Awaiting" not in client.get(reverse("retention:reviews")).content.decode()
    for role in (Role.DECISION_MAKER, Role.AUDITOR, Role.ANALYST):
        client.force_login(cast.users[role])
        assert client.get(url).status_code == 403
    assert Person.objects.exists()


def test_the_task_queue_runs_the_sweep_and_queues_the_next(cast):
    from django_tasks_db.models import DBTaskResult

    from diversion.retention.tasks import sweep

    closed_long_ago(cast)
    call_command("retention_sweep", "--schedule")
    call_command("retention_sweep", "--schedule")
    assert DBTaskResult.objects.filter(task_path="diversion.retention.tasks.sweep").count() == 1
    found = sweep.call(reschedule=False)
    assert found["reviews_opened"] == 1


def test_a_case_in_a_trial_is_kept_with_its_allocation(cast, client):
    from diversion.trials.models import TrialAllocation, TrialBlock

    old = closed_long_ago(cast)
    block = TrialBlock.objects.create(trial_code="cara-trial", stratum="s", index=0,
                                      arms=["control", "workshop"])
    TrialAllocation.objects.create(
        trial_code="cara-trial", programme_code="cara", programme_version=1, case=old,
        stratum="s", block=block, position=0, arm="control",
        allocated_by=cast.users[Role.DECISION_MAKER])
    _sweep()
    review = RetentionReview.objects.get()
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:review", args=[review.pk]),
                       {"erase-confirm": "on", "erase": "1"}).content.decode()
    assert "randomised trial" in page
    assert Case.objects.filter(pk=old.pk).exists()


def test_expired_import_working_rows_are_deleted_and_logged(cast):
    from diversion.records.models import ImportBatch, RecordSource, RejectedRow, StagedRecord

    analyst = cast.users[Role.ANALYST]
    force = cast.orgs["force"]
    source = RecordSource.objects.create(force=force, name="Niche", created_by=analyst)
    batches = {}
    for name, age in (("old", 40), ("new", 2)):
        batches[name] = ImportBatch.objects.create(
            force=force, source=source, filename=f"{name}.csv", file_format="csv",
            sha256=name * 8, created_by=analyst,
            created_at=timezone.now() - timedelta(days=age))
        StagedRecord.objects.create(
            batch=batches[name], force=force, row_number=2, crime_reference=f"CR/{name}",
            offence_code_raw="105A", offence_date=timezone.localdate(),
            recorded_date=timezone.localdate(), row_hash=name)
        RejectedRow.objects.create(batch=batches[name], row_number=3, field="pnc_id",
                                   reason="Not a PNC ID")
    _sweep()
    assert list(StagedRecord.objects.values_list("crime_reference", flat=True)) == ["CR/new"]
    assert RejectedRow.objects.count() == 2  # rejected rows are kept 90 days
    row = ProcessingLog.objects.get(operation="erasure")
    assert row.actor is None and "records.StagedRecord 1" in row.justification


def test_an_export_for_an_erased_record_is_refused(cast, client):
    old = closed_long_ago(cast)
    admin = cast.users[Role.ADMINISTRATOR]
    client.force_login(admin)
    today = timezone.localdate()
    client.post(reverse("retention:request_create"), {
        "subject_type": "person", "reference": old.person.force_reference,
        "received_on_0": today.day, "received_on_1": today.month, "received_on_2": today.year,
        "identity_checked": "Passport"})
    request = SubjectAccessRequest.objects.get()
    _sweep()
    review = RetentionReview.objects.get()
    page = client.post(reverse("retention:review", args=[review.pk]),
                       {"erase-confirm": "on", "erase": "1"}).content.decode()
    assert "subject-access request from this person is still open" in page
    client.get(reverse("retention:export", args=[request.pk, "json"]))  # answered
    client.post(reverse("retention:review", args=[review.pk]),
                {"erase-confirm": "on", "erase": "1"})
    assert not Person.objects.filter(pk=old.person_id).exists()
    response = client.get(reverse("retention:export", args=[request.pk, "json"]))
    assert response.status_code == 409
    assert "no data is held" in response.content.decode()
