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


# --- The health check (security.md 28): a fresh connection, so it sees what pages will meet -----

@contextmanager
def new_connections_refused(how: str, tmp_path):
    """The database stops taking new connections while this test's open one keeps working.

    `gone`: the address the fresh connection dials is a closed port (PostgreSQL: the server is
    down or unreachable) or a file in a missing directory (SQLite). `refusing` (PostgreSQL): the
    server is up but refuses connections to this test's own database (ALLOW_CONNECTIONS false,
    which binds superusers too), so only this xdist worker's database is affected, and only
    until the block ends."""
    settings = connection.settings_dict
    if how == "gone":
        original = {key: settings[key] for key in ("NAME", "PORT")}
        if connection.vendor == "postgresql":
            settings["PORT"] = str(_closed_port())
        else:
            settings["NAME"] = str(tmp_path / "missing" / "diversion.sqlite3")
        try:
            yield
        finally:
            settings.update(original)
        return
    import psycopg
    from psycopg import sql

    name = settings["NAME"]
    assert name.startswith("test_"), "only ever a test database"
    admin = psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                            user=settings["USER"], password=settings["PASSWORD"] or None,
                            dbname="postgres", autocommit=True)
    statement = sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}")
    try:
        admin.execute(statement.format(sql.Identifier(name), sql.SQL("false")))
        yield
    finally:
        admin.execute(statement.format(sql.Identifier(name), sql.SQL("true")))
        admin.close()


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:  # bound and closed again: nothing listens there now
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("how", ["gone", pytest.param("refusing", marks=pytest.mark.postgres)])
def test_the_health_check_is_a_503_while_the_open_connection_still_answers(cast, how,
                                                                           tmp_path):
    # CivicDataLab/DataSpaceBackend#140: SELECT 1 on the request's open connection stayed green
    # through an outage. Here that connection still answers, and the health check is still red.
    client = client_for(cast.users[Role.DECISION_MAKER])
    health = reverse("accounts:health")
    with new_connections_refused(how, tmp_path):
        assert connection.is_usable()
        assert client.get(reverse("cases:home")).status_code == 200
        response = client.get(health)
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert "no-store" in response["Cache-Control"]
        assert response.json() == {"status": "unavailable"}  # no reason, host or error text
    response = client.get(health)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
