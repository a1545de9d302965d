"""A database outage gives a 503 page with retry advice, wherever in the request it is met."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from diversion.accounts.roles import Role
from tests.factories import PASSWORD


@contextmanager
def database_down(error=OperationalError, *, only: str = ""):
    """Every query (or every query mentioning `only`) fails as an unreachable server's would."""

    def refuse(execute, sql, params, many, context):
        if only in sql:
            raise error("could not connect to server: Connection refused")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def client_for(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Sorry, the service is unavailable" in body and "Try again" in body
    assert "govuk-frontend.min.css" in body
    for leak in ("Traceback", "OperationalError", "InterfaceError", "Connection refused",
                 "SELECT"):
        assert leak not in body


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_signed_in_page_during_an_outage_is_a_503(cast, error):
    # The session and the user are loaded by middleware: the outage is met before any view.
    client = client_for(cast.users[Role.DECISION_MAKER])
    with database_down(error):
        response = client.get(reverse("cases:home"))
    assert_outage_page(response)


def test_an_outage_met_inside_a_view_is_a_503(cast):
    client = client_for(cast.users[Role.ADMINISTRATOR])
    with database_down(only="accounts_user\".\"last_name"):  # the user list's own query
        response = client.get(reverse("administration:user_list"))
    assert_outage_page(response)


def test_signing_in_during_an_outage_is_a_503(cast):
    client = client_for()
    with database_down():
        response = client.post(reverse("accounts:login"),
                               {"username": cast.users[Role.ANALYST].username,
                                "password": PASSWORD})
    assert_outage_page(response)


def test_the_service_recovers_when_the_database_is_back(cast):
    client = client_for(cast.users[Role.DECISION_MAKER])
    with database_down():
        assert client.get(reverse("cases:home")).status_code == 503
    assert client.get(reverse("cases:home")).status_code == 200


def test_other_errors_are_still_a_plain_500_without_retry_advice(cast, monkeypatch):
    from diversion.cases import views

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(views, "render", broken)
    client = client_for(cast.users[Role.DECISION_MAKER])
    response = client.get(reverse("cases:home"))
    assert response.status_code == 500 and "Retry-After" not in response
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body and "a bug" not in body


def test_an_outage_wrapped_in_another_error_is_still_an_outage():
    from diversion.errors import database_unavailable

    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise RuntimeError("the processing log could not be written") from exc
    except RuntimeError as wrapped:
        assert database_unavailable(wrapped)
    assert not database_unavailable(ValueError("no"))
    assert not database_unavailable(None)
