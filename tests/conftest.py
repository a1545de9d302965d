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


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def vendor() -> str:
    return connection.vendor
