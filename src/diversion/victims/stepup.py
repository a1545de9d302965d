"""Step-up authentication: contact details need a sign-in within the last 15 minutes."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in

SESSION_KEY = "victims_authenticated_at"
MAX_AGE_SECONDS = 15 * 60


def mark_authenticated(request) -> None:
    request.session[SESSION_KEY] = time.time()


def recently_authenticated(request) -> bool:
    at = request.session.get(SESSION_KEY)
    return isinstance(at, int | float) and 0 <= time.time() - at <= MAX_AGE_SECONDS


def _on_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)


def connect() -> None:
    user_logged_in.connect(_on_sign_in, dispatch_uid="victims-step-up")
