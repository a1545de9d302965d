"""Request-time enforcement of the access policy and the session limits."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from diversion.accounts import mfa
from diversion.accounts.policy import access_denied, rule_for

SESSION_STARTED = "diversion_session_started"


class AccessPolicyMiddleware:
    """Deny by default: a view with no declared rule is refused; a signed-in user who has not
    passed the second step (an authenticator code) is sent to it; a rule the user fails is 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = rule_for(view_func)
        if declared is None:
            access_denied.send(sender=None, request=request, status=403,
                               reason="view declares no access rule")
            raise PermissionDenied("This page has no access rule.")
        if declared.public:
            return None
        if declared.token:
            return self._token_view(request, declared)
        if (request.user.is_authenticated and not declared.before_second_step
                and not mfa.is_verified(request.user)):
            next_url = request.get_full_path() if request.method == "GET" else ""
            return HttpResponseRedirect(mfa.second_step_url(request.user, next_url))
        if declared.allows(request.user):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        access_denied.send(sender=None, request=request, status=403,
                           reason=f"role {request.user.role or 'none'} fails rule {declared.name}")
        raise PermissionDenied("Your role cannot use this page.")

    @staticmethod
    def _token_view(request, declared):
        """An API view: the token (checked by the api app's middleware) is the whole
        credential, so there is no second step; a refusal is a problem document, not a page."""
        if declared.allows(request.user):
            return None
        if not request.user.is_authenticated:
            access_denied.send(sender=None, request=request, status=401,
                               reason=f"no API token for rule {declared.name}")
            response = problem(401, "Not authenticated",
                               "Send an API client's token: Authorization: Bearer <token>")
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        access_denied.send(sender=None, request=request, status=403,
                           reason=f"role {request.user.role or 'none'} fails rule {declared.name}")
        return problem(403, "Forbidden", "This API client's role cannot use this endpoint.")


def problem(status: int, title: str, detail: str) -> HttpResponse:
    """An RFC 9457 problem document (the api app builds the same shape for its own errors)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "errors": []}
    return HttpResponse(json.dumps(body), status=status,
                        content_type="application/problem+json")


class SessionLimitsMiddleware:
    """Absolute session lifetime (inactivity is SESSION_COOKIE_AGE with save-every-request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages may hold personal data: never let a browser or proxy cache them (ASVS 14.3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
