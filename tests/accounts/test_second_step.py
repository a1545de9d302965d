"""Two-step verification for every role (security.md 7): set-up, the code, reuse, reset."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts import mfa, policy
from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog, SecurityEvent
from tests.accounts.test_access_policy import _walk
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now

SET_UP = "/sign-in/set-up-authenticator/"
CODE = "/sign-in/code/"


def _password_only(user, ip: str = "192.0.2.20") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"),
                           {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _key_on_page(page: str) -> bytes:
    import base64

    key = re.search(r'id="authenticator-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    return base64.b32decode(key + "=" * (-len(key) % 8))


def _routes_without_arguments():
    """Pages (API views take a token, never a session: tests/api/test_clients.py)."""
    for route, entry in _walk(get_resolver().url_patterns):
        rule = policy.rule_for(entry.callback)
        if "<" not in route and rule is not None and not rule.public \
                and not rule.before_second_step and not rule.token:
            yield "/" + route


@pytest.mark.parametrize("role", Role.values)
def test_without_an_authenticator_every_page_sends_the_user_to_set_up(cast, role):
    client = _password_only(cast.users[role])
    routes = list(_routes_without_arguments())
    assert len(routes) > 20
    for route in routes:
        response = client.get(route)
        assert response.status_code == 302, route
        assert response["Location"].startswith(SET_UP), route
    # and a form post is not carried out either
    response = client.post(reverse(policy.ROLE_HOMES[role]), {})
    assert response.status_code == 302 and response["Location"] == SET_UP


def test_set_up_shows_a_qr_code_and_key_and_needs_a_right_code(cast):
    user = cast.users[Role.VICTIM_WORKER]
    client = _password_only(user)
    first = client.get(reverse("victims:home"), follow=True)
    page = first.content.decode()
    assert first.redirect_chain[-1][0].startswith(SET_UP)
    assert "<svg" in page and 'aria-label="QR code for your authenticator app"' in page
    assert "Set up two-step verification" in page
    assert "govuk-service-navigation__list" not in page  # no menu before the second step
    # A reload shows the same key, so a half-done set-up survives it.
    assert _key_on_page(client.get(SET_UP).content.decode()) == _key_on_page(page)

    wrong = client.post(SET_UP, {"code": "000000", "next": "/victims/"})
    assert wrong.status_code == 200
    assert "Enter the code your authenticator app shows now" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert SecurityEvent.objects.filter(kind="second_step_failed", user=user).exists()

    malformed = client.post(SET_UP, {"code": "12ab"}).content.decode()
    assert "The code must be 6 digits" in malformed and "There is a problem" in malformed

    device = TOTPDevice.objects.get(user=user)
    assert device.bin_key == _key_on_page(page)
    # (fresh: a person takes longer than the one-second slow-down after a wrong code)
    done = client.post(SET_UP, {"code": code_now(device), "next": "/victims/"})
    assert done.status_code == 302 and done["Location"] == "/victims/"
    assert client.get("/victims/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert SecurityEvent.objects.filter(kind="authenticator_set_up", user=user).exists()


def test_a_password_alone_cannot_set_up_another_authenticator(cast):
    user = cast.users[Role.DECISION_MAKER]
    authenticator(user)
    client = _password_only(user)
    response = client.get(SET_UP)
    assert response.status_code == 302 and response["Location"].startswith(CODE)
    assert client.post(SET_UP, {"code": "123456"})["Location"].startswith(CODE)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_used_code_is_refused_the_second_time(cast):
    user = cast.users[Role.ANALYST]
    device = authenticator(user)
    code = code_now(device)
    first = _password_only(user)
    assert first.post(CODE, {"code": code})["Location"] == reverse("accounts:home")
    second = _password_only(user, ip="192.0.2.21")
    refused = second.post(CODE, {"code": code})
    assert refused.status_code == 200
    assert "A code can be used only once" in refused.content.decode()
    assert second.get(reverse("evaluation:home"))["Location"].startswith(CODE)


def _wrong_codes(client, count: int) -> list[str]:
    return [client.post(CODE, {"code": "000000"}).content.decode() for _ in range(count)]


def test_repeated_wrong_codes_in_a_session_are_stopped(cast):
    user = cast.users[Role.COMMISSIONER]
    device = authenticator(user)
    client = _password_only(user)
    pages = _wrong_codes(client, mfa.FAILURES_PER_SESSION)
    assert not any("Too many wrong codes" in page for page in pages)
    right = client.post(CODE, {"code": code_now(device, fresh=False)})
    assert right.status_code == 200
    assert "Too many wrong codes. Sign out and sign in again" in right.content.decode()
    assert client.get(reverse("commissioning:home"))["Location"].startswith(CODE)
    events = SecurityEvent.objects.filter(kind="second_step_failed", user=user)
    assert events.count() == mfa.FAILURES_PER_SESSION + 1
    assert events.first().reason == "too many wrong codes in this session"


def test_an_attackers_wrong_codes_do_not_lock_out_the_real_user(cast):
    user = cast.users[Role.DECISION_MAKER]
    device = authenticator(user)
    attacker = _password_only(user, ip="203.0.113.66")
    pages = _wrong_codes(attacker, 8)
    assert "Too many wrong codes" in pages[-1]
    # Even the right code is refused in the attacker's session: guessing has stopped there.
    assert "Too many wrong codes" in attacker.post(
        CODE, {"code": code_now(device, fresh=False)}).content.decode()
    real = _password_only(user, ip="192.0.2.44")
    # fresh=False: the device's own record is left as the attacker left it.
    accepted = real.post(CODE, {"code": code_now(device, fresh=False)})
    assert accepted.status_code == 302 and accepted["Location"] == reverse("accounts:home")
    assert real.get(reverse("cases:home")).status_code == 200
    failed = SecurityEvent.objects.filter(kind="second_step_failed", user=user)
    assert failed.count() == 9 and set(failed.values_list("ip_address", flat=True)) == {
        "203.0.113.66"}
    assert SecurityEvent.objects.filter(kind="second_step_passed", user=user,
                                        ip_address="192.0.2.44").exists()


def test_signing_in_again_does_not_reset_the_limit_for_that_address(cast):
    user = cast.users[Role.ANALYST]
    device = authenticator(user)
    sessions = mfa.FAILURES_PER_ADDRESS // mfa.FAILURES_PER_SESSION
    for _ in range(sessions):
        _wrong_codes(_password_only(user, ip="203.0.113.7"), mfa.FAILURES_PER_SESSION)
    fresh = _password_only(user, ip="203.0.113.7")
    refused = fresh.post(CODE, {"code": code_now(device, fresh=False)}).content.decode()
    assert "Too many wrong codes from your network" in refused
    assert SecurityEvent.objects.filter(
        kind="second_step_failed", user=user,
        reason="too many wrong codes from this address").count() == 1
    # Another address is unaffected, and the limit is per user: another user at that address
    # is unaffected too.
    assert _password_only(user, ip="192.0.2.45").post(
        CODE, {"code": code_now(device, fresh=False)})["Location"] == reverse("accounts:home")
    other = cast.users[Role.AUDITOR]
    other_device = authenticator(other)
    assert _password_only(other, ip="203.0.113.7").post(
        CODE, {"code": code_now(other_device)})["Location"] == reverse("accounts:home")


def test_wrong_codes_older_than_the_window_no_longer_count(cast):
    user = cast.users[Role.FACILITATOR]
    device = authenticator(user)
    client = _password_only(user, ip="203.0.113.8")
    _wrong_codes(client, mfa.FAILURES_PER_SESSION)
    old = timezone.now() - mfa.FAILURE_WINDOW - timezone.timedelta(seconds=1)
    for _ in range(mfa.FAILURES_PER_ADDRESS):
        SecurityEvent.objects.create(kind="second_step_failed", user=user,
                                     ip_address="203.0.113.8", occurred_at=old)
    session = client.session  # the session's own failures, moved back past the window too
    session["second_step_failures"] = [
        at - mfa.FAILURE_WINDOW.total_seconds() - 1 for at in session["second_step_failures"]]
    session.save()
    assert "Too many wrong codes" not in client.post(CODE, {"code": "000000"}).content.decode()
    accepted = client.post(CODE, {"code": code_now(device)})
    assert accepted["Location"] == reverse("accounts:home")


def test_next_is_kept_but_never_leaves_the_site(cast):
    user = cast.users[Role.FACILITATOR]
    device = authenticator(user)
    client = _password_only(user)
    to_queue = client.get("/provider/")
    assert to_queue["Location"] == CODE + "?next=%2Fprovider%2F"
    evil = client.post(CODE, {"code": code_now(device), "next": "https://evil.example/"})
    assert evil["Location"] == reverse("accounts:home")


def test_sign_out_and_public_pages_need_no_code(cast):
    client = _password_only(cast.users[Role.AUDITOR])
    assert client.get(reverse("accounts:privacy")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get("/audit/")["Location"].startswith("/sign-in/?")


def test_an_administrator_resets_a_lost_authenticator(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    device = authenticator(officer)
    officer_client = _password_only(officer)
    officer_client.post(CODE, {"code": code_now(device)})
    assert officer_client.get("/police/").status_code == 200

    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.get(reverse("administration:user_edit", args=[officer.pk])).content.decode()
    assert "Reset two-step verification" in page
    assert client.get(reverse("administration:reset_authenticator",
                              args=[officer.pk])).status_code == 405
    response = client.post(reverse("administration:reset_authenticator", args=[officer.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert SecurityEvent.objects.filter(kind="authenticator_reset", user=officer).exists()
    assert ProcessingLog.objects.filter(justification__contains="Two-step verification reset")\
        .exists()
    # The officer's open session needs a new authenticator on its very next request.
    assert officer_client.get("/police/")["Location"].startswith(SET_UP)


def test_an_administrator_cannot_reset_another_organisations_user(cast, client):
    outsider = cast.outsider_officer
    authenticator(outsider)
    client.force_login(cast.users[Role.ADMINISTRATOR])
    response = client.post(reverse("administration:reset_authenticator", args=[outsider.pk]))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=outsider).exists()


def test_other_roles_cannot_reset_authenticators(cast, client):
    officer = cast.users[Role.DECISION_MAKER]
    authenticator(officer)
    client.force_login(cast.users[Role.AUDITOR])
    response = client.post(reverse("administration:reset_authenticator", args=[officer.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=officer).exists()


@pytest.mark.parametrize("bad_next", ["0", ":", "home", "//evil.example/", "javascript:x"])
def test_a_next_that_is_not_a_path_here_goes_home_not_to_an_error(cast, bad_next):
    user = cast.users[Role.ANALYST]
    device = authenticator(user)
    client = _password_only(user)
    response = client.post(CODE, {"code": code_now(device), "next": bad_next})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    again = client.get(CODE, {"next": bad_next})  # already verified
    assert again.status_code == 302 and again["Location"] == reverse("accounts:home")
    stay = client.post(reverse("accounts:extend_session"), {"next": bad_next})
    assert stay.status_code == 302 and stay["Location"] == reverse("accounts:home")
