"""Victim workers' pages: record, link, contact details behind a reason and step-up, consult."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.audit.services import ProcessingLogError
from diversion.victims import selectors, stepup
from diversion.victims.models import CaseVictim, Consultation, SafeguardingAlert, Victim
from tests.dates import with_date_inputs
from tests.factories import PASSWORD
from tests.victims.helpers import home_case, make_case, make_victim


@pytest.fixture
def worker_client(cast, client):
    client.force_login(cast.users[Role.VICTIM_WORKER])
    return client


def test_record_a_victim_and_link_two_cases(cast, worker_client):
    first, second = home_case(cast, "TF-1"), home_case(cast, "TF-2")
    response = worker_client.post(reverse("victims:victim_create"),
                                  {"given_name": "Jo", "family_name": "Example"})
    victim = Victim.objects.get()
    assert response["Location"] == reverse("victims:victim", args=[victim.pk])
    assert victim.victim_service == cast.orgs["victim_service"]
    # Found by case reference, or by the offence's crime reference.
    for ref in ("TF-1", second.offence.crime_reference):
        response = worker_client.post(reverse("victims:link_case", args=[victim.pk]),
                                      {"reference": ref, "relationship": "former_partner"})
        assert response.status_code == 302, response.content.decode()
    assert set(CaseVictim.objects.values_list("case__reference", flat=True)) == {"TF-1", "TF-2"}
    # Several victims on one case.
    other = make_victim(cast, given_name="Sam")
    worker_client.post(reverse("victims:link_case", args=[other.pk]),
                       {"reference": "TF-1", "relationship": "family_member"})
    assert CaseVictim.objects.filter(case=first).count() == 2
    page = worker_client.get(reverse("victims:victim", args=[victim.pk])).content.decode()
    assert "Case TF-1" in page and "Case TF-2" in page and "Former intimate partner" in page


def test_the_victims_page_shows_the_record_number_a_subject_access_request_asks_for(
        cast, worker_client):
    # The victim service's administrator records a victim's request by this number
    # (retention: "a victim's record number (for example Victim 12)").
    victim = make_victim(cast)
    page = worker_client.get(reverse("victims:victim", args=[victim.pk])).content.decode()
    assert f'<span class="govuk-caption-l" id="record-number">Victim {victim.pk}</span>' in page


def test_cases_of_forces_the_service_does_not_serve_are_not_found(cast, worker_client):
    make_case(cast.outsider_org, cast.outsider_officer, "OUT-1")
    home_case(cast, "TF-1")
    victim = make_victim(cast)
    response = worker_client.post(reverse("victims:link_case", args=[victim.pk]),
                                  {"reference": "OUT-1", "relationship": "other"})
    assert response.status_code == 200
    assert "No case with that case or crime reference" in response.content.decode()
    assert not CaseVictim.objects.exists()


def test_contact_details_need_a_reason_and_each_read_is_logged(cast, worker_client):
    victim = make_victim(cast, phone="+44 7700 900123", address="1 Canary Row")
    url = reverse("victims:contact_details", args=[victim.pk])
    page = worker_client.get(url).content.decode()
    assert "Why do you need to see the contact details?" in page
    assert "1 Canary Row" not in page
    before = ProcessingLog.objects.order_by("-id").first().pk
    page = worker_client.post(url, {"reason": "other"}).content.decode()
    assert "Give the reason you need to see the contact details" in page
    assert "1 Canary Row" not in page
    # The page (the victim's name) is logged as such; no contact details were read.
    assert list(ProcessingLog.objects.filter(pk__gt=before).values_list(
        "justification", flat=True)) == ["Victim worker opening a victim's contact details page"]
    page = worker_client.post(url, {"reason": "plan_contact"}).content.decode()
    assert "1 Canary Row" in page and "+44 7700 900123" in page
    row = ProcessingLog.objects.first()
    assert row.operation == "consultation"
    assert row.justification == (
        "Victim contact details read: To plan a safe contact with the victim")
    assert row.object_id == str(victim.pk)


def test_contact_details_ask_for_the_password_after_15_minutes(cast, worker_client):
    victim = make_victim(cast, address="1 Canary Row")
    url = reverse("victims:contact_details", args=[victim.pk])
    session = worker_client.session
    session[stepup.SESSION_KEY] = time.time() - 16 * 60
    session.save()
    response = worker_client.post(url, {"reason": "plan_contact"})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("victims:step_up"))
    step_up = response["Location"]
    page = worker_client.post(step_up, {"password": "wrong password entirely"}).content.decode()
    assert "Enter your correct password" in page
    response = worker_client.post(step_up, {"password": PASSWORD, "next": url})
    assert response["Location"] == url
    assert "1 Canary Row" in worker_client.post(url, {"reason": "update"}).content.decode()


def test_step_up_refuses_an_off_site_next(cast, worker_client):
    response = worker_client.post(reverse("victims:step_up") + "?next=https://evil.example/",
                                  {"password": PASSWORD})
    assert response["Location"] == reverse("victims:home")


def test_if_the_log_cannot_be_written_the_details_are_not_shown(cast, worker_client):
    victim = make_victim(cast, address="1 Canary Row")
    url = reverse("victims:contact_details", args=[victim.pk])
    error = "log store unreachable at db-7"  # the internal error must not reach the page
    with mock.patch.object(selectors, "record", side_effect=ProcessingLogError(error)):
        response = worker_client.post(url, {"reason": "plan_contact"})
        edit = worker_client.get(reverse("victims:contact_details_edit", args=[victim.pk]))
    for page in (response, edit):
        assert page.status_code == 503
        body = page.content.decode()
        assert "Sorry, there is a problem with the service" in body
        assert "1 Canary Row" not in body and error not in body


def test_change_contact_details_validates_and_keeps_what_was_saved(cast, worker_client):
    victim = make_victim(cast, phone="+44 7700 900123", postcode="SO14 7LP")
    url = reverse("victims:contact_details_edit", args=[victim.pk])
    assert "+44 7700 900123" in worker_client.get(url).content.decode()
    bad = {"address": "2 New Street", "postcode": "NOT A POSTCODE", "phone": "12345",
           "email": "not-an-email", "safe_times": "", "safe_words": "",
           "perpetrator_knows_address": "maybe", "refuge_status": ""}
    page = worker_client.post(url, bad).content.decode()
    assert "There is a problem" in page
    assert "Postcode must be a real UK postcode" in page
    assert "Safe phone number must be a real phone number" in page
    assert "Enter an email address in the correct format" in page
    victim.refresh_from_db()
    assert victim.phone == "+44 7700 900123" and victim.address == ""  # nothing lost
    good = dict(bad, postcode="so147lp", phone="07700 900982", email="safe@example.org",
                perpetrator_knows_address="no", refuge_status="in_refuge")
    assert worker_client.post(url, good).status_code == 302
    victim.refresh_from_db()
    assert (victim.postcode, victim.phone, victim.refuge_status) == (
        "SO14 7LP", "+44 7700 900982", "in_refuge")
    assert ProcessingLog.objects.filter(operation="alteration", object_id=str(victim.pk)).exists()


def test_a_half_finished_consultation_is_saved_as_a_draft_then_completed(cast, worker_client):
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    url = reverse("victims:consultation", args=[victim.pk, case.pk])
    worker_client.post(url, {"action": "draft", "views": "Unsure yet"})
    draft = Consultation.objects.get()
    assert draft.is_draft and draft.views == "Unsure yet"
    assert selectors.police_outcome(case).consulted is False
    assert "Unsure yet" in worker_client.get(url).content.decode()
    # Completing with gaps is refused, naming each field; the draft is kept.
    page = worker_client.post(url, {"action": "complete", "views": "Unsure yet",
                                     "risk_raised": "on"}).content.decode()
    assert "Choose the outcome for police before completing" in page
    assert "Choose the DASH risk level" in page and "Describe the risk concerns" in page
    assert Consultation.objects.get().is_draft
    response = worker_client.post(url, {
        "action": "complete", "views": "Wants help for him", "consents_to_programme": "yes",
        "risk_raised": "on", "risk_details": "Threats by text", "dash_level": "medium",
        "marac_referral": "", "idva_referral": "on", "outcome": "supports"})
    assert response.status_code == 302
    done = Consultation.objects.get()
    assert not done.is_draft and done.completed_at and done.idva_referral and done.dash_level
    outcome = selectors.police_outcome(case)
    assert outcome.consulted and outcome.outcome == "supports" and outcome.risk_raised
    assert SafeguardingAlert.objects.filter(case=case).count() == 1
    disclosure = ProcessingLog.objects.filter(operation="disclosure").first()
    assert disclosure.recipient.startswith("Test Force")


def test_bad_dates_are_refused_naming_the_field(cast, worker_client):
    victim = make_victim(cast)
    url = reverse("victims:contact_create", args=[victim.pk])
    for value, message in (("2026-02-30", "The contact date must be a real date"),
                           ("yesterday", "The contact date must be a real date"),
                           ("2999-01-01", "Contact date must be today or in the past"),
                           ("", "Enter the contact date")):
        page = worker_client.post(url, with_date_inputs(
            {"contacted_on": value, "method": "phone", "outcome": "spoke"}, "contacted_on")
        ).content.decode()
        assert message in page, value
        assert 'href="#id_contacted_on"' in page
    assert not victim.contacts.exists()


def test_find_a_case_by_reference_within_the_partnership(cast, worker_client):
    case = home_case(cast, "TF-FIND")
    from tests.victims.helpers import make_case

    make_case(cast.outsider_org, cast.outsider_officer, "OUT-FIND")
    victim = make_victim(cast, case=case, given_name="Linked")
    url = reverse("victims:case_search")
    page = worker_client.get(url, {"reference": case.offence.crime_reference}).content.decode()
    assert "Case TF-FIND" in page and "Linked Victimson" in page
    assert ProcessingLog.objects.filter(justification__startswith="Victim worker finding").exists()
    page = worker_client.get(url, {"reference": "OUT-FIND"}).content.decode()
    assert "No case with that reference" in page and "OUT-FIND</h2>" not in page
    page = worker_client.get(url, {"reference": ""}).content.decode()
    assert "Enter the case or crime reference" in page
    assert victim.pk


def _refuse_log_inserts(vendor: str) -> None:
    """Make the database itself refuse processing-log rows (as if INSERT were revoked)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("CREATE FUNCTION test_refuse_log() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'log refused'; END; $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER test_refuse_log BEFORE INSERT ON audit_processinglog "
                           "FOR EACH ROW EXECUTE FUNCTION test_refuse_log()")
        else:
            cursor.execute("CREATE TRIGGER test_refuse_log BEFORE INSERT ON audit_processinglog "
                           "BEGIN SELECT RAISE(ABORT, 'log refused'); END")


