"""Check the processing log's keyed chain and its signed checkpoints; run nightly.

Exits non-zero and names every finding (changed rows, blanked subject_index, deleted rows,
unknown keys, forged checkpoints). When the log is intact it appends a fresh checkpoint.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from diversion.audit.verification import verify, write_checkpoint

SHOWN = 50


class Command(BaseCommand):
    help = "Verify that no processing-log row has been edited, removed or inserted out of order."

    def handle(self, *args, **options):
        report = verify()
        if not report.intact:
            lines = report.findings[:SHOWN]
            if len(report.findings) > SHOWN:
                lines.append(f"... and {len(report.findings) - SHOWN} more findings")
            raise CommandError(
                f"Processing log tampered with: {len(report.findings)} findings over "
                f"{report.rows_checked} rows and {report.checkpoints_checked} checkpoints:\n  "
                + "\n  ".join(lines))
        write_checkpoint()
        self.stdout.write(f"Processing log verified: {report.rows_checked} rows, chain intact, "
                          f"{report.checkpoints_checked} checkpoints consistent.")
