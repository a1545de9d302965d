from __future__ import annotations

import io
import logging
import re

import pytest
from django.db import connection

from tests.factories import make_cast


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip, with the reason shown, when the suite runs on SQLite."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _offence_codes(request):
    """Transactional tests (browser journeys) flush the tables the migrations filled; put the
    offence-code reference table back so every test sees what a migrated database holds."""
    marker = request.node.get_closest_marker("django_db")
    transactional_mark = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional_mark or "transactional_db" in request.fixturenames \
            or "live_server" in request.fixturenames:
        from diversion.cases.models import OffenceCode
        from diversion.cases.reference import load_offence_codes

        request.getfixturevalue("transactional_db")
        if not OffenceCode.objects.exists():
            load_offence_codes()


@pytest.fixture(autouse=True)
def _force_login_passes_second_step(monkeypatch):
    """force_login stands for a finished sign-in, which now includes the authenticator code."""
    from django.test import Client

    from tests.second_step import pass_second_step

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        pass_second_step(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with an empty cache: ids repeat across rolled-back tests on SQLite, so
    a rendering cached by one test (commissioning's dashboard) must not reach the next. The
    cache is a database table (settings.CACHES) that flushes leave alone, so only a test that
    uses the database can see it, and it clears it inside its own database access."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool({"transactional_db", "live_server"} & names) or (
        marker is not None and bool(marker.kwargs.get("transaction")
                                    or (marker.args and marker.args[0])))
    if not transactional and marker is None and "db" not in names:
        return
    from django.core.cache import cache

    request.getfixturevalue("transactional_db" if transactional else "db")
    cache.clear()


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def run_worker(db):
    """Run the task worker once, in this process, over the test's own connection.

    db_worker closes "old" connections between tasks; inside a test that would close the
    test's transaction, so it is made a no-op for the worker's run.
    """
    from unittest import mock

    from django.core.management import call_command

    def run() -> None:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-startup-delay")

    return run


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture(autouse=True)
def _upload_dir(settings, tmp_path_factory):
    """Uploaded extracts go to a directory of the test's own, not the project's var/."""
    settings.RECORDS_UPLOAD_DIR = tmp_path_factory.mktemp("uploads")


@pytest.fixture(autouse=True)
def _log_checkpoint_dir(settings, tmp_path_factory):
    """Each test writes processing-log checkpoints to its own directory, never to var/."""
    settings.DIVERSION_LOG_CHECKPOINT_DIR = tmp_path_factory.mktemp("log-checkpoints")


# The canaries the canary tests plant in victims' and cautioned people's details
# (tests/victims/test_canary.py, tests/cases/test_contact_canary.py, the browser journeys,
# tests/victims/test_encryption.py). None may ever reach the application's log.
LOG_CANARIES = re.compile(r"zqcanary|zqopen|zqdone|canaryfield|canary-[a-z]", re.IGNORECASE)


class _Tee(io.TextIOBase):
    """The console handler's stream, with what this test wrote to it kept aside to check."""

    def __init__(self, target) -> None:
        self.target = target
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()


def console_handler() -> logging.StreamHandler | None:
    """The handler settings.LOGGING gives the root logger: what the app writes to its log."""
    return next((h for h in logging.getLogger().handlers if h.name == "console"), None)


@pytest.fixture(autouse=True)
def app_log():
    """Every test: what the app wrote to its log, as formatted by the configured handler (at
    the configured levels), kept while the test runs; at the end no canary may be in it
    (security.md 20). A test reads the text so far with `app_log.getvalue()`."""
    handler = console_handler()
    if handler is None:  # tests/core/test_logging.py fails on this, once
        yield io.StringIO()
        return
    tee = _Tee(handler.stream)
    previous = handler.setStream(tee)
    try:
        yield tee.kept
    finally:
        handler.setStream(previous)
    leaked = [line for line in tee.kept.getvalue().splitlines() if LOG_CANARIES.search(line)]
    assert leaked == [], "a canary reached the application log"
