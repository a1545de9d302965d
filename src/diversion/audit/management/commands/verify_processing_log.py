"""Check the processing log's hash chain; run nightly. Exits 1 and names the first bad row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from diversion.audit.chain import first_break
from diversion.audit.models import ProcessingLog


class Command(BaseCommand):
    help = "Verify that no processing-log row has been edited, removed or inserted out of order."

    def handle(self, *args, **options):
        rows = ProcessingLog.objects.order_by("id").iterator(chunk_size=2000)
        problem = first_break(rows)
        if problem is not None:
            row_id, reason = problem
            raise CommandError(f"Processing log tampered with at row {row_id}: {reason}")
        count = ProcessingLog.objects.count()
        self.stdout.write(f"Processing log verified: {count} rows, chain intact.")
