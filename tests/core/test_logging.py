"""The application's logs: one record is one line, whatever a user sends, and no victim's
details reach them, on the happy path or an error path (security.md 20; ASVS 16.4.1, 16.2.5).

The text checked is what the configured handler (settings.LOGGING) writes, captured by the
`app_log` fixture (tests/conftest.py), which also checks every other test's log for canaries.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from diversion import gunicorn_conf
from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from diversion.core.logging import WITHHELD, GunicornLogger, OneLineFormatter
from diversion.victims import services
from diversion.victims.models import Victim
from tests.conftest import LOG_CANARIES, console_handler
from tests.factories import make_user
from tests.victims.test_canary import CANARY, _canary, _seed

RECORD_START = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# A record's start, in the configured format, with a time no real record has.
FORGED = "1999-12-31 23:59:59,999 CRITICAL diversion forged: all logs deleted"


def _lines(text: str) -> list[str]:
    """The log's lines as any reader splits them (str.splitlines: CR, LF, NEL, U+2028...)."""
    lines = text.splitlines()
    assert text == "" or text.endswith("\n")
    return lines


def _every_line_is_a_record(text: str) -> None:
    """Every line starts as a record does, and none is the forged one."""
    for line in _lines(text):
        assert RECORD_START.match(line), line
        assert not line.startswith("1999-12-31"), line


def test_every_handler_writes_one_line_records():
    """settings.LOGGING's console handler is on the root and formats with OneLineFormatter,
    as does every other handler that writes (runserver's); Django's own console and
    mail_admins handlers are gone."""
    handler = console_handler()
    assert handler is not None and isinstance(handler.formatter, OneLineFormatter)
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)]
    others = [(logger.name, h) for logger in loggers for h in logger.handlers
              if not type(h).__module__.startswith("_pytest")
              and not isinstance(h, logging.NullHandler)
              and not isinstance(h.formatter, OneLineFormatter)]
    assert others == []
    assert logging.getLogger("django").handlers == []


def test_a_crlf_in_a_username_cannot_forge_a_log_line(db, client, app_log):
    username = f"nobody\r\n{FORGED}\n"
    for _ in range(5):  # the fifth locks the username and address out: another warning
        response = client.post("/sign-in/", {"username": username, "password": "wrong"},
                               REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    text = app_log.getvalue()
    # The failures and the lockout were logged, by address and request id, not by username.
    assert "AXES: New login failure by address 192.0.2.10 (request " in text
    assert "AXES: Locking out address 192.0.2.10" in text
    assert "nobody" not in text
    _every_line_is_a_record(text)
    # The security events, which do name the username for auditors, hold it on one line too.
    names = set(SecurityEvent.objects.filter(kind="sign_in_failed")
                .values_list("username", flat=True))
    assert names == {f"nobody??{FORGED}"}  # the form strips the trailing newline


@pytest.mark.parametrize("separator", ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85",
                                       "\u2028", "\u2029", "\x1b[2K\r"])
def test_a_line_break_in_a_path_is_escaped_in_the_404_warning(db, client, app_log, separator):
    """django.request writes the path of every 404 (and 403, 405, 500): a path is the user's
    own input, percent-decoded, so any line break can be sent in it."""
    assert client.get("/no-such-page/" + quote(separator + FORGED)).status_code == 404
    text = app_log.getvalue()
    _every_line_is_a_record(text)
    assert len(_lines(text)) == 1
    # Django escapes the path itself (5.2.2); the formatter escapes that escaping's backslashes.
    assert "WARNING django.request Not Found: /no-such-page/" in text and FORGED in text


def test_an_exception_is_one_line_with_its_frames_and_without_its_message(app_log):
    logger = logging.getLogger("diversion.test")
    try:
        try:
            int(f"{CANARY}given\n{FORGED}")
        except ValueError as exc:
            raise KeyError(f"{CANARY}family") from exc
    except KeyError:
        logger.exception("the import of row %s failed", 7)
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except OSError:
        logger.exception("the mail server")
    try:
        error = ValueError(f"{CANARY}views")
        error.add_note(f"row of {CANARY}family")
        raise ExceptionGroup("rows failed", [error])
    except ExceptionGroup:
        logger.exception("a group")
    first, second, third = _lines(app_log.getvalue())
    assert "ERROR diversion.test the import of row 7 failed\\nTraceback (most recent call last):"\
        "\\n  File " in first
    assert 'int(f"{CANARY}given\\\\n{FORGED}")' in first  # the source line: code, not data
    assert f"ValueError: {WITHHELD}" in first and f"KeyError: {WITHHELD}" in first
    assert "direct cause of the following exception" in first
    assert CANARY not in first
    # A system error's message is kept: it names the system's trouble, not the data.
    assert second.endswith("ConnectionRefusedError: [Errno 111] Connection refused")
    # An exception group's members and notes are withheld too.
    assert third.count(WITHHELD) == 2 and "ValueError" in third and CANARY not in third


