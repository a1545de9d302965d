"""Background jobs of the commissioning app, run by the task queue's worker."""

from __future__ import annotations

from django_tasks import task

from diversion.commissioning import aggregates


@task()
def refresh_dashboard_aggregates() -> int:
    """Recount the dashboard's aggregates from the cases."""
    return aggregates.refresh()
