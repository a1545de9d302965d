"""Recount the commissioner dashboard's aggregates now (the task queue does it when stale)."""

from django.core.management.base import BaseCommand

from diversion.commissioning import aggregates


class Command(BaseCommand):
    help = "Recount the commissioner dashboard's aggregate case counts."

    def handle(self, *args, **options):
        stored = aggregates.refresh()
        self.stdout.write(f"Stored {stored} aggregate rows.")
