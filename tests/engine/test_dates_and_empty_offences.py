"""Calendar dates from timestamps (Europe/London), and an offences table with no rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from reoffending import evaluate
from reoffending.cli import main

LONDON = ZoneInfo("Europe/London")
N = 20  # per arm


def _cohort(index_dates, dtype):
    ids = list(range(2 * N))
    return pa.table({
        "person_id": ids,
        "group": ["x"] * (2 * N),
        "arm": ["treatment"] * N + ["control"] * N,
        "index_date": pa.array([index_dates[i % len(index_dates)] for i in ids], dtype),
    })  # fmt: skip


def _offences(rows, dtype):
    return pa.table({
        "person_id": [r[0] for r in rows],
        "offence_date": pa.array([r[1] for r in rows], dtype),
        "recorded_date": pa.array([r[1] for r in rows], dtype),
        "offence_code": ["theft"] * len(rows),
        "domestic_abuse": [False] * len(rows),
    })  # fmt: skip


def _run(cohort, offences):
    ev = evaluate(cohort, offences, design="trial", windows=(182,), scopes=("any",),
                  data_end="2025-06-30", bootstrap=0)  # fmt: skip
    return ev.outcomes[0]


@pytest.mark.parametrize("unit", ["s", "us"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "America/New_York"])
def test_aware_timestamps_give_the_london_calendar_date(unit, tz):
    """Midnight British Summer Time on 1 June is 23:00 UTC on 31 May: read as the UTC date, the
    index date was a day early and an offence on the index date counted as reoffending."""
    dtype = pa.timestamp(unit, tz=tz)
    index = dt.datetime(2024, 6, 1, 0, 0, tzinfo=LONDON)
    same_day = dt.datetime(2024, 6, 1, 15, 0, tzinfo=LONDON)  # the index offence's day
    next_day = dt.datetime(2024, 6, 2, 0, 30, tzinfo=LONDON)  # 23:30 UTC on 1 June
    rows = [(i, same_day) for i in range(N)] + [(N + i, next_day) for i in range(5)]
    o = _run(_cohort([index], dtype), _offences(rows, dtype))
    assert o.treated.reoffended == 0  # on the index date: never counts
    assert o.control.reoffended == 5  # the next London day counts, though still 1 June in UTC
    assert o.treated.people == N


@pytest.mark.parametrize("dtype", [pa.timestamp("s"), pa.timestamp("ms"), pa.date32()])
def test_naive_timestamps_and_dates_are_taken_as_written(dtype):
    def at(*a):
        return dt.date(*a[:3]) if dtype == pa.date32() else dt.datetime(*a)

    index = at(2024, 6, 1, 0, 0)
    rows = [(i, at(2024, 6, 1, 23, 59)) for i in range(N)]
    rows += [(N + i, at(2024, 6, 2, 0, 0)) for i in range(3)]
    o = _run(_cohort([index], dtype), _offences(rows, dtype))
    assert o.treated.reoffended == 0 and o.control.reoffended == 3


def test_winter_aware_timestamps_equal_utc_dates():
    dtype = pa.timestamp("s", tz="UTC")
    index = dt.datetime(2024, 1, 10, 0, 0, tzinfo=dt.UTC)
    rows = [(i, dt.datetime(2024, 1, 10, 23, 59, tzinfo=dt.UTC)) for i in range(N)]
    rows += [(N, dt.datetime(2024, 1, 11, 0, 0, tzinfo=dt.UTC))]
    o = _run(_cohort([index], dtype), _offences(rows, dtype))
    assert o.treated.reoffended == 0 and o.control.reoffended == 1


def test_a_header_only_offences_csv_means_nobody_reoffended(tmp_path, capsys):
    cohort = _cohort([dt.date(2024, 1, 10)], pa.date32())
    pcsv.write_csv(cohort, tmp_path / "cohort.csv")
    (tmp_path / "offences.csv").write_text(
        "person_id,offence_date,recorded_date,offence_code,domestic_abuse,same_victim,"
        "disposal_type,disposal_date\n"
    )
    ev = evaluate(tmp_path / "cohort.csv", tmp_path / "offences.csv", design="trial",
                  windows=(182,), basis="proven", scopes=("any", "same_victim"),
                  data_end="2025-06-30")  # fmt: skip
    for o in ev.outcomes:
        assert o.treated.people == N and o.control.people == N
        assert o.treated.reoffended == 0 and o.control.reoffended == 0
        assert o.treated.prevalence == 0.0 and o.verdict == "inconclusive"
    assert ev.data["offence_rows"] == 0
    code = main(["evaluate", "--cohort", str(tmp_path / "cohort.csv"), "--offences",
                 str(tmp_path / "offences.csv"), "--design", "trial", "--data-end",
                 "2025-06-30", "--out", str(tmp_path / "r.json"), "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_nobody_with_full_follow_up_says_why_and_how_to_fix_it(tmp_path, capsys):
    """Index dates in January 2024 and the last offence recorded in March: by the default data
    end nobody has a year's follow-up. The note names the data end, the window and the fix."""
    cohort = _cohort([dt.date(2024, 1, 10)], pa.date32())
    rows = [(i, dt.date(2024, 3, 1)) for i in range(0, 2 * N, 3)]
    pcsv.write_csv(cohort, tmp_path / "cohort.csv")
    pcsv.write_csv(_offences(rows, pa.date32()), tmp_path / "offences.csv")
    args = ["evaluate", "--cohort", str(tmp_path / "cohort.csv"), "--offences",
            str(tmp_path / "offences.csv"), "--design", "trial", "--window-days", "365",
            "--scope", "any", "--out", str(tmp_path / "r.json"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "fewer than 2 people" not in out
    assert ("too few people with full follow-up (treated 0 of 20, control 0 of 20): the data end "
            "is 2024-03-01 (by default the latest recorded date in the offences) and the "
            "365-day window needs an index date on or before 2023-03-02") in out
    assert "--data-end" in out
    ev = evaluate(tmp_path / "cohort.csv", tmp_path / "offences.csv", design="trial",
                  windows=(365,), scopes=("any",), basis="recorded")  # fmt: skip
    assert "too few people with full follow-up" in ev.outcomes[0].prevalence.note
    assert ev.definitions["data_end_source"].startswith("default")
    assert main([*args, "--data-end", "2025-02-01"]) == 0  # the fix the note gives
    out = capsys.readouterr().out
    assert "too few people" not in out and "20       20" in out
