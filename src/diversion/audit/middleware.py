from __future__ import annotations

import uuid

from diversion.audit.context import RequestContext, current
from diversion.core.client import client_address


class RequestIdMiddleware:
    """Give every request an id (echoed in X-Request-ID) that its log rows carry.

    The client address comes from core/client.py: a forged X-Forwarded-For changes nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = current.set(RequestContext(request.request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
