"""Retention and subject access in a real browser, as the administrators live them; axe on
every new page and on each error state.

1. A force's administrator reviews the people the nightly sweep (run on the task queue, as the
   app runs it) lists: keeps one (a reason and a future date are required), deletes one, and is
   told why a person with a live case cannot be deleted; the auditor's integrity check of the
   processing log still passes afterwards.
2. A force records an offender's subject-access request (the form names each problem) and
   exports it: their records and their own contact details, and no trace of the victim.
   A victim service does the same for the victim, after the 15-minute step-up: the victim's own
   details, none of the offender's.
3. A victim service's administrator erases a victim past retention: the row holding their
   encrypted contact details is gone; a victim with an open safeguarding alert is refused.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import Case, Offence, Person
from diversion.cases.services import save_contact_details
from diversion.disposals.models import Disposal
from diversion.retention.models import RetentionReview, SubjectAccessRequest
from diversion.victims import services as victim_services
from diversion.victims.models import ContactLogEntry, Victim
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.factories import PASSWORD, make_offence
from tests.retention.helpers import YEARS_AGO_7, closed_long_ago, victim_service_admin
from tests.victims.helpers import home_case, make_victim
from tests.victims.test_canary import CANARY, _seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> None:
    assert serious_violations(page) == []


def _errors(page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def _main(page) -> str:
    return page.locator("main").inner_text()


def _sweep_on_the_task_queue(run_worker) -> None:
    """As `make run` does: queue the daily sweep, and let the task worker run it."""
    call_command("retention_sweep", "--schedule")
    run_worker()


def _one_calendar_month_after(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- 1. A force's administrator reviews records past their retention date -------------------

def test_force_administrator_keeps_deletes_and_is_refused_for_a_live_case(cast, page,
                                                                          run_worker):
    kept, erased, reopened = (closed_long_ago(cast, ref) for ref in
                              ("TF-KEEP", "TF-GONE", "TF-BACK"))
    recent = home_case(cast, "TF-RECENT")  # recorded last month: not due
    _sweep_on_the_task_queue(run_worker)
    reviews = {r.object_id: r for r in RetentionReview.objects.all()}
    assert set(reviews) == {str(c.person_id) for c in (kept, erased, reopened)}
    # After the sweep, the third person is arrested again: a live case.
    again = Case.objects.create(
        reference="TF-BACK-2", force=cast.orgs["force"], person=reopened.person,
        offence=make_offence(reopened.person, "CR/TF-BACK-2"), programme_code="cara",
        created_by=cast.users[Role.DECISION_MAKER], status="referred")

    admin = cast.users[Role.ADMINISTRATOR]
    sign_in(page, admin.username)
    follow(page, "link", "Retention")
    body = _main(page)
    assert "3 records to review" in body and "Retention schedule" in body
    for case in (kept, erased, reopened, recent):
        assert case.person.family_name not in body  # the list names no one
    _axe(page)

    # Keep: a reason, an explanation and a date to review it again, each required.
    keep_review = reviews[str(kept.person_id)]
    follow(page, "link", f"Review {keep_review.summary}")
    assert page.locator("h1").inner_text() == keep_review.summary
    _axe(page)
    follow(page, "button", "Keep the record")
    errors = _errors(page)
    for message in ("Choose why it is being kept", "Enter the date to review it again",
                    "Explain the decision"):
        assert message in errors, message
    _axe(page)
    page.get_by_label("Legal hold (litigation, inquiry or complaint)").check()
    page.get_by_label("Explain the decision").fill("Civil claim against the force pending")
    fill_date(page, "keep-keep_until", timezone.localdate())
    follow(page, "button", "Keep the record")
    assert "The date to review it again must be in the future" in _errors(page)
    _axe(page)
    until = timezone.localdate() + timedelta(days=365)
    fill_date(page, "keep-keep_until", until)
    follow(page, "button", "Keep the record")
    assert "The decision to keep the record has been saved" in page.content()
    body = _main(page)
    assert "2 records to review" in body
    assert "Kept: Legal hold (litigation, inquiry or complaint)" in body
    _axe(page)
    keep_review.refresh_from_db()
    assert (keep_review.status, keep_review.keep_until) == ("kept", until)

    # Delete: refused until the administrator confirms, then the person is gone.
    erase_review = reviews[str(erased.person_id)]
    follow(page, "link", f"Review {erase_review.summary}")
    page.get_by_label("Why it can be deleted (optional)").fill("Reviewed: no reason to keep")
    follow(page, "button", "Delete the record")
    assert "Confirm that the record should be deleted" in _errors(page)
    assert Person.objects.filter(pk=erased.person_id).exists()
    _axe(page)
    page.get_by_label("I have reviewed this record and confirm it should be deleted").check()
    follow(page, "button", "Delete the record")
    assert "The record has been deleted" in page.content()
    assert "1 record to review" in _main(page)
    _axe(page)
    assert not Person.objects.filter(pk=erased.person_id).exists()
    assert not Case.objects.filter(pk=erased.pk).exists()
    assert not Offence.objects.filter(person_id=erased.person_id).exists()

    # A person whose case is live again: the refusal says why, and nothing is deleted.
    live_review = reviews[str(reopened.person_id)]
    follow(page, "link", f"Review {live_review.summary}")
    page.get_by_label("I have reviewed this record and confirm it should be deleted").check()
    follow(page, "button", "Delete the record")
    refusal = page.locator(".govuk-error-summary").inner_text()
    assert "The record cannot be deleted yet" in refusal and "still live" in refusal
    _axe(page)
    assert Case.objects.filter(pk=again.pk).exists()
    live_review.refresh_from_db()
    assert live_review.status == "pending"
    assert ProcessingLog.objects.filter(operation="erasure").count() == 1

    # The auditor checks the processing log's hash chain: it still verifies.
    sign_in(page, cast.users[Role.AUDITOR].username)
    follow(page, "button", "Check the log’s integrity now")
    assert "Integrity check queued" in page.content()
    run_worker()
    page.reload()
    integrity = page.locator("dl.govuk-summary-list").first.inner_text()
    assert "Passed" in integrity and "rows checked" in integrity
    assert "Tampering detected" not in page.content()
    _axe(page)
    # And finds the erasure row: who, and which records by type and id.
    page.get_by_label("Why are you reading the log?").select_option("lawfulness")
    page.get_by_label("Operation").select_option("erasure")
    follow(page, "button", "Search the log")
    rows = page.locator("table").inner_text()
    assert "1 row" in rows and admin.username in rows
    assert f"cases.Person:{erased.person_id}" in rows
    assert "Reviewed: no reason to keep" in rows
    _axe(page)


# --- 2. Subject-access requests --------------------------------------------------------------

@pytest.fixture
def canary_case(cast, django_capture_on_commit_callbacks):
    """The canary victim's case (every victim field holds a canary string), cautioned, with
    the person's own contact details recorded by the police."""
    found = _seed(cast, django_capture_on_commit_callbacks)
    case = found["case"]
    today = timezone.localdate()
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=today - timedelta(days=20),
        authorising_officer="Sgt Okoro", authorising_rank="sergeant",
        deadline=today + timedelta(weeks=15), time_limit_basis="s127",
        time_limit_explanation="MCA 1980 s.127: 6 months",
        recorded_by=cast.users[Role.DECISION_MAKER])
    save_contact_details(cast.users[Role.DECISION_MAKER], case, phone="+44 7700 900321",
                         email="own.details@example.org", address="3 Sample Close",
                         postcode="SO14 2XX", safe_methods=["call"], notes="Call after 10am")
    return found


