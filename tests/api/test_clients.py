"""API clients and their tokens, through the administrators' pages: shown once, kept as a
hash, refused when revoked or expired, logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.api import tokens
from diversion.api.models import ApiClient
from diversion.audit.models import ProcessingLog, SecurityEvent
from tests.api.helpers import PROBLEM, Api, api_client

CASES = "/api/v1/police/cases/"


def _create(http, **overrides):
    expires = timezone.localdate() + timedelta(days=60)
    data = {"name": "Niche push", "role": Role.DECISION_MAKER, "scopes": ["read", "write"],
            "expires_on_0": expires.day, "expires_on_1": expires.month,
            "expires_on_2": expires.year}
    data.update(overrides)
    return http.post(reverse("api_clients:create"), data)


@pytest.fixture
def admin_http(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    return client


def test_token_shown_once_stored_as_hash_and_works(cast, admin_http):
    response = _create(admin_http)
    assert response.status_code == 200
    page = response.content.decode()
    made = ApiClient.objects.get(name="Niche push")
    token = page.split('id="api-token">')[1].split("<")[0]
    assert token.startswith(tokens.PREFIX) and len(token) > 40
    # Only the hash is stored; the token is nowhere in the row or on later pages.
    assert made.token_hash == tokens.hash_token(token)
    assert token not in str(ApiClient.objects.filter(pk=made.pk).values().get())
    detail = admin_http.get(reverse("api_clients:detail", args=[made.pk])).content.decode()
    listing = admin_http.get(reverse("api_clients:list")).content.decode()
    assert token not in detail and token not in listing and made.token_prefix in detail
    # The client's account is an API client: no usable password, not on the users page.
    account = made.user
    assert account.is_api_client and not account.has_usable_password()
    assert account.organisation == cast.orgs["force"] and account.role == Role.DECISION_MAKER
    users_page = admin_http.get(reverse("administration:user_list")).content.decode()
    assert account.username not in users_page
    assert reverse("api_clients:list") in users_page
    assert admin_http.get(reverse("administration:user_edit", args=[account.pk])).status_code == 404
    assert ProcessingLog.objects.filter(actor=cast.users[Role.ADMINISTRATOR],
                                        object_type="api.ApiClient",
                                        object_id=str(made.pk), operation="collection").exists()
    ok = Api(token).get(CASES)
    assert ok.status_code == 200, ok.content


def test_create_form_refuses_bad_input_naming_each_field(cast, admin_http):
    past = timezone.localdate() - timedelta(days=1)
    response = _create(admin_http, name="", role=Role.AUDITOR, scopes=[],
                       expires_on_0=past.day, expires_on_1=past.month, expires_on_2=past.year)
    page = response.content.decode()
    assert response.status_code == 400
    for message in ("Enter a name for the API client", "Choose a role that your organisation",
                    "Choose at least one scope", "The expiry date must be after today"):
        assert message in page
    far = timezone.localdate() + timedelta(days=400)
    response = _create(admin_http, expires_on_0=far.day, expires_on_1=far.month,
                       expires_on_2=far.year)
    assert "within 366 days" in response.content.decode()
    assert not ApiClient.objects.exists()
    _create(admin_http)
    again = _create(admin_http)
    assert "already has an API client with that name" in again.content.decode()


def test_revoked_token_refused_on_next_call_and_logged(cast, admin_http):
    made, token = api_client(cast, Role.DECISION_MAKER)
    api = Api(token)
    assert api.get(CASES).status_code == 200
    response = admin_http.post(reverse("api_clients:revoke", args=[made.pk]))
    assert response.status_code == 302
    refused = api.get(CASES)
    assert refused.status_code == 401
    assert refused["Content-Type"] == PROBLEM
    body = refused.json()
    assert body["status"] == 401 and body["title"] and body["detail"] and body["type"]
    assert "WWW-Authenticate" in refused
    assert SecurityEvent.objects.filter(status=401, path=CASES,
                                        reason__contains="revoked").exists()
    assert ProcessingLog.objects.filter(object_type="api.ApiClient", object_id=str(made.pk),
                                        operation="alteration").exists()
    assert "Revoked" in admin_http.get(reverse("api_clients:detail",
                                               args=[made.pk])).content.decode()


def test_expired_unknown_and_missing_tokens_refused(cast):
    made, token = api_client(cast, Role.DECISION_MAKER)
    ApiClient.objects.filter(pk=made.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1))
    for api, reason in ((Api(token), "expired"), (Api(tokens.new_token()), "unknown"),
                        (Api("not-a-token"), "")):
        response = api.get(CASES)
        assert response.status_code == 401 and response["Content-Type"] == PROBLEM
        assert SecurityEvent.objects.filter(status=401, reason__contains=reason).exists()
    missing = Api(None).get(CASES)
    assert missing.status_code == 401 and missing.json()["status"] == 401


def test_only_administrators_of_the_organisation_manage_clients(cast, client):
    made, _ = api_client(cast, Role.DECISION_MAKER)
    client.force_login(cast.users[Role.DECISION_MAKER])
    assert client.get(reverse("api_clients:list")).status_code == 403
    client.force_login(cast.outsider_admin)
    assert client.get(reverse("api_clients:detail", args=[made.pk])).status_code == 404
    assert client.post(reverse("api_clients:revoke", args=[made.pk])).status_code == 404
    assert ApiClient.objects.get(pk=made.pk).revoked_at is None
    assert SecurityEvent.objects.filter(status=404, user=cast.outsider_admin).exists()


def test_session_cookie_is_not_accepted_by_the_api(cast, client):
    """A signed-in decision maker's browser session is ignored under /api/: token only."""
    client.force_login(cast.users[Role.DECISION_MAKER])
    response = client.get(CASES)
    assert response.status_code == 401
    response = client.post("/api/v1/police/offences/", "{}", content_type="application/json")
    assert response.status_code == 401


def test_client_account_never_reaches_a_page_nor_signs_in(cast, client):
    made, token = api_client(cast, Role.DECISION_MAKER)
    # A token sent to a page is not a credential there.
    page = client.get(reverse("cases:home"), headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 302 and "/sign-in/" in page["Location"]
    # Even with a session, the policy refuses the client's account on every page.
    client.force_login(User.objects.get(pk=made.user_id))
    assert client.get(reverse("cases:home")).status_code == 403
    client.logout()
    signed_in = client.post(reverse("accounts:login"), {
        "username": made.user.username, "password": "a-long-guess-at-a-password"})
    assert signed_in.status_code != 302


def test_read_only_client_cannot_write(cast):
    _, token = api_client(cast, Role.DECISION_MAKER, write=False)
    response = Api(token).post("/api/v1/police/offences/", {})
    assert response.status_code == 403 and "write scope" in response.json()["detail"]
    _, token = api_client(cast, Role.DECISION_MAKER, name="writer", read=False)
    assert Api(token).get(CASES).status_code == 403


def test_rate_limit_per_client_with_retry_after(cast, settings):
    settings.API_RATE_LIMIT = "2/min"
    _, first = api_client(cast, Role.DECISION_MAKER)
    _, second = api_client(cast, Role.DECISION_MAKER, name="other")
    api = Api(first)
    assert [api.get(CASES).status_code for _ in range(2)] == [200, 200]
    limited = api.get(CASES)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited["Content-Type"] == PROBLEM
    assert Api(second).get(CASES).status_code == 200  # counted per client
