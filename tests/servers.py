"""Real gunicorn servers (the production server) for tests that must see what goes over the
wire: the Set-Cookie and HSTS headers of a production HTTPS response, two servers sharing one
database, a server whose database connection is cut.

On PostgreSQL a server uses the test database; on SQLite it gets a file copied from it (so on
SQLite the test does not see what the server writes).
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from bench.load import make_certificate
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# The production environment (DIVERSION_ENV=production) with throwaway keys; the same values as
# tests/test_settings_and_headers.py's check --deploy.
PRODUCTION = {"DIVERSION_ENV": "production", "DEBUG": "false",
              "SECRET_KEY": "k" * 30 + "-test-only-" + "z" * 30,
              "DIVERSION_FIELD_KEYS": "Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk=",
              "DIVERSION_LOG_KEYS": "check-deploy-only-processing-log-key-0123456789"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(tmp_path: Path, application_name: str = "") -> str:
    """An address the server processes can open for the data this test has committed.

    `application_name` (PostgreSQL) names the server's connections in pg_stat_activity."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = urllib.parse.quote(settings["USER"] or "")
        if settings["PASSWORD"]:
            auth += ":" + urllib.parse.quote(settings["PASSWORD"])
        query = f"?application_name={application_name}" if application_name else ""
        return (f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
                f"/{settings['NAME']}{query}")
    # The SQLite test database lives in this process's memory: copy it to a file both share.
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}"


def server_environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment without its database, cache and mode, plus the server's own
    directories; DEBUG off, so error pages are the ones users see."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CACHE_URL", "DIVERSION_ENV", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="false", ALLOWED_HOSTS="127.0.0.1",
               DIVERSION_LOG_CHECKPOINT_DIR=str(tmp_path / "checkpoints"),
               RECORDS_UPLOAD_DIR=str(tmp_path / "uploads"), PYTHONUNBUFFERED="1")
    return env


def production_environment(tmp_path: Path, application_name: str = "") -> dict[str, str]:
    """DIVERSION_ENV=production on the test's data. Static files are not collected: no test
    using this needs them (tests/test_settings_and_headers.py covers serving them)."""
    environment = {**server_environment(tmp_path), **PRODUCTION,
                   "DIVERSION_STATIC_ROOT": str(tmp_path / "static"),
                   "DATABASE_URL": database_url(tmp_path, application_name)}
    environment.pop("DIVERSION_EMAIL", None)  # production's own default (smtp)
    return environment


@contextmanager
def gunicorn(environment: dict[str, str], tmp_path: Path, *, name: str = "server",
             threads: int = 2, tls: bool = False) -> Iterator[str]:
    """Run one gunicorn server (the production configuration, one process); yield its URL.

    With `tls` it serves HTTPS itself with a self-signed certificate (`client_context`)."""
    port = free_port()
    arguments = [sys.executable, "-m", "gunicorn", "-c", "python:diversion.gunicorn_conf",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", str(threads)]
    if tls:
        cert, key = make_certificate(tmp_path)  # bench/load.py's throwaway certificate
        arguments += ["--certfile", str(cert), "--keyfile", str(key)]
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    log_path = tmp_path / f"server-{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*arguments, "diversion.wsgi"], cwd=ROOT, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process, log_path, client_context(tmp_path) if tls else None)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def client_context(tmp_path: Path) -> ssl.SSLContext:
    """A client that trusts the certificate `gunicorn(tls=True)` made in `tmp_path`."""
    return ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path,
                   context: ssl.SSLContext | None) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"a server stopped at start-up:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/health/", timeout=30,  # noqa: S310
                                        context=context) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet (URLError), or still booting (timeout)
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 90 seconds")


@dataclass
class Seen:
    """One response as it came over the wire, redirects included."""

    url: str
    status: int
    headers: Message


class _Recorder(urllib.request.BaseHandler):
    handler_order = 400  # before the redirect handling, so a redirect's headers are seen too

    def __init__(self, seen: list[Seen]) -> None:
        self.seen = seen

    def http_response(self, request, response):
        self.seen.append(Seen(request.full_url, response.status, response.headers))
        return response

    https_response = http_response


class Browser:
    """Forms and cookies, as a person's browser: one cookie jar for every port of 127.0.0.1.

    Every response (redirects included) is kept in `seen`, with its raw headers. A POST sends
    `Origin`, as browsers do (Django's CSRF check needs it or `Referer` over HTTPS)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.seen: list[Seen] = []
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.HTTPCookieProcessor(CookieJar()), _Recorder(self.seen)]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self.opener = urllib.request.build_opener(*handlers)

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))  # noqa: S310 (our own test URLs)

    def post(self, url: str, form_url: str, fields: dict[str, str | list[str]]
             ) -> tuple[int, str, str]:
        """Open the form at `form_url` (for its CSRF token), then post `fields` to `url`."""
        _, _, page = self.get(form_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no form on {form_url}"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields},
                                      doseq=True)
        origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
        return self._open(urllib.request.Request(  # noqa: S310
            url, data=data.encode(), headers={"Origin": origin}))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.geturl(), refused.read().decode()


def sign_in(browser: Browser, url: str, user, password: str) -> None:
    """Sign in through the pages: password, then the code the user's authenticator shows."""
    from tests.second_step import authenticator, code_now

    status, landed, page = browser.post(f"{url}/sign-in/", f"{url}/sign-in/",
                                        {"username": user.username, "password": password})
    assert status == 200 and landed.endswith("/sign-in/code/"), page
    status, landed, page = browser.post(f"{url}/sign-in/code/", f"{url}/sign-in/code/",
                                        {"code": code_now(authenticator(user))})
    assert status == 200 and "/sign-in" not in landed, page
