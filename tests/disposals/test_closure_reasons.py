"""Closing a case records why: the page offers only the reasons the case's status (and, after a
breach, the police's breach decision) allows, refuses any other with a message naming the
field, and the case page shows the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import CaseEvent
from diversion.delivery.compliance import decide_breach
from diversion.disposals import services
from diversion.disposals.models import Closure
from tests.cases.helpers import make_case
from tests.delivery.helpers import referred_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    return client


def _decided(cast, choice: str):
    case = referred_case(cast, status="breached")
    decide_breach(cast.users[Role.DECISION_MAKER], case, choice=choice,
                  rationale="Missed part A", expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "decided"
    return case


def _close(officer, case, **data):
    return officer.post(reverse("disposals:close", args=[case.pk]),
                        {"version": case.version, **data})


def _radios(page: str) -> set[str]:
    return {value for value in ("programme_completed", "no_programme_condition",
                                "prosecuted_after_breach", "nfa_after_breach", "other")
            if f'value="{value}"' in page}


def test_a_prosecuted_breach_closes_for_that_reason_and_the_case_page_says_so(cast, officer):
    case = _decided(cast, "prosecute")
    detail = officer.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert reverse("disposals:close", args=[case.pk]) in detail
    page = officer.get(reverse("disposals:close", args=[case.pk])).content.decode()
    assert "Prosecute for the original offence" in page  # the recorded decision
    assert _radios(page) == {"prosecuted_after_breach"}
    before = ProcessingLog.objects.count()
    response = _close(officer, case, reason="prosecuted_after_breach",
                      detail="Charged, first hearing booked")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    closure = Closure.objects.get(case=case)
    assert (closure.reason, closure.detail) == ("prosecuted_after_breach",
                                                "Charged, first hearing booked")
    assert closure.closed_by == cast.users[Role.DECISION_MAKER]
    assert ProcessingLog.objects.filter(pk__gt=before, operation="alteration").exists()
    event = CaseEvent.objects.get(case=case, to_status="closed")
    assert event.title == "Case closed: prosecuted for the original offence after a breach"
    shown = officer.get(reverse("disposals:detail", args=[case.pk])).content.decode()
    assert "Prosecuted for the original offence after a breach" in shown
    assert "Charged, first hearing booked" in shown


def test_no_further_action_closes_only_as_no_further_action(cast, officer):
    case = _decided(cast, "nfa")
    page = officer.get(reverse("disposals:close", args=[case.pk])).content.decode()
    assert _radios(page) == {"nfa_after_breach"}
    forged = _close(officer, case, reason="prosecuted_after_breach")
    assert forged.status_code == 400
    body = forged.content.decode()
    assert "govuk-error-summary" in body and 'href="#id_reason"' in body
    assert "Select one of the reasons shown for this case" in body
    completed = _close(officer, case, reason="programme_completed")
    assert completed.status_code == 400
    case.refresh_from_db()
    assert case.status == "decided" and not Closure.objects.exists()
    assert _close(officer, case, reason="nfa_after_breach").status_code == 302
    assert Closure.objects.get(case=case).reason == "nfa_after_breach"


def test_the_service_refuses_a_reason_that_contradicts_the_breach_decision(cast):
    """Behind the page: the decision, not the form, is what allows a breach reason."""
    case = _decided(cast, "prosecute")
    officer = cast.users[Role.DECISION_MAKER]
    with pytest.raises(services.ClosureRefused, match="was “Prosecute for the original "
                                                      "offence”: the case can only be closed "
                                                      "as “prosecuted"):
        services.close_case(actor=officer, case=case, expected_version=case.version,
                            reason="nfa_after_breach")
    with pytest.raises(services.ClosureRefused, match="Select why the case is being closed"):
        services.close_case(actor=officer, case=case, expected_version=case.version,
                            reason="finished")
    completed = make_case(cast, status="completed")
    with pytest.raises(services.ClosureRefused, match="only once police have decided"):
        services.close_case(actor=officer, case=completed, expected_version=completed.version,
                            reason="nfa_after_breach")
    case.refresh_from_db()
    completed.refresh_from_db()
    assert (case.status, completed.status) == ("decided", "completed")
    assert not Closure.objects.exists()


def test_a_decided_case_without_a_decision_and_a_breached_case_cannot_close(cast, officer):
    undecided = referred_case(cast, status="decided")  # no BreachDecision row
    page = officer.get(reverse("disposals:close", args=[undecided.pk])).content.decode()
    assert "cannot be closed yet" in page and _radios(page) == set()
    refused = _close(officer, undecided, reason="nfa_after_breach")
    assert refused.status_code == 400
    assert "no prosecution or no-further-action breach decision" in refused.content.decode()
    breached = referred_case(cast, status="breached")
    refused = _close(officer, breached, reason="nfa_after_breach")
    assert refused.status_code == 400
    assert "cannot become closed" in refused.content.decode()
    assert not Closure.objects.exists()


def test_a_re_booked_case_is_back_in_delivery_and_cannot_close(cast, officer):
    from datetime import timedelta

    from django.utils import timezone

    case = referred_case(cast, status="breached")
    decide_breach(cast.users[Role.DECISION_MAKER], case, choice="rebook", rationale="Illness",
                  new_deadline=timezone.localdate() + timedelta(weeks=8),
                  expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert _close(officer, case, reason="nfa_after_breach").status_code == 400
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_the_reasons_offered_follow_the_status_and_errors_name_the_field(cast, officer):
    cautioned = make_case(cast, status="cautioned")  # no referral: no programme condition
    page = officer.get(reverse("disposals:close", args=[cautioned.pk])).content.decode()
    assert _radios(page) == {"no_programme_condition", "other"}
    missing = _close(officer, cautioned)
    assert missing.status_code == 400
    assert "Select why the case is being closed" in missing.content.decode()
    other = _close(officer, cautioned, reason="other", detail="   ")
    assert other.status_code == 400
    body = other.content.decode()
    assert "Describe the reason for closing the case" in body and 'href="#id_detail"' in body
    forged = _close(officer, cautioned, reason="programme_completed")
    assert "Select one of the reasons shown for this case" in forged.content.decode()
    assert _close(officer, cautioned, reason="other",
                  detail="Caution withdrawn on review").status_code == 302
    closure = Closure.objects.get(case=cautioned)
    assert (closure.reason, closure.detail) == ("other", "Caution withdrawn on review")
    completed = make_case(cast, status="completed")
    page = officer.get(reverse("disposals:close", args=[completed.pk])).content.decode()
    assert _radios(page) == {"programme_completed"}


def test_another_forces_officer_cannot_close_and_no_closure_is_written(cast, client):
    case = _decided(cast, "nfa")
    client.force_login(cast.outsider_officer)
    response = client.post(reverse("disposals:close", args=[case.pk]),
                           {"version": case.version, "reason": "nfa_after_breach"})
    assert response.status_code == 404
    assert not Closure.objects.exists()
