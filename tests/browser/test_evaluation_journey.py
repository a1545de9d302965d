"""Key journey: an analyst defines an evaluation run, runs it and opens its report."""

from __future__ import annotations

from datetime import date

import pytest

from diversion.accounts.roles import Role
from diversion.demo.evaluation import build_historical_trial
from diversion.evaluation.models import EvaluationRun
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.test_sign_in_journeys import _sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_defines_runs_and_reads_an_evaluation(cast, page, run_worker):
    analyst = cast.users[Role.ANALYST]
    build_historical_trial(analyst.organisation, cast.users[Role.DECISION_MAKER], 200,
                           treated_risk=0.1, control_risk=0.45, seed=5)
    _sign_in(page, analyst.username, PASSWORD)
    page.get_by_role("link", name="Define an evaluation run").click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == []
    page.get_by_label("Name of this evaluation").fill("CARA first year")
    page.get_by_role("button", name="Run the evaluation").click()  # incomplete: errors
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("Programme", exact=True).select_option("cara")
    page.get_by_label("The programme's randomised trial").check()
    fill_date(page, "index_from", date(2024, 1, 1))
    fill_date(page, "index_to", date(2024, 12, 31))
    page.get_by_label("Randomisation date").check()
    page.get_by_label("365 days (12 months)").check()
    page.get_by_label("Recorded (arrests or complaints naming the person)").check()
    page.get_by_label("Any offence", exact=True).check()
    page.get_by_label("Everyone referred (or randomised)").check()
    page.get_by_role("button", name="Run the evaluation").click()
    page.wait_for_load_state("load")
    assert "Queued" in page.content()

    run_worker()
    page.reload()
    page.wait_for_load_state("load")
    assert EvaluationRun.objects.get().status == "done"
    assert "reoffending was lower in the treated group" in page.content()
    assert page.locator("svg.evaluation-chart").count() >= 4
    assert serious_violations(page) == []
    assert all(url.startswith(page.url.split("/analysis")[0]) for url in page.requested)
