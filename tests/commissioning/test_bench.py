"""The benchmark script runs end to end at a small size and prints its ratio (timings are
printed, never asserted)."""

from __future__ import annotations

import io

import pytest
from bench import dashboard as bench

pytestmark = pytest.mark.django_db


def test_small_benchmark_prints_the_ratio():
    out = io.StringIO()
    result = bench.main(["--small", "--requests", "3"], out=out)
    text = out.getvalue()
    assert "ratio dashboard p95 / trivial p95" in text
    assert "300 cases" in text
    assert "cold" in text and "repeat view" in text
    assert set(result) >= {"dashboard_p95", "dashboard_cold_p95", "trivial_p95", "ratio",
                           "ratio_cold"}
    # Re-running reuses the data instead of duplicating it.
    out = io.StringIO()
    bench.main(["--small", "--requests", "1"], out=out)
    assert "300 cases" in out.getvalue()
