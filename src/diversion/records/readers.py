"""Read a CSV, Parquet or XLSX extract as a header and rows of text, whatever its format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
_MAGIC = {"parquet": b"PAR1", "xlsx": b"PK\x03\x04"}


class ExtractError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the person."""


def detect_format(filename: str, content: bytes) -> str:
    """The extract's format from its name, checked against its first bytes."""
    fmt = FORMATS.get(PurePath(filename).suffix.lower())
    if fmt is None:
        raise ExtractError("The selected file must be a CSV, Parquet or XLSX file")
    if not content:
        raise ExtractError("The selected file is empty")
    magic = _MAGIC.get(fmt)
    if magic and not content.startswith(magic):
        raise ExtractError(f"The selected file is not a real {fmt.upper()} file: "
                           "export it again from the source system")
    if fmt == "csv" and (content.startswith(b"PK\x03\x04") or content.startswith(b"PAR1")):
        raise ExtractError("The selected file is not a CSV text file")
    if fmt == "csv" and b"\x00" in content[:4096]:  # UTF-16 and other wide encodings
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
    fmt: str
    content: bytes

    def header_and_rows(self) -> tuple[list[str], Iterator[list[str]]]:
        """The header row, and an iterator of the data rows (each a list of text cells)."""
        reader = getattr(self, f"_{self.fmt}")
        return reader()

    def _csv(self):
        stream = io.TextIOWrapper(io.BytesIO(self.content), encoding="utf-8-sig", newline="")
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            raise ExtractError(_ENCODING) from None
        except csv.Error as exc:
            raise ExtractError(f"The file could not be read as CSV: {exc}") from None
        if header is None:
            raise ExtractError("The selected file is empty")

        def rows():
            try:
                for row in reader:
                    if any(cell.strip() for cell in row):
                        yield [cell.strip() for cell in row]
            except UnicodeDecodeError:
                raise ExtractError(_ENCODING) from None
            except csv.Error as exc:
                raise ExtractError(f"The file could not be read as CSV: {exc}") from None

        return [h.strip() for h in header], rows()

    def _parquet(self):
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(io.BytesIO(self.content))
        except Exception:
            raise ExtractError("The selected file is not a readable Parquet file") from None
        header = [str(name) for name in parquet.schema_arrow.names]

        def rows():
            for batch in parquet.iter_batches(batch_size=20_000):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for values in zip(*columns, strict=True):
                    yield [_text(v) for v in values]

        return header, rows()

    def _xlsx(self):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
        except Exception:
            raise ExtractError("The selected file is not a readable XLSX workbook") from None
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        first = next(cells, None)
        if first is None:
            raise ExtractError("The selected file is empty")
        header = [_text(v) for v in first]

        def rows():
            for values in cells:
                row = [_text(v) for v in values]
                if any(row):
                    yield row

        return header, rows()


_ENCODING = ("The selected file is not UTF-8 encoded: save it as ‘CSV UTF-8’ and upload it "
             "again")
