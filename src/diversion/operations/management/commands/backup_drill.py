"""The restore drill: back up, restore into a scratch database, and prove the copy sound.

A restore is only known to work once it has been done: this runs the three steps an operator
would (backup_database with a separate keys file, restore_backup, verify_restore in a fresh
process that knows only the backup, the keys file and the restored checkpoints), then removes
the scratch database and the temporary files (the keys among them) unless --keep.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from diversion.operations.backup import (
    BackupError,
    backup,
    database_url,
    drop_database,
    read_keys_file,
    require_postgresql,
    restore,
)

# The restored process gets its keys from the keys file only, never from this environment.
_NOT_INHERITED = {"DATABASE_URL", "SECRET_KEY", "DIVERSION_FIELD_KEYS", "DIVERSION_LOG_KEYS",
                  "DIVERSION_BACKUP_KEYS", "DIVERSION_LOG_CHECKPOINT_DIR"}


class Command(BaseCommand):
    help = ("Back up this database, restore it into a scratch database and verify the copy "
            "(row counts, log chain and checkpoints, encrypted fields). PostgreSQL only.")

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true",
                            help="keep the scratch database and the files (keys included)")

    def handle(self, *args, keep: bool, **options):
        try:
            require_postgresql()
        except BackupError as error:
            raise CommandError(str(error)) from None
        work = Path(tempfile.mkdtemp(prefix="diversion-drill-"))  # mode 0700
        scratch = f"{database_url()}_drill_{secrets.token_hex(4)}"
        restored_created = False
        try:
            # The keys go to a folder of their own, as an operator keeps them apart.
            (work / "keys").mkdir(mode=0o700)
            manifest = backup(work / "backup", keys_file=work / "keys" / "keys.env")
            self.stdout.write(f"1. Backed up {connection.settings_dict['NAME']} to {manifest}")
            restored_created = True
            restore(manifest, scratch, work / "restored-checkpoints")
            self.stdout.write(f"2. Restored into {scratch.rsplit('/', 1)[-1]}")
            env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
            env.update(read_keys_file(work / "keys" / "keys.env"))
            env.update(DATABASE_URL=scratch,
                       DIVERSION_LOG_CHECKPOINT_DIR=str(work / "restored-checkpoints"),
                       DJANGO_SETTINGS_MODULE="diversion.settings")
            check = subprocess.run(  # noqa: S603 (our own argv)
                [sys.executable, "-m", "django", "verify_restore", str(manifest)],
                env=env, capture_output=True, text=True, check=False)
            if check.returncode != 0:
                raise CommandError("3. The restored copy failed its checks:\n"
                                   + (check.stderr.strip() or check.stdout.strip()))
            self.stdout.write(f"3. {check.stdout.strip()}")
        except BackupError as error:
            raise CommandError(str(error)) from None
        finally:
            if keep:
                self.stdout.write(f"Kept: the scratch database and {work} (it holds the keys: "
                                  "delete it when done)")
            else:
                if restored_created:
                    drop_database(scratch)
                shutil.rmtree(work, ignore_errors=True)
        self.stdout.write("Restore drill passed.")
