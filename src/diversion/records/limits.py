"""Hard limits on what an uploaded extract may expand to, and the guards that enforce them.

An extract is untrusted input from a browser. A few megabytes of XLSX (a ZIP of XML) or
Parquet (compressed columns) can expand to gigabytes, and a CSV can hold one endless row, so
every reader here checks what the file *declares* before reading (ZIP directory, Parquet
metadata) and counts what it *actually* produces while reading, and stops at the first limit
with a message naming the limit and the value found. Nothing here holds a whole file in
memory: the worker's memory is bounded by the limits below, not by the file.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024


class ExtractError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the person."""


class LimitExceeded(ExtractError):
    """The extract is over one of the hard limits; the message names the limit and the value."""


@dataclass(frozen=True)
class Limits:
    upload_bytes: int = 512 * MB          # the uploaded file itself
    expanded_bytes: int = 512 * MB        # XLSX: all parts uncompressed; Parquet: all columns
    zip_members: int = 500                # parts in an XLSX (a plain workbook has about 10)
    compression_ratio: int = 100          # uncompressed / compressed, per part over 1 MB
    shared_strings_bytes: int = 64 * MB   # XLSX shared-strings part (held whole by openpyxl)
    shared_strings: int = 1_000_000       # different texts in it (about 130 bytes each held)
    other_part_bytes: int = 8 * MB        # any other XLSX part that is not a worksheet
    row_xml_bytes: int = 2 * MB           # one worksheet row, as XML
    row_group_bytes: int = 256 * MB       # one Parquet row group, uncompressed
    rows: int = 2_000_000                 # data rows
    columns: int = 500
    cell_chars: int = 32_767              # Excel's own limit for one cell
    row_chars: int = 1_000_000            # one CSV record, all its cells and separators

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(upload_bytes=settings.RECORDS_UPLOAD_MAX_MB * MB,
                   expanded_bytes=settings.RECORDS_EXPANDED_MAX_MB * MB,
                   rows=settings.RECORDS_MAX_ROWS)


# Below this size a part's compression ratio says nothing (tiny parts compress oddly).
_RATIO_FLOOR = 1 * MB


def size(n: int) -> str:
    """Bytes for a person: '512 MB', '1.5 GB', '900 KB'."""
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):.1f} GB".replace(".0 GB", " GB")
    if n >= MB:
        return f"{n / MB:.0f} MB"
    return f"{max(1, round(n / 1024))} KB"


