"""Key journey: every role signs in, lands on its own home page, passes axe, and signs out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diversion.accounts import policy
from diversion.accounts.roles import Role
from tests.browser.axe import serious_violations
from tests.browser.signing_in import sign_in as _sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", Role.values)
def test_role_signs_in_lands_home_and_signs_out(cast, page, live_server, role):
    user = cast.users[role]
    _sign_in(page, user.username, PASSWORD)
    assert page.url == live_server.url + reverse(policy.ROLE_HOMES[role])
    assert page.locator("h1").count() == 1
    assert user.organisation.name in page.content()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert "/sign-in/" in page.url
    page.goto(reverse(policy.ROLE_HOMES[role]))  # the back button shows no data
    assert "/sign-in/" in page.url

    third_party = [url for url in page.requested if not url.startswith(live_server.url)]
    assert third_party == []


def test_sign_in_errors_are_accessible_and_focus_the_summary(cast, page):
    _sign_in(page, cast.users[Role.ANALYST].username, "definitely the wrong password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
    assert serious_violations(page) == []


def test_forms_and_tables_pass_axe(cast, page):
    _sign_in(page, cast.users[Role.ADMINISTRATOR].username, PASSWORD)
    page.get_by_role("button", name="Add a user").click()
    page.get_by_role("button", name="Add user").click()  # submit empty: every error shows
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    assert serious_violations(page) == []
    # the user's page for the administrator: sessions and two-step verification
    page.goto(reverse("administration:user_edit", args=[cast.users[Role.ANALYST].pk]))
    assert page.get_by_role("button", name="Sign out everywhere").is_visible()
    assert serious_violations(page) == []


def test_a_user_changes_their_password_by_pasting_it(cast, page, live_server):
    _sign_in(page, cast.users[Role.FACILITATOR].username, PASSWORD)
    page.get_by_role("link", name="Change password").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Change password").click()  # empty: every error shows
    page.wait_for_load_state("load")
    assert "Enter your current password" in page.locator(".govuk-error-summary").inner_text()
    assert serious_violations(page) == []
    new = "quiet harbour ferry at dawn"
    page.get_by_label("Current password").fill(PASSWORD)
    for label in ("New password", "New password again"):  # pasted, as a manager would (3.3.8)
        field = page.get_by_label(label, exact=True)
        field.focus()
        # Nothing on the page may cancel a paste; the browser then inserts the text (done here
        # by hand: a synthetic paste event carries no default action).
        allowed = page.evaluate("""text => {
            const data = new DataTransfer(); data.setData('text/plain', text);
            const ok = document.activeElement.dispatchEvent(new ClipboardEvent('paste',
                {clipboardData: data, bubbles: true, cancelable: true}));
            if (ok) document.activeElement.value = text;
            return ok;
        }""", new)
        assert allowed
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state("load")
    assert page.url == live_server.url + reverse(policy.ROLE_HOMES[Role.FACILITATOR])
    assert "Your password has been changed" in page.content()
    cast.users[Role.FACILITATOR].refresh_from_db()
    assert cast.users[Role.FACILITATOR].check_password(new)


def test_auditor_log_search_passes_axe(cast, page):
    _sign_in(page, cast.users[Role.AUDITOR].username, PASSWORD)
    for _ in range(2):  # the second search lists the first, which was itself logged
        page.get_by_label("Why are you reading the log?").select_option("lawfulness")
        page.get_by_role("button", name="Search the log").click()
        page.wait_for_load_state("load")
    assert page.locator("table.govuk-table").count() == 1
    assert "Audit query" in page.locator("table.govuk-table").inner_text()
    assert serious_violations(page) == []


def test_pages_work_without_javascript(cast, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, cast.users[Role.DECISION_MAKER].username, PASSWORD)
    assert page.url.endswith(reverse("cases:home"))
    assert not page.locator("#session-timeout").is_visible()  # the warning needs JavaScript
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert "/sign-in/" in page.url
    context.close()


def test_first_sign_in_sets_up_an_authenticator_then_asks_for_its_code(cast, page, live_server):
    import base64

    from django_otp.oath import totp

    user = cast.users[Role.VICTIM_WORKER]
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    assert "/sign-in/set-up-authenticator/" in page.url
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert serious_violations(page) == []
    key = page.locator("#authenticator-key").inner_text().replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    assert "There is a problem" in page.content()
    assert serious_violations(page) == []

    page.wait_for_timeout(1100)  # the slow-down after a wrong code
    page.get_by_label("Code from your authenticator app").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    assert page.url == live_server.url + reverse(policy.ROLE_HOMES[Role.VICTIM_WORKER])

    # Next time: the password, then only the code.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    _sign_in(page, user.username, PASSWORD)
    assert page.url == live_server.url + reverse(policy.ROLE_HOMES[Role.VICTIM_WORKER])


def test_idle_warning_offers_one_click_to_stay_signed_in(cast, page, live_server, settings):
    settings.SESSION_COOKIE_AGE = 8  # so the warning opens after 4 seconds, not 28 minutes
    _sign_in(page, cast.users[Role.ANALYST].username, PASSWORD)
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    dialog.wait_for(state="visible", timeout=10_000)
    assert "4 seconds" in dialog.inner_text() or "3 seconds" in dialog.inner_text()
    assert serious_violations(page) == []
    with page.expect_response("**/session/extend/") as extended:
        page.get_by_role("button", name="Stay signed in").click()
    assert extended.value.status == 204
    dialog.wait_for(state="hidden")
    page.wait_for_timeout(5_000)  # past the first idle deadline, inside the renewed one
    page.goto(reverse("evaluation:home"))
    assert page.url == live_server.url + reverse("evaluation:home")


def test_a_user_turns_off_an_email_from_the_header_link(cast, page):
    from diversion.notifications.models import OptOut

    user = cast.users[Role.DECISION_MAKER]
    _sign_in(page, user.username, PASSWORD)
    page.get_by_role("link", name="Email notifications").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Email notifications"
    assert serious_violations(page) == []
    page.get_by_label("A person you referred completed the programme").uncheck()
    page.get_by_role("button", name="Save choices").click()
    page.wait_for_load_state("load")
    assert "Your email choices have been saved" in page.content()
    assert not page.get_by_label("A person you referred completed the programme").is_checked()
    assert serious_violations(page) == []
    assert list(OptOut.objects.filter(user=user).values_list("kind", flat=True)) == [
        "completed"]
