"""Writes of the records app: sources and their mappings, imports (stage then merge)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import cast

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Operation, SecurityEventKind
from diversion.audit.services import record, security_event
from diversion.cases.models import OffenceCode
from diversion.core import antivirus
from diversion.records import fastcsv, merge, staging, uploads
from diversion.records.fields import guess_mapping
from diversion.records.limits import Limits
from diversion.records.models import ImportBatch, RecordSource, RejectedRow
from diversion.records.readers import HEAD_BYTES, Extract, ExtractError, decode_check, detect_format
from diversion.records.validation import check_mapping, inspect, mapped_rows, validate_row

CHUNK_ROWS = 20_000


class ImportRefused(ValueError):
    """The extract cannot be imported as it is; `messages` say why. Nothing was stored."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


UNCHECKED = "The selected file could not be checked for viruses: try again later"
INFECTED = "The selected file contains a virus: it has been deleted and not imported"
# Where a refusal happened, for the security log.
PAGE, COMMAND, WORKER = "upload page", "import_records command", "reading the file"


class UploadRefused(ExtractError):
    """A file refused by the virus scan. `str()` is what the person is told; `detail`, which
    may name the virus or the scanner's fault, goes to the security log only."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


def log_refused_upload(actor, *, reason: str, size: int, sha256: str, where: str) -> None:
    """One security event per refused file: who, where, why, its size and SHA-256; never its
    name or contents (ASVS 5.4.3, 16.3)."""
    security_event(SecurityEventKind.UPLOAD_REFUSED, user=actor, reason=f"{where}: {reason}",
                   file_size=size, file_sha256=sha256)


def log_refused_form_upload(actor, reason: str, chunks: Iterable[bytes]) -> None:
    """A file the upload form refused before storing it (type, first bytes, size cap)."""
    found_size, sha256 = uploads.digest(chunks)
    log_refused_upload(actor, reason=reason, size=found_size, sha256=sha256, where=PAGE)


@contextmanager
def _refusals_logged(actor, where: str, size: int, sha256: str) -> Iterator[None]:
    try:
        yield
    except ExtractError as exc:
        log_refused_upload(actor, reason=getattr(exc, "detail", "") or str(exc), size=size,
                           sha256=sha256, where=where)
        raise


def _store(actor, chunks: Iterable[bytes], where: str) -> uploads.Stored:
    try:
        return uploads.store(chunks, Limits.from_settings().upload_bytes, HEAD_BYTES)
    except uploads.TooLarge as exc:
        log_refused_upload(actor, reason=str(exc), size=exc.size, sha256=exc.sha256,
                           where=where)
        raise


def _screen(filename: str, stored: uploads.Stored) -> str:
    """The checks before anything else reads the stored file: type, first bytes, then the
    virus scan when a scanner is configured (fail closed: a scanner that cannot answer
    refuses the file). Returns the format."""
    fmt = _check_head(filename, stored.head)
    scanner = antivirus.configured()
    if scanner is not None:
        try:
            verdict = scanner.scan(uploads.read(stored.name))
        except antivirus.ScannerUnavailable as exc:
            raise UploadRefused(UNCHECKED, f"virus scan failed: {exc}") from None
        if verdict.infected:
            raise UploadRefused(INFECTED, f"virus found: {verdict.signature}")
    return fmt


def get_or_create_source(actor, name: str) -> RecordSource:
    source, _ = RecordSource.objects.get_or_create(
        force_id=actor.organisation_id, name=name.strip(), defaults={"created_by": actor})
    return source


def read_header(filename: str, content: bytes) -> tuple[str, list[str]]:
    """The format and header row, or ExtractError (wrong type, encoding, empty, a limit)."""
    fmt = detect_format(filename, content[:HEAD_BYTES])
    return fmt, _headers(Extract(fmt, content))


def _headers(extract: Extract) -> list[str]:
    headers, rows = extract.header_and_rows()
    rows.close()
    if not any(headers):
        raise ExtractError("The selected file has no header row")
    return headers


def _check_head(filename: str, head: bytes) -> str:
    """The cheap checks on the first bytes: type, magic bytes, emptiness, CSV encoding."""
    fmt = detect_format(filename, head)
    if fmt == "csv":
        decode_check(head)
    return fmt


def _chunks(content: bytes | Path, size: int = 1 << 20) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        for offset in range(0, len(content), size):
            yield bytes(content[offset:offset + size])
        return
    with open(content, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def queue_upload(actor, source: RecordSource, filename: str, chunks: Iterable[bytes]
                 ) -> ImportBatch:
    """Store an uploaded file and queue its import; nothing is parsed here.

    This is all the upload request does: the size cap while writing, the type, magic bytes and
    encoding of the first bytes, and the virus scan (when configured). Each refusal is a
    security event; the file is deleted. The worker reads the file (with the hard limits of
    records.limits) and the import page shows what it found or why it refused the file.
    """
    stored = _store(actor, chunks, PAGE)
    try:
        with _refusals_logged(actor, PAGE, stored.size, stored.sha256):
            fmt = _screen(filename, stored)
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                force_id=source.force_id, source=source, filename=filename[:255],
                file_format=fmt, sha256=stored.sha256, stored_name=stored.name,
                created_by=actor, mapping={}, status=ImportBatch.Status.QUEUED)
            _enqueue_on_commit(batch)
    except BaseException:
        uploads.delete(stored.name)
        raise
    return batch


def start_import(actor, source: RecordSource, filename: str, content: bytes | Path,
                 mapping: dict[str, str] | None = None, *, enqueue: bool = True) -> ImportBatch:
    """Store the file and check all of it now (the command line), then create a queued import.

    Raises ExtractError or ImportRefused, with the file removed and no import stored, if the
    file cannot be imported. With no complete mapping yet, the import waits for one (status
    NEEDS_MAPPING).
    """
    stored = _store(actor, _chunks(content), COMMAND)
    batch = ImportBatch(force_id=source.force_id, source=source, filename=filename[:255],
                        sha256=stored.sha256, stored_name=stored.name, created_by=actor,
                        mapping=dict(mapping or {}))
    try:
        with _refusals_logged(actor, COMMAND, stored.size, stored.sha256):
            batch.file_format = _screen(filename, stored)
            _prepare(batch)
        with transaction.atomic():
            _save_prepared(batch)
            if enqueue and batch.status == ImportBatch.Status.QUEUED:
                _enqueue_on_commit(batch)
    except BaseException:
        uploads.delete(stored.name)
        raise
    return batch


def _prepare(batch: ImportBatch) -> None:
    """Read the header, settle the mapping and check the whole file (row count, date styles).

    Sets the batch's headers, mapping, rows_total and status (QUEUED, or NEEDS_MAPPING) on the
    instance; raises ExtractError or ImportRefused if the file cannot be imported.
    """
    path = uploads.path_of(batch.stored_name)
    extract = Extract(batch.file_format, path)
    headers = _headers(extract)
    # A new source starts from the headings we recognise; the mapping is saved with its
    # first import, and an incomplete one is completed on the mapping page.
    mapping = dict(batch.mapping or batch.source.mapping or guess_mapping(headers))
    batch.headers, batch.mapping = headers, mapping
    if check_mapping(headers, mapping):
        batch.status = ImportBatch.Status.NEEDS_MAPPING
        return
    # PostgreSQL reads a CSV with COPY and checks it in SQL (records.fastcsv); anything it
    # cannot be sure of, and every other database and format, is read here in Python.
    found = (fastcsv.inspect(batch, path, headers, mapping) if fastcsv.usable(batch) else None
             ) or inspect(extract, mapping)
    if found.errors:
        if fastcsv.usable(batch):
            fastcsv.discard()  # the rows loaded for a file that is refused
        raise ImportRefused(found.errors)
    batch.rows_total = found.rows
    batch.status = ImportBatch.Status.QUEUED


def _save_prepared(batch: ImportBatch) -> None:
    source = batch.source
    if batch.status == ImportBatch.Status.QUEUED and not source.mapping:
        source.mapping = batch.mapping
        source.save(update_fields=["mapping"])
    if batch.pk is None:
        batch.save()
    else:
        batch.save(update_fields=["headers", "mapping", "rows_total", "status"])


def apply_mapping(actor, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Save the mapping on the source (once per source) and queue the waiting import; the
    worker checks the file against it."""
    problems = check_mapping(batch.headers, mapping)
    if problems:
        raise ImportRefused(problems)
    with transaction.atomic():
        batch.source.mapping = mapping
        batch.source.save(update_fields=["mapping"])
        batch.mapping = mapping
        batch.rows_total = 0
        batch.status = ImportBatch.Status.QUEUED
        batch.save(update_fields=["mapping", "rows_total", "status"])
        _enqueue_on_commit(batch)
    return batch


