"""Police endpoints added for the gaps of issue 15: a supervisor's eligibility override, the
victim's statement date, a supervisor's decision on the victim's view and the breach decision.
Each: the page's rules (400 naming the field, 409 with the service's reason), idempotent when
retried, other forces' cases a logged 404, other roles 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog, SecurityEvent
from diversion.cases.models import Case, Offence, Person
from diversion.delivery.models import BreachDecision
from diversion.disposals.models import Disposal, VictimViewDecision
from tests.api.helpers import PROBLEM, Api, as_role
from tests.api.journey import offence_body
from tests.cases.helpers import make_case
from tests.delivery.helpers import referred_case
from tests.disposals.helpers import consult

CASES = "/api/v1/police/cases"


@pytest.fixture
def police(cast) -> Api:
    return as_role(cast, Role.DECISION_MAKER)


def _fields(response) -> set[str]:
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM, response.content
    return {e["field"] for e in response.json()["errors"]}


def _pushed(police: Api, **facts) -> dict:
    body = offence_body()
    body["facts"].update(facts)
    response = police.post("/api/v1/police/offences/", body)
    assert response.status_code == 201, response.content
    return response.json()["case"]


def test_supervisor_override_of_eligibility(cast, police):
    case = _pushed(police, admission=None)  # a rule unknown: the rules cannot decide
    url = f"{CASES}/{case['reference']}/eligibility/"
    unknown = police.post(url, {"version": case["version"]})
    assert unknown.status_code == 409 and "unknown" in unknown.json()["detail"]
    assert _fields(police.post(url, {"version": case["version"], "override": "eligible"})) == {
        "rationale", "supervisor_name", "supervisor_rank"}
    assert "supervisor_rank" in _fields(police.post(url, {
        "version": case["version"], "override": "eligible", "rationale": "Admitted on tape",
        "supervisor_name": "PC Low", "supervisor_rank": "constable"}))
    assert _fields(police.post(url, {"version": case["version"], "override": "maybe",
                                     "colour": "red"})) == {"override", "colour"}
    ok = police.post(url, {"version": case["version"], "override": "eligible",
                           "rationale": "Admitted on tape", "supervisor_name": "Sgt Hale",
                           "supervisor_rank": "sergeant"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "eligible"
    decision = Case.objects.get(reference=case["reference"]).eligibility_decisions.get()
    assert decision.overridden and decision.supervisor_name == "Sgt Hale"
    again = police.post(url, {"version": case["version"], "override": "eligible",
                              "rationale": "Admitted on tape", "supervisor_name": "Sgt Hale",
                              "supervisor_rank": "sergeant"})
    assert again.status_code == 409  # the version moved on: never decided twice
    assert Case.objects.get(reference=case["reference"]).eligibility_decisions.count() == 1


def test_statement_date_recomputes_the_time_limit_and_is_idempotent(cast, police):
    case = make_case(cast, status="referred")
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=timezone.localdate(),
        authorising_officer="Sgt A", authorising_rank="sergeant",
        deadline=timezone.localdate() + timedelta(weeks=10), prosecution_last_day=None,
        time_limit_basis="s127", time_limit_explanation="MCA 1980 s.127",
        recorded_by=cast.users[Role.DECISION_MAKER])
    url = f"{CASES}/{case.reference}/statement-date/"
    day = case.offence.offence_date + timedelta(days=1)
    ok = police.post(url, {"version": case.version, "victim_statement_date": day.isoformat()})
    assert ok.status_code == 200, ok.content
    case.refresh_from_db()
    assert case.victim_statement_date == day
    assert ok.json()["version"] == case.version
    again = police.post(url, {"version": 1, "victim_statement_date": day.isoformat()})
    assert again.status_code == 200 and again.json()["version"] == case.version  # unchanged
    assert case.events.filter(title="Victim's statement date recorded").count() == 1
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert _fields(police.post(url, {"version": case.version,
                                     "victim_statement_date": future})) == {
        "victim_statement_date"}
    before = (case.offence.offence_date - timedelta(days=1)).isoformat()
    assert _fields(police.post(url, {"version": case.version,
                                     "victim_statement_date": before})) == {
        "victim_statement_date"}
    assert _fields(police.post(url, {"victim_statement_date": "tomorrow"})) == {
        "version", "victim_statement_date"}
    assert ProcessingLog.objects.filter(actor__is_api_client=True, operation="alteration",
                                        object_id=str(case.pk)).count() == 1


def test_supervisor_decision_on_the_victims_view(cast, police):
    case = make_case(cast, status="eligible")
    consult(cast, case, outcome="does_not_support")
    url = f"{CASES}/{case.reference}/victim-view-decision/"
    body = {"version": case.version, "supervisor_name": "Insp Rowe",
            "supervisor_rank": "inspector", "reasons": "Risk assessed as standard; help needed"}
    assert _fields(police.post(url, {**body, "supervisor_rank": "sergeant"})) == {
        "supervisor_rank"}
    assert _fields(police.post(url, {"version": case.version})) == {
        "supervisor_name", "supervisor_rank", "reasons"}
    assert _fields(police.post(url, {**body, "reasons": "   "})) == {"reasons"}
    ok = police.post(url, body)
    assert ok.status_code == 200, ok.content
    assert VictimViewDecision.objects.get(case=case).supervisor_rank == "inspector"
    assert police.post(url, body).status_code == 200  # the same decision again: no change
    other = police.post(url, {**body, "reasons": "Something else"})
    assert other.status_code == 409 and "already recorded" in other.json()["detail"]
    assert VictimViewDecision.objects.filter(case=case).count() == 1
    supported = make_case(cast, status="eligible")
    consult(cast, supported)
    refused = police.post(f"{CASES}/{supported.reference}/victim-view-decision/",
                          {**body, "version": supported.version})
    assert refused.status_code == 409 and refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"].startswith("Only a case whose victim does not support")
    # No victim's detail in any answer.
    for response in (ok, other, refused):
        assert "Wants him to get help" not in response.content.decode()


def test_breach_decision_rebook_is_idempotent(cast, police):
    case = referred_case(cast, status="breached")
    url = f"{CASES}/{case.reference}/breach-decision/"
    new_deadline = (timezone.localdate() + timedelta(weeks=8)).isoformat()
    assert _fields(police.post(url, {"version": case.version, "choice": "burn"})) == {
        "choice", "rationale"}
    no_deadline = police.post(url, {"version": case.version, "choice": "rebook",
                                    "rationale": "First miss"})
    assert no_deadline.status_code == 409
    assert no_deadline.json()["detail"] == "Give the new deadline for the conditions"
    too_far = police.post(url, {"version": case.version, "choice": "rebook",
                                "rationale": "First miss",
                                "new_deadline": (timezone.localdate()
                                                 + timedelta(days=3000)).isoformat()})
    assert too_far.status_code == 409 and "regime maximum" in too_far.json()["detail"]
    body = {"version": case.version, "choice": "rebook", "rationale": "First miss, engaged",
            "new_deadline": new_deadline}
    ok = police.post(url, body)
    assert ok.status_code == 201, ok.content
    assert ok.json()["created"] is True and ok.json()["case"]["status"] == "in_progress"
    assert ok.json()["decision"]["new_deadline"] == new_deadline
    again = police.post(url, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["decision"]["id"] == ok.json()["decision"]["id"]
    assert BreachDecision.objects.filter(case=case).count() == 1
    assert Disposal.objects.get(case=case).deadline.isoformat() == new_deadline
    not_breached = police.post(url, {**body, "rationale": "Another"})
    assert not_breached.status_code == 409
    assert not_breached.json()["detail"].startswith("Only a case returned by the provider")
    assert ProcessingLog.objects.filter(actor__is_api_client=True, operation="disclosure",
                                        recipient=cast.orgs["provider"].name).exists()


def test_breach_decision_no_further_action(cast, police):
    case = referred_case(cast, status="breached")
    ok = police.post(f"{CASES}/{case.reference}/breach-decision/",
                     {"version": case.version, "choice": "nfa", "rationale": "Moved away"})
    assert ok.status_code == 201 and ok.json()["case"]["status"] == "decided", ok.content
    assert ok.json()["decision"]["new_deadline"] is None


ENDPOINTS = ["eligibility", "statement-date", "victim-view-decision", "breach-decision"]


def test_other_forces_cases_are_a_logged_404(cast, police):
    theirs = referred_case(cast, status="breached")
    Case.objects.filter(pk=theirs.pk).update(force=cast.outsider_org)
    Person.objects.filter(pk=theirs.person_id).update(force=cast.outsider_org)
    Offence.objects.filter(pk=theirs.offence_id).update(force=cast.outsider_org)
    bodies = {
        "eligibility": {"version": 1},
        "statement-date": {"version": 1,
                           "victim_statement_date": timezone.localdate().isoformat()},
        "victim-view-decision": {"version": 1, "supervisor_name": "Insp A",
                                 "supervisor_rank": "inspector", "reasons": "Because"},
        "breach-decision": {"version": 1, "choice": "nfa", "rationale": "Because"},
    }
    for endpoint in ENDPOINTS:
        path = f"{CASES}/{theirs.reference}/{endpoint}/"
        response = police.post(path, bodies[endpoint])
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM, endpoint
        assert SecurityEvent.objects.filter(status=404, path=path,
                                            user__is_api_client=True).exists(), endpoint
    assert not BreachDecision.objects.exists() and not VictimViewDecision.objects.exists()


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.PROVIDER_MANAGER, Role.ANALYST,
                                  Role.COMMISSIONER])
def test_other_roles_cannot_decide(cast, role):
    case = referred_case(cast, status="breached")
    api = as_role(cast, role)
    for endpoint in ENDPOINTS:
        response = api.post(f"{CASES}/{case.reference}/{endpoint}/", {"version": 1})
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM, endpoint
    case.refresh_from_db()
    assert case.status == "breached" and not BreachDecision.objects.exists()
