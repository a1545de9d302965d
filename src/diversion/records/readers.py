"""Read a CSV, Parquet or XLSX extract as a header and rows of text, whatever its format.

Every reader streams from the stored file and stops at the hard limits of `records.limits`:
no reader holds the whole file, or what it expands to, in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import BinaryIO

from diversion.records.limits import (
    ExtractError,
    GuardedZip,
    LimitExceeded,
    Limits,
    check_row,
    refuse_rows,
    size,
)

__all__ = ["FORMATS", "Extract", "ExtractError", "LimitExceeded", "detect_format"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
_MAGIC = {"parquet": b"PAR1", "xlsx": b"PK\x03\x04"}
# How much of the start of an upload the request looks at (type and encoding checks only).
HEAD_BYTES = 4096


def detect_format(filename: str, head: bytes) -> str:
    """The extract's format from its name, checked against its first bytes (`HEAD_BYTES` are
    enough: this is the only check made inside the upload request)."""
    fmt = FORMATS.get(PurePath(filename).suffix.lower())
    if fmt is None:
        raise ExtractError("The selected file must be a CSV, Parquet or XLSX file")
    if not head:
        raise ExtractError("The selected file is empty")
    # A Windows program renamed .csv, .xlsx or .parquet: "MZ", then the binary DOS header
    # (no text file has a NUL byte among its first 64).
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        raise ExtractError(f"The selected file is a Windows program, not a {fmt.upper()} file")
    magic = _MAGIC.get(fmt)
    if magic and not head.startswith(magic):
        raise ExtractError(f"The selected file is not a real {fmt.upper()} file: "
                           "export it again from the source system")
    if fmt == "csv" and (head.startswith(b"PK\x03\x04") or head.startswith(b"PAR1")):
        raise ExtractError("The selected file is not a CSV text file")
    if fmt == "csv" and b"\x00" in head[:HEAD_BYTES]:  # UTF-16 and other wide encodings
        raise ExtractError(_ENCODING)
    return fmt


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Extract:
    """An extract on disk (a path) or, for the command line and tests, in bytes."""

    fmt: str
    source: Path | str | bytes
    limits: Limits = field(default_factory=lambda: Limits.from_settings())

    def _open(self) -> BinaryIO:
        if isinstance(self.source, bytes | bytearray | memoryview):
            return io.BytesIO(self.source)
        return open(self.source, "rb")  # noqa: SIM115 (closed by the row iterator)

    def header_and_rows(self) -> tuple[list[str], Generator[list[str], None, None]]:
        """The header row, and an iterator of the data rows (each a list of text cells).

        Raises ExtractError (LimitExceeded for a limit) from either, at the first problem.
        """
        reader = getattr(self, f"_{self.fmt}")
        return reader()

    def _counted(self, rows: Iterator[list[str]], first_number: int = 2):
        """Rows with the row-count, column and cell limits applied (blank rows count too:
        they cost the same to read)."""
        limits = self.limits
        for count, row in enumerate(rows, start=1):
            if count > limits.rows:
                refuse_rows(count, limits)
            check_row(first_number + count - 1, row, limits)
            if any(row):
                yield row

    # --- CSV: the csv module over a line reader that caps the length of one record --------
    def _csv(self):
        limits = self.limits
        binary = self._open()
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        pending = [0]  # characters read for the record being parsed

        def lines():
            while True:
                line = stream.readline(limits.row_chars + 1)
                if not line:
                    return
                pending[0] += len(line)
                if pending[0] > limits.row_chars:
                    raise LimitExceeded(
                        f"A row of the file is longer than {limits.row_chars:,} characters "
                        "(the limit for one row)")
                yield line

        reader = csv.reader(lines())

        def parsed():
            try:
                strip = str.strip
                for row in reader:
                    pending[0] = 0
                    yield list(map(strip, row))
            except UnicodeDecodeError:
                raise ExtractError(_ENCODING) from None
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise LimitExceeded(
                        f"A cell of row {reader.line_num:,} holds more than "
                        f"{limits.cell_chars:,} characters (the limit for one cell)") from None
                raise ExtractError(f"The file could not be read as CSV: {exc}") from None
            finally:
                binary.close()

        rows = parsed()
        header = next(rows, None)
        if header is None:
            raise ExtractError("The selected file is empty")
        check_row(1, header, limits)
        return header, self._counted(rows)

    # --- Parquet: metadata checked first (rows, columns, uncompressed sizes) ----------------
    def _parquet(self):
        import pyarrow.parquet as pq

        limits = self.limits
        binary = self._open()
        try:
            parquet = pq.ParquetFile(binary)
            meta = parquet.metadata
            header = [str(name) for name in parquet.schema_arrow.names]
        except Exception:
            binary.close()
            raise ExtractError("The selected file is not a readable Parquet file") from None
        try:
            if meta.num_columns > limits.columns:
                raise LimitExceeded(f"The file has {meta.num_columns:,} columns: the limit is "
                                    f"{limits.columns:,}")
            if meta.num_rows > limits.rows:
                raise LimitExceeded(f"The file has {meta.num_rows:,} rows: the limit is "
                                    f"{limits.rows:,}. Split it into smaller extracts")
            groups = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
            if sum(groups) > limits.expanded_bytes:
                raise LimitExceeded(
                    f"The file expands to {size(sum(groups))}: the limit is "
                    f"{size(limits.expanded_bytes)}. Split it into smaller extracts")
            if groups and max(groups) > limits.row_group_bytes:
                raise LimitExceeded(
                    f"A row group of the file expands to {size(max(groups))}: the limit is "
                    f"{size(limits.row_group_bytes)}. Write it with smaller row groups")
            check_row(1, header, limits)
        except ExtractError:
            binary.close()
            raise

        def rows():
            try:
                for batch in parquet.iter_batches(batch_size=5_000):
                    columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                    for values in zip(*columns, strict=True):
                        yield [_text(v) for v in values]
            except ExtractError:
                raise
            except Exception:
                raise ExtractError("The selected file is not a readable Parquet file") from None
            finally:
                binary.close()

        return header, self._counted(rows())

    # --- XLSX: ZIP directory checked, parts counted while they decompress, no entities ------
    def _xlsx(self):
        import openpyxl.xml

        if not openpyxl.xml.DEFUSEDXML:
            # Fail closed: without defusedxml, openpyxl would expand XML entities.
            raise ExtractError("XLSX extracts cannot be read on this server (defusedxml is "
                               "missing): upload the extract as CSV")
        binary = self._open()
        try:
            archive = GuardedZip(binary, self.limits)
            reader = _reader_class()(binary, read_only=True, data_only=True)
            reader.archive.close()
            reader.archive, reader.valid_files = archive, archive.namelist()
            reader.read()
            sheet = reader.wb.worksheets[0]
            cells = sheet.iter_rows(values_only=True)
            first = next(cells, None)
        except Exception as exc:
            binary.close()
            raise _xlsx_problem(exc) from None
        if first is None:
            binary.close()
            raise ExtractError("The selected file is empty")
        header = _trimmed([_text(v) for v in first])
        check_row(1, header, self.limits)

        def rows():
            try:
                for values in cells:
                    yield _trimmed([_text(v) for v in values])
            except Exception as exc:
                raise _xlsx_problem(exc) from None
            finally:
                binary.close()

        return header, self._counted(rows())


def _reader_class():
    """openpyxl's read-only workbook reader, with worksheets that do not pre-read their size.

    openpyxl reads each worksheet's declared dimension when it opens the workbook, and when a
    sheet declares none it parses the whole sheet to find out; a declared dimension also pads
    every row to its width (16,384 columns for A1:XFD1048576). Rows here are as long as their
    cells, and the column limit applies to them.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            return None

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    return Reader


def _trimmed(row: list[str]) -> list[str]:
    """A worksheet row without the empty cells openpyxl pads it with on the right."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _xlsx_problem(exc: BaseException) -> ExtractError:
    """The person's message for whatever stopped openpyxl (it wraps errors in ValueError)."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ExtractError):
            return seen
        if isinstance(seen, DefusedXmlException):
            return ExtractError("The workbook declares XML entities, which are refused (a file "
                                "built to expand when opened). Save it again from the "
                                "spreadsheet program, or export the extract as CSV")
        seen = seen.__cause__ or seen.__context__
    return ExtractError("The selected file is not a readable XLSX workbook")


def decode_check(head: bytes) -> None:
    """Refuse a CSV whose first bytes are not UTF-8 (the rest is checked as it is read)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        raise ExtractError(_ENCODING) from None


_ENCODING = ("The selected file is not UTF-8 encoded: save it as ‘CSV UTF-8’ and upload it "
             "again")
