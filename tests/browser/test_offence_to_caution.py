"""Key journey: record an offence, check eligibility, consult, randomise, caution and
refer, then see the case in the provider's queue. Every page passes axe."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases import pnc
from diversion.cases.models import Case
from diversion.trials.models import TrialBlock
from tests.browser.axe import serious_violations
from tests.browser.signing_in import sign_in as _sign_in
from tests.disposals.helpers import commission, consult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _date(page, field: str, value: date) -> None:
    page.locator(f"#id_{field}").fill(str(value.day))
    page.locator(f"#id_{field}_month").fill(str(value.month))
    page.locator(f"#id_{field}_year").fill(str(value.year))


def _submit(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state("load")


def test_offence_to_caution_to_provider_queue(cast, page, browser, live_server):
    commission(cast)
    # The test fixes the concealed sequence so the journey reaches the workshop arm.
    TrialBlock.objects.create(trial_code="cara-trial-1", stratum="dash_risk=standard", index=0,
                              arms=["workshop", "control"])
    today = timezone.localdate()
    _sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.get_by_role("button", name="Record an offence for an out-of-court resolution").click()
    page.wait_for_load_state("load")

    _submit(page, "Record the offence")  # empty: every error in the summary, focus on it
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Enter the person's given name" in page.locator(".govuk-error-summary").inner_text()
    assert serious_violations(page) == []

    page.get_by_label("Programme").select_option("cara")
    page.get_by_label("Given name").fill("Dan")
    page.get_by_label("Family name").fill("Ellis")
    _date(page, "date_of_birth", date(1990, 5, 17))
    page.locator("#id_sex").check()  # Male
    page.get_by_label("PNC ID").fill(pnc.display(pnc.make(2010, 12345)))
    page.get_by_label("Force person reference").fill("FR-77")
    page.get_by_label("Crime reference").fill("44/1234/26")
    page.get_by_label("Home Office offence code").fill("105A")
    _date(page, "offence_date", today - timedelta(days=5))
    page.get_by_label("The offence is domestic abuse").check()
    page.get_by_label("Relationship to the victim").select_option("current_partner")
    page.locator("#id_admission").check()  # Yes
    for name in ("on_bail", "court_order", "community_sentence",
                 "violence_disposal_within_2_years", "interpreter_needed",
                 "appropriate_adult_needed"):
        page.locator(f"#id_{name}_1").check()  # No
    page.get_by_label("DASH risk level").select_option("standard")
    _date(page, "victim_statement_date", today - timedelta(days=4))
    _submit(page, "Record the offence")
    assert "Case " in page.locator("h1").inner_text()
    assert "Proceedings must start by" in page.locator("#time-limit").inner_text()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Check eligibility").click()
    page.wait_for_load_state("load")
    assert page.locator("#overall").inner_text().endswith("eligible")
    assert page.locator("table .govuk-tag--green").count() == 13
    assert serious_violations(page) == []
    _submit(page, "Record the eligibility decision")
    assert page.locator("#case-status").inner_text() == "Eligible"
    assert "Waiting for the victim service" in page.content()

    case = Case.objects.get()
    consult(cast, case)  # the victim worker records the victim's views (on the victims pages)
    page.reload()
    assert "Victim supports" in page.locator("#consultation").inner_text()
    page.get_by_label("The person consents").check()
    _submit(page, "Confirm consultation and consent")
    assert page.locator("#case-status").inner_text() == "Victim consulted"
    _submit(page, "Randomise")
    assert "Allocated to workshop" in page.locator("#allocation").inner_text()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Record the caution").click()
    page.wait_for_load_state("load")
    page.get_by_label("Authorising officer's name and collar number").fill("Sgt Tester 1234")
    page.get_by_label("Authorising officer's rank").select_option("constable")
    _submit(page, "Record the caution")
    assert "sergeant or above" in page.locator(".govuk-error-summary").inner_text()
    assert serious_violations(page) == []
    page.get_by_label("Authorising officer's rank").select_option("sergeant")
    page.get_by_label("The person has signed the caution document").check()
    _submit(page, "Record the caution")
    assert page.locator("#case-status").inner_text() == "Referred to provider"
    assert "Test Provider" in page.content()

    page.get_by_role("link", name="View the timeline").click()
    page.wait_for_load_state("load")
    titles = page.locator(".moj-timeline__title").all_inner_texts()
    assert titles[0] == "Referred to Test Provider" and titles[-1] == "Offence recorded"
    assert serious_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")

    _sign_in(page, cast.users[Role.FACILITATOR].username)
    queue = page.locator("table.govuk-table").inner_text()
    assert case.reference in queue and "Ellis" in queue
    assert serious_violations(page) == []


def test_the_programmes_page_passes_axe(cast, page):
    _sign_in(page, cast.users[Role.ADMINISTRATOR].username)
    page.get_by_role("link", name="Programmes").click()
    page.wait_for_load_state("load")
    assert "Project CARA" in page.content() and "JUNO" in page.content()
    assert serious_violations(page) == []