def reread(batch: ImportBatch) -> None:
    """Queue a waiting import whose header was never read by the worker (one stored before
    uploads moved to disk): the worker reads it and sends it back to the mapping page."""
    with transaction.atomic():
        _set(batch, status=ImportBatch.Status.QUEUED, rows_total=0)
        _enqueue_on_commit(batch)


def _enqueue_on_commit(batch: ImportBatch) -> None:
    from diversion.records.tasks import import_batch

    batch_id = batch.pk
    transaction.on_commit(lambda: import_batch.enqueue(batch_id))


def _set(batch: ImportBatch, **fields) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


def _fail(batch: ImportBatch, problem: str, stored_name: str) -> ImportBatch:
    """The import stops for good: say why on its page, and delete the stored file."""
    with transaction.atomic():
        staging.clear(batch.pk)
        _set(batch, status=ImportBatch.Status.FAILED, problem=problem,
             finished_at=timezone.now(), stored_name="")
    uploads.delete(stored_name)
    return batch


def _log_worker_refusal(batch: ImportBatch, stored_name: str, exc: ExtractError) -> None:
    """A file refused while it is read (an archive limit, a malformed workbook): logged like a
    refusal at the upload, for the person who uploaded it."""
    path = uploads.path_of(stored_name)
    log_refused_upload(batch.created_by, reason=str(exc), sha256=batch.sha256, where=WORKER,
                       size=path.stat().st_size if path.exists() else 0)


