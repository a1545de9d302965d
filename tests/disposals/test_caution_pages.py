"""The police case page and the caution step: the consultation gate, the caution and its
referral, bad input, the regime by date, the trial's allocation, a missing provider."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import Case
from diversion.disposals.models import Disposal, Referral
from diversion.programmes.models import ProgrammeProvider
from tests.cases.helpers import date_parts, make_case
from tests.disposals.helpers import commission, consult
from tests.factories import make_user

TODAY = timezone.localdate()


@pytest.fixture
def officer_client(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def _to_consulted(cast, client, case):
    client.post(reverse("cases:eligibility", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == "eligible"
    consult(cast, case)
    client.post(reverse("disposals:consultation", args=[case.pk]),
                {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    assert case.status == "consulted"


def caution_data(case, **overrides) -> dict:
    data = {"version": case.version, "regime": "cja2003_conditional",
            "authorising_officer": "Sgt Okafor 1234", "authorising_rank": "sergeant",
            "programme_condition": "on", "unpaid_work_hours": "0", "signed_document": "on",
            **date_parts("disposal_date", TODAY),
            **date_parts("deadline", TODAY + timedelta(weeks=16))}
    data.update(overrides)
    return data


def test_consultation_gate_police_see_outcome_only(cast, officer_client):
    case = make_case(cast, programme="juno", person=None, offence_extra={"offence_code_id": "49"})
    Case.objects.filter(pk=case.pk).update(person=case.person)
    case.person.sex = "F"
    case.person.save()
    officer_client.post(reverse("cases:eligibility", args=[case.pk]), {"version": 1})
    case.refresh_from_db()
    response = officer_client.post(reverse("disposals:consultation", args=[case.pk]),
                                   {"version": case.version, "person_consents": "on"})
    assert "has not yet recorded a completed consultation" in response.content.decode()
    consult(cast, case, risk=True)
    page = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Victim supports" in page and "Risk raised" in page
    assert "Wants him to get help" not in page  # the victim's words never reach police
    officer_client.post(reverse("disposals:consultation", args=[case.pk]),
                        {"version": case.version, "person_consents": "on"})
    case.refresh_from_db()
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case)).content.decode()
    assert "raised a risk" in body and not Disposal.objects.exists()


def test_caution_refers_to_the_provider_who_sees_it_at_once(cast, officer_client):
    from django.test import Client

    client = Client()
    commission(cast, "juno")
    case = make_case(cast, programme="juno", offence_extra={"offence_code_id": "49"})
    case.person.sex = "F"
    case.person.save()
    _to_consulted(cast, officer_client, case)
    response = officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "referred"
    disposal, referral = case.disposal, case.referral
    assert disposal.regime == "cja2003_conditional" and disposal.signed_document
    assert disposal.time_limit_basis == "none"
    assert referral.provider == cast.orgs["provider"]
    assert referral.first_contact_due == TODAY + timedelta(days=14)
    assert ProcessingLog.objects.filter(operation="disclosure",
                                        recipient=cast.orgs["provider"].name).exists()
    # A repeated submit of the same form records nothing more.
    again = officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(case))
    assert again.status_code == 302 and again.url == reverse("disposals:detail", args=[case.pk])
    assert Disposal.objects.count() == Referral.objects.count() == 1

    client.force_login(cast.users[Role.FACILITATOR])
    queue = client.get(reverse("delivery:home")).content.decode()
    assert case.reference in queue and case.person.family_name in queue
    other = Organisation.objects.create(name="Other Provider", kind=OrganisationKind.PROVIDER,
                                        code="other-provider")
    client.force_login(make_user("other_fac", Role.FACILITATOR, other))
    assert case.reference not in client.get(reverse("delivery:home")).content.decode()
    timeline = officer_client.get(reverse("cases:timeline", args=[case.pk])).content.decode()
    for title in ("Found eligible", "Victim consulted", "Cautioned",
                  "Referred to Test Provider"):
        assert title in timeline
    assert "moj-timeline" in timeline


@pytest.mark.parametrize("overrides, field, message", [
    (date_parts("disposal_date", TODAY - timedelta(days=400)), "disposal_date",
     "on or after the offence date"),
    (date_parts("disposal_date", TODAY + timedelta(days=2)), "disposal_date",
     "today or in the past"),
    ({"authorising_rank": "constable"}, "authorising_rank", "sergeant or above"),
    (date_parts("deadline", TODAY + timedelta(weeks=21)), "deadline",
     "the most this caution allows"),
    (date_parts("deadline", TODAY), "deadline", "must be after the caution"),
    ({"unpaid_work_hours": "5"}, "unpaid_work_hours", "cannot have unpaid work"),
    ({"unpaid_work_hours": "25"}, "unpaid_work_hours", "20 hours or fewer"),
    ({"regime": "pcsc_diversionary"}, "regime", "the caution must be"),
    ({"programme_condition": ""}, "programme_condition", "Set at least one condition"),
])
def test_caution_bad_input(cast, officer_client, overrides, field, message):
    commission(cast)
    offence = {"offence_code_id": "49", "offence_date": TODAY - timedelta(days=20),
               "recorded_date": TODAY}
    case = make_case(cast, programme="juno", offence_extra=offence)
    case.person.sex = "F"
    case.person.save()
    _to_consulted(cast, officer_client, case)
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case, **overrides)).content.decode()
    assert "There is a problem" in body and f'href="#id_{field}"' in body and message in body
    assert not Disposal.objects.exists()


def test_regime_is_chosen_by_the_commencement_date(cast, officer_client, settings):
    settings.PCSC_COMMENCEMENT_DATE = TODAY - timedelta(days=1)
    commission(cast, "juno")
    case = make_case(cast, programme="juno", offence_extra={"offence_code_id": "49"})
    case.person.sex = "F"
    case.person.save()
    _to_consulted(cast, officer_client, case)
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case)).content.decode()
    assert "Diversionary caution" in body and not Disposal.objects.exists()
    response = officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(
        case, regime="pcsc_diversionary", unpaid_work_hours="20"))
    assert response.status_code == 302
    assert Disposal.objects.get().unpaid_work_hours == 20


def test_a_trial_case_must_be_randomised_and_control_gets_no_programme(cast, officer_client):
    commission(cast)
    case = make_case(cast)
    _to_consulted(cast, officer_client, case)
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case)).content.decode()
    assert "randomise the case first" in body
    officer_client.post(reverse("disposals:randomise", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    arm = case.trial_allocation.arm
    page = officer_client.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert f"Allocated to <strong>{arm}</strong>" in page
    response = officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(case))
    case.refresh_from_db()
    if arm == "workshop":
        assert response.status_code == 302 and case.status == "referred"
        assert case.disposal.time_limit_basis == "s127_until_statement"
    else:
        assert "no programme condition" in response.content.decode()
        officer_client.post(reverse("disposals:caution", args=[case.pk]), caution_data(
            case, programme_condition="", restrictive_condition="No contact for 16 weeks"))
        case.refresh_from_db()
        assert case.status == "cautioned" and not Referral.objects.exists()


def test_no_provider_set_up_is_refused(cast, officer_client):
    case = make_case(cast, programme="juno", offence_extra={"offence_code_id": "49"})
    case.person.sex = "F"
    case.person.save()
    _to_consulted(cast, officer_client, case)
    assert not ProgrammeProvider.objects.exists()
    body = officer_client.post(reverse("disposals:caution", args=[case.pk]),
                               caution_data(case)).content.decode()
    assert "no provider set up" in body and not Disposal.objects.exists()