def check_zip_directory(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a workbook whose ZIP directory declares too much, before decompressing any of it."""
    members = archive.infolist()
    if len(members) > limits.zip_members:
        raise LimitExceeded(
            f"The workbook has {len(members):,} parts inside it: the limit is "
            f"{limits.zip_members:,}. Save it again from the spreadsheet program, or export "
            "the extract as CSV")
    total = 0
    for info in members:
        total += info.file_size
        allowed = part_limit(info.filename, limits)
        if info.file_size > allowed:
            raise LimitExceeded(
                f"The workbook part ‘{info.filename}’ expands to {size(info.file_size)}: the "
                f"limit is {size(allowed)}. Export the extract as CSV instead")
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.compression_ratio:
                raise LimitExceeded(
                    f"The workbook part ‘{info.filename}’ is compressed {ratio:,.0f} to 1: the "
                    f"limit is {limits.compression_ratio} to 1 (a file built to expand when "
                    "opened is refused)")
    if total > limits.expanded_bytes:
        raise LimitExceeded(
            f"The workbook expands to {size(total)}: the limit is {size(limits.expanded_bytes)}. "
            "Export the extract as CSV instead, or split it")


def part_limit(name: str, limits: Limits) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return limits.expanded_bytes
    if name == "xl/sharedStrings.xml":
        return limits.shared_strings_bytes
    return limits.other_part_bytes


# A row tag (open, close or empty, with or without a namespace prefix). Cell text cannot hold
# a literal "<", so every match is markup.
_ROW_TAG = re.compile(rb"<(?:/)?(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


class _CountingPart:
    """A decompressing stream over one ZIP part that stops at the limits while it reads.

    zipfile itself stops at the size the directory declares and then fails its CRC check, so
    a part that lies about its size is caught; the counts here do not rely on that.
    """

    def __init__(self, raw, name: str, archive: GuardedZip):
        self._raw = raw
        self._name = name
        self._archive = archive
        self._read = 0
        self._allowed = part_limit(name, archive.limits)
        self._rows = name.startswith("xl/worksheets/")
        self._strings = name == "xl/sharedStrings.xml"
        self._string_count = 0
        self._since_row = 0
        self._cells = 0  # cells since the last row tag
        self._tail = b""

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n)
        except zipfile.BadZipFile:
            raise ExtractError(
                f"The workbook is damaged: its part ‘{self._name}’ does not match the size and "
                "checksum its header declares. Save it again from the spreadsheet program"
            ) from None
        except (OSError, EOFError, ValueError):
            raise ExtractError("The selected file is not a readable XLSX workbook") from None
        self._count(data)
        return data

    def _count(self, data: bytes) -> None:
        limits = self._archive.limits
        self._read += len(data)
        # A part read twice (openpyxl may) counts once towards what the workbook expands to.
        before = self._archive.read_by_part.get(self._name, 0)
        if self._read > before:
            self._archive.expanded += self._read - before
            self._archive.read_by_part[self._name] = self._read
        if self._read > self._allowed:
            raise LimitExceeded(
                f"The workbook part ‘{self._name}’ expands to more than {size(self._allowed)} "
                f"(the limit). Export the extract as CSV instead")
        if self._archive.expanded > limits.expanded_bytes:
            raise LimitExceeded(
                f"The workbook expands to more than {size(limits.expanded_bytes)} (the limit). "
                "Export the extract as CSV instead, or split it")
        if self._strings and data:
            # Count tags that start in this chunk (a tag split across chunks is counted once,
            # from the window that holds all of it).
            window = self._tail + data
            self._string_count += sum(1 for m in _STRING_TAG.finditer(window)
                                      if m.end() > len(self._tail))
            self._tail = window[-32:]
            if self._string_count > limits.shared_strings:
                raise LimitExceeded(
                    f"The workbook holds more than {limits.shared_strings:,} different texts "
                    "(the limit). Export the extract as CSV instead")
        if self._rows and data:
            window = self._tail + data
            ends = [match.end() for match in _ROW_TAG.finditer(window)]
            # The parser holds a row's cells as objects until the row ends (a few hundred
            # bytes each), so a row of many tiny cells costs far more memory than its XML:
            # count cells as well as bytes. Every cell after the last row tag is in `window`.
            if ends:
                self._since_row = len(window) - ends[-1]
                self._cells = sum(1 for _ in _CELL_TAG.finditer(window, ends[-1]))
            else:
                self._since_row += len(data)
                self._cells += sum(1 for m in _CELL_TAG.finditer(window)
                                   if m.end() > len(self._tail))
            self._tail = window[-32:]
            if self._cells > limits.columns:
                raise LimitExceeded(
                    f"A row of the worksheet has more than {limits.columns:,} cells: the limit "
                    f"is {limits.columns:,} columns")
            if self._since_row > limits.row_xml_bytes:
                raise LimitExceeded(
                    f"A row of the worksheet is larger than {size(limits.row_xml_bytes)} (the "
                    "limit for one row)")

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class GuardedZip(zipfile.ZipFile):
    """A ZipFile whose parts are counted while they decompress (see _CountingPart)."""

    def __init__(self, file, limits: Limits):
        super().__init__(file, "r")
        self.limits = limits
        self.expanded = 0
        self.read_by_part: dict[str, int] = {}
        check_zip_directory(self, limits)

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode != "r":
            raise ValueError("read only")
        raw = super().open(name, mode, pwd)
        return _CountingPart(raw, raw.name, self)

    def read(self, name, pwd=None) -> bytes:
        with self.open(name, "r", pwd) as part:
            return part.read()


def refuse_rows(count: int, limits: Limits) -> None:
    raise LimitExceeded(f"The file has more than {limits.rows:,} rows (the limit). Split it "
                        "into smaller extracts")


def check_row(number: int, row: list[str], limits: Limits) -> None:
    """Refuse a row over the column or cell-length limits (number as a spreadsheet counts)."""
    if len(row) > limits.columns:
        raise LimitExceeded(f"Row {number:,} has {len(row):,} columns: the limit is "
                            f"{limits.columns:,}")
    if not row or max(map(len, row)) <= limits.cell_chars:  # the common case, in C
        return
    for index, cell in enumerate(row):
        if len(cell) > limits.cell_chars:
            raise LimitExceeded(
                f"Row {number:,}, column {index + 1:,} holds {len(cell):,} characters: the "
                f"limit for one cell is {limits.cell_chars:,}")
