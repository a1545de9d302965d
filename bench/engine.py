"""Benchmark: the engine against the typical stack, same data, same run.

    .venv/bin/python bench/engine.py --people 1000000          # ~5M offences, ~115k treated
    .venv/bin/python bench/engine.py --people 5000              # quick (run by the test suite)

For each design (matched, trial) it times, in fresh processes:
- the engine cold: `python -m reoffending evaluate` end to end (interpreter start, imports,
  Parquet in, JSON out), with its peak resident memory;
- the engine warm: the same evaluation again in a process that has already run it once (the
  median of three runs), on the default two threads and, step by step, on one (threads=1:
  steps in order, so each step's time is its own);
- the typical stack (pandas + scikit-learn + lifelines + statsmodels, bench/typical_stack.py)
  doing the same work step by step, with its import time and peak memory.
It prints each step's time for both, the ratio, and the peak memory. Timings vary with machine
load; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
STEP_ORDER = [
    "read + check inputs",
    "outcomes",
    "propensity model",
    "matching",
    "balance",
    "effects (prevalence, rates, harm bootstrap)",
    "survival (KM, log-rank, Cox)",
    "write JSON",
]


def _engine_step(name: str) -> str:
    if name.startswith("reading"):
        return "read + check inputs"
    if name.startswith("propensity"):
        return "propensity model"
    if name.startswith("effects"):
        return "effects (prevalence, rates, harm bootstrap)"
    if name.startswith("survival"):
        return "survival (KM, log-rank, Cox)"
    return name


def _typical_step(name: str) -> str:
    if name.startswith("effects"):
        return "effects (prevalence, rates, harm bootstrap)"
    if name.startswith("survival"):
        return "survival (KM, log-rank, Cox)"
    return name


def _popen_wait4(args: list[str]) -> tuple[str, float, float, float]:
    """Run a child process; return its stdout, wall time, its own peak RSS (MB) and CPU
    seconds (user + system), both from wait4."""
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{ROOT}")
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out_f, stderr=err_f, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({' '.join(args[:4])}):\n{err}")
    return out, wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def _make_data(people: int, seed: int, directory: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    from reoffending.synthetic import generate

    info = {}
    for design in ("matched", "trial"):
        d = directory / f"{design}-{people}-{seed}"
        meta = d / "meta.json"
        if not meta.exists():
            t = time.perf_counter()
            data = generate(people, effect=0.2, seed=seed, design=design)
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(data.cohort, d / "cohort.parquet")
            pq.write_table(data.offences, d / "offences.parquet")
            meta.write_text(json.dumps({
                "people": data.cohort.num_rows, "offences": data.offences.num_rows,
                "treated": int(sum(v == "treatment" for v in data.cohort["group"].to_pylist())),
                "data_end": data.data_end.isoformat(),
                "generated_in": round(time.perf_counter() - t, 1),
            }))  # fmt: skip
        info[design] = json.loads(meta.read_text()) | {"dir": str(d)}
    return info


COVARIATES = ("age,male,employed,substance_misuse,mental_health,housing_need,prior_6m,"
              "prior_12m,prior_24m,prior_60m,prior_da,prior_violence,dash,ethnicity,force,"
              "offence_group")  # fmt: skip


def worker_engine(directory: str, design: str, runs: int, cox10: bool) -> None:
    """Warm runs of the full evaluation (after one untimed run): totals on the default threads,
    and step times (the median run) with threads=1, where steps run in order and each step's
    CPU seconds are its own."""
    import tracemalloc

    import numpy as np

    from reoffending.evaluate import evaluate

    d = Path(directory)
    args = (str(d / "cohort.parquet"), str(d / "offences.parquet"))
    kw = {"design": design, "covariates": COVARIATES.split(",") if design == "matched" else None}
    out: dict = {}
    for threads in (2, 1):
        totals, cpus, all_steps, all_cpu_steps = [], [], [], []
        for i in range(runs + 1):
            cb, times, cpu_times = _timed_cpu()
            cpu = time.process_time()
            t = time.perf_counter()
            ev = evaluate(*args, **kw, progress=cb, threads=threads)
            cb("write JSON")
            (d / "engine-result.json").write_text(json.dumps(ev.to_dict()))
            cb("end")
            total = time.perf_counter() - t
            if i:
                totals.append(total)
                cpus.append(time.process_time() - cpu)
                steps: dict[str, float] = {}
                cpu_steps: dict[str, float] = {}
                for k, v in times.items():
                    if k not in ("done", "end"):
                        s = _engine_step(k)
                        steps[s] = steps.get(s, 0.0) + v
                        cpu_steps[s] = cpu_steps.get(s, 0.0) + cpu_times[k]
                all_steps.append(steps)
                all_cpu_steps.append(cpu_steps)
        mid = int(np.argsort(totals)[len(totals) // 2])
        if threads == 1:
            out |= {"total_1": totals[mid], "cpu_1": cpus[mid], "steps": all_steps[mid],
                    "cpu_steps": all_cpu_steps[mid]}  # fmt: skip
        else:
            out |= {"total": totals[mid], "cpu": cpus[mid]}
    tracemalloc.start()
    evaluate(*args, **kw)
    out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if cox10:
        out["cox10"], out["cox10_cpu"] = _cox10_engine(d)
    print(json.dumps(out))


def _timed_cpu():
    """A progress callback recording each step's wall and CPU seconds."""
    times: dict[str, float] = {}
    cpu_times: dict[str, float] = {}
    state = {"step": None, "t": time.perf_counter(), "c": time.process_time()}

    def cb(msg: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if state["step"] is not None:
            times[state["step"]] = times.get(state["step"], 0.0) + now - state["t"]
            cpu_times[state["step"]] = cpu_times.get(state["step"], 0.0) + cpu - state["c"]
        state["step"], state["t"], state["c"] = msg, now, cpu

    return cb, times, cpu_times


def _cox10_data(d: Path):
    import numpy as np
    import pyarrow.parquet as pq

    from reoffending.harm import load_harm_table
    from reoffending.outcomes import compute_outcomes
    from reoffending.tables import load_cohort, load_offences

    cohort = pq.read_table(d / "cohort.parquet").to_pandas()
    cols = ["age", "male", "employed", "substance_misuse", "mental_health", "housing_need",
            "prior_6m", "prior_12m", "prior_da", "prior_violence"]  # fmt: skip
    X = cohort[cols].to_numpy(dtype=float)
    X[:, 0] = (X[:, 0] - 30) / 10
    c = load_cohort(str(d / "cohort.parquet"), covariates=[])
    o = load_offences(str(d / "offences.parquet"), c)
    oc = compute_outcomes(c, o, load_harm_table(), windows=(365,), scopes=("any",)).outcomes[0]
    return oc.time, oc.event, np.column_stack([(cohort.arm == "treatment").to_numpy(), X[:, :9]])


def _cox10_engine(d: Path) -> tuple[float, float]:
    from reoffending.survival import cox

    time_, event, X = _cox10_data(d)
    cox(time_, event, X)  # warm
    t, c = time.perf_counter(), time.process_time()
    cox(time_, event, X)
    return time.perf_counter() - t, time.process_time() - c


def _cox10_typical(d: Path) -> float:
    import pandas as pd
    from lifelines import CoxPHFitter

    time_, event, X = _cox10_data(d)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(T=time_, E=event)
    t = time.perf_counter()
    CoxPHFitter().fit(df, "T", "E")
    return time.perf_counter() - t


def worker_typical(directory: str, design: str, cox10: bool, boot_run: int) -> None:
    cpu0 = time.process_time()
    t = time.perf_counter()
    import lifelines  # noqa: F401
    import pandas  # noqa: F401
    import sklearn.neighbors  # noqa: F401
    import statsmodels.api  # noqa: F401

    imports = time.perf_counter() - t
    from bench import typical_stack
    from reoffending.harm import load_harm_table

    d = Path(directory)
    weights = load_harm_table().weights
    cpu1 = time.process_time()
    typical_stack.evaluate(d / "cohort.parquet", d / "offences.parquet", d / "typical.json",
                           design, COVARIATES.split(","), weights, boot_run=boot_run)  # fmt: skip
    cpu2 = time.process_time()
    steps: dict[str, float] = {}
    for k, v in typical_stack.STEPS.items():
        if k == "effects: harm bootstrap":
            v *= 1000 / boot_run  # scaled up to the engine's 1000 resamples (noted)
        steps[_typical_step(k)] = steps.get(_typical_step(k), 0.0) + v
    total = sum(steps.values())
    boot = typical_stack.STEPS.get("effects: harm bootstrap", 0.0)
    scale_cpu = boot * (1000 / boot_run - 1)  # the bootstrap's scaled-up share, as CPU
    out = {"imports": imports, "total": total, "steps": steps, "notes": typical_stack.NOTES,
           "cpu": cpu2 - cpu1 + scale_cpu, "cpu_cold": cpu2 - cpu0 + scale_cpu}  # fmt: skip
    if cox10:
        out["cox10"] = _cox10_typical(d)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", "--size", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "reoffending-bench"))
    ap.add_argument("--runs", type=int, default=3, help="warm engine runs (median reported)")
    ap.add_argument("--boot-run", type=int, default=100,
                    help="bootstrap resamples the typical stack actually runs (time scaled to "
                    "1000)")  # fmt: skip
    ap.add_argument("--no-cox10", action="store_true", help="skip the Cox 1M x 10 comparison")
    ap.add_argument("--typical-people", type=int,
                    help="run the typical stack on this many people (same generator and seed) "
                    "and scale its times linearly to --people; labelled in the output")  # fmt: skip
    ap.add_argument("--worker", choices=["engine", "typical"], help=argparse.SUPPRESS)
    ap.add_argument("--design", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker == "engine":
        return worker_engine(a.dir, a.design, a.runs, not a.no_cox10)
    if a.worker == "typical":
        return worker_typical(a.dir, a.design, not a.no_cox10, a.boot_run)

    sys.path[:0] = [str(SRC), str(ROOT)]
    print(f"Generating (or reusing) synthetic data: {a.people:,} people, seed {a.seed} ...",
          flush=True)  # fmt: skip
    info = _make_data(a.people, a.seed, Path(a.data_dir))
    typ_info = info
    scale = 1.0
    if a.typical_people and a.typical_people < a.people:
        typ_info = _make_data(a.typical_people, a.seed, Path(a.data_dir))
        scale = a.people / a.typical_people
    me = str(Path(__file__).resolve())
    for design in ("matched", "trial"):
        meta = info[design]
        d = meta["dir"]
        cox10 = design == "trial" and not a.no_cox10
        print(f"\n=== {design} design: {meta['people']:,} people, {meta['offences']:,} offences, "
              f"{meta['treated']:,} treated ===", flush=True)  # fmt: skip
        cli = ["-m", "reoffending", "evaluate", "--cohort", f"{d}/cohort.parquet", "--offences",
               f"{d}/offences.parquet", "--design", design, "--out", f"{d}/cold.json", "--quiet"]
        if design == "matched":
            cli += ["--covariates", COVARIATES]
        _, cold, cold_peak, cold_cpu = _popen_wait4(cli)
        out, _, _, _ = _popen_wait4([me, "--worker", "engine", "--design", design, "--dir", d,
                                  "--runs", str(a.runs)] + (["--no-cox10"] if not cox10 else []))
        eng = json.loads(out.strip().splitlines()[-1])
        out, _, typ_peak, _ = _popen_wait4(
            [me, "--worker", "typical", "--design", design, "--dir", typ_info[design]["dir"],
             "--boot-run", str(a.boot_run)] + (["--no-cox10"] if not cox10 else [])
        )  # fmt: skip
        typ = json.loads(out.strip().splitlines()[-1])
        if scale != 1.0:
            typ["steps"] = {k: v * scale for k, v in typ["steps"].items()}
            for key in ("total", "cpu", "cox10"):
                if key in typ:
                    typ[key] *= scale
            typ["cpu_cold"] = typ["cpu"] + (typ["cpu_cold"] - typ["cpu"] / scale)
            typ["notes"]["ALL TYPICAL-STACK TIMES"] = (
                f"EXTRAPOLATED: measured on {a.typical_people:,} people "
                f"({typ_info[design]['offences']:,} offences) and multiplied by {scale:g} "
                "(linear; imports not scaled); its peak memory is at that smaller size"
            )
        eng["cold_cpu"] = cold_cpu
        _print_table(eng, typ, cold, cold_peak, typ_peak)


def _print_table(eng, typ, cold, cold_peak, typ_peak) -> None:
    cpu = eng.get("cpu_steps", {})
    rows = [(s, eng["steps"].get(s), cpu.get(s), typ["steps"].get(s)) for s in STEP_ORDER
            if s in eng["steps"] or s in typ["steps"]]  # fmt: skip
    rows.append(("full evaluation, warm, 1 thread (steps above)", eng["total_1"], eng["cpu_1"],
                 typ["total"]))  # fmt: skip
    rows.append(("full evaluation, warm (2 threads, the default)", eng["total"], eng["cpu"],
                 typ["total"]))  # fmt: skip
    rows.append(("full evaluation, cold (incl. imports)", cold, eng["cold_cpu"],
                 typ["total"] + typ["imports"]))  # fmt: skip
    rows.append(("full evaluation, warm, CPU seconds", eng["cpu"], None, typ["cpu"]))
    rows.append(("full evaluation, cold, CPU seconds", eng["cold_cpu"], None, typ["cpu_cold"]))
    if "cox10" in eng:
        rows.append(("Cox, all people x 10 covariates (365d, any)", eng["cox10"],
                     eng.get("cox10_cpu"), typ.get("cox10")))  # fmt: skip
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'engine s':>9}  {'eng. CPU':>9}  {'typical s':>9}  {'ratio':>7}")
    for name, e, c, t in rows:
        es = "-" if e is None else f"{e:9.3f}"
        cs = "-" if c is None else f"{c:9.3f}"
        ts = "-" if t is None else f"{t:9.3f}"
        ratio = f"{t / e:6.1f}x" if e and t else "-"
        print(f"{name:<{w}}  {es:>9}  {cs:>9}  {ts:>9}  {ratio:>7}")
    print(f"peak memory: engine {cold_peak:,.0f} MB (cold CLI run, max RSS; Python-traced "
          f"{eng['traced_peak_mb']:,.0f} MB), typical stack {typ_peak:,.0f} MB (max RSS)")
    print("note: wall times include waiting for the CPU when other processes share it; CPU "
          "seconds do not (typical stack: bootstrap CPU scaled like its wall time); 'eng. CPU' "
          "is the engine's CPU seconds for the same step; ratios are typical wall / engine wall")
    for step, note in typ.get("notes", {}).items():
        print(f"note, typical stack, {step}: {note}")


if __name__ == "__main__":
    main()
