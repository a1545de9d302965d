"""The police pages before the caution (record an offence, its facts, the work queue), their bad
input, and integrity under repetition. The caution pages: tests/disposals/test_caution_pages.py."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases import pnc
from diversion.cases.models import Case, CaseEvent, Offence, Person
from tests.cases.helpers import date_parts, make_case
from tests.factories import make_user

TODAY = timezone.localdate()


def record_data(**overrides) -> dict:
    data = {
        "submission_key": str(uuid.uuid4()), "programme": "cara", "given_name": "Dan",
        "family_name": "Ellis", "sex": "M", "pnc_id": "10/12345" + pnc.make(2010, 12345)[-1],
        "force_reference": "FR1", "crime_reference": "CR-100", "offence_code": "105a",
        "domestic_abuse": "on", "relationship": "current_partner", "admission": "yes",
        "on_bail": "no", "court_order": "no", "community_sentence": "no",
        "violence_disposal_within_2_years": "no", "interpreter_needed": "no",
        "appropriate_adult_needed": "no", "dash_risk": "standard",
        **date_parts("date_of_birth", date(1990, 5, 17)),
        **date_parts("offence_date", TODAY - timedelta(days=10)),
    }
    data.update(overrides)
    return data


@pytest.fixture
def officer_client(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def test_recording_an_offence_creates_person_offence_case_event_and_log(cast, officer_client):
    response = officer_client.post(reverse("cases:record"), record_data())
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("disposals:detail",
                                                                    args=[case.pk])
    assert case.person.pnc_id == "2010/0012345" + pnc.make(2010, 12345)[-1]
    assert case.offence.offence_code_id == "105A" and case.offence.domestic_abuse
    assert case.admission is True and case.dash_risk == "standard"
    assert CaseEvent.objects.filter(case=case, title="Offence recorded").exists()
    assert ProcessingLog.objects.filter(object_type="cases.Case", operation="collection").exists()
    page = officer_client.get(response.url).content.decode()
    assert "Prosecution time limit" in page and "s.39A" in page


def test_submitting_the_same_form_twice_creates_one_case(cast, officer_client):
    data = record_data()
    first = officer_client.post(reverse("cases:record"), data)
    second = officer_client.post(reverse("cases:record"), data)
    assert first.url == second.url
    assert Case.objects.count() == Offence.objects.count() == Person.objects.count() == 1


@pytest.mark.parametrize("overrides, field, message", [
    (date_parts("date_of_birth", TODAY + timedelta(days=3)), "date_of_birth",
     "The date of birth must be in the past"),
    ({"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"},
     "date_of_birth", "The date of birth must be a real date"),
    ({"date_of_birth_0": "99999999999999999999", "date_of_birth_1": "2",
      "date_of_birth_2": "1990"}, "date_of_birth", "The date of birth must be a real date"),
    ({"offence_date_0": "", "offence_date_1": "13", "offence_date_2": "2026"}, "offence_date",
     "The offence date must include a day"),
    (date_parts("offence_date", TODAY + timedelta(days=1)), "offence_date",
     "The offence date must be today or in the past"),
    (date_parts("offence_date", date(1985, 1, 1)), "offence_date",
     "The offence date must be after the date of birth"),
    ({"pnc_id": "10/12345Q"}, "pnc_id", "check letter is wrong"),
    ({"pnc_id": "not a pnc"}, "pnc_id", "Enter a PNC ID in the format"),
    ({"offence_code": "ZZZ9"}, "offence_code", "is not a Home Office offence code"),
    ({"given_name": ""}, "given_name", "Enter the person"),
    ({**date_parts("victim_statement_date", TODAY - timedelta(days=30))},
     "victim_statement_date", "on or after the offence"),
])
def test_bad_input_gets_the_error_summary_naming_the_field(cast, officer_client, overrides,
                                                          field, message):
    response = officer_client.post(reverse("cases:record"), record_data(**overrides))
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert f'href="#id_{field}"' in body and message in body
    assert 'value="Ellis"' in body or field == "family_name"  # what was typed is kept
    assert not Case.objects.exists()


def test_a_known_force_reference_must_be_the_same_person(cast, officer_client):
    officer_client.post(reverse("cases:record"), record_data())
    body = officer_client.post(reverse("cases:record"), record_data(
        submission_key=str(uuid.uuid4()), crime_reference="CR-200",
        family_name="Someone-Else")).content.decode()
    assert "belongs to someone with a different name" in body
    assert 'href="#id_force_reference"' in body
    response = officer_client.post(reverse("cases:record"), record_data(
        submission_key=str(uuid.uuid4()), crime_reference="CR-201"))
    assert response.status_code == 302
    assert Person.objects.count() == 1 and Case.objects.count() == 2


def test_a_crime_reference_already_recorded_is_refused(cast, officer_client):
    officer_client.post(reverse("cases:record"), record_data())
    body = officer_client.post(reverse("cases:record"), record_data()).content.decode()
    assert "already recorded" in body and Case.objects.count() == 1


def test_two_officers_editing_the_facts_the_second_is_told(cast, client):
    case = make_case(cast, dash_risk="")
    second = make_user("second_officer", Role.DECISION_MAKER, cast.orgs["force"])
    url = reverse("cases:facts", args=[case.pk])
    form = {"version": case.version, "admission": "yes", "on_bail": "no", "court_order": "no",
            "community_sentence": "no", "violence_disposal_within_2_years": "no",
            "interpreter_needed": "no", "appropriate_adult_needed": "no"}
    client.force_login(cast.users[Role.DECISION_MAKER])
    assert client.post(url, {**form, "dash_risk": "medium"}).status_code == 302
    client.force_login(second)
    response = client.post(url, {**form, "dash_risk": "high"})  # built from version 1
    body = response.content.decode()
    assert "changed by someone else" in body and "There is a problem" in body
    case.refresh_from_db()
    assert case.dash_risk == "medium" and case.version == 2  # the first change is kept
    assert 'value="high" selected' in body  # and the second officer's input is not lost


def test_the_home_page_lists_cases(cast, officer_client):
    case = make_case(cast)
    page = officer_client.get(reverse("cases:home")).content.decode()
    assert case.reference in page and "Record an offence" in page


def test_after_eligibility_only_the_statement_date_can_change(cast, officer_client):
    case = make_case(cast, status="eligible", offence_extra={
        "offence_date": TODAY - timedelta(days=20), "recorded_date": TODAY})
    url = reverse("cases:facts", args=[case.pk])
    form = {"version": case.version, "admission": "yes", "on_bail": "no", "court_order": "no",
            "community_sentence": "no", "violence_disposal_within_2_years": "no",
            "interpreter_needed": "no", "appropriate_adult_needed": "no",
            "dash_risk": "standard"}
    body = officer_client.post(url, {**form, "dash_risk": "high"}).content.decode()
    assert "locked once eligibility is decided" in body
    statement = TODAY - timedelta(days=3)
    response = officer_client.post(url, {**form, **date_parts("victim_statement_date",
                                                              statement)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.victim_statement_date == statement and case.dash_risk == "standard"
    page = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "6 months from the victim" in page
