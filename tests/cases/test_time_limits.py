"""Prosecution time limits: MCA 1980 s.127 and CJA 1988 s.39A (whichever ends first)."""

from __future__ import annotations

from datetime import date

import pytest

from diversion.cases.time_limits import add_months, prosecution_time_limit


def limit(code="105A", offence=date(2026, 1, 10), da=True, statement=None):
    return prosecution_time_limit(offence_code=code, offence_date=offence, domestic_abuse=da,
                                  victim_statement_date=statement)


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 1), 6, date(2026, 7, 1)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2024, 2, 29), 24, date(2026, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


def test_s127_six_months_from_the_offence_for_a_summary_offence():
    result = limit(code="8L", offence=date(2026, 1, 1), da=True)
    assert result.basis == "s127" and result.last_day == date(2026, 7, 1)
    assert limit(code="105A", da=False, offence=date(2026, 3, 31)).last_day == date(2026, 9, 30)


def test_either_way_offences_have_no_limit():
    result = limit(code="58A")
    assert result.last_day is None and result.basis == "none"
    assert result.days_left(date(2030, 1, 1)) is None and not result.expired(date(2040, 1, 1))


def test_s39a_six_months_from_the_statement_excludes_its_first_day():
    # The worked example: a statement on 22 Nov 2026 gives up to and including 22 May 2027.
    result = limit(offence=date(2026, 10, 1), statement=date(2026, 11, 22))
    assert result.basis == "s39a"
    assert result.last_day == date(2027, 5, 22)
    assert "22 November 2026" in result.explanation
    assert limit(offence=date(2026, 1, 10), statement=date(2026, 1, 12)).last_day == \
        date(2026, 7, 12)


def test_s39a_late_statement_is_capped_at_two_years_from_the_offence():
    result = limit(offence=date(2026, 1, 10), statement=date(2027, 12, 1))
    assert result.last_day == date(2028, 1, 10)
    assert "2 years from the offence" in result.explanation


def test_s39a_boundary_where_both_periods_end_together():
    # Statement 18 months after the offence: 6 months from it ends on the 2-year day.
    result = limit(offence=date(2026, 1, 10), statement=date(2027, 7, 10))
    assert result.last_day == date(2028, 1, 10)
    assert "6 months from the victim's statement" in result.explanation


def test_without_a_statement_s39a_does_not_apply_and_s127_stands():
    # The audit's case: a DA common assault on 15 Oct 2026 with no statement recorded showed
    # 15 Oct 2028 (the s.39A outer limit); s.127 gives 15 Apr 2027.
    result = limit(offence=date(2026, 10, 15))
    assert result.basis == "s127_until_statement"
    assert result.last_day == date(2027, 4, 15)
    assert "s.127" in result.explanation and "15 October 2028" in result.explanation


def test_a_statement_after_the_s127_limit_still_opens_s39a():
    # The point of s.39A: a victim who comes forward late. Offence 10 Jan 2026, s.127 ends
    # 10 Jul 2026; a statement on 1 Sep 2026 gives until 1 Mar 2027.
    result = limit(offence=date(2026, 1, 10), statement=date(2026, 9, 1))
    assert result.basis == "s39a" and result.last_day == date(2027, 3, 1)


def test_s39a_gives_more_time_than_s127_for_a_late_statement():
    offence = date(2026, 1, 10)
    assert limit(offence=offence, statement=date(2026, 9, 1)).last_day > add_months(offence, 6)


def test_a_statement_before_the_offence_is_refused():
    with pytest.raises(ValueError):
        limit(offence=date(2026, 1, 10), statement=date(2026, 1, 9))


def test_days_left_and_expiry():
    result = limit(code="8L", offence=date(2026, 1, 1))
    assert result.days_left(date(2026, 6, 30)) == 1
    assert not result.expired(date(2026, 7, 1)) and result.expired(date(2026, 7, 2))
