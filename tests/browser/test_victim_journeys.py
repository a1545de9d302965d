"""Victim journey: a victim worker consults and follows up; police see only the outcome; a
facilitator sees nothing of the victim. Every page passes axe."""

from __future__ import annotations

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.victims.models import Consultation, FollowUp
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in as _sign_in
from tests.victims.helpers import home_case, make_victim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Zebedee Canaryfield"


def _sign_out(page) -> None:
    follow(page, "button", "Sign out")


def test_consultation_and_follow_up_then_police_and_facilitator_views(cast, page):
    case = home_case(cast, "TF-JOURNEY")
    given, family = NAME.split()
    victim = make_victim(cast, case=case, given_name=given, family_name=family,
                         address="7 Canary Wharf Lane")

    _sign_in(page, cast.users[Role.VICTIM_WORKER].username)
    assert serious_violations(page) == []
    follow(page, "link", NAME, exact=True)
    assert serious_violations(page) == []
    follow(page, "link", "Consultation for case TF-JOURNEY")
    # Completing an empty consultation shows every problem, accessibly.
    follow(page, "button", "Complete consultation")
    assert "Choose the outcome for police before completing" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("The victim's views on an out-of-court resolution").fill(
        "Wants him to get help; canary-views-journey")
    follow(page, "button", "Save as draft")
    assert Consultation.objects.get().is_draft
    follow(page, "link", "Consultation for case TF-JOURNEY")
    assert "canary-views-journey" in page.content()  # the draft came back
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Victim supports an out-of-court resolution").check()
    follow(page, "button", "Complete consultation")
    assert "Consultation completed" in page.content()
    assert not Consultation.objects.get().is_draft

    follow(page, "link", "Record 3 months after the workshops follow-up")
    fill_date(page, "contacted_on", timezone.localdate())
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Positive change").check()
    page.get_by_label("In the victim's own words").fill("Calmer now, canary-words-journey")
    assert serious_violations(page) == []
    follow(page, "button", "Save follow-up")
    assert "Follow-up recorded" in page.content()
    follow_up = FollowUp.objects.get()
    assert (follow_up.point, follow_up.change) == ("3_months", "positive")

    follow(page, "link", "Raise a concern on case TF-JOURNEY")
    page.get_by_label("What is the concern?").fill("canary-concern-journey")
    page.get_by_label("Urgent: pause the case's workshop bookings").check()
    follow(page, "button", "Raise alert")
    assert "Resume workshop bookings" in page.content()
    assert serious_violations(page) == []
    page.goto("/victims/")
    page.get_by_label("Find a case by its case or crime reference").fill("TF-JOURNEY")
    follow(page, "button", "Find case")
    assert NAME in page.content()
    assert serious_violations(page) == []
    _sign_out(page)

    _sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.goto(f"/victims/police/cases/{case.pk}/")
    body = page.content()
    assert "Victim supports an out-of-court resolution" in body
    assert f"Risk raised on {timezone.localdate():%-d %B %Y}" in body
    follow(page, "link", "Safeguarding alerts")
    assert serious_violations(page) == []
    follow(page, "button", "Acknowledge alert on case TF-JOURNEY")
    body += page.content()
    for secret in ("Canaryfield", "Zebedee", "canary-views-journey", "canary-words-journey",
                   "Canary Wharf", "canary-concern"):
        assert secret not in body
    assert serious_violations(page) == []
    _sign_out(page)

    _sign_in(page, cast.users[Role.FACILITATOR].username)
    home = page.content()
    page.goto(f"/victims/{victim.pk}/")
    refused = page.content()
    page.goto(f"/victims/police/cases/{case.pk}/")
    refused += page.content()
    for secret in ("Canaryfield", "Zebedee", "canary-views", "canary-words", "Canary Wharf",
                   "supports an out-of-court"):
        assert secret not in home + refused
    assert serious_violations(page) == []


def test_contact_details_step_up_and_reason_pass_axe(cast, page):
    case = home_case(cast, "TF-AXE")
    victim = make_victim(cast, case=case, address="7 Canary Wharf Lane")
    _sign_in(page, cast.users[Role.VICTIM_WORKER].username)
    page.goto(f"/victims/{victim.pk}/contact-details/")
    follow(page, "button", "Show contact details")
    assert "Choose why you need to see the contact details" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("To plan a safe contact with the victim").check()
    follow(page, "button", "Show contact details")
    assert "7 Canary Wharf Lane" in page.content()
    assert serious_violations(page) == []
    page.goto("/victims/step-up/")
    follow(page, "button", "Continue")
    assert "Enter your password" in page.content()
    assert serious_violations(page) == []
