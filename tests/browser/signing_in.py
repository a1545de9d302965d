"""Sign in through the pages, as a person does: username and password, then the code from
their authenticator app (computed here from the test user's device)."""

from __future__ import annotations

from diversion.accounts.models import User
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    device = authenticator(User.objects.get(username=username))  # set up earlier
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if "/sign-in/code/" in page.url:
        page.get_by_label("Code from your authenticator app").fill(code_now(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("load")
