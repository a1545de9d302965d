"""Two-step verification for every role (security.md 7; ASVS 6.3.2): an authenticator app code.

django-otp keeps the devices and checks the codes: a TOTP device refuses a code whose time step
it has already accepted (6.5.1) and uses 30-second steps (6.5.5); wrong codes are limited here,
per session and per address (`throttled`), so a stolen password cannot block the real user.
What it leaves to us ("forcing users to enable two-factor authentication is not implemented")
is enforcement: `AccessPolicyMiddleware` sends a signed-in user who has not yet entered a code
to the second step, or to set-up when they have no authenticator yet. Only a user with no
confirmed authenticator may set one up, so a stolen password alone cannot enrol a new device;
an administrator resets a lost one.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

from django.apps import apps
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.core.client import client_address

ISSUER = "Diversion"

# Sent with request (or None), user, kind ("second_step_passed", "second_step_failed",
# "authenticator_set_up", "authenticator_reset") and reason; the audit app records each as a
# security event.
second_step_event = Signal()


def is_verified(user) -> bool:
    """Has this signed-in request passed the second step? (OTPMiddleware adds is_verified.)"""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up, made on first use of the set-up page. The
    same secret is shown until it is confirmed, so a reload does not break a half-done set-up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def second_step_url(user, next_url: str = "") -> str:
    """Where a signed-in user who has not passed the second step must go next."""
    name = "accounts:second_step" if confirmed_device(user) else "accounts:set_up_authenticator"
    target = reverse(name)
    return f"{target}?{urlencode({'next': next_url})}" if next_url else target


def safe_next(request, candidate: str | None) -> str:
    """The page to continue to after the second step: a path on this site only, else the
    role home. (A bare word such as "0" is refused too: it is no page of ours.)"""
    if candidate and candidate.startswith("/") and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("accounts:home")


def secret_for_display(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// address the QR code carries (the de facto Key Uri Format)."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}"
            f"&digits={device.digits}&period={device.step}")


def qr_code_svg(device: TOTPDevice) -> str:
    """The provisioning address as an inline SVG QR code, drawn on the server (no script)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage,
                        border=4)
    root = image.get_image()
    # A fixed on-screen size, and a text alternative: the key is also shown as text beside it.
    root.set("width", "220")
    root.set("height", "220")
    root.set("role", "img")
    root.set("aria-label", "QR code for your authenticator app")
    root.set("class", "diversion-qr-code")
    return ElementTree.tostring(root, encoding="unicode")


# Wrong codes are limited per (user, session) and per (user, client address), never per user
# alone: a per-user (per-device) limit, as django-otp's own throttle is (switched off in
# settings), lets anyone who has the password lock the real user out of their second step.
# Someone with the password gets FAILURES_PER_SESSION guesses per sign-in and
# FAILURES_PER_ADDRESS guesses per address in any FAILURE_WINDOW; the real user, in their own
# session, is refused only if they share the attacker's address and that budget is spent.
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_SESSION = 5
FAILURES_PER_ADDRESS = 20
_SESSION_FAILURES = "second_step_failures"  # timestamps of this session's wrong codes


@dataclass(frozen=True)
class Refusal:
    """Why a code was not accepted: `message` for the page, `reason` for the security event."""

    message: str
    reason: str


def _recent_session_failures(request) -> list[float]:
    since = time.time() - FAILURE_WINDOW.total_seconds()
    stored = request.session.get(_SESSION_FAILURES, [])
    return [at for at in stored if isinstance(at, int | float) and at >= since]


def _address_failures(user, address: str | None) -> int:
    """Wrong (or refused) codes for `user` from `address` in the window, as the security log
    holds them: shared by every web process, and kept when the session is thrown away."""
    if not address:
        return 0
    events = apps.get_model("audit", "SecurityEvent").objects
    return events.filter(kind="second_step_failed", user=user, ip_address=address,
                         occurred_at__gte=timezone.now() - FAILURE_WINDOW).count()


def throttled(request, user) -> Refusal | None:
    """The limit this session or address has reached for `user`'s second step, or None."""
    wait = "Wait 15 minutes, then enter the newest code from your app"
    if len(_recent_session_failures(request)) >= FAILURES_PER_SESSION:
        return Refusal(f"Too many wrong codes. Sign out and sign in again, or {wait.lower()}",
                       "too many wrong codes in this session")
    if _address_failures(user, client_address(request)) >= FAILURES_PER_ADDRESS:
        return Refusal(f"Too many wrong codes from your network. {wait}",
                       "too many wrong codes from this address")
    return None


def check_code(request, device: TOTPDevice, code: str) -> Refusal | None:
    """Verify `code` on `device`; on success mark this session as verified. Returns why the
    code was refused, or None when it was accepted. A refusal counts against this session."""
    refusal = throttled(request, device.user)
    if refusal is None and not device.verify_token(code):
        refusal = Refusal("Enter the code your authenticator app shows now. "
                          "A code can be used only once", "wrong or reused code")
    if refusal is not None:
        request.session[_SESSION_FAILURES] = [*_recent_session_failures(request), time.time()]
        return refusal
    request.session.pop(_SESSION_FAILURES, None)
    request.session.cycle_key()  # a new privilege level gets a new session key (ASVS 7.2.4)
    otp_login(request, device)
    return None


def reset(user) -> int:
    """Remove every authenticator the user has (an administrator's action); returns how many.
    Their signed-in sessions fail the second step on their next request."""
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    return removed
