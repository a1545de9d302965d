"""Two app servers (real gunicorn processes, the production server) on one database keep no
state of their own: a session, a two-step throttle, a lockout, a cache entry and a queued task
made through one server are seen through the other, and the task worker runs the task.

On PostgreSQL both servers use the test database; on SQLite they share a file copied from it
(tests/servers.py).
"""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest

from diversion.accounts.roles import Role
from tests.commissioning.helpers import oversee
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now
from tests.servers import Browser, database_url, gunicorn, server_environment

ROOT = Path(__file__).resolve().parent.parent
REFRESH_TASK = "diversion.commissioning.tasks.refresh_dashboard_aggregates"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    return server_environment(tmp_path)


@pytest.fixture
def cast_with_devices(cast):
    oversee(cast)
    for user in cast.users.values():
        authenticator(user)
    return cast


@pytest.fixture
def servers(cast_with_devices, environment, tmp_path):
    """Start two gunicorn servers on the same database; yield their base URLs."""
    environment["DATABASE_URL"] = database_url(tmp_path)
    with gunicorn(environment, tmp_path, name="a") as a, \
            gunicorn(environment, tmp_path, name="b") as b:
        yield [a, b]


def _sign_in_password(browser: Browser, server: str, username: str,
                      password: str = PASSWORD) -> tuple[int, str, str]:
    return browser.post(f"{server}/sign-in/", f"{server}/sign-in/",
                        {"username": username, "password": password})


def _enter_code(browser: Browser, server: str, code: str) -> tuple[int, str, str]:
    return browser.post(f"{server}/sign-in/code/", f"{server}/sign-in/code/", {"code": code})


def _tasks(environment: dict[str, str]) -> list[str]:
    """The refresh task's states, read by a separate process from the shared database."""
    script = ("from django_tasks_db.models import DBTaskResult as R;"
              f"print(*R.objects.filter(task_path={REFRESH_TASK!r}).values_list('status', "
              "flat=True))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_sessions_the_cache_and_the_task_queue_are_shared(servers, cast_with_devices,
                                                          environment):
    a, b = servers
    commissioner = cast_with_devices.users[Role.COMMISSIONER]
    browser = Browser()
    status, url, _ = _sign_in_password(browser, a, commissioner.username)
    assert status == 200 and "/sign-in/code/" in url
    # Half signed in on A: B also asks for the code, not the password.
    assert "/sign-in/code/" in browser.get(f"{b}/")[1]
    status, url, page = _enter_code(browser, a, code_now(authenticator(commissioner)))
    assert status == 200 and "/sign-in" not in url, page
    status, url, page = browser.get(f"{b}/commissioning/")
    assert status == 200 and "/sign-in" not in url
    assert "Sign out" in page and html.escape(commissioner.display_name) in page

    # The dashboard queues one recount of stale figures per 10 minutes, remembered in the
    # cache: the view on B sees the entry A wrote and queues none; the worker runs A's.
    assert browser.get(f"{a}/commissioning/dashboard/")[0] == 200
    assert browser.get(f"{b}/commissioning/dashboard/")[0] == 200
    assert _tasks(environment) == ["READY"]
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    assert _tasks(environment) == ["SUCCESSFUL"]

    # Signing out on B ends the session on A too.
    browser.post(f"{b}/sign-out/", f"{b}/commissioning/", {})
    assert "/sign-in/" in browser.get(f"{a}/commissioning/")[1]


def test_wrong_codes_and_passwords_counted_on_one_server_are_refused_on_the_other(
        servers, cast_with_devices):
    a, b = servers
    analyst = cast_with_devices.users[Role.ANALYST]
    browser = Browser()
    _sign_in_password(browser, a, analyst.username)
    for _ in range(5):
        status, _, page = _enter_code(browser, a, "000000")
        assert "Enter the code your authenticator app shows now" in page
    status, url, page = _enter_code(browser, b, code_now(authenticator(analyst)))
    assert "/sign-in/code/" in url and "Too many wrong codes" in page

    officer = cast_with_devices.users[Role.DECISION_MAKER]
    status, _, page = _sign_in_password(Browser(), a, officer.username, "wrong-password-xx")
    assert "Enter a correct username and password" in page
    for _ in range(4):
        _sign_in_password(Browser(), a, officer.username, "wrong-password-xx")
    status, url, page = _sign_in_password(Browser(), b, officer.username)
    assert status == 429 and "/sign-in/code/" not in url
    assert "Your account is locked" in page
