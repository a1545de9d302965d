"""The Django REST framework pieces of the API: authentication (the client the middleware
found), scopes, per-client throttling, a size-limited JSON parser, pagination and RFC 9457
problem details for every error."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from diversion.cases.lifecycle import InvalidTransition
from diversion.cases.services import CaseRefused, StaleCase
from diversion.delivery.booking import BookingRefused
from diversion.delivery.compliance import DecisionRefused
from diversion.delivery.services import DeliveryRefused

# The services' refusals (the same rules the pages apply): 409 with the service's reason.
REFUSALS = (InvalidTransition, CaseRefused, StaleCase, BookingRefused, DeliveryRefused,
            DecisionRefused)

PROBLEM = "application/problem+json"


class ClientTokenAuthentication(BaseAuthentication):
    """The token was checked by `ApiTokenMiddleware` before the access policy ran; this only
    hands its client to DRF. No session authentication: the API takes tokens only."""

    def authenticate(self, request):
        client = getattr(request._request, "api_client", None)
        if client is None:
            return None
        return (client.user, client)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ClientScopes(BasePermission):
    """Reads need the client's read scope, writes its write scope."""

    message = "This API client has no {scope} scope."

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if client is None:
            return False
        scope = "read" if request.method in SAFE_METHODS else "write"
        if scope not in client.scopes:
            raise exceptions.PermissionDenied(self.message.format(scope=scope))
        return True


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per client (`API_RATE_LIMIT`, e.g. "600/min"); 429 with Retry-After beyond it."""

    scope = "api_client"

    def get_rate(self) -> str | None:
        return settings.API_RATE_LIMIT or None  # read per call, so tests can change it

    def get_cache_key(self, request, view) -> str | None:
        client = request.auth
        if client is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.pk}


class LimitedJSONParser(JSONParser):
    """JSON bodies up to `API_MAX_BODY_BYTES`; a larger one is refused before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.API_MAX_BODY_BYTES
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            too_big = int(length or 0) > limit
        except ValueError:
            too_big = True
        if too_big:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes")
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes")
        return super().parse(io.BytesIO(data), media_type, parser_context)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


def validated(serializer_class: type, request: Any) -> dict:
    """The request body checked by its serializer; a bad one raises (problem details)."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error detail into [{"field": "a.b", "detail": "..."}]."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            found += _errors(value, f"{path}.{name}" if path and name else (name or path))
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": path, "detail": str(item)} for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += _errors(item, f"{path}.{index}" if path else str(index))
        return found
    return [{"field": path, "detail": str(detail)}]


TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
          413: "Request body too large", 415: "Unsupported media type",
          422: "Unprocessable content", 429: "Too many requests"}


def problem_response(status_code: int, detail: str, errors: list | None = None,
                     headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status_code, "Error"),
            "status": status_code, "detail": detail, "errors": errors or []}
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM)
    return response


def exception_handler(exc, context):
    """Every error as an RFC 9457 problem document; refusals by a service (the same rules as
    the pages) are 409 with the service's reason."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not yours to see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request could not be read.")
    elif isinstance(exc, REFUSALS):
        return problem_response(409, str(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(exc, exceptions.ValidationError):
        errors = _errors(exc.detail)
        summary = "; ".join(f"{e['field'] or 'body'}: {e['detail']}" for e in errors[:5])
        return problem_response(400, f"The request has problems: {summary}", errors, headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem_response(exc.status_code, str(detail), [], headers)
