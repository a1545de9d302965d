"""A pooled evaluation run: an analyst of a PCC office (or research partner) pools forces that
share with it under a data-sharing agreement; the cohort comes from those forces only, with
the force as the engine's stratum; the report says so and gives each force's sizes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.demo.evaluation import build_historical_trial
from diversion.evaluation.models import EvaluationRun
from diversion.evaluation.services import run_evaluation
from tests.dates import with_date_inputs
from tests.factories import make_user
from tests.sharing import share

FORM = {"title": "CARA pooled 2024", "programme_code": "cara", "design": "trial",
        "index_from": "2024-01-01", "index_to": "2024-12-31", "index_basis": "randomisation",
        "window_days": "365", "basis": "recorded", "scope": "any", "who_counts": "referred"}
DATES = ("index_from", "index_to")


@pytest.fixture
def region(cast):
    """Test Force and Northshire share with the PCC office; Other Force (with a trial too)
    does not."""
    north = Organisation.objects.create(name="Northshire Police", code="north",
                                        kind=OrganisationKind.POLICE_FORCE)
    build_historical_trial(cast.orgs["force"], cast.users[Role.DECISION_MAKER], 160,
                           treated_risk=0.10, control_risk=0.45, seed=3, prefix="TF")
    build_historical_trial(north, make_user("north_sgt", Role.DECISION_MAKER, north), 120,
                           treated_risk=0.20, control_risk=0.40, seed=4, prefix="NS")
    build_historical_trial(cast.outsider_org, cast.outsider_officer, 100, seed=5, prefix="OF")
    share(cast.orgs["force"], cast.orgs["pcc"])
    share(north, cast.orgs["pcc"])
    return {"test": cast.orgs["force"], "north": north, "other": cast.outsider_org,
            "analyst": make_user("pcc_analyst", Role.ANALYST, cast.orgs["pcc"])}


def _post(client, forces, **changes):
    data = with_date_inputs({**FORM, **changes}, *DATES)
    data["forces"] = [f.pk for f in forces]
    return client.post(reverse("evaluation:run_new"), data)


@pytest.mark.django_db
def test_the_run_form_offers_only_forces_sharing_with_the_office(client, region):
    client.force_login(region["analyst"])
    page = client.get(reverse("evaluation:run_new")).content.decode()
    assert "Forces to pool" in page
    assert "Test Force" in page and "Northshire Police" in page
    assert "Other Force" not in page
    client.force_login(make_user("tf_analyst", Role.ANALYST, region["test"]))
    assert "Forces to pool" not in client.get(reverse("evaluation:run_new")).content.decode()


@pytest.mark.django_db
def test_a_force_without_an_agreement_is_refused(client, region):
    client.force_login(region["analyst"])
    page = _post(client, [region["test"], region["other"]]).content.decode()
    assert "Choose only forces that share with your organisation" in page
    assert _post(client, []).status_code == 200  # none chosen
    assert not EvaluationRun.objects.exists()


@pytest.mark.django_db
def test_the_pooled_run_draws_from_the_chosen_forces_with_the_force_as_stratum(client, region):
    client.force_login(region["analyst"])
    response = _post(client, [region["test"], region["north"]])
    assert response.status_code == 302, response.content.decode()[:1500]
    run = run_evaluation(EvaluationRun.objects.get().pk)
    assert run.status == "done", run.message
    assert run.force == region["analyst"].organisation  # the office's run
    assert run.flow["randomised"] == 160 + 120  # Other Force's 100 never drawn
    strata = run.result["data"]["strata"]
    assert set(strata) == {"Test Force", "Northshire Police"}
    assert sum(s["treated_rows"] + s["control_rows"] for s in strata.values()) == run.cohort_size
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    assert primary["prevalence"]["method"] == "mantel_haenszel"
    assert primary["verdict"] == "significant reduction"
    assert {s["stratum"] for s in primary["strata"]} == set(strata)

    body = client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "Pooled run over 2 forces: Northshire Police, Test Force" in body
    assert "Forces pooled" in body and "Weight in the pooled difference" in body
    assert "Mantel" in body
    # the force's own analyst does not see the office's run
    client.force_login(make_user("tf_analyst", Role.ANALYST, region["test"]))
    assert client.get(reverse("evaluation:run_detail", args=[run.pk])).status_code == 404


@pytest.mark.django_db
def test_one_force_pooled_gives_the_forces_own_result(client, region):
    client.force_login(region["analyst"])
    assert _post(client, [region["north"]]).status_code == 302
    pooled = run_evaluation(EvaluationRun.objects.latest("id").pk)
    client.force_login(make_user("ns_analyst", Role.ANALYST, region["north"]))
    response = client.post(reverse("evaluation:run_new"), with_date_inputs(FORM, *DATES))
    assert response.status_code == 302
    own = run_evaluation(EvaluationRun.objects.latest("id").pk)
    assert pooled.status == own.status == "done"
    assert pooled.result["outcomes"] == own.result["outcomes"]
    assert "strata" not in pooled.result["data"]


@pytest.mark.django_db
def test_a_withdrawal_before_the_run_starts_stops_it(client, region):
    client.force_login(region["analyst"])
    assert _post(client, [region["test"], region["north"]]).status_code == 302
    agreement = region["north"].sharing_agreements.get()
    admin = make_user("north_admin", Role.ADMINISTRATOR, region["north"])
    client.force_login(admin)
    client.post(reverse("administration:agreement_withdraw", args=[agreement.pk]),
                {"reason": "Withdrawn"})
    run = run_evaluation(EvaluationRun.objects.get().pk)
    assert run.status == "failed"
    assert "Northshire Police" in run.message and run.result is None


@pytest.mark.django_db
def test_a_pooled_matched_comparison_runs_and_reports_the_forces(client, region, cast):
    from tests.evaluation.test_runs import _refer_workshop_arm

    for force in (region["test"], region["north"]):
        _refer_workshop_arm(cast, force)
    client.force_login(region["analyst"])
    assert _post(client, [region["test"], region["north"]], design="matched",
                 index_basis="caution").status_code == 302
    run = run_evaluation(EvaluationRun.objects.get().pk)
    assert run.status == "done", run.message
    assert run.flow["referred"] == 80 + 60
    primary = next(o for o in run.result["outcomes"]
                   if o["window_days"] == 365 and o["scope"] == "any")
    assert primary["prevalence"]["method"] == "mantel_haenszel"
    body = client.get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "Pooled run over 2 forces" in body and "Matching flow" in body
