"""What every API view shares: documented problem responses, the `updated_since` filter and a
logged page of personal data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from diversion.api.drf import PROBLEM, Pagination
from diversion.audit.models import Operation
from diversion.audit.services import record


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field, dotted for nested ones; empty for the "
                                            "body as a whole")
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemErrorSerializer(many=True)


_PROBLEM_TEXT = {
    400: "Bad request: the `errors` list names each field",
    401: "No token, or a wrong, expired or revoked one",
    403: "The client's role or scopes do not allow this",
    404: "Not found, or not visible to this client",
    409: "Refused by the service's rules (the detail says why)",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests (see Retry-After)",
}


def responses(ok: dict[int, Any], *, problems: Iterable[int] = (400, 401, 403, 429)
              ) -> dict[Any, Any]:
    """The success responses and the problem documents a view may answer with."""
    found: dict[Any, Any] = dict(ok)
    for status in problems:
        found[(status, PROBLEM)] = OpenApiResponse(ProblemSerializer,
                                                   description=_PROBLEM_TEXT[status])
    return found


READ_PROBLEMS = (400, 401, 403, 404, 429)
WRITE_PROBLEMS = (400, 401, 403, 404, 409, 413, 415, 429)

UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, required=False,
    description="Only items changed at or after this time (ISO 8601, e.g. 2026-11-30T09:00:00Z "
                "or 2026-11-30).")


def updated_since(request) -> datetime | None:
    """The `updated_since` query parameter, or a 400 naming it."""
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    try:
        when = parse_datetime(raw)
        if when is None:
            day = parse_date(raw)
            when = datetime(day.year, day.month, day.day) if day else None
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when, timezone.get_current_timezone())
        if when is not None:  # PostgreSQL takes offsets up to 15:59 only; UTC it is
            when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        when = None
    if when is None:
        raise ValidationError({"updated_since": [
            "Enter a date or date and time in ISO 8601 format, like 2026-11-30T09:00:00Z"]})
    return when


def logged_page(request, view, queryset, *, serialize: Callable[[list], Any],
                subjects: Callable[[Any], Iterable[Any]], justification: str) -> Response:
    """One page of `queryset`, with a consultation row naming the people on it."""
    paginator = Pagination()
    with transaction.atomic():
        page = list(paginator.paginate_queryset(queryset, request, view=view) or [])
        people = [s for item in page for s in subjects(item)]
        if people:
            record(actor=request.user, operation=Operation.CONSULTATION,
                   justification=justification, subjects=people)
        data = serialize(page)
    return paginator.get_paginated_response(data)


def paginated(serializer_class) -> type[serializers.Serializer]:
    """The documented shape of a page of `serializer_class` items."""
    name = serializer_class.__name__.removesuffix("Serializer") + "PageSerializer"
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })
