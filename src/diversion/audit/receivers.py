"""Record sign-ins and refusals as security events (ASVS 16.3.1 and 16.3.2)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from diversion.accounts.mfa import second_step_event
from diversion.accounts.passwords import password_changed
from diversion.accounts.policy import access_denied
from diversion.audit.models import SecurityEventKind
from diversion.audit.services import security_event as _write


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
