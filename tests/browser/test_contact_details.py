"""The key journey for the person's contact details, in a real browser, every page checked with
axe: the police record them on the case (a mistake first, corrected from the error summary),
and the provider sees them on the case page when making first contact."""

from __future__ import annotations

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from tests.browser.axe import serious_violations
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.delivery.helpers import referred_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> None:
    assert serious_violations(page) == []


def test_police_record_contact_details_and_the_provider_uses_them(cast, page):
    case = referred_case(cast, status="referred")
    sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.goto(f"/police/cases/{case.pk}/")
    assert "Not recorded" in page.locator("#contact-details").inner_text()
    _axe(page)
    follow(page, "link", "Record the contact details")
    _axe(page)
    page.get_by_label("Phone number").fill("07700 900 4")  # too short
    page.get_by_label("Email address").fill("sam.person@example.org")
    page.get_by_label("Phone call (speak to the person only)").check()
    page.get_by_label("Safe-contact notes").fill("Lives with the victim: no voicemail")
    follow(page, "button", "Save the contact details")
    assert "There is a problem" in page.content()
    _axe(page)
    page.get_by_role("link", name="Phone number must be a real phone number").click()
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.get_by_label("Phone number").fill("07700 900 456")
    follow(page, "button", "Save the contact details")
    assert "Contact details saved" in page.content()
    assert "Recorded, last changed" in page.locator("#contact-details").inner_text()
    _axe(page)

    sign_in(page, cast.users[Role.FACILITATOR].username)
    page.goto("/provider/")
    follow(page, "link", case.reference)
    summary = page.locator("#contact-summary").inner_text()
    for shown in ("+44 7700 900456", "sam.person@example.org", "Phone call",
                  "Lives with the victim: no voicemail"):
        assert shown in summary, shown
    assert "Text message" not in summary
    _axe(page)
    today = timezone.localdate()
    page.locator("#id_made_on").fill(str(today.day))
    page.locator("#id_made_on_month").fill(str(today.month))
    page.locator("#id_made_on_year").fill(str(today.year))
    page.locator("#id_method").check()
    page.locator("#id_outcome").check()
    follow(page, "button", "Record the contact attempt")
    assert page.locator("#case-status").inner_text() == "In progress"
    assert "+44 7700 900456" in page.locator("#contact-summary").inner_text()
