"""The current request's id and client address, for log rows written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


NO_REQUEST = RequestContext()  # commands and background tasks
current: ContextVar[RequestContext | None] = ContextVar("diversion_request", default=None)


def get() -> RequestContext:
    return current.get() or NO_REQUEST
