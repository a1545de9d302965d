"""Provider endpoints added for the gaps of issue 15: creating workshop events, correcting an
attendance mark, the JUNO needs assessment, questionnaires and one-to-one sessions. Each: the
page's rules (400 naming the field, 409 with the service's reason), idempotent when retried,
other providers' records a logged 404, other roles 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog, SecurityEvent
from diversion.delivery.models import (
    AttendanceCorrection,
    NeedsAssessment,
    OneToOneSession,
    QuestionnaireResponse,
    WorkshopEvent,
)
from diversion.delivery.services import record_register
from diversion.programmes import registry
from tests.api.helpers import PROBLEM, Api, api_client, as_role
from tests.delivery.helpers import booked_cara, held, referred_case
from tests.factories import make_user

BASE = "/api/v1/provider"
DOMAINS = ["trauma", "domestic_abuse", "mental_health", "substance_use", "housing",
           "finance", "children"]


@pytest.fixture
def provider(cast) -> Api:
    return as_role(cast, Role.FACILITATOR)


def _fields(response) -> set[str]:
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM, response.content
    return {e["field"] for e in response.json()["errors"]}


def swemwbs(value: int) -> dict[str, int]:
    return {item.id: value for item in registry.get("juno", 1).questionnaire(
        "swemwbs_pre").items}


def _event_body(cast, **extra) -> dict:
    return {"programme": "cara", "session": "part_a",
            "starts_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "venue": "Harbour Hall", "group": "M", "capacity": 10,
            "facilitators": [cast.users[Role.FACILITATOR].pk], **extra}


def test_create_event_is_idempotent_and_follows_the_pages_rules(cast, provider):
    body = _event_body(cast)
    created = provider.post(f"{BASE}/events/", body)
    assert created.status_code == 201, created.content
    assert created.json()["created"] is True
    event = created.json()["event"]
    assert (event["session"], event["group"], event["capacity"]) == ("part_a", "M", 10)
    again = provider.post(f"{BASE}/events/", body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["event"]["id"] == event["id"]
    assert WorkshopEvent.objects.count() == 1
    stored = WorkshopEvent.objects.get()
    assert list(stored.facilitators.all()) == [cast.users[Role.FACILITATOR]]
    assert stored.created_by.is_api_client
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _fields(provider.post(f"{BASE}/events/", _event_body(cast, starts_on=past))) == {
        "starts_on"}
    assert _fields(provider.post(f"{BASE}/events/", _event_body(
        cast, session="part_z", facilitators=[cast.users[Role.DECISION_MAKER].pk]))) == {
        "session", "facilitators"}
    assert _fields(provider.post(f"{BASE}/events/", _event_body(
        cast, capacity=0, group="X", facilitators=[], room="B"))) == {
        "capacity", "group", "facilitators", "room"}
    assert _fields(provider.post(f"{BASE}/events/", {})) >= {"programme", "session", "venue"}
    assert WorkshopEvent.objects.count() == 1


def test_attendance_correction_withdraws_and_raises_a_breach(cast, provider):
    facilitator, case, part_a, _, booking_a, _ = booked_cara(cast)
    held(part_a)
    record_register(facilitator, part_a, {booking_a.pk: ("attended", "")})
    url = f"{BASE}/events/{part_a.pk}/attendance/{booking_a.pk}/correction/"
    assert _fields(provider.post(url, {"outcome": "excused"})) == {"why"}
    assert _fields(provider.post(url, {"outcome": "excused", "why": "Wrong mark"})) == {
        "reason"}
    assert _fields(provider.post(url, {"outcome": "absent", "why": "x", "by": "me"})) == {
        "outcome", "by"}
    body = {"outcome": "did_not_attend", "why": "Marked the wrong person"}
    missed = provider.post(url, body)
    assert missed.status_code == 201, missed.content
    assert missed.json()["previous_outcome"] == "attended"
    assert missed.json()["case_status"] == "breached"
    again = provider.post(url, body)
    assert again.status_code == 200 and again.json()["id"] == missed.json()["id"]
    assert AttendanceCorrection.objects.count() == 1
    back = provider.post(url, {"outcome": "attended", "why": "It was right after all"})
    assert back.status_code == 201 and back.json()["case_status"] == "in_progress"
    same = provider.post(url, {"outcome": "attended", "why": "Something new"})
    assert same.status_code == 409 and same.json()["detail"] == "That is already the mark saved"
    assert ProcessingLog.objects.filter(actor__is_api_client=True, operation="alteration",
                                        object_type="delivery.Booking").count() == 2
    unmarked = f"{BASE}/events/{part_a.pk}/attendance/999999/correction/"
    assert provider.post(unmarked, body).status_code == 404


def test_needs_assessment(cast, provider):
    case = referred_case(cast, programme="juno")
    url = f"{BASE}/referrals/{case.reference}/assessment/"
    needs = dict.fromkeys(DOMAINS, "some")
    ok = provider.post(url, {"needs": needs, "summary": "Housing first"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["needs"] == needs and ok.json()["summary"] == "Housing first"
    replaced = provider.post(url, {"needs": {**needs, "housing": "high"}})
    assert replaced.status_code == 200 and NeedsAssessment.objects.get().needs["housing"] == "high"
    assert NeedsAssessment.objects.count() == 1
    missing = dict(needs)
    del missing["children"]
    assert _fields(provider.post(url, {"needs": missing})) == {"needs.children"}
    assert _fields(provider.post(url, {"needs": {**needs, "astrology": "high"}})) == {
        "needs.astrology"}
    assert _fields(provider.post(url, {"needs": {**needs, "trauma": "huge"}})) == {
        "needs.trauma"}
    assert _fields(provider.post(url, {"needs": "all"})) == {"needs"}
    cara = referred_case(cast)
    refused = provider.post(f"{BASE}/referrals/{cara.reference}/assessment/", {"needs": needs})
    assert refused.status_code == 409 and "no needs assessment" in refused.json()["detail"]


def test_questionnaire_is_scored_once(cast, provider):
    case = referred_case(cast, programme="juno")
    url = f"{BASE}/referrals/{case.reference}/questionnaires/swemwbs_pre/"
    answers = swemwbs(3)
    partial = dict(answers)
    first = next(iter(partial))
    del partial[first]
    assert _fields(provider.post(url, {"answers": partial})) == {f"answers.{first}"}
    assert _fields(provider.post(url, {"answers": {**answers, first: 9}})) == {
        f"answers.{first}"}
    assert _fields(provider.post(url, {"answers": {**answers, "mood": 3}})) == {"answers.mood"}
    assert _fields(provider.post(url, {"answers": {**answers, first: "lots"}})) == {
        f"answers.{first}"}
    ok = provider.post(url, {"answers": answers})
    assert ok.status_code == 201, ok.content
    assert ok.json()["raw_score"] == 21 and ok.json()["questionnaire"] == "swemwbs_pre"
    again = provider.post(url, {"answers": answers})
    assert again.status_code == 200 and again.json()["recorded_at"] == ok.json()["recorded_at"]
    changed = provider.post(url, {"answers": swemwbs(4)})
    assert changed.status_code == 409 and "already been recorded" in changed.json()["detail"]
    assert QuestionnaireResponse.objects.count() == 1
    other = provider.post(f"{BASE}/referrals/{case.reference}/questionnaires/nope/",
                          {"answers": answers})
    assert other.status_code == 404


def test_one_to_ones(cast, provider):
    case = referred_case(cast, programme="juno")
    url = f"{BASE}/referrals/{case.reference}/one-to-ones/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _fields(provider.post(url, {"held_on": yesterday, "outcome": "held"})) == {
        "minutes"}
    assert _fields(provider.post(url, {"held_on": yesterday, "outcome": "held",
                                       "minutes": 500})) == {"minutes"}
    assert _fields(provider.post(url, {"held_on": "soon", "outcome": "maybe"})) == {
        "held_on", "outcome"}
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused = provider.post(url, {"held_on": future, "outcome": "held", "minutes": 60})
    assert refused.status_code == 409 and "future" in refused.json()["detail"]
    body = {"held_on": yesterday, "outcome": "held", "minutes": 60, "note": "Went well"}
    ok = provider.post(url, body)
    assert ok.status_code == 201, ok.content
    assert ok.json()["created"] is True and ok.json()["one_to_one"]["minutes"] == 60
    again = provider.post(url, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert OneToOneSession.objects.count() == 1
    dna = provider.post(url, {"held_on": yesterday, "outcome": "did_not_attend"})
    assert dna.status_code == 201 and dna.json()["case_status"] == "in_progress"  # JUNO: no breach
    cara = referred_case(cast)
    no_spec = provider.post(f"{BASE}/referrals/{cara.reference}/one-to-ones/", body)
    assert no_spec.status_code == 409 and "no one-to-one" in no_spec.json()["detail"]


def test_other_providers_records_are_a_logged_404(cast, provider):
    other = Organisation.objects.create(name="Other Provider", kind="provider", code="op")
    facilitator, case, part_a, _, booking_a, _ = booked_cara(cast)
    held(part_a)
    record_register(facilitator, part_a, {booking_a.pk: ("attended", "")})
    juno = referred_case(cast, programme="juno")
    admin = make_user("op_admin", Role.ADMINISTRATOR, other)
    theirs = Api(api_client(cast, Role.FACILITATOR, admin=admin)[1])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    calls = [
        (f"{BASE}/events/{part_a.pk}/attendance/{booking_a.pk}/correction/",
         {"outcome": "did_not_attend", "why": "Mistake"}),
        (f"{BASE}/referrals/{juno.reference}/assessment/",
         {"needs": dict.fromkeys(DOMAINS, "none")}),
        (f"{BASE}/referrals/{juno.reference}/questionnaires/swemwbs_pre/",
         {"answers": swemwbs(2)}),
        (f"{BASE}/referrals/{juno.reference}/one-to-ones/",
         {"held_on": yesterday, "outcome": "held", "minutes": 30}),
    ]
    for path, body in calls:
        response = theirs.post(path, body)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM, path
        assert SecurityEvent.objects.filter(status=404, path=path, user__organisation=other,
                                            user__is_api_client=True).exists(), path
    assert not (AttendanceCorrection.objects.exists() or NeedsAssessment.objects.exists()
                or QuestionnaireResponse.objects.exists() or OneToOneSession.objects.exists())
    # Its events are its own: creating one with our facilitator is refused.
    assert _fields(theirs.post(f"{BASE}/events/", _event_body(cast))) == {"facilitators"}


@pytest.mark.parametrize("role", [Role.DECISION_MAKER, Role.ANALYST, Role.COMMISSIONER])
def test_other_roles_cannot_deliver(cast, role):
    case = referred_case(cast, programme="juno")
    api = as_role(cast, role)
    for path in (f"{BASE}/events/", f"{BASE}/events/1/attendance/1/correction/",
                 f"{BASE}/referrals/{case.reference}/assessment/",
                 f"{BASE}/referrals/{case.reference}/questionnaires/swemwbs_pre/",
                 f"{BASE}/referrals/{case.reference}/one-to-ones/"):
        response = api.post(path, {})
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM, path
    assert not WorkshopEvent.objects.exists()


def test_provider_manager_records_too(cast):
    case = referred_case(cast, programme="juno")
    manager = as_role(cast, Role.PROVIDER_MANAGER)
    response = manager.post(f"{BASE}/referrals/{case.reference}/one-to-ones/", {
        "held_on": timezone.localdate().isoformat(), "outcome": "held", "minutes": 45})
    assert response.status_code == 201, response.content
