"""Append a signed checkpoint of the processing log now, or (--schedule) queue the repeating one.

`make run` calls `checkpoint_processing_log --schedule` before starting db_worker, so a
checkpoint is written every DIVERSION_LOG_CHECKPOINT_MINUTES with no page loads.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from diversion.audit.tasks import checkpoint
from diversion.audit.verification import checkpoint_path, write_checkpoint

TASK_PATH = "diversion.audit.tasks.checkpoint"


class Command(BaseCommand):
    help = ("Append a signed checkpoint (row count and newest MAC of each lane) of the "
            "processing log.")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true",
                            help="Queue the repeating checkpoint task unless one is waiting.")

    def handle(self, *args, schedule: bool, **options):
        if not schedule:
            entries = write_checkpoint()
            rows, lanes = sum(e["rows"] for e in entries), len(entries)
            self.stdout.write(f"Checkpoint of {rows} rows in {lanes} lane{'s' * (lanes != 1)} "
                              f"appended to {checkpoint_path()}")
            return
        if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
            self.stdout.write("The processing-log checkpoint is already queued")
            return
        checkpoint.enqueue()
        self.stdout.write("Queued the processing-log checkpoint")
