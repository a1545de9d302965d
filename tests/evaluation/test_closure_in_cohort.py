"""The cohort's `received` column reads a closed case's recorded reason: a case closed after a
breach decision did not complete the programme (before closure reasons, every referred
"closed" case was counted completed). Intention to treat: it stays in its arm."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from diversion.demo.evaluation import build_historical_trial
from diversion.disposals.models import Closure, Referral
from diversion.evaluation.cohort import build_inputs, pseudonym
from diversion.evaluation.models import EvaluationRun
from diversion.trials.models import TrialAllocation
from tests.dates import with_date_inputs

pytestmark = pytest.mark.django_db

FORM = {"title": "CARA 2024", "programme_code": "cara", "design": "trial",
        "index_from": "2024-01-01", "index_to": "2024-12-31", "index_basis": "randomisation",
        "window_days": "365", "basis": "recorded", "scope": "any", "who_counts": "referred"}


@pytest.fixture
def closed_cohort(cast):
    """A historical trial whose workshop arm was referred: 10 closed after a prosecution
    decision, 8 after no further action, 6 closed on completing, the rest completed."""
    force = cast.orgs["force"]
    officer = cast.users[Role.DECISION_MAKER]
    build_historical_trial(force, officer, 200, seed=5)
    workshop = list(TrialAllocation.objects.filter(case__force=force, arm="workshop")
                    .order_by("case_id").values_list("case_id", flat=True))
    Referral.objects.bulk_create([
        Referral(case_id=pk, programme_code="cara", programme_version=1,
                 provider=cast.orgs["provider"], referred_by=officer,
                 first_contact_due="2024-01-01") for pk in workshop])
    groups = {"prosecuted_after_breach": workshop[:10], "nfa_after_breach": workshop[10:18],
              "programme_completed": workshop[18:24]}
    for reason, pks in groups.items():
        Case.objects.filter(pk__in=pks).update(status="closed")
        Closure.objects.bulk_create([Closure(case_id=pk, reason=reason, closed_by=officer)
                                     for pk in pks])
    return groups


def _run(client, cast, **changes) -> EvaluationRun:
    client.force_login(cast.users[Role.ANALYST])
    response = client.post(reverse("evaluation:run_new"),
                           with_date_inputs({**FORM, **changes}, "index_from", "index_to"))
    assert response.status_code == 302
    return EvaluationRun.objects.latest("id")


def _received_by_person(run: EvaluationRun) -> dict[str, tuple[str, str]]:
    cohort = build_inputs(run).cohort
    return {p: (g, r) for p, g, r in zip(cohort["person_id"].to_pylist(),
                                         cohort["group"].to_pylist(),
                                         cohort["received"].to_pylist(), strict=True)}


def _people(pks) -> list[str]:
    return [pseudonym(pid) for pid in Case.objects.filter(pk__in=pks)
            .values_list("person_id", flat=True)]


def test_breached_and_closed_stay_in_their_arm_but_are_not_completed(cast, client,
                                                                    closed_cohort):
    rows = _received_by_person(_run(client, cast))
    breached = (_people(closed_cohort["prosecuted_after_breach"])
                + _people(closed_cohort["nfa_after_breach"]))
    present = [p for p in breached if p in rows]  # a few fall outside the index period
    assert len(present) >= 14
    assert {rows[p] for p in present} == {("treatment", "started")}
    done = [p for p in _people(closed_cohort["programme_completed"]) if p in rows]
    assert done and {rows[p] for p in done} == {("treatment", "completed")}
    # The control arm, closed with no programme condition, received nothing.
    assert {r for g, r in rows.values() if g == "control"} == {"none"}


def test_a_matched_run_counting_completers_leaves_out_breached_and_closed(cast, client,
                                                                        closed_cohort):
    run = _run(client, cast, design="matched", index_basis="referral", who_counts="completed")
    assert build_inputs(run).flow["not_counted"] == 18  # the 18 closed after a breach decision
    rows = _received_by_person(run)
    assert not any(p in rows for p in _people(closed_cohort["nfa_after_breach"]))