OFFENDERS_OWN = ("+44 7700 900321", "own.details@example.org", "3 Sample Close",
                 "Call after 10am")
VICTIMS_OWN = ("+44 7700 900555", "SO14 7LP")


def _download(page, link: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_force_records_an_offenders_request_and_the_export_holds_no_victim(cast, page,
                                                                           canary_case):
    case = canary_case["case"]
    person = case.person
    sign_in(page, cast.users[Role.ADMINISTRATOR].username)
    follow(page, "link", "Subject access")
    assert "0 requests" in _main(page)
    _axe(page)
    follow(page, "button", "Record a request")
    _axe(page)

    # Each problem is named, one at a time as the administrator corrects them.
    follow(page, "button", "Record the request")
    errors = _errors(page)
    for message in ("Choose whose data it is", "Enter their reference",
                    "Enter the date the request was received",
                    "Say how their identity was checked"):
        assert message in errors, message
    assert page.title().startswith("Error: ")
    _axe(page)
    page.get_by_label("A person the force holds records on (offender or suspect)").check()
    page.get_by_label("Their reference").fill("P-NOBODY")
    page.locator("#id_received_on").fill("31")
    page.locator("#id_received_on_month").fill("2")
    page.locator("#id_received_on_year").fill(str(timezone.localdate().year))
    page.get_by_label("How their identity was checked").fill("Passport seen at the counter")
    follow(page, "button", "Record the request")
    assert "The date the request was received must be a real date" in _errors(page)
    fill_date(page, "received_on", timezone.localdate() + timedelta(days=1))
    follow(page, "button", "Record the request")
    assert "must be today or in the past" in _errors(page)
    _axe(page)
    received = timezone.localdate() - timedelta(days=3)
    fill_date(page, "received_on", received)
    follow(page, "button", "Record the request")
    assert "No record in your organisation matches that reference" in _errors(page)
    _axe(page)
    page.get_by_role("link", name="No record in your organisation matches that reference").click()
    assert page.evaluate("document.activeElement.id") == "id_reference"
    page.get_by_label("Their reference").fill(person.force_reference)
    follow(page, "button", "Record the request")

    due = _one_calendar_month_after(received)
    request = SubjectAccessRequest.objects.get()
    assert f"Request SAR-{request.pk} recorded: answer it by" in page.content()
    summary = page.locator("dl.govuk-summary-list").inner_text()
    assert f"Answer by\t{_long_date(due)}" in summary
    assert f"Received\t{_long_date(received)}" in summary
    _axe(page)

    # The export to read first: their records and their own contact details, no victim.
    follow(page, "link", "Read the export")
    shown = _main(page)
    assert page.get_by_role("heading", name="Your contact details").is_visible()
    for expected in (person.force_reference, person.family_name, case.offence.crime_reference,
                     case.reference, "Sgt Okoro", "section 45(4)", *OFFENDERS_OWN):
        assert expected in shown, expected
    _axe(page)
    follow(page, "link", "Back to the request")
    as_json = _download(page, "Download it as data (JSON)")
    as_html = _download(page, "Download it as a web page (HTML)")
    body = json.loads(as_json)
    assert body["request"]["reference"] == f"SAR-{request.pk}"
    everything = page.content() + shown + as_json + as_html
    assert CANARY not in everything.lower()
    for victims in VICTIMS_OWN:
        assert victims not in everything
    for expected in (person.force_reference, case.reference, *OFFENDERS_OWN):
        assert expected in as_html and expected in as_json, expected
    page.reload()
    assert "Answered" in page.locator("dl.govuk-summary-list").inner_text()
    # The file the person receives is readable too.
    page.set_content(as_html)
    _axe(page)


def _sign_in_older_than_15_minutes(page) -> None:
    """Age this browser's sign-in, as if the administrator signed in an hour ago."""
    key = next(c["value"] for c in page.context.cookies()
               if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session["victims_authenticated_at"] = 0
    session.save()


def test_victim_service_answers_a_victims_request_after_the_step_up(cast, page, canary_case):
    victim, case = canary_case["victim"], canary_case["case"]
    admin = victim_service_admin(cast)
    # The victim worker gives the administrator the victim's record number from their page.
    sign_in(page, cast.users[Role.VICTIM_WORKER].username)
    follow(page, "link", f"{victim.given_name} {victim.family_name}", exact=True)
    number = page.locator("#record-number").inner_text()
    assert number == f"Victim {victim.pk}"

    sign_in(page, admin.username)
    follow(page, "link", "Subject access")
    follow(page, "button", "Record a request")
    page.get_by_label("A victim the victim service supports").check()
    page.get_by_label("Their reference").fill(case.person.force_reference)  # not theirs
    fill_date(page, "received_on", timezone.localdate())
    page.get_by_label("How their identity was checked").fill("Known to the IDVA; letter")
    follow(page, "button", "Record the request")
    assert "No record in your organisation matches that reference" in _errors(page)
    _axe(page)
    page.get_by_label("Their reference").fill(number)
    follow(page, "button", "Record the request")
    assert "recorded: answer it by" in page.content()

    # The export holds the victim's contact details: a sign-in older than 15 minutes asks
    # for the password again, and a wrong one is refused.
    _sign_in_older_than_15_minutes(page)
    follow(page, "link", "Read the export")
    assert page.locator("h1").inner_text() == "Confirm it is you"
    _axe(page)
    page.get_by_label("Password").fill("not-the-password")
    follow(page, "button", "Continue")
    assert "Enter your correct password" in _errors(page)
    assert not ProcessingLog.objects.filter(
        object_type="retention.SubjectAccessRequest", operation="consultation",
        justification__startswith="Subject-access export").exists()
    _axe(page)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, "button", "Continue")
    shown = _main(page)
    for own in ("zqcanarygiven", "zqcanaryaddress", "zqcanarycontactnotes", *VICTIMS_OWN,
                case.reference):
        assert own in shown, own
    _axe(page)
    follow(page, "link", "Back to the request")
    as_json = _download(page, "Download it as data (JSON)")
    assert "zqcanaryaddress" in as_json
    person = case.person
    for offenders in (person.family_name, person.pnc_id, person.force_reference,
                      case.offence.crime_reference, *OFFENDERS_OWN):
        assert offenders not in shown + as_json, offenders


# --- 3. A victim service's administrator erases a victim past retention ----------------------

def _ciphertext(victim_pk: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT address FROM {Victim._meta.db_table} WHERE id = %s",
                       [victim_pk])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def test_victim_service_administrator_erases_a_victim_past_retention(cast, page, run_worker):
    case = closed_long_ago(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    then = timezone.localdate() - YEARS_AGO_7
    gone = make_victim(cast, case=case, given_name="Ottoline", family_name="Erasewell")
    victim_services.update_contact_details(worker, gone, {"address": "1 Secret Lane",
                                                          "phone": "+44 7700 900111"})
    victim_services.add_contact(worker, gone, contacted_on=then, method="phone",
                                outcome="spoke", notes="Spoke about the case")
    held = make_victim(cast, case=case, given_name="Hester", family_name="Alertfield")
    victim_services.raise_alert(worker, victim=held, case=case, urgent=False,
                                details="Threats made")
    Victim.objects.update(created_at=timezone.now() - YEARS_AGO_7)
    stored = _ciphertext(gone.pk)
    assert stored and "Secret Lane" not in stored  # encrypted at rest
    _sweep_on_the_task_queue(run_worker)
    reviews = {r.object_id: r for r in RetentionReview.objects.filter(
        organisation=cast.orgs["victim_service"])}
    assert set(reviews) == {str(gone.pk), str(held.pk)}

    admin = victim_service_admin(cast)
    sign_in(page, admin.username)
    follow(page, "link", "Retention")
    body = _main(page)
    assert "2 records to review" in body
    assert "Erasewell" not in body and "Alertfield" not in body
    _axe(page)

    follow(page, "link", f"Review {reviews[str(gone.pk)].summary}")
    _axe(page)
    follow(page, "button", "Delete the record")
    assert "Confirm that the record should be deleted" in _errors(page)
    assert Victim.objects.filter(pk=gone.pk).exists()
    page.get_by_label("I have reviewed this record and confirm it should be deleted").check()
    follow(page, "button", "Delete the record")
    assert "The record has been deleted" in page.content()
    assert "1 record to review" in _main(page)

    # The row holding the encrypted contact details, and the contact log, are gone.
    assert _ciphertext(gone.pk) is None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Victim._meta.db_table} WHERE address = %s",
                       [stored])
        assert cursor.fetchone()[0] == 0
    assert not ContactLogEntry.objects.filter(victim_id=gone.pk).exists()
    erasure = ProcessingLog.objects.get(operation="erasure")
    assert erasure.actor == admin
    assert {"type": "victims.Victim", "id": str(gone.pk)} in erasure.subjects
    assert "Secret Lane" not in erasure.justification

    # A victim whose safeguarding alert is still open is refused, with the reason.
    follow(page, "link", f"Review {reviews[str(held.pk)].summary}")
    page.get_by_label("I have reviewed this record and confirm it should be deleted").check()
    follow(page, "button", "Delete the record")
    refusal = _errors(page)
    assert "The record cannot be deleted yet" in refusal and "has not been lifted" in refusal
    _axe(page)
    assert Victim.objects.filter(pk=held.pk).exists()

    # The victim worker no longer finds the erased victim.
    sign_in(page, worker.username)
    assert "Erasewell" not in page.content() and "Alertfield" in page.content()
    response = page.goto(f"/victims/{gone.pk}/contact-details/")
    assert response is not None and response.status == 404
