"""Closing a case once nothing more is due, and the route for offences with no individual
victim (nobody to consult, so the consultation gate stands satisfied and says why)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import Case, CaseEvent
from tests.cases.helpers import date_parts, make_case
from tests.disposals.helpers import commission
from tests.disposals.test_caution_pages import caution_data

TODAY = timezone.localdate()
NO_VICTIM = {"offence_code_id": "49", "domestic_abuse": False, "relationship": "no_victim",
             "offence_date": TODAY - timedelta(days=20),
             "recorded_date": TODAY - timedelta(days=19)}


@pytest.fixture
def officer(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def _juno_case(cast, **offence):
    case = make_case(cast, programme="juno", offence_extra={**NO_VICTIM, **offence})
    case.person.sex = "F"
    case.person.save()
    return case


def _eligible(officer, case):
    officer.post(reverse("cases:eligibility", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == "eligible"


def test_no_victim_offence_goes_to_caution_without_a_consultation(cast, officer):
    commission(cast, "juno")
    case = _juno_case(cast)
    _eligible(officer, case)
    page = officer.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "No individual victim: no victim consultation is needed" in page
    assert "Confirm the person's consent" in page
    officer.post(reverse("disposals:consultation", args=[case.pk]),
                 {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    assert case.status == "consulted"
    response = officer.post(reverse("disposals:caution", args=[case.pk]), caution_data(case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "referred"
    event = CaseEvent.objects.filter(case=case, to_status="consulted").get()
    assert "No individual victim" in event.detail


def test_a_linked_victim_means_the_consultation_is_needed_after_all(cast, officer):
    """Recorded as "no individual victim" but the victim service has a victim for the case:
    the gate holds until their consultation is completed."""
    case = _juno_case(cast)
    _eligible(officer, case)
    from diversion.victims.models import CaseVictim, Victim

    victim = Victim.objects.create(victim_service=cast.orgs["victim_service"],
                                   given_name="Vic", family_name="Tim")
    CaseVictim.objects.create(case=case, victim=victim, relationship="stranger")
    body = officer.post(reverse("disposals:consultation", args=[case.pk]),
                        {"version": case.version, "person_consents": "on"}).content.decode()
    assert "has not yet recorded a completed consultation" in body
    case.refresh_from_db()
    assert case.status == "eligible"


def test_domestic_abuse_cannot_be_recorded_with_no_victim(cast, officer):
    response = officer.post(reverse("cases:record"), {
        "submission_key": "6f1c1e1e-8d1b-4a52-9a55-1c3f7d1f2a01", "programme": "cara",
        "given_name": "Ann", "family_name": "Example",
        **date_parts("date_of_birth", TODAY.replace(year=TODAY.year - 30)),
        "sex": "M", "force_reference": "FR-NV-1", "crime_reference": "CR-NV-1",
        "offence_code": "105A", **date_parts("offence_date", TODAY - timedelta(days=3)),
        "domestic_abuse": "on", "relationship": "no_victim"})
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert "A domestic abuse offence has an individual victim" in body
    assert not Case.objects.filter(offence__crime_reference="CR-NV-1").exists()


def _cautioned_without_condition(cast, officer):
    """A JUNO case (no trial) cautioned with a reparative condition only."""
    case = _juno_case(cast)
    _eligible(officer, case)
    officer.post(reverse("disposals:consultation", args=[case.pk]),
                 {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    officer.post(reverse("disposals:caution", args=[case.pk]), caution_data(
        case, programme_condition="", reparative_condition="Write a letter of apology"))
    case.refresh_from_db()
    assert case.status == "cautioned", case.status
    return case


def test_close_a_case_cautioned_with_no_programme_condition(cast, officer):
    case = _cautioned_without_condition(cast, officer)
    page = officer.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert reverse("disposals:close", args=[case.pk]) in page
    form = officer.get(reverse("disposals:close", args=[case.pk])).content.decode()
    assert "Close the case" in form
    before = ProcessingLog.objects.count()
    response = officer.post(reverse("disposals:close", args=[case.pk]),
                            {"version": case.version, "reason": "no_programme_condition",
                             "detail": "  Outcome 3 on the crime record "})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    event = CaseEvent.objects.get(case=case, to_status="closed")
    assert event.title == "Case closed: cautioned with no programme condition"
    assert event.detail == "Outcome 3 on the crime record"
    assert case.closure.reason == "no_programme_condition"
    assert ProcessingLog.objects.count() > before
    # A second submit (back button) changes nothing and says so.
    again = officer.post(reverse("disposals:close", args=[case.pk]), {"version": case.version})
    assert again.status_code == 302
    assert CaseEvent.objects.filter(case=case, to_status="closed").count() == 1


def test_close_refuses_a_stale_form_and_a_case_still_in_delivery(cast, officer):
    case = _cautioned_without_condition(cast, officer)
    stale = officer.post(reverse("disposals:close", args=[case.pk]),
                         {"version": case.version - 1, "reason": "no_programme_condition"})
    assert stale.status_code == 400
    case.refresh_from_db()
    assert case.status == "cautioned"
    busy = make_case(cast, status="in_progress")
    page = officer.get(reverse("disposals:close", args=[busy.pk])).content.decode()
    assert "cannot be closed yet" in page
    refused = officer.post(reverse("disposals:close", args=[busy.pk]),
                           {"version": busy.version, "reason": "programme_completed"})
    assert refused.status_code == 400
    assert "cannot become closed" in refused.content.decode()
    busy.refresh_from_db()
    assert busy.status == "in_progress"


def test_close_a_completed_case_and_only_police_may(cast, officer, client):
    case = make_case(cast, status="completed")
    response = officer.post(reverse("disposals:close", args=[case.pk]),
                            {"version": case.version, "reason": "programme_completed",
                             "detail": "x" * 2001})
    assert response.status_code == 400
    assert "2,000 characters or fewer" in response.content.decode()
    response = officer.post(reverse("disposals:close", args=[case.pk]),
                            {"version": case.version, "reason": "programme_completed"})
    case.refresh_from_db()
    assert case.status == "closed" and case.closure.reason == "programme_completed"
    other = make_case(cast, status="completed")
    from django.test import Client

    provider = Client()
    provider.force_login(cast.users[Role.FACILITATOR])
    assert provider.post(reverse("disposals:close", args=[other.pk]),
                         {"version": other.version, "reason": "programme_completed"}
                         ).status_code in (403, 404)
    other.refresh_from_db()
    assert other.status == "completed"
