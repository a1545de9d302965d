"""Run the delivery sweep now, or (--schedule) make sure the queue holds the repeating sweep.

`make run` calls `delivery_sweep --schedule` before starting db_worker, so reminders and
overdue flags are raised by the worker every DELIVERY_SWEEP_MINUTES, with no page loads.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from diversion.delivery.sweep import run_sweep
from diversion.delivery.tasks import sweep
from diversion.notifications.tasks import recover_stale_sends

TASK_PATH = "diversion.delivery.tasks.sweep"


class Command(BaseCommand):
    help = "Raise delivery reminders now; with --schedule, queue the repeating sweep task."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true",
                            help="Queue the sweep on the task queue unless one is waiting.")

    def handle(self, *args, schedule: bool, **options):
        if not schedule:
            self.stdout.write(f"Raised {run_sweep()} new reminders")
            self.stdout.write(f"Queued again {recover_stale_sends()} emails left half-sent by "
                              "a stopped worker")
            return
        waiting = DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists()
        if waiting:
            self.stdout.write("The delivery sweep is already queued")
            return
        sweep.enqueue()
        self.stdout.write("Queued the delivery sweep")
