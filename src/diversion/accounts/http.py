"""Request types for views behind an access rule."""

from __future__ import annotations

from django.http import HttpRequest

from diversion.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that reached a view whose rule is not public. `AccessPolicyMiddleware` lets it
    through only for a signed-in, active user, so `request.user` is our `User`, never
    `AnonymousUser`. Used in annotations only: Django still builds a plain HttpRequest."""

    user: User
