"""Builders for the API tests: API clients made by the service, and calls with their tokens."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.api import services

PROBLEM = "application/problem+json"


def api_client(cast, role: str, *, admin=None, name: str | None = None, read: bool = True,
               write: bool = True, days: int = 30):
    """(ApiClient, token) for a client with `role` in the organisation of `admin` (default:
    the administrator of the cast's organisation that has that role)."""
    if admin is None:
        admin = {Role.DECISION_MAKER: cast.users[Role.ADMINISTRATOR]}.get(role) or _admin_for(
            cast, role)
    return services.create_client(
        actor=admin, name=name or f"{role} system", role=role, can_read=read, can_write=write,
        expires_on=timezone.localdate() + timedelta(days=days))


def _admin_for(cast, role: str):
    from tests.factories import ROLE_ORG, make_user

    org = cast.orgs[ROLE_ORG[role]]
    found = org.users.filter(role=Role.ADMINISTRATOR).first()
    return found or make_user(f"admin_{org.code}", Role.ADMINISTRATOR, org)


class Api:
    """Calls the API with a token, as a client system would (no cookies)."""

    def __init__(self, token: str | None):
        # CSRF checks on, as for a real caller: the API takes tokens, not cookies, so needs none.
        self.http = Client(enforce_csrf_checks=True)
        self.token = token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.http.get(path, params, headers=self._headers())

    def post(self, path: str, body=None, **extra):
        return self.http.post(path, json.dumps(body if body is not None else {}),
                              content_type="application/json", headers=self._headers(), **extra)


def as_role(cast, role: str, **kwargs) -> Api:
    return Api(api_client(cast, role, **kwargs)[1])
