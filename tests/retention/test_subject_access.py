"""Subject-access requests: an offender's export holds their offences, case, caution and
attendance and no trace of the victim (canary strings in every victim field); a victim's export
holds their own details and nothing else of the offender's; other organisations get a 404;
the request, the export and its disclosure are logged."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import Case, Offence
from diversion.delivery.models import Attendance, Booking
from diversion.disposals.models import Disposal
from diversion.retention.models import SubjectAccessRequest
from diversion.retention.services import due_date
from tests.delivery.helpers import make_event
from tests.retention.helpers import victim_service_admin, victim_service_auditor
from tests.victims.test_canary import CANARY, _seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(cast, django_capture_on_commit_callbacks):
    """The canary victim's case, cautioned and attended by the person who offended."""
    found = _seed(cast, django_capture_on_commit_callbacks)
    case: Case = found["case"]
    officer = cast.users[Role.DECISION_MAKER]
    today = timezone.localdate()
    Offence.objects.filter(pk=case.offence_id).update(outcome_type="community_resolution")
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=today - timedelta(days=20),
        authorising_officer="Sgt Canary-Free", authorising_rank="sergeant",
        deadline=today + timedelta(weeks=15), time_limit_basis="s127",
        time_limit_explanation="MCA 1980 s.127: 6 months", recorded_by=officer)
    event = make_event(cast, days=-3)
    booking = Booking.objects.create(case=case, event=event, session_id="part_a",
                                     booked_by=cast.users[Role.FACILITATOR])
    Attendance.objects.create(booking=booking, outcome="attended",
                              recorded_by=cast.users[Role.FACILITATOR])
    return found


def _record(client, user, subject_type: str, reference: str) -> SubjectAccessRequest | None:
    client.force_login(user)
    today = timezone.localdate()
    client.post(reverse("retention:request_create"), {
        "subject_type": subject_type, "reference": reference,
        "received_on_0": today.day, "received_on_1": today.month, "received_on_2": today.year,
        "identity_checked": "Passport seen at the front counter"})
    return SubjectAccessRequest.objects.order_by("-pk").first()


def test_an_offenders_export_has_their_records_and_no_victim_canary(cast, client, seeded):
    case = seeded["case"]
    admin = cast.users[Role.ADMINISTRATOR]
    request = _record(client, admin, "person", case.person.force_reference)
    assert request is not None and request.subject_id == case.person_id
    assert request.due_on == due_date(timezone.localdate())

    page = client.get(reverse("retention:export", args=[request.pk, "html"]))
    download = client.get(reverse("retention:export", args=[request.pk, "json"]))
    html_file = client.get(reverse("retention:export", args=[request.pk, "download"]))
    assert download["Content-Disposition"].startswith("attachment")
    body = json.loads(download.content)
    text = download.content.decode() + page.content.decode() + html_file.content.decode()
    for expected in (case.person.force_reference, case.person.family_name,
                     case.offence.crime_reference, case.reference, "Community resolution",
                     "Sgt Canary-Free", "Attended", "section 45(4)"):
        assert expected in text, expected
    assert CANARY not in text.lower()
    for victim_value in ("+44 7700 900555", "SO14 7LP", "7700900555"):
        assert victim_value not in text
    titles = [s["title"] for s in body["sections"]]
    assert "Who read or changed your data (processing log)" in titles
    log_section = body["sections"][titles.index("Who read or changed your data (processing log)")]
    assert log_section["rows"], "the person's log rows are listed"
    assert all(cast.users[Role.DECISION_MAKER].username not in json.dumps(r)
               for r in log_section["rows"])  # staff by role, not by name

    rows = ProcessingLog.objects.filter(object_type="retention.SubjectAccessRequest",
                                        object_id=str(request.pk))
    assert set(rows.values_list("operation", flat=True)) == {
        "collection", "consultation", "disclosure"}
    disclosure = rows.filter(operation="disclosure").first()
    assert disclosure is not None and "data subject" in disclosure.recipient
    request.refresh_from_db()
    assert request.status == "answered"


def test_a_victims_export_has_their_details_and_not_the_offenders(cast, client, seeded):
    victim, case = seeded["victim"], seeded["case"]
    request = _record(client, victim_service_admin(cast), "victim", f"Victim {victim.pk}")
    assert request is not None and request.subject_id == victim.pk
    text = client.get(reverse("retention:export", args=[request.pk, "json"])).content.decode()
    for own in ("zqcanarygiven", "zqcanaryaddress", "zqcanaryviews", "zqcanarycontactnotes",
                "SO14 7LP", case.reference):
        assert own in text, own
    for offenders in (case.person.family_name, case.person.pnc_id, case.offence.crime_reference,
                      case.person.force_reference):
        assert offenders not in text


