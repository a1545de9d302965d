"""Record sign-ins and refusals as security events (ASVS 16.3.1 and 16.3.2)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from diversion.accounts.mfa import second_step_event
from diversion.accounts.passwords import password_changed
from diversion.accounts.policy import access_denied
from diversion.audit.models import SecurityEvent, SecurityEventKind
from diversion.core.client import client_address


def _clean(text: str, limit: int) -> str:
    # No control characters, so a crafted username cannot forge a log line.
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:limit]


def _write(kind: str, request, *, user=None, username: str = "", status=None, reason=""):
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=_clean(username or getattr(user, "username", ""), 150),
        organisation_id=getattr(user, "organisation_id", None),
        method=_clean(getattr(request, "method", "") or "", 10),
        path=_clean(getattr(request, "path", "") or "", 500),
        status=status,
        reason=_clean(reason, 300),
        ip_address=client_address(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )


@receiver(access_denied)
def on_access_denied(sender, request, status, reason, **kwargs):
    _write(SecurityEventKind.ACCESS_DENIED, request, status=status, reason=reason)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    _write(SecurityEventKind.SIGN_IN, request, user=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        _write(SecurityEventKind.SIGN_OUT, request, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    _write(SecurityEventKind.SIGN_IN_FAILED, request, username=credentials.get("username", ""),
           status=200, reason="wrong username or password")


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    _write(SecurityEventKind.LOCKED_OUT, request, username=username or "", status=429,
           reason="too many failed sign-ins")


@receiver(second_step_event)
def on_second_step(sender, request, user, kind, reason, **kwargs):
    _write(SecurityEventKind(kind), request, user=user,
           status=200 if kind == SecurityEventKind.SECOND_STEP_FAILED else None, reason=reason)


@receiver(password_changed)
def on_password_changed(sender, request, user, reason, **kwargs):
    _write(SecurityEventKind.PASSWORD_CHANGED, request, user=user, reason=reason)
