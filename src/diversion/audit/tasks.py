"""Background jobs of the audit app, run by the task queue's worker."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from diversion.audit.chain import first_break
from diversion.audit.models import IntegrityCheck, ProcessingLog


@task()
def verify_chain(check_id: int) -> str:
    """Walk the whole processing-log chain and record whether it is intact."""
    check = IntegrityCheck.objects.get(pk=check_id)
    check.status = IntegrityCheck.Status.RUNNING
    check.save(update_fields=["status"])
    counted = 0

    def counting(rows):
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    problem = first_break(counting(ProcessingLog.objects.order_by("id").iterator(chunk_size=2000)))
    check.rows_checked = counted
    check.finished_at = timezone.now()
    if problem is None:
        check.status = IntegrityCheck.Status.PASSED
    else:
        check.status = IntegrityCheck.Status.FAILED
        check.problem = f"Row {problem[0]}: {problem[1]}"
    check.save(update_fields=["rows_checked", "finished_at", "status", "problem"])
    return check.status
