"""Police in a real browser: finding a case in the case list (search and pages), and an
offence with no individual victim taken to a caution with no victim consultation, while a
domestic-abuse offence cannot be recorded as having no victim. Axe on every new page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases import pnc
from diversion.cases.models import Case, CaseEvent
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.cases.helpers import make_case
from tests.disposals.helpers import commission
from tests.factories import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> None:
    assert serious_violations(page) == []


def _search(page, term: str) -> None:
    page.get_by_role("textbox", name="Search cases").fill(term)
    follow(page, "button", "Search")


def _cases(page):
    return page.locator("table.govuk-table").first  # then the offences awaiting a decision


def _caption(page) -> str:
    return _cases(page).locator("caption").inner_text()


def test_officer_finds_a_case_by_name_crime_reference_and_pnc_and_pages_the_list(cast, page):
    oldest = [make_case(cast) for _ in range(3)]
    person = make_person(cast.orgs["force"], "FR-SEARCH", given_name="Ottoline",
                         family_name="Quarrington", pnc_id=pnc.make(2019, 54321))
    wanted = make_case(cast, person=person)
    wanted.offence.crime_reference = "44/0917/26"
    wanted.offence.save(update_fields=["crime_reference"])
    newest = [make_case(cast) for _ in range(52)]  # 56 in all: two pages of 50

    sign_in(page, cast.users[Role.DECISION_MAKER].username)
    assert page.locator("h1").inner_text() == "Police decisions"
    assert _caption(page) == "1 to 50 of 56, newest first"
    shown = _cases(page).locator("tbody tr td:first-child").all_inner_texts()
    assert shown[0] == newest[-1].reference and len(shown) == 50
    _axe(page)

    # Page 2 of the newest-first list holds the oldest cases.
    follow(page, "link", "Page 2")
    assert _caption(page) == "51 to 56 of 56, newest first"
    shown = _cases(page).locator("tbody tr td:first-child").all_inner_texts()
    assert shown == [newest[1].reference, newest[0].reference, wanted.reference,
                     *(c.reference for c in reversed(oldest))]
    assert page.locator(".govuk-pagination__item--current").inner_text() == "2"
    assert page.locator("a[rel='prev']").is_visible() and page.locator("a[rel='next']").count() == 0
    _axe(page)

    # By name (part of it, any case), by crime reference, by PNC ID as written and as stored.
    for term in ("quarrington", "Ottoline Quarr", "44/0917/26",
                 pnc.display(person.pnc_id), person.pnc_id):
        _search(page, term)
        assert _caption(page) == "Cases found: 1 in all, newest first", term
        assert page.get_by_role("link", name=wanted.reference).is_visible(), term
        assert page.get_by_role("textbox", name="Search cases").input_value() == term
    _axe(page)
    follow(page, "link", wanted.reference)
    assert "Ottoline Quarrington" in page.locator(".govuk-summary-list").first.inner_text()
    page.go_back()
    page.wait_for_load_state("load")

    _search(page, "Zebedee")
    assert "No cases match your search." in page.locator("main").inner_text()
    _axe(page)
    follow(page, "link", "Clear search")
    assert _caption(page) == "1 to 50 of 56, newest first"

    # A search of more than 100 characters is refused with the GOV.UK error summary.
    _search(page, "x" * 150)
    summary = page.locator(".govuk-error-summary")
    assert "There is a problem" in summary.inner_text()
    assert "100 characters" in summary.inner_text()
    assert page.title().startswith("Error: ")
    _axe(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_q"


def _record(page, *, crime_reference: str, domestic_abuse: bool, relationship: str) -> None:
    today = timezone.localdate()
    page.get_by_label("Programme").select_option("juno")
    page.get_by_label("Given name").fill("Nadia")
    page.get_by_label("Family name").fill("Okonedo")
    fill_date(page, "date_of_birth", date(1994, 2, 11))
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Force person reference").fill("FR-NV-7")
    page.get_by_label("Crime reference").fill(crime_reference)
    page.get_by_label("Home Office offence code").fill("49")
    fill_date(page, "offence_date", today - timedelta(days=6))
    if domestic_abuse:
        page.get_by_label("The offence is domestic abuse").check()
    else:
        page.get_by_label("The offence is domestic abuse").uncheck()
    page.get_by_label("Relationship to the victim").select_option(label=relationship)
    page.locator("#id_admission").check()  # Yes
    for name in ("on_bail", "court_order", "community_sentence",
                 "violence_disposal_within_2_years", "interpreter_needed",
                 "appropriate_adult_needed"):
        page.locator(f"#id_{name}_1").check()  # No
    page.get_by_label("DASH risk level").select_option("standard")


def test_no_victim_offence_goes_to_caution_without_a_victim_consultation(cast, page):
    commission(cast, "juno")
    sign_in(page, cast.users[Role.DECISION_MAKER].username)
    follow(page, "button", "Record an offence for an out-of-court resolution")
    _axe(page)

    # Domestic abuse always has a victim: "no individual victim" is refused with it.
    _record(page, crime_reference="44/7001/26", domestic_abuse=True,
            relationship="No individual victim")
    follow(page, "button", "Record the offence")
    summary = page.locator(".govuk-error-summary")
    assert "A domestic abuse offence has an individual victim" in summary.inner_text()
    _axe(page)
    summary.get_by_role("link", name="A domestic abuse offence has an individual victim",
                        exact=False).click()
    assert page.evaluate("document.activeElement.id") == "id_relationship"
    assert not Case.objects.exists()

    # Not domestic abuse (shoplifting): no individual victim is accepted.
    page.get_by_label("The offence is domestic abuse").uncheck()
    page.get_by_label("Relationship to the victim").select_option(label="No individual victim")
    follow(page, "button", "Record the offence")
    assert "Case " in page.locator("h1").inner_text()
    _axe(page)
    case = Case.objects.get()
    assert (case.offence.relationship, case.offence.domestic_abuse) == ("no_victim", False)

    follow(page, "button", "Check eligibility")
    assert page.locator("#overall").inner_text().endswith("eligible")
    _axe(page)
    follow(page, "button", "Record the eligibility decision")
    assert page.locator("#case-status").inner_text() == "Eligible"
    consultation = page.locator("#consultation").inner_text()
    assert "No individual victim: no victim consultation is needed" in consultation
    assert "Waiting for the victim service" not in page.content()
    _axe(page)

    assert page.get_by_role("button", name="Confirm consultation and consent").count() == 0
    page.get_by_label("The person consents").check()
    follow(page, "button", "Confirm the person's consent")
    assert page.locator("#case-status").inner_text() == "Victim consulted"
    _axe(page)

    follow(page, "button", "Record the caution")
    _axe(page)
    page.get_by_label("Authorising officer's name and collar number").fill("Sgt Tester 1234")
    page.get_by_label("Authorising officer's rank").select_option("sergeant")
    page.get_by_label("The person has signed the caution document").check()
    follow(page, "button", "Record the caution")
    assert page.locator("#case-status").inner_text() == "Referred to provider"
    _axe(page)
    event = CaseEvent.objects.get(case=case, to_status="consulted")
    assert "No individual victim" in event.detail

    follow(page, "link", "View the timeline")
    titles = page.locator(".moj-timeline__title").all_inner_texts()
    assert titles[-1] == "Offence recorded" and any("Referred to" in t for t in titles)
    assert "No individual victim" in page.locator(".moj-timeline").inner_text()
    _axe(page)
