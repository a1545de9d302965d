"""A small run of the benchmark, so that it cannot rot. Timings are printed, never asserted."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_at_small_size_and_prints_ratios(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine.py"), "--people", "3000", "--runs", "1",
         "--boot-run", "20", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for design in ("matched design", "trial design"):
        assert design in out
    for step in ("read + check inputs", "outcomes", "propensity model", "matching", "balance",
                 "survival (KM, log-rank, Cox)", "full evaluation, warm",
                 "full evaluation, cold"):  # fmt: skip
        assert step in out
    assert out.count("peak memory: engine") == 2
    ratios = [line for line in out.splitlines() if line.rstrip().endswith("x")]
    assert len(ratios) >= 10
