"""What stops an unlawful or unsafe caution: the signed document, the victim's view, and the
prosecution time limit recomputed when the victim's statement is recorded after the caution."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import CaseEvent
from diversion.disposals import services
from diversion.disposals.models import Disposal, VictimViewDecision
from tests.cases.helpers import date_parts, make_case
from tests.disposals.helpers import commission, consult
from tests.disposals.test_caution_pages import TODAY, caution_data


@pytest.fixture
def officer_client(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def _to_consulted(cast, client, case, outcome="supports"):
    client.post(reverse("cases:eligibility", args=[case.pk]), {"version": case.version})
    consult(cast, case, outcome=outcome)
    case.refresh_from_db()
    client.post(reverse("disposals:consultation", args=[case.pk]),
                {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    assert case.status == "consulted"
    return case


def _juno_case(cast, **offence):
    commission(cast, "juno")
    case = make_case(cast, programme="juno", offence_extra={"offence_code_id": "49", **offence})
    case.person.sex = "F"
    case.person.save()
    return case


# --- the signed document (CJA 2003 s.23) ----------------------------------------------------

def test_a_caution_without_the_signed_document_is_refused(cast, officer_client):
    case = _to_consulted(cast, officer_client, _juno_case(cast))
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case, signed_document="")).content.decode()
    assert "There is a problem" in body and 'href="#id_signed_document"' in body
    assert "must sign the caution document" in body and "CJA 2003 s.23" in body
    assert not Disposal.objects.exists()
    case.refresh_from_db()
    assert case.status == "consulted"


def test_the_service_refuses_an_unsigned_caution_too(cast, officer_client):
    case = _to_consulted(cast, officer_client, _juno_case(cast))
    data = {"regime": "cja2003_conditional", "disposal_date": TODAY,
            "authorising_officer": "Sgt A", "authorising_rank": "sergeant",
            "programme_condition": True, "reparative_condition": "",
            "restrictive_condition": "", "unpaid_work_hours": 0,
            "deadline": TODAY + timedelta(weeks=16), "signed_document": False}
    with pytest.raises(services.CaseRefused, match="must sign"):
        services.caution(actor=cast.users[Role.DECISION_MAKER], case=case,
                         expected_version=case.version, **data)
    assert not Disposal.objects.exists()


# --- a victim who does not support the caution ----------------------------------------------

def _decision(case, **overrides):
    return {"version": case.version, "supervisor_name": "Insp R. Khan",
            "supervisor_rank": "inspector",
            "reasons": "Workshop addresses the behaviour; victim's safety plan in place",
            **overrides}


def test_a_victim_who_does_not_support_blocks_the_caution_until_a_supervisor_decides(
        cast, officer_client):
    case = _to_consulted(cast, officer_client, _juno_case(cast), outcome="does_not_support")
    detail = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Record the supervisor's decision" in detail
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case)).content.decode()
    assert "does not support an out-of-court resolution" in body
    assert not Disposal.objects.exists()

    url = reverse("disposals:victim_view", args=[case.pk])
    for overrides, field, message in (
            ({"supervisor_rank": "sergeant"}, "supervisor_rank", "inspector or above"),
            ({"reasons": "   "}, "reasons", "Give the reasons"),
            ({"supervisor_name": ""}, "supervisor_name", "Enter the supervisor")):
        page = officer_client.post(url, _decision(case, **overrides)).content.decode()
        assert f'href="#id_{field}"' in page and message in page
    assert not VictimViewDecision.objects.exists()

    assert officer_client.post(url, _decision(case)).status_code == 302
    decision = VictimViewDecision.objects.get()
    assert decision.supervisor_rank == "inspector" and "safety plan" in decision.reasons
    assert CaseEvent.objects.filter(case=case, title="Go-ahead despite the victim's view").exists()
    assert ProcessingLog.objects.filter(object_id=str(decision.pk),
                                        object_type__icontains="victimviewdecision").exists()
    case.refresh_from_db()
    detail = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Go-ahead decided by Insp R. Khan (Inspector)" in detail
    response = officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(case))
    assert response.status_code == 302 and Disposal.objects.filter(case=case).exists()


def test_a_supported_case_needs_no_decision_and_cannot_record_one(cast, officer_client):
    case = _to_consulted(cast, officer_client, _juno_case(cast))
    page = officer_client.post(reverse("disposals:victim_view", args=[case.pk]),
                               _decision(case)).content.decode()
    assert "Only a case whose victim does not support" in page
    assert not VictimViewDecision.objects.exists()


def test_randomisation_waits_for_the_supervisor_too(cast, officer_client):
    commission(cast)  # CARA runs a trial
    case = _to_consulted(cast, officer_client, make_case(cast), outcome="does_not_support")
    body = officer_client.post(reverse("disposals:randomise", args=[case.pk]),
                               {"version": case.version}).content.decode()
    assert "does not support an out-of-court resolution" in body
    case.refresh_from_db()
    assert case.status == "consulted" and not hasattr(case, "trial_allocation")


# --- the time limit follows the victim's statement ------------------------------------------

@freeze_time("2026-12-03")
def test_no_statement_means_s127_and_a_later_statement_recomputes_the_stored_limit(
        cast, officer_client):
    commission(cast)
    case = make_case(cast, offence_extra={"offence_code_id": "105A", "domestic_abuse": True,
                                          "offence_date": date(2026, 10, 15),
                                          "recorded_date": date(2026, 10, 16)})
    page = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "by <strong>15 April 2027</strong>" in page
    assert "133 days left" in page
    case = _to_consulted(cast, officer_client, case)
    officer_client.post(reverse("disposals:randomise", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    arm = {} if case.trial_allocation.arm == "workshop" else {
        "programme_condition": "", "restrictive_condition": "No contact for 16 weeks"}
    frozen_today = date(2026, 12, 3)  # caution_data's TODAY is the real date, not the frozen one
    arm.update({**date_parts("disposal_date", frozen_today),
                **date_parts("deadline", frozen_today + timedelta(weeks=16))})
    assert officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case, **arm)).status_code == 302
    disposal = Disposal.objects.get(case=case)
    assert disposal.prosecution_last_day == date(2027, 4, 15)
    assert disposal.time_limit_basis == "s127_until_statement"

    case.refresh_from_db()
    url = reverse("disposals:statement", args=[case.pk])
    assert "Record the date of the victim" in officer_client.get(url).content.decode()
    for when, message in ((date(2026, 10, 14), "on or after the offence"),
                          (date(2026, 12, 4), "today or in the past")):
        body = officer_client.post(url, {"version": case.version,
                                         **date_parts("victim_statement_date", when)})
        assert message in body.content.decode()
    response = officer_client.post(url, {"version": case.version,
                                         **date_parts("victim_statement_date",
                                                      date(2026, 11, 22))})
    assert response.status_code == 302
    disposal.refresh_from_db()
    assert disposal.prosecution_last_day == date(2027, 5, 22)  # 6 months from, first day out
    assert disposal.time_limit_basis == "s39a"
    event = CaseEvent.objects.get(case=case, title="Victim's statement date recorded")
    assert "15 April 2027 recomputed to 22 May 2027" in event.detail
    assert ProcessingLog.objects.filter(operation="alteration", object_id=str(case.pk),
                                        justification__contains="statement").exists()
    page = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "22 May 2027" in page and "Correct the date of the victim" in page

    # A correction recomputes again, and a stale form is refused without saving.
    case.refresh_from_db()
    stale = case.version - 1
    body = officer_client.post(url, {"version": stale, **date_parts("victim_statement_date",
                                                                    date(2026, 11, 1))})
    assert "changed by someone else" in body.content.decode()
    officer_client.post(url, {"version": case.version,
                              **date_parts("victim_statement_date", date(2026, 11, 1))})
    disposal.refresh_from_db()
    assert disposal.prosecution_last_day == date(2027, 5, 1)


def test_a_closed_case_keeps_its_statement_date(cast, officer_client):
    case = make_case(cast, status="closed")
    with pytest.raises(services.CaseRefused, match="closed"):
        services.record_statement_date(actor=cast.users[Role.DECISION_MAKER], case=case,
                                       expected_version=case.version,
                                       statement_date=case.offence.offence_date)
