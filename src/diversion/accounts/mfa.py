"""Two-step verification for every role (security.md 7; ASVS 6.3.2): an authenticator app code.

django-otp keeps the devices and checks the codes: a TOTP device refuses a code whose time step
it has already accepted (6.5.1), uses 30-second steps (6.5.5) and slows down repeated failures.
What it leaves to us ("forcing users to enable two-factor authentication is not implemented")
is enforcement: `AccessPolicyMiddleware` sends a signed-in user who has not yet entered a code
to the second step, or to set-up when they have no authenticator yet. Only a user with no
confirmed authenticator may set one up, so a stolen password alone cannot enrol a new device;
an administrator resets a lost one.
"""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

from django.dispatch import Signal
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def check_code(request, device: TOTPDevice, code: str) -> str | None:
    """Verify `code` on `device`; on success mark this session as verified. Returns the problem
    in words, or None when the code was accepted."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes. Wait a minute, then enter the newest code from your app"
    if not device.verify_token(code):
        return "Enter the code your authenticator app shows now. A code can be used only once"
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
