"""A signed-off pooled run reaches the regional view (issue 16): the region's headline for the
programme, naming the run, its pooled forces and the stratified method, only while every
pooled force's data-sharing agreement is in force, and never on a force's dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.commissioning.models import ReoffendingSummary
from diversion.evaluation.models import EvaluationRun
from diversion.evaluation.services import run_evaluation
from tests.commissioning.helpers import oversee
from tests.evaluation.test_pooled import _post
from tests.evaluation.test_pooled import region as region  # noqa: F401 (the fixture)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TITLE = "CARA pooled 2024"
EMPTY = "No pooled evaluation run of CARA has been signed off as the headline"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _regional(user) -> str:
    response = _client(user).get(reverse("commissioning:regional"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def pooled(region):  # noqa: F811 (the imported fixture)
    """The PCC office's analyst runs CARA pooled over Test Force and Northshire Police."""
    assert _post(_client(region["analyst"]), [region["test"], region["north"]]).status_code == 302
    run = run_evaluation(EvaluationRun.objects.get().pk)
    assert run.status == "done", run.message
    region["run"] = run
    region["second"] = make_user("pcc_analyst2", Role.ANALYST, region["analyst"].organisation)
    return region


def _sign_off(pooled) -> None:
    url = reverse("evaluation:run_headline", args=[pooled["run"].pk])
    assert _client(pooled["analyst"]).post(url, {"reason": "The region's trial"}).status_code \
        == 302
    assert _client(pooled["second"]).post(url, {"action": "approve"}).status_code == 302


def test_an_unapproved_pooled_run_is_not_shown(pooled, cast):
    commissioner = cast.users[Role.COMMISSIONER]
    page = _regional(commissioner)
    assert EMPTY in page and TITLE not in page
    url = reverse("evaluation:run_headline", args=[pooled["run"].pk])
    _client(pooled["analyst"]).post(url, {"reason": "The region's trial"})  # proposed only
    page = _regional(commissioner)
    assert EMPTY in page and TITLE not in page
    assert not ReoffendingSummary.objects.exists()


def test_a_signed_off_pooled_run_is_the_regions_headline(pooled, cast):
    _sign_off(pooled)
    summary = ReoffendingSummary.objects.get()
    assert summary.pooled and [n for _, n in summary.pooled_forces] == [
        "Northshire Police", "Test Force"]
    for reader in (cast.users[Role.COMMISSIONER], pooled["analyst"]):
        page = _regional(reader)
        assert f"Run {pooled['run'].pk}, \u201c{TITLE}\u201d" in page
        assert "Northshire Police, Test Force" in page  # the forces pooled
        assert "Stratified by force: the Mantel–Haenszel risk difference" in page
        assert "pooled reoffending headline for the region" in page and EMPTY not in page
        assert "Reoffended within 12 months: treatment group" in page


def test_a_pooled_run_is_never_a_forces_own_result(pooled, cast):
    oversee(cast)  # the office oversees Test Force, one of the pooled forces
    _sign_off(pooled)
    client = _client(cast.users[Role.COMMISSIONER])
    for query in ({}, {"from_quarter": "2026-01-01", "to_quarter": "2026-10-01",
                       "force": str(pooled["test"].pk)}):
        page = client.get(reverse("commissioning:dashboard"), query).content.decode()
        assert TITLE not in page
        assert "No evaluation run for CARA in Test Force has been signed off" in page
    # the pooled forces' own analysts and commissioners of another office see nothing of it
    assert _client(make_user("tf_analyst", Role.ANALYST, pooled["test"])).get(
        reverse("evaluation:run_detail", args=[pooled["run"].pk])).status_code == 404


def test_a_withdrawn_agreement_removes_it(pooled, cast):
    _sign_off(pooled)
    commissioner = cast.users[Role.COMMISSIONER]
    assert TITLE in _regional(commissioner)
    agreement = pooled["north"].sharing_agreements.get()
    admin = make_user("north_admin", Role.ADMINISTRATOR, pooled["north"])
    assert _client(admin).post(reverse("administration:agreement_withdraw", args=[agreement.pk]),
                               {"reason": "Withdrawn by the force"}).status_code == 302
    page = _regional(commissioner)
    assert TITLE not in page and EMPTY in page
    assert "Test Force" in page  # the force still sharing is still counted


def test_users_outside_the_region_cannot_see_it(pooled, cast):
    _sign_off(pooled)
    # another PCC office's commissioner and analyst, and a research partner's analyst
    office = Organisation.objects.create(name="Other PCC Office", code="opcc",
                                         kind=OrganisationKind.COMMISSIONER)
    partner = Organisation.objects.create(name="Regional Analysis Unit", code="rau",
                                          kind=OrganisationKind.RESEARCH_PARTNER)
    for user in (make_user("o_comm", Role.COMMISSIONER, office),
                 make_user("o_analyst", Role.ANALYST, office),
                 make_user("rau_analyst", Role.ANALYST, partner),
                 make_user("of_analyst", Role.ANALYST, pooled["other"]),
                 make_user("ns_analyst", Role.ANALYST, pooled["north"])):
        page = _regional(user)
        assert TITLE not in page and "Mantel" not in page, user.username
    # a force's officer is refused the page altogether
    assert _client(cast.outsider_officer).get(
        reverse("commissioning:regional")).status_code == 403
