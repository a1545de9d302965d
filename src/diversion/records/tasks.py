"""Background jobs of the records app, run by the task queue's worker."""

from __future__ import annotations

from django_tasks import task

from diversion.records.services import run_import


@task()
def import_batch(batch_id: int) -> str:
    """Import one uploaded extract (stage, merge, link)."""
    return run_import(batch_id).status
