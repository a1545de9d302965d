from __future__ import annotations

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
