"""The import benchmark runs (tiny) and prints its rates and ratios; timings are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_rows_per_second_and_ratios():
    done = subprocess.run([sys.executable, "bench/import.py", "--rows", "300"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "import (validate, stage, merge)" in done.stdout
    assert "Django bulk_create" in done.stdout and "rows/s" in done.stdout
    assert "import / bulk_create speed" in done.stdout


def test_linkage_bench_runs_the_apps_model_and_prints_its_figures():
    """bench/linkage.py on a tiny population: precision, recall, the probability bands and the
    headline are printed (figures are not asserted: they belong to the million-row run)."""
    done = subprocess.run([sys.executable, "bench/linkage.py", "--rows", "2000", "--people",
                           "2000"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "app linkage (duckdb)" in done.stdout and "deterministic only" in done.stdout
    assert "each row's best pair by probability band" in done.stdout
    assert "date of birth mistyped (one digit)" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("headline:")