def test_when_the_database_refuses_the_log_row_victim_pages_fail_closed(cast, worker_client,
                                                                          vendor, app_log):
    victim = make_victim(cast, given_name="Zqcanaryname", address="1 Zqcanary Row")
    _refuse_log_inserts(vendor)  # rolled back with the test's transaction
    responses = [
        worker_client.post(reverse("victims:contact_details", args=[victim.pk]),
                           {"reason": "plan_contact"}),
        worker_client.get(reverse("victims:victim", args=[victim.pk])),
        worker_client.get(reverse("victims:contact_details_edit", args=[victim.pk])),
        worker_client.get(reverse("victims:home")),
        worker_client.post(reverse("victims:contact_create", args=[victim.pk]),
                           with_date_inputs({"contacted_on": "2026-11-01", "method": "phone",
                                             "outcome": "spoke", "notes": "zqcanary note"},
                                            "contacted_on")),
    ]
    for response in responses:
        assert response.status_code == 503
        assert "zqcanary" not in response.content.decode().lower()
    assert not victim.contacts.exists()  # the write was rolled back with its log row
    # Operators see each failure in the log, without the victim (the autouse check) or the
    # database's message, which could quote the row.
    failures = [line for line in app_log.getvalue().splitlines() if "failed closed" in line]
    assert len(failures) == len(responses)
    assert not any("log refused" in line for line in failures)


def test_home_lists_consultations_due_until_completed(cast, worker_client):
    case = home_case(cast, "TF-DUE")
    victim = make_victim(cast, case=case, given_name="Duename")
    page = worker_client.get(reverse("victims:home")).content.decode()
    assert "Duename Victimson, case TF-DUE" in page
    from diversion.victims import services

    services.save_consultation(cast.users[Role.VICTIM_WORKER], victim=victim, case=case,
                               complete=True, values={"outcome": "no_view",
                                                      "consents_to_programme": False})
    page = worker_client.get(reverse("victims:home")).content.decode()
    assert "There are no consultations due." in page
