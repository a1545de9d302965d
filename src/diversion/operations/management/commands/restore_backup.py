"""Restore a backup into a new database, then check it with verify_restore (see README)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diversion.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore MANIFEST's dump into a new PostgreSQL database and its checkpoints into a "
            "folder, after checking both against the manifest's checksums.")

    def add_arguments(self, parser):
        parser.add_argument("manifest", type=Path)
        parser.add_argument("--database-url", required=True,
                            help="postgres://.../name of a new or empty database")
        parser.add_argument("--checkpoint-dir", required=True, type=Path,
                            help="empty folder for the restored DIVERSION_LOG_CHECKPOINT_DIR")

    def handle(self, *args, manifest: Path, database_url: str, checkpoint_dir: Path,
               **options):
        try:
            restore(manifest, database_url, checkpoint_dir)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Restored. Now run verify_restore with DATABASE_URL, "
                          "DIVERSION_LOG_CHECKPOINT_DIR and the keys set for the restored copy.")
