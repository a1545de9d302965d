"""Click a link or a form's button and wait for the page it leads to.

Playwright's click returns once the click is dispatched, not when the next page has loaded, so
reading `page.content()` straight after can read the old page (seen in CI on a loaded machine).
"""

from __future__ import annotations


def follow(page, role: str, name: str, **options) -> None:
    with page.expect_navigation(wait_until="load"):
        page.get_by_role(role, name=name, **options).first.click()
