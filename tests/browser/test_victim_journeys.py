"""Victim journey: a victim worker consults and follows up; police see only the outcome; a
facilitator sees nothing of the victim. Every page passes axe."""

from __future__ import annotations

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.victims.models import Consultation, FollowUp
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.signing_in import sign_in as _sign_in
from tests.victims.helpers import home_case, make_victim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Zebedee Canaryfield"


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")


def test_consultation_and_follow_up_then_police_and_facilitator_views(cast, page):
    case = home_case(cast, "TF-JOURNEY")
    given, family = NAME.split()
    victim = make_victim(cast, case=case, given_name=given, family_name=family,
                         address="7 Canary Wharf Lane")

    _sign_in(page, cast.users[Role.VICTIM_WORKER].username)
    assert serious_violations(page) == []
    page.get_by_role("link", name=NAME, exact=True).click()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Consultation for case TF-JOURNEY").click()
    # Completing an empty consultation shows every problem, accessibly.
    page.get_by_role("button", name="Complete consultation").click()
    assert "Choose the outcome for police before completing" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("The victim's views on an out-of-court resolution").fill(
        "Wants him to get help; canary-views-journey")
    page.get_by_role("button", name="Save as draft").click()
    assert Consultation.objects.get().is_draft
    page.get_by_role("link", name="Consultation for case TF-JOURNEY").click()
    assert "canary-views-journey" in page.content()  # the draft came back
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Victim supports an out-of-court resolution").check()
    page.get_by_role("button", name="Complete consultation").click()
    page.wait_for_load_state("load")
    assert "Consultation completed" in page.content()
    assert not Consultation.objects.get().is_draft

    page.get_by_role("link", name="Record 3 months after the workshops follow-up").click()
    fill_date(page, "contacted_on", timezone.localdate())
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Positive change").check()
    page.get_by_label("In the victim's own words").fill("Calmer now, canary-words-journey")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Save follow-up").click()
    page.wait_for_load_state("load")
    assert "Follow-up recorded" in page.content()
    follow_up = FollowUp.objects.get()
    assert (follow_up.point, follow_up.change) == ("3_months", "positive")

    page.get_by_role("link", name="Raise a concern on case TF-JOURNEY").click()
    page.get_by_label("What is the concern?").fill("canary-concern-journey")
    page.get_by_label("Urgent: pause the case's workshop bookings").check()
    page.get_by_role("button", name="Raise alert").click()
    page.wait_for_load_state("load")
    assert "Resume workshop bookings" in page.content()
    assert serious_violations(page) == []
    page.goto("/victims/")
    page.get_by_label("Find a case by its case or crime reference").fill("TF-JOURNEY")
    page.get_by_role("button", name="Find case").click()
    page.wait_for_load_state("load")
    assert NAME in page.content()
    assert serious_violations(page) == []
    _sign_out(page)

    _sign_in(page, cast.users[Role.DECISION_MAKER].username)
    page.goto(f"/victims/police/cases/{case.pk}/")
    body = page.content()
    assert "Victim supports an out-of-court resolution" in body
    assert f"Risk raised on {timezone.localdate():%-d %B %Y}" in body
    page.get_by_role("link", name="Safeguarding alerts").first.click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Acknowledge alert on case TF-JOURNEY").click()
    page.wait_for_load_state("load")
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
    page.get_by_role("button", name="Show contact details").click()
    assert "Choose why you need to see the contact details" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("To plan a safe contact with the victim").check()
    page.get_by_role("button", name="Show contact details").click()
    assert "7 Canary Wharf Lane" in page.content()
    assert serious_violations(page) == []
    page.goto("/victims/step-up/")
    page.get_by_role("button", name="Continue").click()
    assert "Enter your password" in page.content()
    assert serious_violations(page) == []
