"""Key journey: the commissioner records a contract, filters the dashboard, publishes a
quarter's statistics and downloads them from the public page; every page passes axe."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.commissioning.models import Contract
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.signing_in import sign_in
from tests.commissioning.helpers import make_cases, oversee, refresh
from tests.commissioning.test_reoffending import make_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commissioner_records_contract_filters_and_downloads_public_statistics(cast, page):
    oversee(cast)
    make_cases(cast, cast.orgs["force"], 12, status="completed")
    make_cases(cast, cast.orgs["force"], 2, status="referred", sex="F")
    make_run(cast)  # a completed evaluation run (hand-built result)
    refresh()

    sign_in(page, cast.users[Role.COMMISSIONER].username)
    assert page.locator("h1").inner_text() == "Performance and outcomes"
    assert serious_violations(page) == []

    # Record a contract; first with an end before its start, which is refused.
    page.get_by_role("link", name="Contracts").first.click()
    page.get_by_role("button", name="Record a contract").click()
    page.get_by_label("Programme").select_option("CARA")
    page.get_by_label("Provider").select_option(label="Test Provider")
    fill_date(page, "start_date", date(2025, 4, 1))
    fill_date(page, "end_date", date(2025, 1, 1))
    page.get_by_label("Annual value (£)").fill("125000")
    page.get_by_label("Referrals a year").fill("240")
    page.get_by_label("Starts a year").fill("200")
    page.get_by_label("Completions a year").fill("170")
    page.get_by_role("button", name="Save contract").click()
    page.wait_for_load_state("load")
    summary = page.locator(".govuk-error-summary")
    assert "The end date must be the same as or after the start date" in summary.inner_text()
    assert serious_violations(page) == []
    fill_date(page, "end_date", date(2028, 3, 31))
    page.get_by_role("button", name="Save contract").click()
    page.wait_for_load_state("load")
    assert "Contract recorded" in page.content()
    assert Contract.objects.count() == 1

    # Filter the dashboard to one quarter and one programme.
    page.get_by_role("link", name="Dashboard").first.click()
    page.get_by_label("From the quarter").select_option(label="Apr to Jun 2026")
    page.get_by_label("To the quarter").select_option(label="Apr to Jun 2026")
    page.get_by_label("Programme", exact=True).select_option("CARA")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state("load")
    assert "Showing 1 April 2026 to 30 June 2026" in page.content()
    assert page.locator("svg.commissioning-chart").count() >= 1
    assert "£31,164.38" in page.content()  # one quarter of £125,000
    assert "Reoffended within 12 months: treatment group" in page.content()
    assert "32.74 (95% CI 17.46 to 48.02)" in page.content()  # the benefit–cost ratio
    assert page.locator("a[href*='/evaluation/']").count() == 0
    assert serious_violations(page) == []

    # Prepare and publish that quarter.
    page.get_by_role("link", name="Statistics releases").first.click()
    page.get_by_label("Quarter to release").select_option(label="Apr to Jun 2026")
    page.get_by_role("button", name="Prepare the release").click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Publish this release").click()
    page.wait_for_load_state("load")
    assert "Release published" in page.content()

    # Signed out, anyone can read and download it.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    page.goto("/statistics/")
    page.get_by_role("link", name="Apr to Jun 2026").click()
    page.wait_for_load_state("load")
    assert "[c]" in page.content()  # the two women are withheld
    assert "CARA: reoffending from the latest evaluation run" in page.content()
    assert serious_violations(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV of Equality monitoring by sex").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "Female,[c]" in text
    assert ProcessingLog.objects.filter(operation="disclosure").count() == 2
