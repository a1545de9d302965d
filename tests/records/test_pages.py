"""The analyst's pages: upload, mapping, progress, rejections report, review; and access."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import Operation, ProcessingLog
from diversion.records import services
from diversion.records.linkage import link_force
from diversion.records.models import (
    CrimeRecord,
    ImportBatch,
    LinkCandidate,
    LinkMethod,
    PersonLink,
    RecordSource,
)
from tests.factories import make_user
from tests.records.helpers import HEADER, csv_bytes, people_and_records, row
from tests.records.test_import import _import


def _upload(client, name, content, **data):
    payload = {"source": "", "new_source": "Niche", **data,
               "extract": SimpleUploadedFile(name, content)}
    return client.post(reverse("records:upload"), payload)


def test_upload_queues_the_import_and_the_worker_runs_it(analyst_client, run_worker,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "week1.csv",
                           csv_bytes([row("A/1"), row("A/2", sex="?")]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("records:batch",
                                                                   args=[batch.pk])
    # The request only stored the file: nothing has been read from it yet.
    assert batch.status == ImportBatch.Status.QUEUED and batch.rows_total == 0
    page = analyst_client.get(response.url).content.decode()
    assert "Refresh now" in page and "<progress" in page and "queued to be checked" in page
    run_worker()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    page = analyst_client.get(response.url).content.decode()
    assert "Refresh now" not in page
    assert "Download the rejected rows report" in page
    csv_text = analyst_client.get(reverse("records:rejections_csv", args=[batch.pk]))
    body = b"".join(csv_text.streaming_content).decode()
    assert body.splitlines() == ["row_number,field,reason", '3,sex,"Sex must be M, F or X"']
    assert CrimeRecord.objects.count() == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("extract.pdf", b"%PDF-1.4", "must be a CSV, Parquet or XLSX file"),
    ("extract.csv", b"", "The selected file is empty"),
    ("extract.csv", csv_bytes([row("A/1", family_name="Øster")], encoding="utf-16"),
     "not UTF-8"),
    ("extract.csv", csv_bytes([row("A/1", family_name="Øster")], encoding="latin-1"),
     "not UTF-8"),
    ("extract.xlsx", b"not a workbook", "not a real XLSX file"),
])
def test_bad_files_get_the_error_summary_and_nothing_is_stored(analyst_client, settings, name,
                                                               content, message):
    """The checks the request makes itself: type, magic bytes, emptiness, encoding."""
    response = _upload(analyst_client, name, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert 'href="#id_extract"' in page
    assert not ImportBatch.objects.exists() and not CrimeRecord.objects.exists()
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())


@pytest.mark.parametrize(("content", "message"), [
    (csv_bytes([]), "header row but no records"),
    (csv_bytes([row("A/1"), row("A/2", recorded_date="11/01/2026")]), "more than one format"),
])
def test_files_the_worker_refuses_say_why_on_the_import_page(
        analyst_client, run_worker, settings, django_capture_on_commit_callbacks, content,
        message):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "extract.csv", content)
    assert response.status_code == 302
    run_worker()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and message in batch.problem
    page = analyst_client.get(response.url).content.decode()
    assert "The file was refused" in page and message in page
    assert not CrimeRecord.objects.exists()
    assert not any(settings.RECORDS_UPLOAD_DIR.iterdir())  # the refused file is deleted


def test_a_source_must_be_chosen_or_named(analyst_client):
    response = _upload(analyst_client, "a.csv", csv_bytes([row("A/1")]), new_source="")
    assert "Choose a source, or enter the name of a new source" in response.content.decode()


def test_unfamiliar_headings_are_mapped_once_per_source(analyst_client, run_worker,
                                                        django_capture_on_commit_callbacks):
    header = ["Crime No", "Surname", "DOB", "HO Code", "Committed", "Logged"]
    renamed = [{"Crime No": "A/1", "Surname": "Smith", "DOB": "1985-03-02", "HO Code": "105A",
                "Committed": "2026-01-10", "Logged": "2026-01-11"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(analyst_client, "odd.csv", csv_bytes(renamed, header=header))
    batch = ImportBatch.objects.get()
    assert response.url == reverse("records:batch", args=[batch.pk])
    run_worker()  # the worker reads the header and finds required columns it cannot place
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING and batch.headers == header
    mapping_url = reverse("records:mapping", args=[batch.pk])
    assert mapping_url in analyst_client.get(response.url).content.decode()
    form = analyst_client.get(mapping_url).content.decode()
    assert "Match the columns" in form
    # Missing required choices get the error summary naming the field.
    refused = analyst_client.post(mapping_url, {"crime_reference": "Crime No"})
    assert "Choose the column that holds the offence date" in refused.content.decode()
    assert 'href="#id_offence_date"' in refused.content.decode()
    mapping = {"crime_reference": "Crime No", "family_name": "Surname", "date_of_birth": "DOB",
               "offence_code": "HO Code", "offence_date": "Committed", "recorded_date": "Logged"}
    with django_capture_on_commit_callbacks(execute=True):
        saved = analyst_client.post(mapping_url, mapping)
    assert saved.url == reverse("records:batch", args=[batch.pk])
    run_worker()
    assert CrimeRecord.objects.get().family_name == "Smith"
    assert RecordSource.objects.get().mapping == mapping
    # The next extract from the same source needs no mapping.
    source = RecordSource.objects.get()
    _upload(analyst_client, "odd2.csv", csv_bytes(renamed, header=header),
            source=str(source.pk), new_source="")
    assert ImportBatch.objects.filter(status=ImportBatch.Status.QUEUED).count() == 1


def test_review_accept_links_with_who_and_how(analyst, analyst_client):
    force = analyst.organisation
    _people, rows = people_and_records(force, count=40)
    _import(analyst, csv_bytes(rows))
    link_force(force, actor=analyst, upper=1.01, lower=0.5)
    queue = analyst_client.get(reverse("records:review_queue")).content.decode()
    pair = LinkCandidate.objects.first()
    assert f"Review {pair.record.crime_reference}" in queue
    page = analyst_client.get(reverse("records:review", args=[pair.pk])).content.decode()
    # Side by side, pseudonymised: neither side's name is shown to an analyst.
    assert pair.person.family_name not in page and pair.record.family_name not in page
    assert "Exact match" in page and "Is this the same person?" in page
    assert ProcessingLog.objects.filter(operation=Operation.CONSULTATION,
                                        object_id=str(pair.pk)).exists()
    missing = analyst_client.post(reverse("records:review", args=[pair.pk]), {})
    assert "Select whether this is the same person" in missing.content.decode()
    done = analyst_client.post(reverse("records:review", args=[pair.pk]),
                               {"decision": "accepted"})
    assert done.url == reverse("records:review_queue")
    link = PersonLink.objects.get(record=pair.record)
    assert (link.method, link.person, link.reviewed_by) == (LinkMethod.REVIEWED, pair.person,
                                                            analyst)
    assert link.match_probability == pair.match_probability and link.run == pair.run
    assert ProcessingLog.objects.filter(operation=Operation.COMBINATION,
                                        object_id=str(pair.pk)).exists()
    # Deciding twice is refused.
    again = analyst_client.post(reverse("records:review", args=[pair.pk]),
                                {"decision": "rejected"})
    assert again.status_code == 200
    pair.refresh_from_db()
    assert pair.decision == "accepted"


def test_review_reject_keeps_them_apart(analyst, analyst_client):
    force = analyst.organisation
    _people, rows = people_and_records(force, count=40)
    _import(analyst, csv_bytes(rows))
    link_force(force, actor=analyst, upper=1.01, lower=0.5)
    pair = LinkCandidate.objects.first()
    analyst_client.post(reverse("records:review", args=[pair.pk]), {"decision": "rejected"})
    pair.refresh_from_db()
    assert (pair.decision, pair.decided_by) == ("rejected", analyst)
    assert not PersonLink.objects.filter(record=pair.record).exists()


PAGES = ["records:home", "records:upload", "records:review_queue"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ANALYST])
@pytest.mark.parametrize("name", PAGES)
def test_other_roles_are_refused(client, cast, role, name):
    client.force_login(cast.users[role])
    assert client.get(reverse(name)).status_code == 403


def test_another_forces_analyst_gets_404_on_our_objects(client, analyst, cast):
    _people, rows = people_and_records(analyst.organisation, count=40)
    batch = _import(analyst, csv_bytes(rows))
    run = link_force(analyst.organisation, actor=analyst, upper=1.01, lower=0.5)
    pair = LinkCandidate.objects.first()
    outsider = make_user("outsider_analyst", Role.ANALYST, cast.outsider_org)
    client.force_login(outsider)
    for name, pk in [("records:batch", batch.pk), ("records:rejections_csv", batch.pk),
                     ("records:run", run.pk), ("records:review", pair.pk),
                     ("records:mapping", batch.pk)]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("records:review", args=[pair.pk]),
                       {"decision": "accepted"}).status_code == 404
    assert "No probable matches" in client.get(reverse("records:review_queue")).content.decode()
    assert batch.filename not in client.get(reverse("records:home")).content.decode()


def test_linkage_run_page_shows_the_estimated_parameters(analyst, analyst_client):
    _people, rows = people_and_records(analyst.organisation, count=40)
    _import(analyst, csv_bytes(rows))
    run = link_force(analyst.organisation, actor=analyst)
    page = analyst_client.get(reverse("records:run", args=[run.pk])).content.decode()
    assert "Model parameters estimated from this run" in page and "Exact match" in page


def test_home_lists_imports(analyst, analyst_client):
    batch = _import(analyst, csv_bytes([row("A/1")]))
    page = analyst_client.get(reverse("records:home")).content.decode()
    assert batch.filename in page and "Police records" in page
    assert services.CHUNK_ROWS > 0 and HEADER
