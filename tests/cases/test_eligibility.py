"""Every CARA rule (domain.md 1.1), the unknown state, and the supervisor's override."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases import services
from diversion.cases.models import EligibilityDecision
from diversion.cases.services import CaseRefused
from diversion.programmes import registry
from diversion.programmes.rules import evaluate, overall
from tests.cases.helpers import make_case
from tests.factories import make_person

BASE = {"sex": "M", "age_at_offence": 30, "relationship": "current_partner",
        "domestic_abuse": True, "offence_code": "105A", "admission": True, "on_bail": False,
        "court_order": False, "community_sentence": False,
        "violence_disposal_within_2_years": False, "interpreter_needed": False,
        "appropriate_adult_needed": False, "dash_risk": "standard"}


def cara(facts):
    results = evaluate(registry.current("cara").eligibility, facts)
    return {r.rule_id: r for r in results}, overall(results)


def test_a_typical_cara_case_meets_every_rule():
    by_id, result = cara(BASE)
    assert result == "eligible"
    assert all(r.status == "met" for r in by_id.values())
    assert len(by_id) == 13


@pytest.mark.parametrize("rule_id, change", [
    ("male", {"sex": "F"}),
    ("adult", {"age_at_offence": 17}),
    ("intimate_partner", {"relationship": "family_member"}),
    ("domestic_abuse", {"domestic_abuse": False}),
    ("offence_type", {"offence_code": "8N"}),       # ABH is excluded
    ("offence_type", {"offence_code": "8U"}),       # coercive control is excluded
    ("no_recent_violence", {"violence_disposal_within_2_years": True}),
    ("no_community_sentence", {"community_sentence": True}),
    ("admission", {"admission": False}),
    ("not_on_bail", {"on_bail": True}),
    ("no_court_order", {"court_order": True}),
    ("dash_risk", {"dash_risk": "high"}),
    ("no_interpreter", {"interpreter_needed": True}),
    ("no_appropriate_adult", {"appropriate_adult_needed": True}),
])
def test_each_cara_rule_failing_makes_the_person_ineligible(rule_id, change):
    by_id, result = cara({**BASE, **change})
    assert result == "ineligible"
    assert by_id[rule_id].status == "not_met"
    assert "must" in by_id[rule_id].reason
    assert [r for r in by_id.values() if r.status != "met"] == [by_id[rule_id]]


@pytest.mark.parametrize("accepted", [{"dash_risk": "medium"}, {"age_at_offence": 18},
                                      {"relationship": "former_partner"},
                                      {"offence_code": "58A"}, {"offence_code": "8L"},
                                      {"offence_code": "9A"}, {"offence_code": "49"}])
def test_boundaries_and_alternatives_that_cara_accepts(accepted):
    assert cara({**BASE, **accepted})[1] == "eligible"


def test_an_unrecorded_fact_is_unknown_with_its_reason():
    by_id, result = cara({**BASE, "dash_risk": None, "admission": None})
    assert result == "needs_information"
    assert by_id["dash_risk"].status == "unknown"
    assert by_id["dash_risk"].reason == "dash risk is not recorded"


def test_not_met_outweighs_unknown():
    assert cara({**BASE, "dash_risk": None, "on_bail": True})[1] == "ineligible"


def test_juno_is_for_women():
    juno = registry.current("juno")
    facts = {**BASE, "sex": "F", "offence_code": "49"}
    assert overall(evaluate(juno.eligibility, facts)) == "eligible"
    assert overall(evaluate(juno.eligibility, {**facts, "sex": "M"})) == "ineligible"


def test_the_decision_stores_rule_set_results_and_moves_the_case(cast):
    case = make_case(cast)
    officer = cast.users[Role.DECISION_MAKER]
    decision = services.decide_eligibility(officer, case, expected_version=case.version)
    assert decision.ruleset_version == "cara-v1"
    assert decision.result == decision.computed_result == "eligible"
    assert len(decision.results) == 13 and not decision.overridden
    case.refresh_from_db()
    assert case.status == "eligible" and case.version == 2


def test_high_risk_is_ineligible_and_override_needs_rationale_and_a_supervisor(cast):
    case = make_case(cast, dash_risk="high")
    officer = cast.users[Role.DECISION_MAKER]
    services.decide_eligibility(officer, case, expected_version=1)
    case.refresh_from_db()
    assert case.status == "ineligible"
    with pytest.raises(CaseRefused, match="reason"):
        services.decide_eligibility(officer, case, expected_version=case.version,
                                    override="eligible", supervisor_name="Insp Li",
                                    supervisor_rank="inspector")
    with pytest.raises(CaseRefused, match="sergeant"):
        services.decide_eligibility(officer, case, expected_version=case.version,
                                    override="eligible", rationale="Risk re-assessed",
                                    supervisor_name="PC Li", supervisor_rank="constable")
    with pytest.raises(CaseRefused, match="override"):
        services.decide_eligibility(officer, case, expected_version=case.version)
    decision = services.decide_eligibility(
        officer, case, expected_version=case.version, override="eligible",
        rationale="DASH re-assessed as medium after new information", supervisor_name="Insp Li",
        supervisor_rank="inspector")
    assert decision.overridden and decision.computed_result == "ineligible"
    assert decision.result == "eligible" and decision.ruleset_version == "cara-v1"
    assert "re-assessed" in decision.override_rationale
    case.refresh_from_db()
    assert case.status == "eligible"
    assert EligibilityDecision.objects.filter(case=case).count() == 2


def test_unknown_facts_cannot_be_decided_without_override(cast):
    case = make_case(cast, dash_risk="", admission=None)
    with pytest.raises(CaseRefused, match="unknown"):
        services.decide_eligibility(cast.users[Role.DECISION_MAKER], case, expected_version=1)


def test_the_eligibility_page_lists_each_rule_with_its_result(cast, client):
    person = make_person(cast.orgs["force"], "PX", date_of_birth=date(2010, 1, 1))
    case = make_case(cast, person=person, on_bail=None)
    client.force_login(cast.users[Role.DECISION_MAKER])
    before = ProcessingLog.objects.count()
    page = client.get(reverse("cases:eligibility", args=[case.pk])).content.decode()
    assert "Not met" in page and "Unknown" in page and "Met" in page
    assert "age at offence is 16; it must be at least 18" in page
    assert "on bail is not recorded" in page
    assert ProcessingLog.objects.count() > before
    response = client.post(reverse("cases:eligibility", args=[case.pk]),
                           {"version": case.version, "override": "eligible"})
    body = response.content.decode()
    assert "There is a problem" in body and "Give the reason for overriding" in body
    assert "The supervisor must be a sergeant or above" in body


def test_another_force_cannot_see_the_case(cast, client):
    case = make_case(cast)
    client.force_login(cast.outsider_officer)
    assert client.get(reverse("cases:eligibility", args=[case.pk])).status_code == 404
    client.force_login(cast.users[Role.FACILITATOR])
    assert client.get(reverse("disposals:detail", args=[case.pk])).status_code == 403
