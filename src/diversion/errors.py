"""Error pages. A database that cannot be reached is an outage, not a bug: 503 with retry advice.

Django turns an exception raised anywhere in the request (a view, or middleware such as sessions
or authentication loading the user) into a call to `handler500` while the exception is being
handled, so `sys.exc_info()` still holds it here. The pages are rendered without a request
context: context processors could query the database that has just failed.
"""

from __future__ import annotations

import json
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

# Seconds a client (or a proxy) should wait before trying again.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True if `exc`, or an exception it was raised from, says the database is unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 and a retry page when the database is down, else the usual 500 page."""
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: under the API a problem document (RFC 9457), elsewhere the usual page."""
    from django.conf import settings

    if request.path.startswith(settings.API_PREFIX):
        body = json.dumps({"type": "about:blank", "title": "Not found", "status": 404,
                           "detail": "No such endpoint or object.", "errors": []})
        return HttpResponse(body, status=404, content_type="application/problem+json")
    return defaults.page_not_found(request, exception)
