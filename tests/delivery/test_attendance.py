"""The attendance register: refused for future events, idempotent, and a missed part is a breach."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.cases.models import CaseEvent
from diversion.delivery.booking import next_session
from diversion.delivery.models import Attendance, Booking
from diversion.delivery.services import DeliveryRefused, record_register
from tests.delivery.helpers import booked_cara, held

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(cast):
    return booked_cara(cast)


def test_register_for_future_event_refused(booked):
    facilitator, _case, a, _b, ba, _bb = booked
    with pytest.raises(DeliveryRefused, match="future"):
        record_register(facilitator, a, {ba.pk: ("attended", "")})
    assert not Attendance.objects.exists()


def test_resubmitted_register_does_not_duplicate(booked, client):
    facilitator, case, a, _b, ba, _bb = booked
    held(a)
    client.force_login(facilitator)
    url = reverse("delivery:register", args=[a.pk])
    for _ in range(2):
        client.post(url, {f"mark_{ba.pk}": "attended"})
    assert Attendance.objects.filter(booking=ba).count() == 1
    assert record_register(facilitator, a, {ba.pk: ("attended", "")}) == 0


def test_future_register_page_refuses_with_summary(booked, client):
    facilitator, _case, a, _b, ba, _bb = booked
    client.force_login(facilitator)
    page = client.post(reverse("delivery:register", args=[a.pk]), {f"mark_{ba.pk}": "attended"})
    assert page.status_code == 400
    assert "Attendance cannot be marked for an event in the future" in page.content.decode()


@pytest.mark.parametrize("outcome", ["did_not_attend", "late"])
def test_missed_part_returns_case_to_police(booked, outcome):
    facilitator, case, a, b, ba, bb = booked
    held(a)
    record_register(facilitator, a, {ba.pk: ("attended", "")})
    held(b)
    record_register(facilitator, b, {bb.pk: (outcome, "")})
    case.refresh_from_db()
    assert case.status == "breached"
    assert CaseEvent.objects.filter(case=case, to_status="breached").count() == 1


def test_missed_part_a_cancels_part_b(booked):
    facilitator, case, a, _b, ba, bb = booked
    held(a)
    record_register(facilitator, a, {ba.pk: ("did_not_attend", "")})
    bb.refresh_from_db()
    assert bb.cancelled


def test_excused_needs_a_reason_and_is_not_a_breach(booked, client):
    facilitator, case, a, _b, ba, bb = booked
    held(a)
    client.force_login(facilitator)
    page = client.post(reverse("delivery:register", args=[a.pk]), {f"mark_{ba.pk}": "excused"})
    assert page.status_code == 400
    assert "Give the reason the absence was excused" in page.content.decode()
    record_register(facilitator, a, {ba.pk: ("excused", "In hospital")})
    case.refresh_from_db()
    bb.refresh_from_db()
    assert case.status == "in_progress" and bb.cancelled
    assert next_session(case).id == "part_a"  # Part A is booked again


def test_other_providers_register_is_a_404(booked, client):
    from diversion.accounts.models import Organisation
    from tests.factories import make_user

    other = Organisation.objects.create(name="Other Provider", kind="provider", code="op2")
    outsider = make_user("other_facilitator", Role.FACILITATOR, other)
    client.force_login(outsider)
    assert client.get(reverse("delivery:register", args=[booked[2].pk])).status_code == 404
    assert Booking.objects.count() == 2
