"""Dropped database connections under the production server (security.md 28, faults).

A production-mode gunicorn server (one process, one thread, so one database connection, kept
between requests: CONN_MAX_AGE) serves a signed-in police officer. The test cuts that
connection for real from PostgreSQL's side (pg_terminate_backend, as a failover, a restarted
pooler or an idle-connection reaper would), between two requests and in the middle of a write.
The user sees nothing or the generic "try again" page, nothing is half written, and the next
request works.

Not injected here: latency, a PostgreSQL restart, and outages of SMTP or the cache (see the
assurance note, row 28b). PostgreSQL only: an embedded SQLite file has no connection to drop.
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from django.db import connection

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog
from diversion.cases.models import CaseEvent, PersonContact
from tests.cases.helpers import make_case
from tests.factories import PASSWORD
from tests.second_step import authenticator
from tests.servers import Browser, client_context, gunicorn, production_environment, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

CONTACT = {"phone": "07700 900123", "email": "sam.person@example.org",
           "address": "12 Example Street\nSouthampton", "postcode": "SO14 1XX",
           "safe_methods": ["call"], "notes": "Canary-dropped-connection"}
LEAKS = ("Traceback", "OperationalError", "InterfaceError", "terminating connection",
         "administrator command", "SELECT", "INSERT", "07700", "sam.person", "Canary")


@pytest.fixture
def server(cast, tmp_path):
    """A signed-in officer on a production server whose connections are named in
    pg_stat_activity; yields (URL, browser, case, the connections' application_name)."""
    for user in cast.users.values():
        authenticator(user)
    case = make_case(cast)
    name = f"diversion-faults-{uuid.uuid4().hex[:12]}"  # this test's server's only
    environment = production_environment(tmp_path, application_name=name)
    with gunicorn(environment, tmp_path, threads=1, tls=True) as url:
        browser = Browser(client_context(tmp_path))
        sign_in(browser, url, cast.users[Role.DECISION_MAKER], PASSWORD)
        yield url, browser, case, name


def _backends(name: str, *, waiting_on_a_lock: bool = False) -> set[int]:
    """The server's database connections (each query here is its own transaction, so
    pg_stat_activity is read afresh)."""
    extra = " AND wait_event_type = 'Lock'" if waiting_on_a_lock else ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s"  # noqa: S608
                       + extra, [name])
        return {pid for (pid,) in cursor.fetchall()}


def _drop(name: str) -> set[int]:
    """Terminate every connection of the server, and wait until PostgreSQL has let them go."""
    pids = _backends(name)
    assert pids, "the server holds no connection to drop"
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 30
    while _backends(name) & pids:
        assert time.monotonic() < deadline, "the connections were not dropped"
        time.sleep(0.05)
    return pids


def _second_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                           user=settings["USER"], password=settings["PASSWORD"] or None,
                           dbname=settings["NAME"])


def _assert_outage_page(browser: Browser, status: int, page: str) -> None:
    assert status == 503
    assert browser.seen[-1].headers["Retry-After"] == "30"
    assert "Sorry, the service is unavailable" in page and "Try again" in page
    for leak in LEAKS:
        assert leak not in page, leak


def test_health_checks_are_on_and_connections_are_kept():
    # What the recovery below rests on: a kept connection is checked before a request uses it.
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0


def test_a_connection_dropped_between_requests_is_replaced_without_an_error(server):
    url, browser, case, name = server
    page = f"{url}/police/cases/{case.pk}/"
    assert browser.get(page)[0] == 200
    kept = _backends(name)
    assert browser.get(page)[0] == 200
    assert _backends(name) == kept  # the same connection served both: there is one to drop

    dropped = _drop(name)
    status, _, body = browser.get(page)
    assert status == 200 and case.reference in body  # the officer notices nothing
    assert _backends(name) and not _backends(name) & dropped  # on a new connection


def test_a_connection_dropped_during_a_write_is_a_503_and_writes_nothing(server):
    url, browser, case, name = server
    contact = f"{url}/police/cases/{case.pk}/contact/"
    logged = ProcessingLog.objects.filter(operation="collection").count()

    # Hold the case row: the save writes the contact details, then blocks adding the case's
    # timeline line (its foreign key needs the row), inside the transaction that would also
    # write the log row. Cut the connection there.
    holder = _second_connection()
    outcome: list[tuple[int, str, str]] = []
    try:
        holder.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [case.pk])
        writer = threading.Thread(target=lambda: outcome.append(
            browser.post(contact, contact, CONTACT)))
        writer.start()
        deadline = time.monotonic() + 60
        while not (waiting := _backends(name, waiting_on_a_lock=True)):
            assert writer.is_alive() and time.monotonic() < deadline, outcome
            time.sleep(0.05)
        with connection.cursor() as cursor:  # it has written the contact details already
            cursor.execute("SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                           "WHERE l.pid = ANY(%s) AND c.relname = 'cases_personcontact' "
                           "AND l.mode = 'RowExclusiveLock'", [list(waiting)])
            assert cursor.fetchone() is not None
        _drop(name)
    finally:
        holder.rollback()
        holder.close()
    writer.join(timeout=60)
    assert outcome, "the request did not finish"
    _assert_outage_page(browser, outcome[0][0], outcome[0][2])

    # Nothing of the write survived: no details, no timeline line, no log row.
    assert not PersonContact.objects.filter(person=case.person).exists()
    assert not CaseEvent.objects.filter(case=case, title="Contact details recorded").exists()
    assert ProcessingLog.objects.filter(operation="collection").count() == logged

    # The next request works, on a new connection, and the save can simply be done again.
    status, _, page = browser.post(contact, contact, CONTACT)
    assert status == 200 and "Contact details saved" in page
    assert PersonContact.objects.filter(person=case.person).count() == 1
    assert CaseEvent.objects.filter(case=case, title="Contact details recorded").count() == 1
    assert ProcessingLog.objects.filter(operation="collection").count() == logged + 1
