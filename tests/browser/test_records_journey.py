"""Key journey: an analyst imports a police extract, follows it, and reviews a probable link."""

from __future__ import annotations

import pytest

from diversion.accounts.roles import Role
from diversion.records.models import ImportBatch, LinkCandidate, PersonLink
from tests.browser.axe import serious_violations
from tests.browser.test_sign_in_journeys import _sign_in
from tests.factories import PASSWORD
from tests.records.helpers import csv_bytes, people_and_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_imports_an_extract_and_reviews_a_link(cast, page, tmp_path, run_worker,
                                                        monkeypatch):
    analyst = cast.users[Role.ANALYST]
    _people, rows = people_and_records(analyst.organisation, count=40)
    extract = tmp_path / "week-48.csv"
    extract.write_bytes(csv_bytes(rows))
    # Send every probabilistic match to review, so the journey has one to decide.
    monkeypatch.setattr("diversion.records.linkage.UPPER_THRESHOLD", 1.01)

    _sign_in(page, analyst.username, PASSWORD)
    page.get_by_role("link", name="Police records").first.click()
    page.get_by_role("button", name="Upload an extract").click()
    assert serious_violations(page) == []
    page.get_by_label("Name of a new source").fill("Niche weekly")
    page.get_by_label("Upload a crime-record extract").set_input_files(str(extract))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state("load")
    assert "Import of week-48.csv" in page.content()
    assert page.locator("progress").count() == 1
    assert serious_violations(page) == []

    run_worker()
    page.get_by_role("link", name="Refresh now").click()
    page.wait_for_load_state("load")
    assert ImportBatch.objects.get().status == "done"
    assert "New crime records" in page.content()
    assert serious_violations(page) == []

    page.goto("/analysis/records/review/")
    pair = LinkCandidate.objects.order_by("-match_probability", "id").first()
    page.get_by_role("link", name=f"Review {pair.record.crime_reference}").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Is this the same person?"
    assert serious_violations(page) == []
    page.get_by_role("button", name="Save decision").click()  # nothing chosen: an error
    page.wait_for_load_state("load")
    assert "Select whether this is the same person" in page.locator(
        ".govuk-error-summary").inner_text()
    page.get_by_label("Yes, link the crime record to this person").check()
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_load_state("load")
    assert f"Crime record {pair.record.crime_reference} linked" in page.content()
    link = PersonLink.objects.get(record=pair.record)
    assert (link.method, link.reviewed_by_id) == ("reviewed", analyst.pk)
