"""Every out-of-range setting is refused with one SettingError from the public API, and on the
command line with `error: ...`, exit status 2 and no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reoffending import InputError, SettingError, evaluate, generate
from reoffending.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def data():
    return generate(400, effect=0.2, seed=5, design="trial")


@pytest.fixture(scope="module")
def files(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("settings")
    pq.write_table(data.cohort, d / "cohort.parquet")
    pq.write_table(data.offences, d / "offences.parquet")
    return d


BAD = [
    ({"windows": (0,)}, ["--window-days", "0"], "follow-up window"),
    ({"windows": (-30,)}, ["--window-days", "-30"], "follow-up window"),
    ({"windows": ()}, None, "at least one follow-up window"),
    ({"ratio": 0}, ["--ratio", "0"], "ratio"),
    ({"threads": 0}, ["--threads", "0"], "threads"),
    ({"bootstrap": -1}, ["--bootstrap", "-1"], "bootstrap"),
    ({"caliper_sd": -0.2}, ["--caliper-sd", "-0.2"], "caliper"),
    ({"caliper_sd": 0.0}, ["--caliper-sd", "0"], "caliper"),
    ({"caliper_sd": float("nan")}, ["--caliper-sd", "nan"], "caliper"),
    ({"design": "cohort"}, None, "design"),
]


@pytest.mark.parametrize(("kw", "_cli", "words"), BAD)
def test_public_api_refuses_bad_settings(data, kw, _cli, words):
    with pytest.raises(SettingError, match=words):
        evaluate(data.cohort, data.offences, **{"design": "trial", **kw})


def _cli_args(files, design="trial"):
    return ["evaluate", "--cohort", str(files / "cohort.parquet"), "--offences",
            str(files / "offences.parquet"), "--design", design, "--out",
            str(files / "r.json"), "--quiet"]  # fmt: skip


@pytest.mark.parametrize(("_kw", "cli", "words"), [b for b in BAD if b[1]])
def test_cli_main_refuses_bad_settings(files, capsys, _kw, cli, words):
    design = "matched" if "--caliper-sd" in cli or "--ratio" in cli else "trial"
    assert main([*_cli_args(files, design), *cli]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and "Traceback" not in err


@pytest.mark.parametrize("cli", [["--window-days", "0"], ["--bootstrap", "-5"],
                                 ["--threads", "0"], ["--ratio", "0"]])  # fmt: skip
def test_cli_process_bad_setting_exits_2_without_traceback(files, cli):
    done = subprocess.run([sys.executable, "-m", "reoffending", *_cli_args(files), *cli],
                          capture_output=True, text=True, env={"PYTHONPATH": SRC},
                          timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")


def test_bootstrap_zero_means_no_bootstrap(data, files, capsys):
    ev = evaluate(data.cohort, data.offences, design="trial", bootstrap=0)
    harm = ev.outcomes[0].harm
    assert harm.bootstrap_ci is None and harm.bootstrap_resamples == 0
    assert harm.normal_ci is not None and "no bootstrap" in harm.note
    assert main([*_cli_args(files), "--bootstrap", "0"]) == 0
    out = json.loads((files / "r.json").read_text())
    assert out["outcomes"][0]["harm"]["bootstrap_ci"] is None


def test_negative_caliper_is_refused_not_inconclusive(data):
    with pytest.raises(SettingError, match="caliper"):
        evaluate(data.cohort, data.offences, design="matched", caliper_sd=-1.0)


def test_trial_without_control_rows_is_refused(data):
    cohort = data.cohort.to_pandas()
    only = cohort[cohort.arm == "treatment"]
    with pytest.raises(InputError, match=r"cohort.arm: no rows labelled 'control'"):
        evaluate(only, data.offences.to_pandas(), design="trial")
    with pytest.raises(InputError, match=r"cohort.arm: no rows labelled 'placebo'"):
        evaluate(data.cohort, data.offences, design="trial", control_label="placebo")
