"""Sign-in: GOV.UK errors, Argon2, lockout with cool-off, sessions and password rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now

LOGIN = "/sign-in/"


def _sign_in(client, username, password, ip="192.0.2.10", **extra):
    return client.post(LOGIN, {"username": username, "password": password},
                       REMOTE_ADDR=ip, **extra)


def _sign_in_with_code(client, user):
    """Both steps: the password, then the code from the user's authenticator app."""
    _sign_in(client, user.username, PASSWORD)
    response = client.post(reverse("accounts:second_step"),
                           {"code": code_now(authenticator(user))})
    assert response.status_code == 302, response.content.decode()
    return response


def test_wrong_password_gets_the_error_summary_and_is_logged(cast, client):
    user = cast.users[Role.ANALYST]
    response = _sign_in(client, user.username, "not the right password at all")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter a correct username and password" in page
    assert page.count('class="govuk-error-summary"') == 1
    assert SecurityEvent.objects.filter(kind="sign_in_failed", username=user.username).exists()


def test_empty_form_names_each_missing_field(db, client):
    page = client.post(LOGIN, {}).content.decode()
    assert "Enter your username" in page and "Enter your password" in page
    assert 'href="#id_username"' in page


def test_lockout_after_five_failures_then_cool_off(cast, client):
    user = cast.users[Role.ANALYST]
    start = timezone.now()
    with freeze_time(start):
        for _ in range(5):
            _sign_in(client, user.username, "wrong password number one")
        locked = _sign_in(client, user.username, PASSWORD)
        assert locked.status_code == 429
        assert "Your account is locked" in locked.content.decode()
        assert SecurityEvent.objects.filter(kind="locked_out").exists()
        # Same user from another address is not locked (the lockout keys on the pair).
        other = _sign_in(client.__class__(), user.username, PASSWORD, ip="198.51.100.7")
        assert other.status_code == 302
    with freeze_time(start + timedelta(minutes=16)):
        assert _sign_in(client, user.username, PASSWORD).status_code == 302


def test_forged_forwarded_for_does_not_change_the_locked_address(cast, client):
    user = cast.users[Role.ANALYST]
    for index in range(5):
        _sign_in(client, user.username, "wrong password number two",
                 HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")
    assert _sign_in(client, user.username, PASSWORD,
                    HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    addresses = set(SecurityEvent.objects.filter(kind="sign_in_failed")
                    .values_list("ip_address", flat=True))
    assert addresses == {"192.0.2.10"}


def test_passwords_are_stored_with_argon2id(cast, client):
    user = cast.users[Role.COMMISSIONER]
    assert user.password.startswith("argon2$argon2id$")


def test_old_pbkdf2_hashes_are_upgraded_at_sign_in(cast, client):
    from django.contrib.auth.hashers import make_password

    user = cast.users[Role.COMMISSIONER]
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    assert _sign_in(client, user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_session_key_changes_at_sign_in_and_sign_out_ends_it(cast, client):
    user = cast.users[Role.DECISION_MAKER]
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _sign_in(client, user.username, PASSWORD)
    after_password = client.session.session_key
    assert after_password != before
    client.post(reverse("accounts:second_step"), {"code": code_now(authenticator(user))})
    assert client.session.session_key != after_password  # and again after the code
    assert client.get(reverse("cases:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("cases:home")).status_code == 302
    assert SecurityEvent.objects.filter(kind="sign_out", user=user).exists()


def test_session_expires_after_ten_hours_even_when_active(cast, client):
    user = cast.users[Role.DECISION_MAKER]
    start = timezone.now()
    with freeze_time(start):
        _sign_in_with_code(client, user)
        assert client.get(reverse("cases:home")).status_code == 200
    for minutes in range(25, 10 * 60, 25):  # active every 25 minutes, inside the idle limit
        with freeze_time(start + timedelta(minutes=minutes)):
            assert client.get(reverse("cases:home")).status_code == 200
    with freeze_time(start + timedelta(hours=10, minutes=5)):
        assert client.get(reverse("cases:home")).status_code == 302


def test_session_expires_after_thirty_idle_minutes(cast, client):
    user = cast.users[Role.DECISION_MAKER]
    start = timezone.now()
    with freeze_time(start):
        _sign_in_with_code(client, user)
        assert client.get(reverse("cases:home")).status_code == 200
    with freeze_time(start + timedelta(minutes=31)):
        assert client.get(reverse("cases:home")).status_code == 302


@pytest.mark.parametrize("password, ok", [
    ("short pass", False),
    ("passwordpassword12", False),             # mostly a context word
    ("diversion-diversion", False),              # mostly a context word
    ("a" * 14, False),
    ("correct horse battery staple", True),
    ("x" * 40 + " long passphrase " + "y" * 40, True),  # 64+ accepted
    ("123456789012345678901", True),                 # no composition or numeric rule
])
def test_password_rules(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_pages_carry_the_idle_warning_for_signed_in_users_only(cast, client):
    assert 'id="session-timeout"' not in client.get(LOGIN).content.decode()
    client.force_login(cast.users[Role.ANALYST])
    page = client.get(reverse("evaluation:home")).content.decode()
    assert 'id="session-timeout"' in page
    assert 'data-idle-seconds="1800"' in page and 'data-warn-seconds="120"' in page


def test_stay_signed_in_renews_the_session(cast, client):
    client.force_login(cast.users[Role.ANALYST])
    url = reverse("accounts:extend_session")
    assert client.get(url).status_code == 405
    assert client.post(url, HTTP_X_REQUESTED_WITH="fetch").status_code == 204
    back = client.post(url, {"next": "/analysis/"})
    assert back.status_code == 302 and back["Location"] == "/analysis/"
    away = client.post(url, {"next": "https://evil.example/"})
    assert away["Location"] == reverse("accounts:home")


def test_stay_signed_in_cannot_revive_an_ended_session(cast, client):
    client.force_login(cast.users[Role.ANALYST])
    client.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:extend_session"), HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


NEW_PASSWORD = "granite orchard lantern sixty"


def test_a_user_changes_their_password_and_other_sessions_end(cast):
    from django.test import Client

    user = cast.users[Role.VICTIM_WORKER]
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    url = reverse("accounts:change_password")
    assert 'href="/account/password/"' in here.get(reverse("victims:home")).content.decode()
    response = here.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                               "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.password.startswith("argon2$argon2id$")
    assert here.get(reverse("victims:home")).status_code == 200  # still signed in here
    assert elsewhere.get(reverse("victims:home")).status_code == 302  # signed out there
    event = SecurityEvent.objects.get(kind="password_changed", user=user)
    assert "1 other session" in event.reason


@pytest.mark.parametrize("data, message", [
    ({}, "Enter your current password"),
    ({"old_password": "not my password at all", "new_password1": NEW_PASSWORD,
      "new_password2": NEW_PASSWORD}, "Your current password is not right"),
    ({"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
      "new_password2": NEW_PASSWORD + "x"}, "The new passwords do not match"),
    ({"old_password": PASSWORD, "new_password1": "short one",
      "new_password2": "short one"}, "too short"),
    ({"old_password": PASSWORD, "new_password1": "diversiondiversion1",
      "new_password2": "diversiondiversion1"}, "mostly the word"),
])
def test_bad_password_changes_are_refused_with_a_message(cast, client, data, message):
    user = cast.users[Role.FACILITATOR]
    client.force_login(user)
    response = client.post(reverse("accounts:change_password"), data)
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert message in page
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_password_page_needs_a_full_sign_in(cast, client):
    response = client.get(reverse("accounts:change_password"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
