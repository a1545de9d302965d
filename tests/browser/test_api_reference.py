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
