"""CSV and XLSX renderings of a disclosure-controlled table."""

from __future__ import annotations

import csv
import io
import re

from django.http import HttpResponse
from openpyxl import Workbook

from diversion.commissioning.tables import Table
from diversion.core.spreadsheet import safe_row

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def render(table: Table, fmt: str, filename: str) -> HttpResponse:
    rows = [safe_row(row) for row in table.export_rows()]
    notes = [[table.title], [table.caption],
             ["[c] = withheld to protect confidentiality (small count, or to stop a total "
              "revealing one)"], []]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(notes + rows)
        body = buffer.getvalue().encode("utf-8-sig")
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = re.sub(r"[^A-Za-z0-9 ]", "", table.title)[:31] or "Table"
        for row in notes + rows:
            sheet.append(row)
        stream = io.BytesIO()
        book.save(stream)
        body = stream.getvalue()
    else:
        raise ValueError(f"unknown format {fmt}")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    safe = re.sub(r"[^a-z0-9_-]", "", filename.lower()) or "table"
    response["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response
