"""The API reference page (Swagger UI, served by the app) renders under the enforced CSP:
no violation, no request leaves the site."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reference_page_renders_under_the_csp(browser, live_server):
    context = browser.new_context(base_url=live_server.url)  # the CSP enforced
    requested: list[str] = []
    problems: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto("/api/v1/docs/")
        page.wait_for_selector("text=Diversion API", timeout=15_000)
        page.wait_for_selector("text=/api/v1/police/offences/", timeout=15_000)
    finally:
        context.close()
    assert [p for p in problems if "Content Security Policy" in p or "CSP" in p] == []
    assert problems == []
    assert all(url.startswith(live_server.url) for url in requested), requested


def test_administrator_adds_and_revokes_an_api_client_accessibly(cast, page):
    from datetime import timedelta

    from django.utils import timezone

    from diversion.accounts.roles import Role
    from tests.browser.axe import serious_violations
    from tests.browser.dates import fill_date
    from tests.browser.signing_in import sign_in
    from tests.factories import PASSWORD

    sign_in(page, cast.users[Role.ADMINISTRATOR].username, PASSWORD)
    page.get_by_role("link", name="API clients").first.click()
    page.get_by_role("button", name="Add an API client").click()
    page.get_by_role("button", name="Add API client").click()  # empty: every error shows
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    assert serious_violations(page) == []
    page.get_by_label("Name").fill("Niche nightly push")
    page.get_by_label("OOCR decision maker").check()
    page.get_by_label("Read").check()
    fill_date(page, "expires_on", timezone.localdate() + timedelta(days=30))
    page.get_by_role("button", name="Add API client").click()
    page.wait_for_load_state("load")
    token = page.locator("#api-token").inner_text()
    assert token.startswith("dvn_")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Go to the API client").click()
    page.wait_for_load_state("load")
    assert token not in page.content()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Revoke Niche nightly push").click()
    page.wait_for_load_state("load")
    assert "Revoked" in page.content()
