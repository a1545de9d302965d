"""Ending a user's sessions (ASVS 7.4.2, 7.4.3): on deactivation and after a password change."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(user, keep: str | None = None) -> int:
    """Delete every live session that carries the user's id, except the one keyed `keep`."""
    ended = 0
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if session.session_key != keep and \
                str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
