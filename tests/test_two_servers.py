"""Two app servers (real gunicorn processes, the production server) on one database keep no
state of their own: a session, a two-step throttle, a lockout, a cache entry and a queued task
made through one server are seen through the other, and the task worker runs the task.

On PostgreSQL both servers use the test database; on SQLite they share a file copied from it.
"""

from __future__ import annotations

import html
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection

from diversion.accounts.roles import Role
from tests.commissioning.helpers import oversee
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now

ROOT = Path(__file__).resolve().parent.parent
REFRESH_TASK = "diversion.commissioning.tasks.refresh_dashboard_aggregates"

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    """An address the server processes can open for the data this test has committed."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = urllib.parse.quote(settings["USER"] or "")
        if settings["PASSWORD"]:
            auth += ":" + urllib.parse.quote(settings["PASSWORD"])
        return (f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
                f"/{settings['NAME']}")
    # The SQLite test database lives in this process's memory: copy it to a file both share.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}"


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CACHE_URL", "DIVERSION_ENV", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="false", ALLOWED_HOSTS="127.0.0.1",
               DIVERSION_LOG_CHECKPOINT_DIR=str(tmp_path / "checkpoints"),
               RECORDS_UPLOAD_DIR=str(tmp_path / "uploads"), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def cast_with_devices(cast):
    oversee(cast)
    for user in cast.users.values():
        authenticator(user)
    return cast


@pytest.fixture
def servers(cast_with_devices, environment, tmp_path):
    """Start two gunicorn servers on the same database; yield their base URLs."""
    environment["DATABASE_URL"] = _database_url(tmp_path)
    processes, urls = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"server-{name}.log").open("w")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:diversion.gunicorn_conf",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
                 "diversion.wsgi"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _wait_until_up(url: str, process: subprocess.Popen, tmp_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text() for p in tmp_path.glob("server-*.log"))
            pytest.fail(f"a server stopped at start-up:\n{logs}")
        try:
            with urllib.request.urlopen(url + "/health/", timeout=30) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # not listening yet (URLError), or still booting (timeout)
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 90 seconds")


class Browser:
    """Forms and cookies, as a person's browser: one cookie jar for every port of 127.0.0.1."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))  # noqa: S310 (our http:// URLs)

    def post(self, url: str, form_url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """Open the form at `form_url` (for its CSRF token), then post `fields` to `url`."""
        _, _, page = self.get(form_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no form on {form_url}"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields})
        return self._open(urllib.request.Request(url, data=data.encode()))  # noqa: S310

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.geturl(), refused.read().decode()


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
