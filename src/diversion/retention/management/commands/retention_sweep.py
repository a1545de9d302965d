"""Run the retention sweep now, or (--schedule) make sure the queue holds the daily sweep.

`make run` calls `retention_sweep --schedule` before starting db_worker.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from diversion.retention.services import run_sweep
from diversion.retention.tasks import sweep

TASK_PATH = "diversion.retention.tasks.sweep"


class Command(BaseCommand):
    help = ("List records past their retention date for administrators to review, and delete "
            "expired import working rows; with --schedule, queue the daily sweep task.")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true",
                            help="Queue the sweep on the task queue unless one is waiting.")

    def handle(self, *args, schedule: bool, **options):
        if not schedule:
            found = run_sweep()
            self.stdout.write(f"Listed {found['reviews_opened']} records for review; deleted "
                              f"{found['rows_deleted']} expired import rows")
            return
        if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
            self.stdout.write("The retention sweep is already queued")
            return
        sweep.enqueue()
        self.stdout.write("Queued the retention sweep")
