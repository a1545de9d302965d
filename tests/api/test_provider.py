"""Provider endpoints: the queue, contact, bookings (the booking rules, paused under an urgent
safeguarding alert), attendance, completion; other providers' referrals are a logged 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog, SecurityEvent
from diversion.delivery.models import Attendance, Booking, ContactAttempt
from diversion.disposals.models import Referral
from diversion.victims import services as victim_services
from tests.api.helpers import PROBLEM, Api, api_client, as_role
from tests.delivery.helpers import booked_cara, held, make_event, referred_case
from tests.factories import make_user

BASE = "/api/v1/provider"


@pytest.fixture
def provider(cast) -> Api:
    return as_role(cast, Role.FACILITATOR)


def test_queue_and_referral_read_logged(cast, provider):
    waiting = referred_case(cast, status="referred")
    started = referred_case(cast)
    everything = provider.get(f"{BASE}/referrals/").json()
    assert {r["reference"] for r in everything["results"]} == {waiting.reference,
                                                               started.reference}
    queue = provider.get(f"{BASE}/referrals/", status="referred").json()
    assert [r["reference"] for r in queue["results"]] == [waiting.reference]
    assert queue["results"][0]["person"]["family_name"] == waiting.person.family_name
    bad = provider.get(f"{BASE}/referrals/", status="lost")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    detail = provider.get(f"{BASE}/referrals/{started.reference}/")
    assert detail.status_code == 200 and detail.json()["bookings"] == []
    rows = ProcessingLog.objects.filter(actor__is_api_client=True, operation="consultation")
    assert rows.filter(justification="API: provider referral list").exists()
    assert rows.filter(object_type="cases.Case", object_id=str(started.pk)).exists()


def test_contact_attempt_rules_and_first_contact(cast, provider):
    case = referred_case(cast, status="referred")
    url = f"{BASE}/referrals/{case.reference}/contact-attempts/"
    future = (timezone.localdate() + timezone.timedelta(days=2)).isoformat()
    refused = provider.post(url, {"made_on": future, "method": "phone", "outcome": "contacted"})
    assert refused.status_code in (400, 409) and "future" in refused.json()["detail"]
    bad = provider.post(url, {"made_on": "31/12/2026", "method": "pigeon", "outcome": 3})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"made_on", "method", "outcome"}
    ok = provider.post(url, {"made_on": timezone.localdate().isoformat(), "method": "phone",
                             "outcome": "contacted"})
    assert ok.status_code == 201 and ok.json()["case_status"] == "in_progress"
    assert ContactAttempt.objects.filter(case=case).count() == 1


def test_booking_rules_apply_including_the_safeguarding_pause(cast, provider):
    case = referred_case(cast)
    event = make_event(cast)
    worker = cast.users[Role.VICTIM_WORKER]
    victim = victim_services.create_victim(worker, given_name="Ann", family_name="Example")
    alert = victim_services.raise_alert(worker, victim=victim, case=case, urgent=True,
                                        details="Threats since the caution")
    url = f"{BASE}/referrals/{case.reference}/bookings/"
    paused = provider.post(url, {"event": event.pk})
    assert paused.status_code == 409 and "safeguarding" in paused.json()["detail"]
    assert "Threats" not in paused.content.decode()  # the alert's details stay sealed
    victim_services.lift_pause(worker, alert)
    booked = provider.post(url, {"event": event.pk})
    assert booked.status_code == 201, booked.content
    assert provider.post(url, {"event": 999999}).status_code == 409
    assert provider.post(url, {"event": "first"}).status_code == 400


def test_attendance_and_completion(cast, provider):
    _, case, part_a, part_b, booking_a, booking_b = booked_cara(cast)
    register = f"{BASE}/events/{part_a.pk}/attendance/"
    future = provider.post(register, {"marks": [{"booking": booking_a.pk,
                                                 "outcome": "attended"}]})
    assert future.status_code == 409 and "future" in future.json()["detail"]
    held(part_a)
    wrong = provider.post(register, {"marks": [{"booking": booking_b.pk,
                                                "outcome": "attended"}]})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "marks.0.booking"
    excused = provider.post(register, {"marks": [{"booking": booking_a.pk,
                                                  "outcome": "excused"}]})
    assert excused.status_code == 409 and "reason" in excused.json()["detail"]
    marked = provider.post(register, {"marks": [{"booking": booking_a.pk,
                                                 "outcome": "attended"}]})
    assert marked.json() == {"new_marks": 1}
    again = provider.post(register, {"marks": [{"booking": booking_a.pk,
                                                "outcome": "attended"}]})
    assert again.json() == {"new_marks": 0}  # idempotent, as the page's register
    incomplete = provider.post(f"{BASE}/referrals/{case.reference}/completion/")
    assert incomplete.status_code == 409 and "not attended" in incomplete.json()["detail"]
    held(part_b)
    provider.post(f"{BASE}/events/{part_b.pk}/attendance/",
                  {"marks": [{"booking": booking_b.pk, "outcome": "attended"}]})
    done = provider.post(f"{BASE}/referrals/{case.reference}/completion/")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert provider.post(f"{BASE}/referrals/{case.reference}/completion/").status_code == 200
    assert Attendance.objects.count() == 2


def test_other_providers_referrals_and_events_are_a_logged_404(cast, provider):
    other = Organisation.objects.create(name="Other Provider", kind="provider", code="op")
    _, case, part_a, _, booking_a, _ = booked_cara(cast)
    admin = make_user("op_admin", Role.ADMINISTRATOR, other)
    _, token = api_client(cast, Role.FACILITATOR, admin=admin)
    theirs = Api(token)
    assert theirs.get(f"{BASE}/referrals/").json()["count"] == 0
    assert theirs.get(f"{BASE}/events/").json()["count"] == 0
    for response in (
        theirs.get(f"{BASE}/referrals/{case.reference}/"),
        theirs.post(f"{BASE}/referrals/{case.reference}/bookings/", {"event": part_a.pk}),
        theirs.post(f"{BASE}/events/{part_a.pk}/attendance/",
                    {"marks": [{"booking": booking_a.pk, "outcome": "attended"}]}),
    ):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert SecurityEvent.objects.filter(status=404, user__is_api_client=True,
                                        user__organisation=other).count() == 3
    assert Booking.objects.filter(case=case).count() == 2
    assert Referral.objects.get(case=case).provider == cast.orgs["provider"]


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.ANALYST, Role.COMMISSIONER])
def test_other_roles_cannot_use_provider_endpoints(cast, role):
    case = referred_case(cast)
    api = as_role(cast, role)
    for response in (api.get(f"{BASE}/referrals/"), api.get(f"{BASE}/events/"),
                     api.post(f"{BASE}/referrals/{case.reference}/completion/")):
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM


def test_provider_manager_uses_the_same_endpoints(cast):
    case = referred_case(cast)
    manager = as_role(cast, Role.PROVIDER_MANAGER)
    assert manager.get(f"{BASE}/referrals/{case.reference}/").status_code == 200
