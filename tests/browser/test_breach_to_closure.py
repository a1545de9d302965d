"""A breach reported by the provider, the police's decision, and the case closed with its
reason, in a real browser; axe on every page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.delivery.booking import book
from diversion.delivery.models import WorkshopEvent
from diversion.disposals.models import Closure
from diversion.notifications.models import Kind, Notification
from tests.browser.axe import serious_violations
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.delivery.helpers import make_event, referred_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> None:
    assert serious_violations(page) == []


def test_breach_reported_then_decided_then_closed_with_its_reason(cast, page):
    case = referred_case(cast, status="in_progress")
    facilitator = cast.users[Role.FACILITATOR]
    part_a = make_event(cast, days=7)
    booking = book(facilitator, case, part_a.pk)
    WorkshopEvent.objects.filter(pk=part_a.pk).update(starts_on=timezone.localdate())

    # The provider marks the missed session: the case goes back to police.
    sign_in(page, facilitator.username)
    page.goto(f"/provider/events/{part_a.pk}/register/")
    page.locator(f"input[name='mark_{booking.pk}'][value='did_not_attend']").check()
    _axe(page)
    follow(page, "button", "Save the register")
    _axe(page)
    assert Notification.objects.filter(kind=Kind.NON_ATTENDANCE,
                                       recipient=cast.users[Role.DECISION_MAKER]).exists()

    # Police decide: no further action.
    sign_in(page, cast.users[Role.DECISION_MAKER].username)
    follow(page, "link", "Compliance")
    _axe(page)
    follow(page, "link", f"{case.reference}: {case.person.given_name} "
                         f"{case.person.family_name}")
    _axe(page)
    page.get_by_label("No further action").check()
    page.get_by_label("Rationale").fill("Victim safety plan in place; no public interest")
    follow(page, "button", "Record the decision")
    assert page.locator("#case-status").inner_text() == "Breach decided"
    _axe(page)
    assert Notification.objects.filter(kind=Kind.BREACH_DECISION,
                                       recipient=cast.users[Role.PROVIDER_MANAGER]).exists()

    # And close the case: the only reason offered is the one the decision allows.
    follow(page, "button", "Close the case")  # a link styled (and announced) as a button
    _axe(page)
    assert page.locator("#breach-decision").inner_text().endswith("No further action.")
    assert page.get_by_label("No further action after a breach").is_checked()  # the only one
    follow(page, "button", "Close the case")
    assert page.locator("#case-status").inner_text() == "Closed"
    _axe(page)
    assert "No further action after a breach" in page.locator("#closure").inner_text()
    assert Closure.objects.get(case=case).reason == "nfa_after_breach"


def test_close_page_errors_are_summarised_and_accessible(cast, page):
    from tests.cases.helpers import make_case

    case = make_case(cast, status="cautioned")  # no referral: no programme condition
    sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.goto(f"/police/cases/{case.pk}/close/")
    _axe(page)
    follow(page, "button", "Close the case")
    assert "Select why the case is being closed" in page.locator(
        ".govuk-error-summary").inner_text()
    _axe(page)
    page.get_by_label("Another reason").check()
    follow(page, "button", "Close the case")
    assert "Describe the reason for closing the case" in page.locator(
        ".govuk-error-summary").inner_text()
    _axe(page)
    page.get_by_label("Details").fill("Caution withdrawn on review " + "x" * 3)
    follow(page, "button", "Close the case")
    assert page.locator("#case-status").inner_text() == "Closed"
    closure = Closure.objects.get(case=case)
    assert (closure.reason, closure.detail) == ("other", "Caution withdrawn on review xxx")
