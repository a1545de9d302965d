"""Test helpers for two-step verification: a confirmed authenticator per user and its code.

Most tests are about what a signed-in user may do, not how they signed in, so conftest makes
`Client.force_login` also pass the second step (as a real sign-in does after the code).
tests/accounts/test_second_step.py tests the real journey: password, then code."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def code_now(device: TOTPDevice, fresh: bool = True) -> str:
    """The code the user's app shows now. `fresh` forgets the last accepted time step, as if
    30 seconds had passed: tests sign the same user in more than once a minute."""
    if fresh:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                        throttling_failure_timestamp=None)
        device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def pass_second_step(client, user) -> None:
    """Mark a test client's session as having entered the user's authenticator code."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
