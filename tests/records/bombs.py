"""Hostile workbooks built by hand: small files that expand to gigabytes, parts that lie about
their size, too many parts, XML entities. Used by the tests and by bench/upload_memory.py.

The ZIP is written with struct (zipfile cannot write precompressed data or false sizes). A
deflate stream of N identical megabytes is one compressed megabyte repeated: after a full
flush the compressor starts afresh, so every repeat compresses to the same bytes, and a
several-gigabyte part takes milliseconds to build.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

MB = 1 << 20

SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b"<sheetData>")
SHEET_TAIL = b"</sheetData></worksheet>"


@dataclass
class Part:
    name: str
    data: bytes  # raw deflate stream
    size: int  # the uncompressed size the headers declare
    crc: int


def deflated(name: str, content: bytes) -> Part:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Part(name, c.compress(content) + c.flush(), len(content), zlib.crc32(content))


def repeated(name: str, head: bytes, unit: bytes, times: int, tail: bytes = b"",
             declared: int | None = None) -> Part:
    """head + unit * times + tail, deflated; `declared` overrides the size the header states.
    The CRC is left wrong (computing it would read the gigabytes): a reader that checks it
    has already read the whole part, which is what must never happen."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    data = first + block * times + c.compress(tail) + c.flush()
    size = len(head) + len(unit) * times + len(tail)
    return Part(name, data, size if declared is None else declared, 0)


def build_zip(parts: list[Part]) -> bytes:
    out = io.BytesIO()
    central = []
    for part in parts:
        name = part.name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, part.crc,
                              len(part.data), part.size, len(name), 0))
        out.write(name)
        out.write(part.data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                   part.crc, len(part.data), part.size, len(name), 0, 0, 0,
                                   0, 0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts),
                          out.tell() - start, start, 0))
    return out.getvalue()


def workbook_parts(rows: list[list] | None = None) -> list[Part]:
    """The parts of a real openpyxl workbook (header row only, unless rows are given)."""
    from openpyxl import Workbook

    from tests.records.helpers import HEADER

    book = Workbook()
    sheet = book.active
    for values in rows or [HEADER]:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return [deflated(info.filename, archive.read(info.filename))
                for info in archive.infolist()]


def with_part(replacement: Part, extra: list[Part] = ()) -> bytes:
    """A real workbook with one part replaced (or added), and optional extra parts."""
    parts = [p for p in workbook_parts() if p.name != replacement.name]
    return build_zip([*parts, replacement, *extra])


def zeros_sheet(gigabytes: float, declared: int | None = None) -> bytes:
    """A workbook whose worksheet is `gigabytes` of zero bytes (about 1 MB per GB)."""
    times = int(gigabytes * 1024)
    return with_part(repeated("xl/worksheets/sheet1.xml", b"", b"\0" * MB, times,
                              declared=declared))


def header_row() -> bytes:
    from tests.records.helpers import HEADER

    return b"<row>" + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % h.encode()
                               for h in HEADER) + b"</row>"


def rows_sheet(megabytes: int, declared: int | None = None) -> bytes:
    """A well-formed worksheet (the usual header, then tiny rows), `megabytes` long once
    expanded."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    unit = row * (MB // len(row))
    return with_part(repeated("xl/worksheets/sheet1.xml", SHEET_HEAD + header_row(), unit,
                              megabytes, SHEET_TAIL, declared=declared))


def one_huge_row(megabytes: int) -> bytes:
    """A worksheet whose single row holds `megabytes` of cells (no row ends in sight). The
    cells hold random digits, so the part compresses like a real sheet (under the ratio
    limit) and only the row limit can stop it."""
    import random

    rng = random.Random(1)
    unit = b""
    while len(unit) < MB:
        unit += b'<c t="inlineStr"><is><t>%d</t></is></c>' % rng.getrandbits(64)
    return with_part(repeated("xl/worksheets/sheet1.xml", SHEET_HEAD + b"<row>", unit,
                              megabytes, b"</row>" + SHEET_TAIL))


def one_row_of_long_cells(megabytes: int) -> bytes:
    """A worksheet whose single row holds `megabytes` in few cells of 30,000 random digits
    each: under the cells-per-row limit, so only the row's size can stop it."""
    import random

    rng = random.Random(2)
    unit = b""
    while len(unit) < MB:
        digits = bytes(rng.choices(b"0123456789", k=30_000))
        unit += b'<c t="inlineStr"><is><t>%s</t></is></c>' % digits
    return with_part(repeated("xl/worksheets/sheet1.xml", SHEET_HEAD + b"<row>", unit,
                              megabytes, b"</row>" + SHEET_TAIL))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b"]>")


def billion_laughs(part: str) -> bytes:
    """A workbook whose `part` declares the nine-level entity expansion (3 GB of "lol")."""
    if part == "xl/worksheets/sheet1.xml":
        body = (BILLION_LAUGHS + SHEET_HEAD.split(b"?>\n", 1)[1]
                + b'<row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>' + SHEET_TAIL)
    else:
        original = next(p for p in workbook_parts() if p.name == part)
        text = zlib.decompress(original.data, -15)
        body = BILLION_LAUGHS + text.split(b"?>", 1)[-1].replace(b"<sheets>", b"<sheets>&lol9;")
    return with_part(deflated(part, body))


def many_shared_strings(count: int) -> bytes:
    """A workbook (header row only) with a shared-strings part of `count` different texts."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org'
            b'/spreadsheetml/2006/main">')
    body = b"".join(b"<si><t>text %d</t></si>" % i for i in range(count))
    parts = workbook_parts()
    types = next(p for p in parts if p.name == "[Content_Types].xml")
    text = zlib.decompress(types.data, -15).replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return build_zip([*[p for p in parts if p.name != types.name],
                      deflated(types.name, text),
                      deflated("xl/sharedStrings.xml", head + body + b"</sst>")])
