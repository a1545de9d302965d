"""Check a restored database against its backup's manifest (run in the restored environment)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diversion.operations.backup import BackupError, Manifest, check_restored, require_postgresql


class Command(BaseCommand):
    help = ("Check the configured (restored) database against MANIFEST: keys, row counts, the "
            "processing log's chain and signed checkpoints, encrypted fields decrypting.")

    def add_arguments(self, parser):
        parser.add_argument("manifest", type=Path)

    def handle(self, *args, manifest: Path, **options):
        try:
            require_postgresql()
            result = check_restored(Manifest.read(manifest))
        except BackupError as error:
            raise CommandError(str(error)) from None
        if result.findings:
            raise CommandError(f"The restore is not sound: {len(result.findings)} findings:\n  "
                               + "\n  ".join(result.findings))
        self.stdout.write(
            f"Restore verified: {result.rows} rows match the backup; processing log of "
            f"{result.log_rows} rows intact against {result.checkpoints} signed checkpoints; "
            f"{result.decrypted} encrypted values decrypt.")
