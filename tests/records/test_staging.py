"""Staging is scratch on PostgreSQL: an unlogged table, chunks committed without a WAL flush,
and only in a transaction of staging's own (never a caller's)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from diversion.records import staging
from diversion.records.models import StagedRecord


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staging_table_is_unlogged_and_chunks_commit_without_waiting():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s",
                       [StagedRecord._meta.db_table])
        assert cursor.fetchone()[0] == "u"
    with transaction.atomic():
        staging.relax_commit()
        assert _setting() == "off"
    assert _setting() == "on"  # SET LOCAL: that transaction only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_callers_transaction_keeps_its_synchronous_commit():
    with transaction.atomic(), transaction.atomic():
        staging.relax_commit()
        assert _setting() == "on"


@pytest.mark.django_db
def test_relax_commit_is_harmless_on_any_database():
    with transaction.atomic():
        staging.relax_commit()
