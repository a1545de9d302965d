"""Back up the database: pg_dump, the processing log's signed checkpoints and a manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diversion.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Dump the database (PostgreSQL) with the signed log checkpoints and a manifest into "
            "OUT. Keys are written only with --keys-file, to a separate owner-only file.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="folder for the backup")
        parser.add_argument("--keys-file", type=Path,
                            help="also write the keys a restore needs here (mode 0600, never "
                                 "overwritten; keep it apart from the backup)")
        parser.add_argument("--keys-beside-data", action="store_true",
                            help="allow the keys file in the backup folder")

    def handle(self, *args, out: Path, keys_file: Path | None, keys_beside_data: bool,
               **options):
        try:
            manifest = backup(out, keys_file=keys_file, keys_beside_data=keys_beside_data)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written: {manifest}")
        if keys_file is not None:
            self.stdout.write(f"Keys written (owner-only): {keys_file}")
