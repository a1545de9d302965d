"""Bad input gets one clear error naming the column and first offending rows; the command line
exits non-zero with that message and no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reoffending import InputError, evaluate, generate
from reoffending.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def small():
    return generate(400, effect=0.2, seed=3, design="trial")


def _frames(small):
    return small.cohort.to_pandas(), small.offences.to_pandas()


def _evaluate(cohort, offences, **kw):
    kw.setdefault("design", "trial")
    return evaluate(pa.Table.from_pandas(cohort, preserve_index=False),
                    pa.Table.from_pandas(offences, preserve_index=False), **kw)  # fmt: skip


def test_missing_column(small):
    cohort, offences = _frames(small)
    with pytest.raises(InputError, match=r"cohort.index_date: missing column"):
        _evaluate(cohort.drop(columns="index_date"), offences)
    with pytest.raises(InputError, match=r"offences.domestic_abuse: missing column"):
        _evaluate(cohort, offences.drop(columns="domestic_abuse"))
    with pytest.raises(InputError, match=r"cohort.arm: missing column \(needed for the trial"):
        _evaluate(cohort.drop(columns="arm"), offences)


def test_wrong_types(small):
    cohort, offences = _frames(small)
    bad = offences.assign(domestic_abuse=offences.domestic_abuse.map({True: "yes", False: "nah"}))
    with pytest.raises(InputError, match=r"offences.domestic_abuse: flag values .*; rows \d+"):
        _evaluate(cohort, bad)
    with pytest.raises(InputError, match=r"cohort.index_date: wrong type double"):
        _evaluate(cohort.assign(index_date=1.5), offences)
    with pytest.raises(InputError, match=r"offences.person_id: type string does not match"):
        _evaluate(cohort, offences.assign(person_id=offences.person_id.astype(str)))


def test_unparseable_dates_name_the_rows(small):
    cohort, offences = _frames(small)
    text = offences.offence_date.astype(str)
    text.iloc[[3, 7]] = ["2024-13-01", "yesterday"]
    with pytest.raises(InputError) as err:
        _evaluate(cohort, offences.assign(offence_date=text))
    assert str(err.value) == (
        "offences.offence_date: unparseable dates (expected YYYY-MM-DD); rows 4, 8"
    )


def test_duplicate_person_ids(small):
    cohort, offences = _frames(small)
    dup = pd.concat([cohort, cohort.iloc[[5]]], ignore_index=True)
    with pytest.raises(InputError, match=r"cohort.person_id: duplicate person ids .*; rows 401$"):
        _evaluate(dup, offences)


def test_negative_durations(small):
    cohort, offences = _frames(small)
    bad = offences.copy()
    bad.loc[2, "recorded_date"] = bad.loc[2, "offence_date"] - pd.Timedelta(days=3)
    with pytest.raises(InputError, match=r"offences.recorded_date: recorded before .*rows 3$"):
        _evaluate(cohort, bad)
    bad = offences.copy()
    row = bad.index[bad.disposal_date.notna()][0]
    bad.loc[row, "disposal_date"] = bad.loc[row, "offence_date"] - pd.Timedelta(days=1)
    with pytest.raises(InputError, match=rf"offences.disposal_date: .*rows {row + 1}$"):
        _evaluate(cohort, bad)


def test_index_dates_after_the_data_end(small):
    cohort, offences = _frames(small)
    with pytest.raises(InputError, match=r"cohort.index_date: index date after the data end"):
        _evaluate(cohort, offences, data_end="2022-06-01")


def test_many_offending_rows_are_summarised():
    cohort = pd.DataFrame({"person_id": [1, 2, 3, 4, 5, 6, 7], "group": "t", "arm": "treatment",
                           "index_date": ["2024-01-0x"] * 7})  # fmt: skip
    offences = pd.DataFrame({"person_id": [1], "offence_date": ["2024-02-01"],
                             "recorded_date": ["2024-02-01"], "offence_code": ["8N"],
                             "domestic_abuse": [True]})  # fmt: skip
    with pytest.raises(InputError, match=r"rows 1, 2, 3, 4, 5 \(first 5 of 7\)"):
        _evaluate(cohort, offences)


def test_pandas_and_dict_inputs_are_accepted(small):
    cohort, offences = _frames(small)
    ev = evaluate(cohort, offences.to_dict(orient="list"), design="trial")
    assert ev.definitions["design"] == "trial"


def test_parquet_with_text_dates_and_flags_gives_the_same_result(small, tmp_path):
    # Parquet text columns are read dictionary-encoded: dates, flags and labels still parse,
    # and a bad date is still named by row.
    cohort, offences = _frames(small)
    cohort = cohort.assign(index_date=cohort.index_date.astype(str))
    flags = offences.domestic_abuse.map({True: "yes", False: "no"})
    offences = offences.assign(offence_date=offences.offence_date.astype(str), domestic_abuse=flags)
    cohort.to_parquet(tmp_path / "c.parquet")
    offences.to_parquet(tmp_path / "o.parquet")
    ours = evaluate(tmp_path / "c.parquet", tmp_path / "o.parquet", design="trial").to_dict()
    assert ours == evaluate(small.cohort, small.offences, design="trial").to_dict()
    offences.loc[5, "offence_date"] = "2024-13-01"
    offences.to_parquet(tmp_path / "o.parquet")
    with pytest.raises(InputError, match=r"offences.offence_date: unparseable dates .*rows 6$"):
        evaluate(tmp_path / "c.parquet", tmp_path / "o.parquet", design="trial")


@pytest.fixture(scope="module")
def files(tmp_path_factory, small):
    d = tmp_path_factory.mktemp("engine")
    pq.write_table(small.cohort, d / "cohort.parquet")
    pq.write_table(small.offences, d / "offences.parquet")
    small.offences.to_pandas().to_csv(d / "offences.csv", index=False)
    return d


def _run(*args):
    return subprocess.run([sys.executable, "-m", "reoffending", *args], capture_output=True,
                          text=True, env={"PYTHONPATH": SRC}, timeout=120)  # fmt: skip


def test_cli_evaluates_parquet_and_csv_and_writes_json_and_a_summary(files):
    out = files / "result.json"
    done = _run("evaluate", "--cohort", str(files / "cohort.parquet"), "--offences",
                str(files / "offences.csv"), "--design", "trial", "--out", str(out),
                "--window-days", "90", "--window-days", "365", "--basis", "proven",
                "--scope", "any", "--seed", "4", "--complier")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "outcomes" in done.stderr and "done" in done.stderr  # progress
    assert "Verdict" in done.stdout and "RR [95% CI]" in done.stdout
    result = json.loads(out.read_text())
    assert result["definitions"]["windows_days"] == [90, 365]
    assert result["definitions"]["basis"] == "proven"
    assert result["definitions"]["harm_table_version"] == "2026.1"
    assert result["consort"]["randomised"]["treatment"] > 0
    assert result["outcomes"][0]["complier_average"]["effect"] is not None


def test_cli_bad_input_exits_non_zero_with_one_message_and_no_traceback(files):
    table = pq.read_table(files / "cohort.parquet").to_pandas()
    table = pd.concat([table, table.iloc[[0]]])
    table.to_csv(files / "dup.csv", index=False)
    done = _run("evaluate", "--cohort", str(files / "dup.csv"), "--offences",
                str(files / "offences.parquet"), "--design", "trial", "--out",
                str(files / "x.json"))  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "error: cohort.person_id: duplicate person ids"
    )


def test_cli_missing_file(files, capsys):
    code = main(["evaluate", "--cohort", str(files / "nope.csv"), "--offences", "x.csv",
                 "--design", "matched", "--out", "y.json"])  # fmt: skip
    assert code == 2
    assert "cohort: file not found" in capsys.readouterr().err


def test_cli_generate_then_matched_with_named_covariates(files, capsys):
    assert main(["generate", "--people", "3000", "--seed", "2", "--out-dir", str(files / "g")]) == 0
    code = main(["evaluate", "--cohort", str(files / "g/cohort.parquet"), "--offences",
                 str(files / "g/offences.parquet"), "--design", "matched", "--covariates",
                 "age,male,prior_12m,prior_da,force", "--ratio", "2", "--without-replacement",
                 "--out", str(files / "g/r.json"), "--quiet"])  # fmt: skip
    assert code == 0
    result = json.loads((files / "g/r.json").read_text())
    assert result["propensity_model"]["names"][:3] == ["(intercept)", "age", "male"]
    assert result["matching"]["ratio"] == 2 and result["matching"]["replace"] is False
    assert "smd_after" in result["balance"]


def test_cli_unknown_covariate_is_named(files, capsys):
    code = main(["evaluate", "--cohort", str(files / "cohort.parquet"), "--offences",
                 str(files / "offences.parquet"), "--design", "matched", "--covariates",
                 "age,shoe_size", "--out", str(files / "z.json")])  # fmt: skip
    assert code == 2
    assert "cohort.shoe_size: covariate not found" in capsys.readouterr().err
