"""Police endpoints: idempotent push, reads, refusals, problem details, pagination and
updated_since; other organisations' cases are a logged 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.api.models import ApiClient
from diversion.audit.models import ProcessingLog, SecurityEvent
from diversion.cases.models import Case, Offence, Person
from tests.api.helpers import PROBLEM, Api, api_client, as_role
from tests.api.journey import offence_body
from tests.cases.helpers import make_case
from tests.factories import make_user

PUSH = "/api/v1/police/offences/"
CASES = "/api/v1/police/cases/"


@pytest.fixture
def police(cast) -> Api:
    return as_role(cast, Role.DECISION_MAKER)


def test_push_is_idempotent_by_crime_reference(cast, police):
    body = offence_body("CR/IDEM/1")
    first = police.post(PUSH, body)
    assert first.status_code == 201, first.content
    case = first.json()["case"]
    assert first.json()["created"] is True and case["status"] == "recorded"
    assert case["person"]["family_name"] == body["person"]["family_name"]
    assert case["offence"]["crime_reference"] == "CR/IDEM/1"
    again = police.post(PUSH, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["case"]["reference"] == case["reference"]
    assert Case.objects.count() == Offence.objects.count() == Person.objects.count() == 1
    # The same person with a second offence: one person, two cases.
    second = offence_body("CR/IDEM/2")
    second["person"] = body["person"]
    assert police.post(PUSH, second).status_code == 201
    assert Person.objects.count() == 1 and Case.objects.count() == 2
    client_user = ApiClient.objects.get().user
    assert ProcessingLog.objects.filter(actor=client_user, operation="collection").count() == 2
    assert ProcessingLog.objects.filter(actor=client_user, operation="consultation").exists()


def test_push_refuses_bad_input_naming_each_field(cast, police):
    body = offence_body()
    body["person"].update(date_of_birth="2090-01-01", pnc_id="not a pnc", sex="Q")
    body["offence"].update(offence_code="ZZZZ")
    body["programme"] = 7
    response = police.post(PUSH, body)
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)
    fields = {e["field"] for e in problem["errors"]}
    assert "person.sex" in fields
    # Types fixed, the page form's rules run and are named by their place in the body.
    body = offence_body()
    body["person"].update(date_of_birth="2090-01-01", pnc_id="not a pnc")
    body["offence"].update(offence_code="ZZZZ")
    problem = police.post(PUSH, body).json()
    fields = {e["field"]: e["detail"] for e in problem["errors"]}
    assert "person.date_of_birth" in fields and "person.pnc_id" in fields
    assert "not a Home Office offence code" in fields["offence.offence_code"]
    unknown = offence_body()
    unknown["person"]["nickname"] = "JJ"
    unknown["victim_address"] = "1 Road"
    problem = police.post(PUSH, unknown).json()
    assert {e["field"] for e in problem["errors"]} == {"person.nickname", "victim_address"}
    assert not Case.objects.exists()


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "application/json"),
    ("[]", "application/json"),
    ('"text"', "application/json"),
    ("name=x", "application/x-www-form-urlencoded"),
    ('{"programme": {"$gt": ""}, "person": [], "offence": null}', "application/json"),
])
def test_hostile_bodies_are_4xx(cast, police, raw, content_type):
    response = police.http.post(PUSH, raw, content_type=content_type,
                                headers=police._headers())
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == PROBLEM


def test_huge_body_is_413(cast, police, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    body = offence_body()
    body["person"]["given_name"] = "x" * 20_000
    response = police.post(PUSH, body)
    assert response.status_code == 413 and response.json()["status"] == 413


def test_case_read_list_pagination_and_updated_since(cast, police):
    old = make_case(cast)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    for _ in range(3):
        assert police.post(PUSH, offence_body()).status_code == 201
    page = police.get(CASES, limit=2).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert page["results"][0]["reference"] == old.reference  # least recently changed first
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = police.get(CASES, updated_since=since).json()
    assert recent["count"] == 3 and old.reference not in {c["reference"] for c in
                                                          recent["results"]}
    assert police.get(CASES, updated_since="2026-01-01").json()["count"] == 4
    # An offset PostgreSQL would refuse (it takes up to 15:59) is read as the instant it names.
    assert police.get(CASES, updated_since="2020-01-01T00:00:00-22:10").json()["count"] == 4
    for bad in ("yesterday", "2026-13-01", "2026-02-30T10:00", "", "0000-01-01"):
        response = police.get(CASES, updated_since=bad)
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["field"] == "updated_since"
    assert police.get(CASES, limit=100000).json()["count"] == 4  # capped, not refused
    detail = police.get(f"{CASES}{old.reference}/")
    assert detail.status_code == 200 and detail.json()["status"] == "recorded"
    assert ProcessingLog.objects.filter(object_type="cases.Case", object_id=str(old.pk),
                                        operation="consultation",
                                        actor__is_api_client=True).exists()


def test_other_forces_cases_are_a_logged_404(cast, police):
    theirs = make_case(cast)
    Case.objects.filter(pk=theirs.pk).update(force=cast.outsider_org)
    Person.objects.filter(pk=theirs.person_id).update(force=cast.outsider_org)
    Offence.objects.filter(pk=theirs.offence_id).update(force=cast.outsider_org)
    for path in (f"{CASES}{theirs.reference}/", f"{CASES}no-such-case/"):
        response = police.get(path)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    response = police.post(f"{CASES}{theirs.reference}/eligibility/", {"version": 1})
    assert response.status_code == 404
    assert SecurityEvent.objects.filter(status=404, path=f"{CASES}{theirs.reference}/",
                                        user__is_api_client=True).exists()
    assert police.get(CASES).json()["count"] == 0
    # The other force's client does not see ours either, and pushing our crime reference
    # records a separate case in its own force.
    admin = make_user("other_admin", Role.ADMINISTRATOR, cast.outsider_org)
    _, token = api_client(cast, Role.DECISION_MAKER, admin=admin)
    ours = police.post(PUSH, offence_body("CR/SHARED")).json()["case"]["reference"]
    other = Api(token)
    assert other.get(f"{CASES}{ours}/").status_code == 404
    assert other.post(PUSH, offence_body("CR/SHARED")).status_code == 201


def test_refusals_by_the_rules_are_409_with_the_reason(cast, police):
    case = police.post(PUSH, offence_body()).json()["case"]
    stale = police.post(f"{CASES}{case['reference']}/eligibility/",
                        {"version": case["version"] + 5})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    early = police.post(f"{CASES}{case['reference']}/caution/", {
        "version": case["version"], "disposal_date": timezone.localdate().isoformat(),
        "regime": "cja2003_conditional", "authorising_officer": "Sgt A",
        "authorising_rank": "sergeant", "programme_condition": True,
        "deadline": (timezone.localdate() + timedelta(weeks=8)).isoformat(),
        "signed_document": True})
    assert early.status_code in (400, 409)
    assert early.json()["detail"]


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ANALYST,
                                  Role.COMMISSIONER])
def test_other_roles_cannot_use_police_endpoints(cast, role):
    api = as_role(cast, role)
    for response in (api.get(CASES), api.post(PUSH, offence_body()),
                     api.get(f"{CASES}anything/")):
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert SecurityEvent.objects.filter(status=403, reason__contains="api_police").exists()