def test_no_canary_reaches_the_log_on_victim_journeys_and_their_error_paths(
        cast, client, django_capture_on_commit_callbacks, monkeypatch, settings, app_log):
    """A victim worker searches, reads and mistypes with canaries; a victim worker of another
    service replays the victim's address (404); a page fails with the victim's name in the
    exception's message and in a local variable (500). The log has each of these, and no
    canary. (The canary crawl, tests/victims/test_canary.py, runs under the same check.)"""
    seeded = _seed(cast, django_capture_on_commit_callbacks)
    victim = seeded["victim"]
    worker = cast.users[Role.VICTIM_WORKER]
    client.force_login(worker)
    given = _canary("given")
    # Searches by name, and one refused (too long: a logged 400).
    assert given in client.get(reverse("victims:home"), {"q": given}).content.decode()
    assert client.get(reverse("victims:home"), {"q": given * 20}).status_code == 400
    # Contact details read and mistyped: the form's errors are shown, nothing is logged.
    url = reverse("victims:contact_details", args=[victim.pk])
    assert _canary("address") in client.post(url, {"reason": "update"}).content.decode()
    page = client.post(reverse("victims:contact_details_edit", args=[victim.pk]), {
        "address": _canary("address"), "email": f"{CANARY}@@bad", "phone": f"{CANARY}phone",
        "postcode": f"{CANARY}postcode"})
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    # A victim worker of another service replays the victim's pages: 404s, logged.
    from diversion.accounts.models import Organisation
    from diversion.accounts.roles import OrganisationKind

    other = Organisation.objects.create(name="Other Victim Service", code="ovs",
                                        kind=OrganisationKind.VICTIM_SERVICE)
    intruder = Client()
    intruder.force_login(make_user("other_vw", Role.VICTIM_WORKER, other))
    assert intruder.get(url).status_code == 404
    assert intruder.post(reverse("victims:contact_details_edit", args=[victim.pk]),
                         {"address": _canary("address")}).status_code == 404
    # A failing page: the victim's name in the exception's message and in a local variable.
    def broken_create(user, *, given_name, family_name):
        name = f"{given_name} {family_name}"
        return int(name)  # ValueError, with the name in its message

    monkeypatch.setattr(services, "create_victim", broken_create)
    settings.ADMINS = [("Operator", "operator@example.org")]
    failing = Client(raise_request_exception=False)
    failing.force_login(worker)
    outbox = len(mail.outbox)
    response = failing.post(reverse("victims:victim_create"),
                            {"given_name": given, "family_name": _canary("family")})
    assert response.status_code == 500
    assert len(mail.outbox) == outbox  # no error report by email (mail_admins is gone)
    assert Victim.objects.filter(given_name=given).count() == 1  # the seeded one only

    text = app_log.getvalue()
    assert "WARNING django.request Bad Request: /victims/" in text
    assert f"WARNING django.request Not Found: {url}" in text
    assert "ERROR django.request Internal Server Error: /victims/new/\\nTraceback" in text
    assert f"ValueError: {WITHHELD}" in text
    assert LOG_CANARIES.search(text) is None
    _every_line_is_a_record(text)


def test_runserver_request_lines_leave_out_the_query_string(app_log):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.requestline = f"GET /victims/?q={CANARY}given+Smith&page=2 HTTP/1.1"
    handler.log_request(200, 512)
    handler.requestline = "GET /no-such-page/?q=x HTTP/1.1"
    handler.log_request(404, 10)
    lines = _lines(app_log.getvalue())
    assert lines[0].endswith('INFO django.server "GET /victims/ HTTP/1.1" 200 512')
    assert lines[1].endswith('WARNING django.server "GET /no-such-page/ HTTP/1.1" 404 10')


def test_gunicorn_logs_no_query_string_and_one_line_records(capsys):
    """The production server's access and error logs, with gunicorn_conf's settings."""
    cfg = Config()
    for name in ("accesslog", "errorlog", "access_log_format", "logger_class"):
        cfg.set(name, getattr(gunicorn_conf, name))
    assert cfg.logger_class is GunicornLogger
    log = cfg.logger_class(cfg)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/victims/?q={CANARY}given",
               "PATH_INFO": "/victims/", "QUERY_STRING": f"q={CANARY}given",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.10",
               "HTTP_REFERER": f"https://diversion.example/victims/?q={CANARY}family"}
    response = SimpleNamespace(status="200 OK", sent=512,
                               headers=[("X-Request-ID", "3f2a9c")])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    try:
        log.access(response, request, environ, timedelta(milliseconds=12))
        log.error("Invalid request from ip=192.0.2.10: %s", f"bad\r\n{FORGED}")
        captured = capsys.readouterr()
    finally:  # its handlers write to this test's captured streams
        for logger in (log.error_log, log.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
    assert captured.out == '192.0.2.10 "GET /victims/ HTTP/1.1" 200 512 12ms 3f2a9c\n'
    errors = _lines(captured.err)
    assert len(errors) == 1 and errors[0].endswith(f"bad\\r\\n{FORGED}")
