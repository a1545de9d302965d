"""Disclosure control, CI coverage by simulation, and the package's independence from Django."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from reoffending import evaluate, generate
from reoffending.disclosure import SUPPRESSED, publish, suppress
from reoffending.effects import binary_effect, rate_effect
from reoffending.survival import cox

SRC = Path(__file__).resolve().parents[2] / "src"


def test_small_cells_are_suppressed_with_secondary_suppression():
    cells = np.array([[3, 40], [20, 50]])
    mask = suppress(cells)
    # the 3 (primary); its row and column partners (secondary), then the fourth cell
    assert mask[0, 0] and mask[0, 1] and mask[1, 0] and mask[1, 1]
    table = publish(cells)
    assert table[0][0] == SUPPRESSED and table[2][2] == 113  # grand total still published
    for line in [mask[i, :] for i in range(3)] + [mask[:, j] for j in range(3)]:
        assert line.sum() != 1  # no row or column left with a single hidden value


def test_nothing_suppressed_when_every_cell_is_large_or_zero():
    assert not suppress(np.array([[0, 40], [20, 50]])).any()


def test_threshold_is_configurable_and_secondary_prefers_the_smallest_cell():
    cells = np.array([[8, 9, 30], [40, 50, 60]])
    mask = suppress(cells, threshold=10)
    assert mask[0, 0] and mask[0, 1] and not mask[0, 2]


def test_published_tables_in_a_result_hide_small_counts():
    data = generate(300, effect=0.2, seed=2, design="trial", treated_share=0.02)
    ev = evaluate(data.cohort, data.offences, design="trial", windows=(182,), scopes=("da",))
    table = ev.to_dict()["published"]["tables"]["182d_da"]
    flat = [v for row in table["cells"] for v in row]
    assert all(v == SUPPRESSED or v == 0 or v >= 5 for v in flat)
    assert SUPPRESSED in flat


def test_95_percent_intervals_cover_a_known_effect_at_about_the_nominal_rate():
    """400 simulated trials: risk difference, rate ratio and Cox hazard ratio CIs should each
    cover the true value about 95% of the time (binomial 99.9% band: 0.92-0.98)."""
    rng = np.random.default_rng(2026)
    sims, n = 400, 400
    cover = {"rd": 0, "rate": 0, "hr": 0}
    true_hr = 0.7
    for _ in range(sims):
        y_t, y_c = rng.random(n) < 0.28, rng.random(n) < 0.35
        rd = binary_effect(y_t, y_c).risk_difference_ci
        cover["rd"] += rd[0] <= -0.07 <= rd[1]
        c_t, c_c = rng.poisson(0.8 * 1.5, n), rng.poisson(1.5, n)
        rr = rate_effect(c_t, c_c).rate_ratio_ci
        cover["rate"] += rr[0] <= 0.8 <= rr[1]
        treat = np.r_[np.ones(n), np.zeros(n)]
        t = np.ceil(rng.exponential(100 / np.where(treat == 1, true_hr, 1.0)))
        hr = cox(np.minimum(t, 120), t <= 120, treat).hazard_ratio_ci[0]
        cover["hr"] += hr[0] <= true_hr <= hr[1]
    for name, hits in cover.items():
        assert 0.92 <= hits / sims <= 0.98, (name, hits / sims)


def test_engine_imports_no_django():
    code = ("import sys, reoffending, reoffending.cli, reoffending.evaluate, reoffending.synthetic;"
            "print([m for m in sys.modules if m.split('.')[0] == 'django'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC)}, check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"
    for path in (SRC / "reoffending").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+django", path.read_text(), re.M), path


def test_result_is_plain_json_with_definitions():
    data = generate(2000, effect=0.2, seed=5)
    ev = evaluate(data.cohort, data.offences, design="matched", seed=1)
    d = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert d["definitions"]["harm_table_version"] == "2026.1"
    assert d["definitions"]["basis"] == "recorded"
    assert d["data"]["unknown_offence_codes"].keys() <= {"99Z"}
    assert d["matching"]["treated_matched"] > 0
    assert "weights" not in d["matching"]
    assert {o["scope"] for o in d["outcomes"]} == {"any", "da"}
    assert d["verdict"] in ("significant reduction", "significant increase", "inconclusive")


def test_evaluate_puts_numpys_hugepage_setting_back():
    # The engine switches NumPy's huge-page advice off while it runs (reoffending/memory.py);
    # the caller's setting must be what it was afterwards, whatever it was.
    setter = np._core.multiarray._set_madvise_hugepage
    data = generate(500, effect=0.2, seed=6, design="trial")
    for setting in (True, False):
        setter(setting)
        evaluate(data.cohort, data.offences, design="trial")
        assert setter(True) is setting


def test_evaluating_parquet_files_imports_neither_pandas_nor_arrow_datasets(tmp_path):
    # pyarrow's own numpy conversions and Python scalars import pandas whenever it is installed,
    # and pq.read_table imports pyarrow.dataset: ~0.5 s each in a fresh process, for nothing.
    import pyarrow.parquet as pq

    data = generate(500, effect=0.2, seed=7, design="trial")
    pq.write_table(data.cohort, tmp_path / "c.parquet")
    pq.write_table(data.offences, tmp_path / "o.parquet")
    code = ("import sys; from reoffending.cli import main; "
            f"main(['evaluate', '--cohort', r'{tmp_path / 'c.parquet'}', '--offences', "
            f"r'{tmp_path / 'o.parquet'}', '--design', 'trial', '--out', "
            f"r'{tmp_path / 'r.json'}', '--quiet']); "
            "print(sorted(m for m in ('pandas', 'pyarrow.dataset') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC)}, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"