def test_a_victims_export_needs_a_recent_sign_in(cast, client, seeded):
    from tests.factories import PASSWORD

    admin = victim_service_admin(cast)
    request = _record(client, admin, "victim", f"Victim {seeded['victim'].pk}")
    assert request is not None
    session = client.session
    session["victims_authenticated_at"] = 0  # signed in long ago
    session.save()
    url = reverse("retention:export", args=[request.pk, "json"])
    response = client.get(url)
    assert response.status_code == 302 and "confirm-it-is-you" in response["Location"]
    step_up = reverse("retention:step_up")
    page = client.post(step_up, {"password": "wrong", "next": url}).content.decode()
    assert "Enter your correct password" in page
    assert not ProcessingLog.objects.filter(operation="disclosure", actor=admin).exists()
    response = client.post(step_up, {"password": PASSWORD, "next": url})
    assert response["Location"] == url
    assert "zqcanaryaddress" in client.get(url).content.decode()


def test_an_auditor_may_record_and_export(cast, client, seeded):
    request = _record(client, victim_service_auditor(cast), "victim",
                      f"Victim {seeded['victim'].pk}")
    assert request is not None
    assert client.get(reverse("retention:request", args=[request.pk])).status_code == 200


def test_other_organisations_cannot_request_or_see(cast, client, seeded):
    case = seeded["case"]
    request = _record(client, cast.users[Role.ADMINISTRATOR], "person",
                      case.person.force_reference)
    assert request is not None
    before = SubjectAccessRequest.objects.count()
    # Another force's administrator cannot find this force's person...
    client.force_login(cast.outsider_admin)
    today = timezone.localdate()
    page = client.post(reverse("retention:request_create"), {
        "subject_type": "person", "reference": case.person.force_reference,
        "received_on_0": today.day, "received_on_1": today.month, "received_on_2": today.year,
        "identity_checked": "Letter"}).content.decode()
    assert "No record in your organisation matches that reference" in page
    assert SubjectAccessRequest.objects.count() == before
    # ...nor see the request or its export.
    for url in (reverse("retention:request", args=[request.pk]),
                reverse("retention:export", args=[request.pk, "json"])):
        assert client.get(url).status_code == 404
    assert "SAR-" not in client.get(reverse("retention:requests")).content.decode()
    # The victim service cannot open the force's request either.
    client.force_login(victim_service_admin(cast))
    assert client.get(reverse("retention:request", args=[request.pk])).status_code == 404
    # Case workers have no access at all.
    for role in (Role.DECISION_MAKER, Role.VICTIM_WORKER, Role.ANALYST):
        client.force_login(cast.users[role])
        assert client.get(reverse("retention:requests")).status_code == 403


def test_the_form_names_each_problem(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:request_create"), {}).content.decode()
    for message in ("Choose whose data it is", "Enter their reference",
                    "Say how their identity was checked"):
        assert message in page
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_cannot_be_received_in_the_future(cast, client, seeded):
    # The due date counts from the day it was received: a future day would push it back.
    tomorrow = timezone.localdate() + timedelta(days=1)
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:request_create"), {
        "subject_type": "person", "reference": seeded["case"].person.force_reference,
        "received_on_0": tomorrow.day, "received_on_1": tomorrow.month,
        "received_on_2": tomorrow.year, "identity_checked": "Letter"}).content.decode()
    assert "The date the request was received must be today or in the past" in page
    assert not SubjectAccessRequest.objects.exists()


def test_a_victim_reference_means_nothing_to_a_force(cast, client, seeded):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.post(reverse("retention:request_create"), {
        "subject_type": "victim", "reference": f"Victim {seeded['victim'].pk}",
        "received_on_0": "1", "received_on_1": "1", "received_on_2": "2026",
        "identity_checked": "Letter"}).content.decode()
    assert "No record in your organisation matches that reference" in page


@pytest.mark.parametrize(("received", "due"), [
    (date(2027, 1, 15), date(2027, 2, 15)),
    (date(2027, 1, 31), date(2027, 2, 28)),
    (date(2027, 12, 10), date(2028, 1, 10)),
])
def test_the_due_date_is_one_calendar_month(received, due):
    assert due_date(received) == due


def test_the_persons_own_contact_details_are_in_their_export_only(cast, client, seeded):
    from diversion.cases.services import save_contact_details

    case, victim = seeded["case"], seeded["victim"]
    save_contact_details(cast.users[Role.DECISION_MAKER], case, phone="+44 7700 900321",
                         email="own.details@example.org", address="3 Sample Close",
                         postcode="SO14 2XX", safe_methods=["call"],
                         notes="Call after 10am")
    request = _record(client, cast.users[Role.ADMINISTRATOR], "person",
                      case.person.force_reference)
    assert request is not None
    body = json.loads(client.get(reverse("retention:export", args=[request.pk, "json"])).content)
    titles = [s["title"] for s in body["sections"]]
    [row] = body["sections"][titles.index("Your contact details")]["rows"]
    assert row["Phone number"] == "+44 7700 900321"
    assert row["Postal address"] == "3 Sample Close" and row["Postcode"] == "SO14 2XX"
    assert row["Safe to contact by"] == "Phone call (speak to the person only)"
    assert row["Safe-contact notes"] == "Call after 10am"
    # ...and never in the victim's export, though the victim is linked to the same case.
    request = _record(client, victim_service_admin(cast), "victim", f"Victim {victim.pk}")
    assert request is not None
    text = client.get(reverse("retention:export", args=[request.pk, "json"])).content.decode()
    for theirs in ("7700 900321", "own.details@example.org", "Sample Close", "Call after 10am"):
        assert theirs not in text
