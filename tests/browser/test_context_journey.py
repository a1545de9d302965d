"""Key journeys of issues 16 and 17: an analyst reads the force's domestic-abuse context figure
for a chosen financial year and quarter; the commissioner reads it on the dashboard for a
financial year, then the region's signed-off pooled run on the regional view; axe throughout."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.evaluation.models import EvaluationRun
from diversion.evaluation.services import approve_headline, propose_headline, run_evaluation
from tests.browser.axe import serious_violations
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.commissioning.helpers import oversee, refresh
from tests.commissioning.test_crime_context import crimes, load
from tests.evaluation.test_pooled import _post
from tests.evaluation.test_pooled import region as region  # noqa: F401 (the fixture)
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_context_figure_and_pooled_headline(cast, region, page, live_server):  # noqa: F811
    oversee(cast)
    load(cast.orgs["force"], crimes("DA", 29, flagged=True, day="2023-06-01")
         + crimes("NA", 151, flagged=False, day="2023-11-15"), user=cast.users[Role.ANALYST])
    refresh()
    analyst = Client()
    analyst.force_login(region["analyst"])
    assert _post(analyst, [region["test"], region["north"]]).status_code == 302
    run = run_evaluation(EvaluationRun.objects.get().pk)
    propose_headline(region["analyst"], run, reason="The region's trial")
    approve_headline(make_user("pcc_analyst2", Role.ANALYST, region["analyst"].organisation), run)

    sign_in(page, cast.users[Role.ANALYST].username)
    page.goto(live_server.url + reverse("records:home"))
    page.get_by_label("Financial year").select_option(label="April 2023 to March 2024")
    page.get_by_label("Quarter").select_option(label="The whole year")
    follow(page, "button", "Show the figure")
    figure = page.locator("#crime-context-figure").inner_text()
    assert "29" in figure and "180" in figure and "16.11%" in figure
    assert serious_violations(page) == []
    page.get_by_label("Quarter").select_option(label="July to September")
    follow(page, "button", "Show the figure")
    assert "No records imported for this period" in page.locator(
        "#crime-context-figure").inner_text()
    assert serious_violations(page) == []
    follow(page, "button", "Sign out")

    sign_in(page, cast.users[Role.COMMISSIONER].username)
    page.get_by_label("From the quarter").select_option(label="Apr to Jun 2023")
    page.get_by_label("To the quarter").select_option(label="Jan to Mar 2024")
    follow(page, "button", "Show figures")
    assert "29 (16.11% of 180 recorded crimes)" in page.content()
    assert "Recorded crimes, not incidents" in page.content()
    assert serious_violations(page) == []
    follow(page, "link", "Regional view")
    body = page.content()
    assert f"Run {run.pk}" in body and "Northshire Police, Test Force" in body
    assert "Stratified by force" in body
    assert serious_violations(page) == []
