"""Background jobs of the audit app, run by the task queue's worker."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from diversion.audit.models import IntegrityCheck
from diversion.audit.verification import verify, write_checkpoint


@task()
def verify_chain(check_id: int) -> str:
    """Check the whole keyed chain and the checkpoints, and record whether they are intact."""
    check = IntegrityCheck.objects.get(pk=check_id)
    check.status = IntegrityCheck.Status.RUNNING
    check.save(update_fields=["status"])
    report = verify()
    check.rows_checked = report.rows_checked
    check.finished_at = timezone.now()
    if report.intact:
        check.status = IntegrityCheck.Status.PASSED
        write_checkpoint()
    else:
        check.status = IntegrityCheck.Status.FAILED
        more = f" (and {len(report.findings) - 1} more)" if len(report.findings) > 1 else ""
        check.problem = (report.findings[0][:300 - len(more)] + more)[:300]
    check.save(update_fields=["rows_checked", "finished_at", "status", "problem"])
    return check.status


@task()
def checkpoint(reschedule: bool = True) -> int:
    """Append a signed checkpoint of the log, then queue the next one (a self-renewing chain)."""
    entries = write_checkpoint()
    if reschedule:
        minutes = int(getattr(settings, "DIVERSION_LOG_CHECKPOINT_MINUTES", 15))
        checkpoint.using(run_after=timezone.now() + timedelta(minutes=minutes)).enqueue()
    return sum(entry["rows"] for entry in entries)
