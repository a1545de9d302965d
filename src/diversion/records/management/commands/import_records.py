"""Import a police crime-record extract from the command line (same checks as the page)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.records import services
from diversion.records.models import ImportBatch
from diversion.records.readers import ExtractError


class Command(BaseCommand):
    help = ("Import a CSV, Parquet or XLSX crime-record extract for an analyst's force, then "
            "link it to people. Re-running the same file changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--analyst", required=True,
                            help="Username of the analyst the import is done for (their force).")
        parser.add_argument("--source", required=True, help="Name of the source system.")
        parser.add_argument("--no-link", action="store_true", help="Import without linking.")
        parser.add_argument("--chunk-rows", type=int, default=services.CHUNK_ROWS)
        parser.add_argument("--resume", type=int, metavar="IMPORT_ID",
                            help="Re-run an import that was interrupted.")

    def handle(self, *args, path: Path, analyst: str, source: str, no_link: bool,
               chunk_rows: int, resume: int | None, **options):
        try:
            actor = User.objects.get(username=analyst, role=Role.ANALYST, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active analyst with username {analyst!r}") from None
        if resume:
            batch = ImportBatch.objects.filter(pk=resume, force_id=actor.organisation_id).first()
            if batch is None:
                raise CommandError(f"No import {resume} for {actor.organisation}")
        else:
            if not path.is_file():
                raise CommandError(f"No file at {path}")
            record_source = services.get_or_create_source(actor, source)
            try:
                # The file is copied to the upload directory in chunks and checked with the
                # same hard limits as an upload from the page, before the import is created.
                batch = services.start_import(actor, record_source, path.name, path,
                                              enqueue=False)
            except ExtractError as exc:
                raise CommandError(str(exc)) from None
            except services.ImportRefused as exc:
                raise CommandError("\n".join(exc.messages)) from None
            if batch.status == ImportBatch.Status.NEEDS_MAPPING:
                raise CommandError("The header row lacks required columns: "
                                   "map the columns on the upload page first")
            self.stdout.write(f"Import {batch.pk}: {batch.rows_total} rows")
        batch = services.run_import(batch.pk, chunk_rows=chunk_rows, link=not no_link)
        self.stdout.write(
            f"Import {batch.pk} {batch.get_status_display().lower()}: "
            f"{batch.rows_accepted} accepted, {batch.rows_rejected} rejected, "
            f"{batch.rows_inserted} new, {batch.rows_updated} corrected, "
            f"{batch.rows_unchanged} unchanged, {batch.unknown_code_rows} with unknown codes")
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.problem)
