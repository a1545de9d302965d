"""Breaches by email (issue 17): a non-attendance that makes a breach tells the police who must
decide; the police's breach decision tells the referred provider's managers the outcome, so
they stop or resume delivery. Neither is urgent: users may opt out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.delivery import services as delivery_services
from diversion.notifications.models import KINDS_BY_ROLE, Kind, Notification, OptOut
from tests.delivery.helpers import booked_cara, held, referred_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _decide(client, cast, case, capture, **data):
    client.force_login(cast.users[Role.DECISION_MAKER])
    with capture(execute=True):
        response = client.post(reverse("delivery:decide", args=[case.pk]), {
            "version": case.version, "rationale": "Missed part A", **data})
    assert response.status_code == 302, response.content.decode()[:1500]


@pytest.mark.parametrize(("choice", "extra", "words"), [
    ("prosecute", {}, "Police decided to prosecute the original offence. Stop delivery"),
    ("nfa", {}, "Police decided on no further action. Stop delivery"),
    ("rebook", {"new_deadline": 8}, "Police re-booked the programme: every part is repeated"),
])
def test_the_breach_decision_tells_the_referred_providers_managers(
        cast, client, run_worker, django_capture_on_commit_callbacks, choice, extra, words):
    case = referred_case(cast, status="breached")
    manager = cast.users[Role.PROVIDER_MANAGER]
    other_provider = Organisation.objects.create(name="Elsewhere Trust", code="elsewhere",
                                                 kind=OrganisationKind.PROVIDER)
    make_user("manager.elsewhere", Role.PROVIDER_MANAGER, other_provider)
    data = {"choice": choice}
    if extra:
        due = timezone.localdate() + timedelta(weeks=extra["new_deadline"])
        data.update(new_deadline_0=due.day, new_deadline_1=due.month, new_deadline_2=due.year)
    _decide(client, cast, case, django_capture_on_commit_callbacks, **data)
    run_worker()
    [sent] = Notification.objects.filter(kind=Kind.BREACH_DECISION)
    assert sent.recipient == manager and not sent.urgent  # not facilitators, not elsewhere
    [message] = [m for m in mail.outbox if m.to == [manager.email]]
    assert message.subject == f"Breach decision on case {case.reference}"
    assert words in message.body
    assert reverse("delivery:case", args=[case.pk]) in message.body
    if extra:
        assert f"{due:%-d %B %Y}" in message.body
    client.force_login(manager)  # the link opens for the manager
    assert client.get(reverse("delivery:case", args=[case.pk])).status_code == 200


def test_a_manager_who_opted_out_is_not_told_of_decisions(cast, client, run_worker,
                                                         django_capture_on_commit_callbacks):
    manager = cast.users[Role.PROVIDER_MANAGER]
    assert Kind.BREACH_DECISION in KINDS_BY_ROLE[Role.PROVIDER_MANAGER]
    client.force_login(manager)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Police decided what happens after a breach of a referral to you" in page
    wanted = [k for k in KINDS_BY_ROLE[Role.PROVIDER_MANAGER] if k != Kind.BREACH_DECISION]
    assert client.post(reverse("notifications:preferences"),
                       {"wanted": wanted}).status_code == 302
    assert OptOut.objects.filter(user=manager, kind=Kind.BREACH_DECISION).exists()
    case = referred_case(cast, status="breached")
    _decide(client, cast, case, django_capture_on_commit_callbacks, choice="nfa")
    run_worker()
    assert not Notification.objects.filter(kind=Kind.BREACH_DECISION).exists()


def test_a_refused_decision_tells_nobody(cast, client, django_capture_on_commit_callbacks):
    case = referred_case(cast, status="breached",
                         prosecution_last_day=timezone.localdate() - timedelta(days=1))
    client.force_login(cast.users[Role.DECISION_MAKER])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delivery:decide", args=[case.pk]), {
            "version": case.version, "choice": "prosecute", "rationale": "No engagement"})
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_a_breach_goes_to_the_forces_decision_makers_when_the_referrer_cannot_act(
        cast, client, run_worker, django_capture_on_commit_callbacks):
    """The referrer left (deactivated): every decision maker of the force is told instead, so
    a breach never goes untold; another force's officers are not."""
    referrer = cast.users[Role.DECISION_MAKER]
    colleague = make_user("sgt.colleague", Role.DECISION_MAKER, cast.orgs["force"])
    facilitator, case, a, _b, ba, _bb = booked_cara(cast)
    referrer.is_active = False
    referrer.save()
    held(a)
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("delivery:register", args=[a.pk]), {f"mark_{ba.pk}": "late"})
    run_worker()
    told = set(Notification.objects.filter(kind=Kind.NON_ATTENDANCE)
               .values_list("recipient_id", flat=True))
    assert told == {colleague.pk}
    assert cast.outsider_officer.pk not in told


def test_a_missed_one_to_one_that_is_a_breach_tells_the_referrer(
        cast, client, run_worker, django_capture_on_commit_callbacks, monkeypatch):
    """A programme whose file makes a missed one-to-one non-compliance: the case goes back to
    police, and police are told as for a missed workshop (JUNO's own file says it is not)."""
    real = delivery_services.definition_for

    def strict(case):
        definition = real(case)
        spec = definition.one_to_ones.model_copy(update={"missed_is_breach": True})
        return definition.model_copy(update={"one_to_ones": spec})

    monkeypatch.setattr(delivery_services, "definition_for", strict)
    case = referred_case(cast, programme="juno")
    on = timezone.localdate() - timedelta(days=1)
    client.force_login(cast.users[Role.FACILITATOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delivery:one_to_one", args=[case.pk]), {
            "one_to_one-held_on_0": on.day, "one_to_one-held_on_1": on.month,
            "one_to_one-held_on_2": on.year, "one_to_one-outcome": "did_not_attend",
            "one_to_one-minutes": "", "one_to_one-note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "breached"
    run_worker()
    [sent] = Notification.objects.filter(kind=Kind.NON_ATTENDANCE)
    assert sent.recipient == cast.users[Role.DECISION_MAKER] and not sent.urgent
    assert f"{on:%-d %B %Y}" in sent.body and case.reference in sent.subject
