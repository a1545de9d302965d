"""Token authentication for /api/: the caller is the API client whose token is sent, or
nobody. A session cookie is ignored there (so no CSRF to defend on writes), and the client's
account never reaches a page (the access rules admit it only to token views)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from diversion.accounts.middleware import problem
from diversion.accounts.policy import access_denied
from diversion.api import services, tokens


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(settings.API_PREFIX):
            return self.get_response(request)
        request.user = AnonymousUser()
        request.api_client = None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            raw = tokens.from_header(header)
            check = services.check_token(raw) if raw else services.Check(
                None, "malformed Authorization header")
            if check.client is None:
                access_denied.send(sender=None, request=request, status=401,
                                   reason=check.refusal)
                response = problem(401, "Not authenticated",
                                   "The API token is not valid: it may be wrong, expired or "
                                   "revoked. Ask your administrator for a new one.")
                response["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
                return response
            request.user = check.client.user
            request.api_client = check.client
        return self.get_response(request)
