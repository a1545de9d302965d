"""Key journey: a force's administrator says which provider delivers a newly onboarded
programme (a file added to the programme directories), changes it later, and is refused an
overlap; every page passes axe."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.programmes import registry
from diversion.programmes.models import ProgrammeProvider
from tests.browser.axe import serious_violations
from tests.browser.dates import fill_date
from tests.browser.navigating import follow
from tests.browser.signing_in import sign_in
from tests.commissioning.helpers import make_contract, oversee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ONBOARDING = Path(__file__).parent.parent / "programmes" / "onboarding"


@pytest.fixture
def steps(settings):
    settings.DIVERSION_PROGRAMME_DIRS = [str(ONBOARDING)]
    registry.clear_cache()
    yield
    registry.clear_cache()


def test_administrator_sets_and_changes_a_new_programmes_provider(steps, cast, page,
                                                                  live_server):
    oversee(cast)
    second = Organisation.objects.create(name="Second Provider", kind=OrganisationKind.PROVIDER,
                                         code="second")
    make_contract(cast, programme_code="STEPS")
    make_contract(cast, programme_code="STEPS", provider=second)
    today = timezone.localdate()
    page.set_default_timeout(20_000)
    sign_in(page, cast.users[Role.ADMINISTRATOR].username)

    follow(page, "link", "Programmes")
    assert "STEPS" in page.locator("main").inner_text()
    follow(page, "link", "Which provider delivers each programme for your force")
    main = page.locator("main").inner_text()
    assert "STEPS" in main and "None set" in main
    assert serious_violations(page) == []

    follow(page, "link", "Set the provider of STEPS")
    assert page.locator("input[name=programme_code][value=steps]").is_checked()
    follow(page, "button", "Save provider")  # no provider, no date: both named
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose the provider" in summary and "Enter the date from" in summary
    assert serious_violations(page) == []

    page.get_by_label("Provider", exact=True).select_option(label="Test Provider")
    fill_date(page, "valid_from", today - timedelta(days=30))
    follow(page, "button", "Save provider")
    assert "Test Provider delivers STEPS for your force" in page.locator(
        ".govuk-notification-banner").inner_text()
    assert serious_violations(page) == []

    # A later change of provider ends the first setting the day before; both stay listed.
    follow(page, "link", "Change the provider of STEPS")
    page.get_by_label("Provider", exact=True).select_option(label="Second Provider")
    fill_date(page, "valid_from", today)
    follow(page, "button", "Save provider")
    history = page.locator("table").filter(has_text="STEPS").inner_text()
    assert "Second Provider" in history and "Test Provider" in history
    first = ProgrammeProvider.objects.get(provider=cast.orgs["provider"])
    assert first.valid_to == today - timedelta(days=1)

    # An overlap is refused, naming the setting it overlaps.
    follow(page, "link", "Change the provider of STEPS")
    page.get_by_label("Provider", exact=True).select_option(label="Test Provider")
    fill_date(page, "valid_from", today - timedelta(days=10))
    follow(page, "button", "Save provider")
    assert "The dates overlap the setting for STEPS with Second Provider" in page.locator(
        ".govuk-error-summary").inner_text()
    assert serious_violations(page) == []
    assert ProgrammeProvider.objects.count() == 2