def run_import(batch_id: int, *, chunk_rows: int = CHUNK_ROWS, link: bool = True) -> ImportBatch:
    """Check the file if that is not done yet, validate and stage every row (progress committed
    per chunk), then merge in one transaction. Safe to re-run after a crash at any point:
    staging starts again from the top, and the merge either happened whole or not at all."""
    batch = ImportBatch.objects.select_related("source", "created_by").get(pk=batch_id)
    if batch.status in {ImportBatch.Status.DONE, ImportBatch.Status.NEEDS_MAPPING} \
            or not batch.stored_name:
        return batch
    stored_name = batch.stored_name
    if not batch.rows_total:  # queued from the page: the file has not been read yet
        _set(batch, status=ImportBatch.Status.INSPECTING, problem="")
        try:
            _prepare(batch)
        except ExtractError as exc:
            _log_worker_refusal(batch, stored_name, exc)
            return _fail(batch, str(exc), stored_name)
        except ImportRefused as exc:
            return _fail(batch, "\n".join(exc.messages), stored_name)
        with transaction.atomic():
            _save_prepared(batch)
        if batch.status == ImportBatch.Status.NEEDS_MAPPING:
            return batch
    with transaction.atomic():
        staging.clear(batch.pk)
        RejectedRow.objects.filter(batch=batch).delete()
        _set(batch, status=ImportBatch.Status.STAGING, rows_processed=0, rows_accepted=0,
             rows_rejected=0, rows_merged=0, rows_to_link=0, rows_linked=0, problem="",
             started_at=timezone.now())
    try:
        try:
            source = _stage_all(batch, chunk_rows, uploads.path_of(stored_name))
        except ExtractError as exc:
            _log_worker_refusal(batch, stored_name, exc)
            return _fail(batch, str(exc), stored_name)
        _set(batch, status=ImportBatch.Status.MERGING)
        with transaction.atomic():
            counts = merge.merge(batch.pk, source)
            actor = batch.created_by
            what = f"police crime-record extract ‘{batch.filename}’ from {batch.source.name}"
            if counts.inserted:
                record(actor=actor, operation=Operation.COLLECTION, obj=batch,
                       justification=f"Import of a {what}: {counts.inserted} new crime "
                                     "records, for evaluating reoffending (analysis)")
            if counts.updated:
                record(actor=actor, operation=Operation.ALTERATION, obj=batch,
                       justification=f"Corrections from a {what}: {counts.updated} crime "
                                     "records updated, prior versions kept")
            _set(batch, rows_inserted=counts.inserted, rows_updated=counts.updated,
                 rows_unchanged=counts.unchanged,
                 rows_merged=counts.inserted + counts.updated + counts.unchanged,
                 status=ImportBatch.Status.LINKING if link else ImportBatch.Status.DONE,
                 finished_at=None if link else timezone.now(), stored_name="")
    finally:
        if fastcsv.usable(batch):
            fastcsv.discard()  # the session's scratch tables, whatever happened
    # The file is no longer needed once its rows are merged (data minimisation).
    uploads.delete(stored_name)
    if link:
        from diversion.records.linkage import link_force

        link_force(batch.force, actor=batch.created_by, batch=batch)
        _set(batch, status=ImportBatch.Status.DONE, finished_at=timezone.now())
    return batch


