"""No email carries a name, an address or any victim detail: canary values go into every
person's and victim's field, every kind of notification is triggered through the pages (and the
sweep), and no canary appears in any message's subject, body or headers (security.md 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import Person
from diversion.disposals.models import Disposal
from diversion.notifications.models import Kind, Notification
from diversion.victims import services as victim_services
from diversion.victims.models import CONTACT_FIELDS
from tests.dates import date_input
from tests.delivery.helpers import booked_cara, held, referred_case
from tests.notifications.test_notifications import ready_to_complete
from tests.victims.helpers import serve

pytestmark = pytest.mark.django_db

CANARY = "zqcanary"


def _plant(cast, case) -> None:
    Person.objects.filter(pk=case.person_id).update(
        given_name=f"{CANARY}given", family_name=f"{CANARY}family")
    worker = cast.users[Role.VICTIM_WORKER]
    victim = victim_services.create_victim(worker, given_name=f"{CANARY}vgiven",
                                           family_name=f"{CANARY}vfamily")
    contact = {name: f"{CANARY}{name.replace('_', '')}" for name in CONTACT_FIELDS}
    contact.update(perpetrator_knows_address="yes", refuge_status="in_refuge",
                   phone="+44 7700 900555", postcode="SO14 7LP")
    victim_services.update_contact_details(worker, victim, contact)
    victim_services.link_case(worker, victim, case, relationship="current_partner")


def test_no_canary_in_any_notification(cast, client, run_worker,
                                       django_capture_on_commit_callbacks):
    serve(cast)
    today = timezone.localdate()
    capture = django_capture_on_commit_callbacks
    # A referred case, late for first contact, near its deadline and time limit.
    late = referred_case(cast, status="referred", deadline=today + timedelta(days=5),
                         prosecution_last_day=today + timedelta(days=5))
    Disposal.objects.filter(case=late).update(disposal_date=today - timedelta(days=30))
    _plant(cast, late)
    with capture(execute=True):
        call_command("delivery_sweep")
    facilitator = cast.users[Role.FACILITATOR]
    client.force_login(facilitator)
    with capture(execute=True):
        client.post(reverse("delivery:contact", args=[late.pk]),
                    {**date_input("made_on", today), "method": "phone", "outcome": "contacted"})
    # Safeguarding alert through the victim worker's page.
    victim = late.victim_links.get().victim
    client.force_login(cast.users[Role.VICTIM_WORKER])
    with capture(execute=True):
        client.post(reverse("victims:safeguarding_create", args=[victim.pk, late.pk]),
                    {"details": f"{CANARY}alertdetails", "urgent": "on"})
    # Non-attendance through the register.
    _f, missed, a, _b, ba, _bb = booked_cara(cast)
    _plant(cast, missed)
    held(a)
    client.force_login(facilitator)
    with capture(execute=True):
        client.post(reverse("delivery:register", args=[a.pk]), {f"mark_{ba.pk}": "late"})
    # The police's breach decision on it, told to the provider's managers.
    missed.refresh_from_db()
    assert missed.status == "breached"
    client.force_login(cast.users[Role.DECISION_MAKER])
    with capture(execute=True):
        client.post(reverse("delivery:decide", args=[missed.pk]), {
            "version": missed.version, "choice": "nfa",
            "rationale": f"{CANARY}rationale no engagement"})
    client.force_login(facilitator)
    # Completion through the provider's page.
    done = referred_case(cast)
    _plant(cast, done)
    ready_to_complete(cast, done)
    with capture(execute=True):
        client.post(reverse("delivery:complete", args=[done.pk]))
    run_worker()

    assert set(Notification.objects.values_list("kind", flat=True)) == set(Kind.values)
    assert len(mail.outbox) == Notification.objects.count() >= len(Kind.values)
    # Each names its case by reference (so the check reads real messages).
    assert all(any(c.reference in m.subject for c in (late, missed, done)) for m in mail.outbox)
    hits = []
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, str(message.extra_headers),
                         " ".join(message.to), message.from_email]).lower()
        if CANARY in text or "so14" in text or "7700" in text:
            hits.append((message.to, message.subject))
    assert hits == []
