from __future__ import annotations

from datetime import date

import pytest

from diversion.cases import pnc


def test_check_letter_skips_i_o_and_s():
    assert set("IOS").isdisjoint(pnc.CHECK_LETTERS) and len(pnc.CHECK_LETTERS) == 23


def test_check_letter_is_mod_23_of_year_and_serial():
    # 12/3456789: 123456789 % 23 = 11 -> A=1 ... H=8, J=9, K=10, L=11 (I is skipped)
    assert 123456789 % 23 == 11
    assert pnc.check_letter(2012, 3456789) == "L"
    assert pnc.check_letter(1999, 0) == pnc.CHECK_LETTERS[990000000 % 23]


@pytest.mark.parametrize("text, stored", [
    ("12/3456789L", "2012/3456789L"),
    ("2012/3456789l", "2012/3456789L"),
    (" 12 / 3456789 L ", "2012/3456789L"),
    ("98/1234Q", f"1998/0001234{pnc.check_letter(1998, 1234)}"),
])
def test_normalise(text, stored):
    if stored.endswith("Q") is False and text == "98/1234Q":
        text = f"98/1234{pnc.check_letter(1998, 1234)}"
    assert pnc.normalise(text, today=date(2026, 11, 23)) == stored


@pytest.mark.parametrize("text, message", [
    ("12/3456789A", "check letter"),
    ("12/3456789I", "check letter"),
    ("", "format"),
    ("12-3456789P", "format"),
    ("123/3456789P", "format"),
    ("12/34567890P", "format"),
])
def test_invalid(text, message):
    with pytest.raises(pnc.InvalidPNC, match=message):
        pnc.normalise(text)


def test_display_suppresses_century_and_leading_zeroes():
    assert pnc.display(pnc.make(2009, 42)) == f"09/42{pnc.check_letter(2009, 42)}"
