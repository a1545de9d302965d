"""Command line: `reoffending evaluate ...` and `reoffending generate ...` (the console command an
editable install adds; `python -m reoffending` is the same)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

USAGE_EXAMPLE = """example:
  reoffending generate --people 20000 --effect 0.2 --seed 1 --out-dir /tmp/demo
  reoffending evaluate --cohort /tmp/demo/cohort.parquet \\
      --offences /tmp/demo/offences.parquet --design matched --out /tmp/demo/result.json
"""


def _publish_threshold(text: str) -> int:
    """argparse type: a bad threshold is a usage error (exit status 2), not a traceback."""
    from .disclosure import check_threshold

    try:
        return check_threshold(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if text.strip().lstrip("-").isdigit()
                                         else f"not a whole number: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reoffending",
        description="Reoffending evaluation engine.",
        epilog=USAGE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("evaluate", help="evaluate an intervention from cohort and offence files")
    e.add_argument("--cohort", required=True, help="cohort table (.csv or .parquet)")
    e.add_argument("--offences", required=True, help="offences table (.csv or .parquet)")
    e.add_argument("--design", required=True, choices=["trial", "matched"])
    e.add_argument("--out", required=True, help="where to write the JSON result")
    e.add_argument("--window-days", type=int, action="append", dest="windows",
                   help="follow-up window in days (repeatable; default 182 and 365)")  # fmt: skip
    e.add_argument("--basis", choices=["recorded", "proven"], default="recorded")
    e.add_argument("--scope", choices=["any", "da", "same_victim"], action="append",
                   dest="scopes", help="offences that count (repeatable; default any, da)")
    e.add_argument("--covariates", help="comma-separated cohort columns for the propensity "
                   "model (matched design; default: every non-contract column); in a trial, "
                   "columns whose balance between the arms is reported")  # fmt: skip
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--data-end", help="last date the extract covers (YYYY-MM-DD; default: the "
                   "latest recorded date)")  # fmt: skip
    e.add_argument("--treated", default="treatment", help="label of the treated arm/group")
    e.add_argument("--control", help="label of the control arm / comparison group")
    e.add_argument("--ratio", type=int, default=1, help="controls per treated person (k:1)")
    e.add_argument("--without-replacement", action="store_true")
    e.add_argument("--caliper-sd", type=float, default=0.2)
    e.add_argument("--complier", action="store_true",
                   help="also estimate treatment-received and complier-average effects")
    e.add_argument("--harm-table", help="CSV of code,days (default: the shipped table)")
    e.add_argument("--publish-threshold", type=_publish_threshold, default=5,
                   help="smallest count published (at least 2; smaller counts are withheld)")
    e.add_argument("--bootstrap", type=int, default=1000)
    e.add_argument("--at-risk-every", type=int, default=30,
                   help="days between the numbers at risk under the survival curves")
    e.add_argument("--quiet", action="store_true", help="no progress messages")
    e.add_argument("--threads", type=int, default=2,
                   help="run independent steps side by side on this many threads (1: in order; "
                   "the result is the same)")  # fmt: skip
    g = sub.add_parser("generate", help="write a synthetic cohort and offences (Parquet)")
    g.add_argument("--people", type=int, default=20_000)
    g.add_argument("--effect", type=float, default=0.2, help="true relative reduction")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--design", choices=["trial", "matched"], default="matched")
    g.add_argument("--out-dir", required=True)
    g.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    return p


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse. By default it hands every freed block over
    32 MB back to the kernel, and NumPy frees and allocates many such arrays, so each comes
    back as fresh pages to fault in: a quarter of a cold 1M-person run's page faults (and the
    kernel time they cost, more when two threads fault at once). A command-line run is short,
    so it keeps them: one heap for all threads, no separate mapping for large blocks below
    1 GB, no trimming. The library does not do this: it would change the memory behaviour of
    whatever process imports it (a web server, say). Returns whether glibc took the advice."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return False
    arena_max, mmap_threshold, trim_threshold = -8, -3, -1  # glibc's M_* parameter numbers
    return all([mallopt(arena_max, 1), mallopt(mmap_threshold, 1 << 30),
                mallopt(trim_threshold, 2**31 - 1)])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "evaluate" and argv is None:  # a process of its own (python -m ...)
        keep_freed_memory()
    from .errors import EstimationError, InputError, SettingError

    try:
        if args.command == "generate":
            return _generate(args)
        return _evaluate(args)
    except (InputError, EstimationError, SettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, summary_table
    from .harm import load_harm_table

    start = time.perf_counter()
    last = {"t": start}

    def progress(msg: str) -> None:
        if args.quiet:
            return
        now = time.perf_counter()
        print(f"[{now - start:6.2f}s] {msg}", file=sys.stderr, flush=True)
        last["t"] = now

    covariates = None
    if args.covariates:
        covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    result = evaluate(
        args.cohort,
        args.offences,
        design=args.design,
        windows=tuple(args.windows or (182, 365)),
        basis=args.basis,
        scopes=tuple(args.scopes or ("any", "da")),
        covariates=covariates,
        seed=args.seed,
        data_end=args.data_end,
        harm_table=load_harm_table(args.harm_table) if args.harm_table else None,
        treated_label=args.treated,
        control_label=args.control,
        ratio=args.ratio,
        replace=not args.without_replacement,
        caliper_sd=args.caliper_sd,
        complier=args.complier,
        bootstrap=args.bootstrap,
        publish_threshold=args.publish_threshold,
        progress=progress,
        threads=args.threads,
        at_risk_every=args.at_risk_every,
    )
    out = Path(args.out)
    out.write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
    print(summary_table(result))
    print(f"\nResult written to {out}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from .synthetic import generate

    data = generate(args.people, args.effect, args.seed, design=args.design)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (("cohort", data.cohort), ("offences", data.offences)):
        if args.csv:
            pcsv.write_csv(table, out / f"{name}.csv")
        else:
            pq.write_table(table, out / f"{name}.parquet")
    ext = "csv" if args.csv else "parquet"
    print(f"Wrote {out}/cohort.{ext} ({data.cohort.num_rows} people) and {out}/offences.{ext} "
          f"({data.offences.num_rows} offences); data end {data.data_end}; true rate ratio "
          f"among those treated {data.true_rate_ratio:.2f}")  # fmt: skip
    return 0
