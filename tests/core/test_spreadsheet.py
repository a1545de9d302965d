"""Downloads never hand a spreadsheet program a formula to run."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from diversion.commissioning import exports
from diversion.commissioning.tables import Table
from diversion.core.spreadsheet import safe_cell

HOSTILE = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1+1", "\n=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Portsmouth", "a=b", " plain", 3, -4, 2.5, None, ""])
def test_ordinary_text_and_numbers_are_left_alone(value):
    assert safe_cell(value) == value


def _table(label: str) -> Table:
    return Table(key="k", title="Referrals", caption="Referrals by provider",
                 row_header="Provider", columns=["Referrals"], rows=[(label, [12])],
                 total=("Total", [12]))


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_label_is_neutralised_in_csv_and_xlsx_downloads(label):
    body = exports.render(_table(label), "csv", "t").content.decode("utf-8-sig")
    cells = [cell for line in csv.reader(io.StringIO(body)) for cell in line]
    assert "'" + label in cells and label not in cells
    book = load_workbook(io.BytesIO(exports.render(_table(label), "xlsx", "t").content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    read_back = label.replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert "'" + read_back in values and read_back not in values