def _stage_all(batch: ImportBatch, chunk_rows: int, path: Path) -> str | None:
    """Validate and stage every row. Returns the table or view the merge reads the accepted
    rows from when it is not the staging table (records.fastcsv's, on PostgreSQL)."""
    today = date.today()
    if fastcsv.usable(batch):
        # One transaction: COPY (unless the whole-file check left the rows loaded), the
        # checks in SQL, the rejections, the counts for the page.
        with transaction.atomic():
            staging.relax_commit()
            found = fastcsv.stage(batch, path, today)
            if found is not None:
                _set(batch, rows_processed=found.processed, rows_accepted=found.accepted,
                     rows_rejected=found.rejected, unknown_codes=found.unknown)
        if found is not None:
            return fastcsv.ACCEPTED
    known = set(OffenceCode.objects.values_list("code", flat=True))
    extract = Extract(batch.file_format, path)
    seen: set[str] = set()
    unknown: Counter[str] = Counter()
    staged: list[tuple] = []
    rejects: list[RejectedRow] = []
    processed = accepted = rejected = 0

    def flush() -> None:
        with transaction.atomic():
            staging.relax_commit()
            staging.stage(staged)
            RejectedRow.objects.bulk_create(rejects)
            _set(batch, rows_processed=processed, rows_accepted=accepted,
                 rows_rejected=rejected, unknown_codes=dict(sorted(unknown.items())))
        staged.clear()
        rejects.clear()

    for number, raw in mapped_rows(extract, batch.mapping):
        clean, errors = validate_row(raw, known, today)
        if clean is not None and clean["crime_reference"] in seen:
            errors = [("crime_reference",
                       "Crime reference appears more than once in this file (the first row "
                       "was kept)")]
        processed += 1
        if errors:
            rejected += 1
            rejects.extend(RejectedRow(batch=batch, row_number=number, field=f,
                                       reason=r[:300]) for f, r in errors)
        else:
            clean = cast(dict, clean)  # validate_row returns the row whenever it finds no error
            accepted += 1
            seen.add(clean["crime_reference"])
            if clean["offence_code_id"] is None:
                unknown[clean["offence_code_raw"]] += 1
            staged.append((batch.pk, batch.force_id, number,
                           *(clean[name] for name in staging.RECORD_FIELDS)))
        if processed % chunk_rows == 0:
            flush()
    flush()
    return None


def decide(actor, pair, decision: str):
    """An analyst's decision on a probable match; accepting links the record."""
    from diversion.records.models import LinkCandidate, LinkMethod, PersonLink

    with transaction.atomic():
        pair = LinkCandidate.objects.select_for_update().get(pk=pair.pk)
        if pair.decision != LinkCandidate.Decision.PENDING:
            raise ValueError("This pair has already been decided")
        pair.decision = decision
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.save(update_fields=["decision", "decided_by", "decided_at"])
        if decision == LinkCandidate.Decision.ACCEPTED:
            if PersonLink.objects.filter(record_id=pair.record_id).exists():
                raise ValueError("This crime record is already linked to someone")
            PersonLink.objects.create(
                record_id=pair.record_id, person_id=pair.person_id, force_id=pair.force_id,
                method=LinkMethod.REVIEWED, match_probability=pair.match_probability,
                match_weight=pair.match_weight, run_id=pair.run_id, reviewed_by=actor,
                reviewed_at=pair.decided_at)
            record(actor=actor, operation=Operation.COMBINATION, obj=pair,
                   justification="Linkage review: analyst accepted a probable match of a "
                                 "crime record to a person",
                   subjects=[("records.CrimeRecord", pair.record_id),
                             ("cases.Person", pair.person_id)])
        else:
            record(actor=actor, operation=Operation.CONSULTATION, obj=pair,
                   justification="Linkage review: analyst rejected a probable match",
                   subjects=[("records.CrimeRecord", pair.record_id),
                             ("cases.Person", pair.person_id)])
    return pair
