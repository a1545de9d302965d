#!/usr/bin/env python
"""Identity linkage at scale: the app's linkage core on generated extract rows and people.

    .venv/bin/python bench/linkage.py                       # 1,000,000 rows x 1,000,000 people
    .venv/bin/python bench/linkage.py --rows 100000 --people 100000
    .venv/bin/python bench/linkage.py --backend spark --rows 100000 --people 100000  # bench.txt

The rows carry the errors police extracts have (typos, nicknames, given and family names
swapped, missing or wrong dates of birth, moves between postcode districts, relatives sharing
a family name and district, rows of people who are not held at all) and the truth of which
person each row belongs to. It links them with `diversion.records.matching`, the code
`records.linkage.link_force` runs (same rules, model training, thresholds), and prints seconds
per stage, peak memory (max RSS of this process), CPU seconds, the load average (the machine is
shared), and precision and recall of the automatic links against the truth. Beside it, on the
same data in the same run, a deterministic-only linker (PNC ID, force reference, then exact
given name + family name + date of birth): the last line is the ratio of the two.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

NICKNAMES = {
    "robert": "bob", "william": "bill", "richard": "dick", "james": "jim", "thomas": "tom",
    "michael": "mike", "christopher": "chris", "daniel": "dan", "matthew": "matt",
    "anthony": "tony", "joseph": "joe", "david": "dave", "edward": "ed", "benjamin": "ben",
    "samuel": "sam", "alexander": "alex", "andrew": "andy", "stephen": "steve",
    "elizabeth": "liz", "margaret": "maggie", "katherine": "kate", "jennifer": "jen",
    "rebecca": "becky", "victoria": "vicky", "deborah": "debbie", "susan": "sue",
    "patricia": "pat", "jessica": "jess", "charlotte": "lottie", "abigail": "abby",
}
_PREFIXES = ("ash", "black", "brad", "brook", "bur", "chal", "cran", "dal", "dun", "eller",
             "fair", "fern", "glad", "green", "hal", "har", "hay", "hol", "kel", "ken", "lang",
             "lit", "mar", "mid", "mor", "new", "north", "oak", "pem", "ram", "red", "ridg",
             "rush", "sand", "shel", "stan", "stock", "sut", "thorn", "wal", "wes", "whit",
             "win", "wood", "wych", "yar")
_SUFFIXES = ("by", "combe", "croft", "dale", "den", "field", "ford", "gate", "ham", "hurst",
             "ington", "ley", "low", "mere", "more", "ridge", "shaw", "stead", "stone",
             "thorpe", "ton", "well", "wick", "worth", "wood", "ridge", "bury", "ston")


class Population:
    """Generated people and extract rows with the truth (row -> person index, -1 for none)."""

    def __init__(self, people: int, rows: int, seed: int = 2026):
        from faker.providers.person.en_GB import Provider

        rng = np.random.default_rng(seed)
        self.rng = rng
        male = [n.lower() for n in Provider.first_names_male]
        female = [n.lower() for n in Provider.first_names_female]
        family = [n.lower() for n in Provider.last_names]
        family += sorted({p + s for p in _PREFIXES for s in _SUFFIXES})
        self.male, self.female, self.family = (np.array(male), np.array(female),
                                               np.array(family))
        self.districts = np.array([f"{area}{n}" for area in ("so", "po", "bh", "gu", "rg", "sp")
                                   for n in range(1, 41)])
        self.people = self._identities(people)
        # Relatives: a fifth of people share a family name and district with an earlier person.
        relatives = np.flatnonzero(rng.random(people) < 0.2)
        relatives = relatives[relatives > 0]
        of = (rng.random(len(relatives)) * relatives).astype(np.int64)
        self.people["family_name"][relatives] = self.people["family_name"][of]
        self.people["postcode_district"][relatives] = self.people["postcode_district"][of]
        self.people["pnc_id"] = np.array([f"{2000 + i % 24}/{i:07d}x" for i in range(people)],
                                         dtype=object)
        self.people["force_reference"] = np.array([f"p{i:08d}" for i in range(people)],
                                                  dtype=object)

        held = rng.random(rows) < 0.92
        truth = np.where(held, rng.integers(0, people, rows), -1)
        self.truth = truth
        strangers = self._identities(int((~held).sum()))
        rec = {}
        for name in ("given_name", "family_name", "date_of_birth", "sex", "postcode_district"):
            column = self.people[name][np.where(held, truth, 0)].copy()
            column[~held] = strangers[name]
            rec[name] = column
        pnc = np.where(held & (rng.random(rows) < 0.3),
                       self.people["pnc_id"][np.where(held, truth, 0)], None)
        ref = np.where(held & (pnc == None) & (rng.random(rows) < 0.1),  # noqa: E711 (numpy)
                       self.people["force_reference"][np.where(held, truth, 0)], None)
        rec["pnc_id"], rec["force_person_ref"] = pnc, ref
        self.records = rec
        self._errors(rows)

    def _identities(self, n: int) -> dict[str, np.ndarray]:
        rng = self.rng
        sex = np.where(rng.random(n) < 0.8, "m", "f").astype(object)
        given = np.where(sex == "m", self._zipf(self.male, n), self._zipf(self.female, n))
        start = date(1950, 1, 1).toordinal()
        days = rng.integers(0, date(2008, 12, 31).toordinal() - start, n)
        dob = np.array([date.fromordinal(start + int(d)).isoformat() for d in days],
                       dtype=object)
        return {"given_name": given.astype(object),
                "family_name": self._zipf(self.family, n).astype(object),
                "date_of_birth": dob, "sex": sex,
                "postcode_district": self.districts[rng.integers(0, len(self.districts), n)]
                .astype(object)}

    def _zipf(self, names: np.ndarray, n: int) -> np.ndarray:
        weights = 1.0 / (np.arange(len(names)) + 10.0)
        return names[self.rng.choice(len(names), n, p=weights / weights.sum())]

    def _errors(self, rows: int) -> None:
        rng, rec = self.rng, self.records

        self.kinds: dict[str, np.ndarray] = {}

        def some(share: float, kind: str) -> np.ndarray:
            chosen = np.flatnonzero(rng.random(rows) < share)
            self.kinds.setdefault(kind, np.zeros(rows, dtype=bool))[chosen] = True
            return chosen

        for name, share in (("given_name", 0.08), ("family_name", 0.08)):
            for i in some(share, f"typo in {name.replace('_', ' ')}"):
                rec[name][i] = _typo(rec[name][i], rng)
        for i in some(0.05, "nickname (where one exists)"):
            rec["given_name"][i] = NICKNAMES.get(rec["given_name"][i], rec["given_name"][i])
        swapped = some(0.02, "names swapped")
        rec["given_name"][swapped], rec["family_name"][swapped] = (
            rec["family_name"][swapped].copy(), rec["given_name"][swapped].copy())
        for i in some(0.03, "date of birth wrong"):  # day and month swapped, or a day out
            year, month, day = (int(p) for p in rec["date_of_birth"][i].split("-"))
            moved = (date(year, day, month) if day <= 12 and day != month
                     else date(year, month, day) + timedelta(days=1))
            rec["date_of_birth"][i] = moved.isoformat()
        rec["date_of_birth"][some(0.05, "date of birth missing")] = None
        moved = some(0.10, "moved postcode district")
        rec["postcode_district"][moved] = self.districts[rng.integers(0, len(self.districts),
                                                                      len(moved))]
        rec["sex"][some(0.02, "sex missing")] = None
        # Drawn last so the errors above fall on the same rows as in earlier runs.
        mistyped = some(0.01, "date of birth mistyped (one digit)")
        for i in mistyped:
            if rec["date_of_birth"][i] is None:  # already missing: nothing to mistype
                self.kinds["date of birth mistyped (one digit)"][i] = False
            else:
                rec["date_of_birth"][i] = _mistyped_date(rec["date_of_birth"][i], rng)


def _mistyped_date(iso: str, rng) -> str:
    """One digit of the year's last two, the month or the day keyed wrong, still a valid date
    (an invalid one would be refused at import, not linked)."""
    for _attempt in range(20):
        i = int(rng.choice((2, 3, 5, 6, 8, 9)))
        digit = str(int(rng.integers(0, 10)))
        candidate = iso[:i] + digit + iso[i + 1:]
        if candidate == iso:
            continue
        try:
            date.fromisoformat(candidate)
        except ValueError:
            continue
        return candidate
    return iso


def _typo(name: str, rng) -> str:
    if len(name) < 3:
        return name
    i = int(rng.integers(1, len(name) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return name[:i] + name[i + 1:]
    if kind == 1:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + "aeiouy"[int(rng.integers(0, 6))] + name[i + 1:]


def _table(columns: dict[str, np.ndarray], ids: np.ndarray):
    import pyarrow as pa

    from diversion.records.matching import COMPARED

    return pa.table({"unique_id": pa.array(ids, pa.int64()),
                     **{name: pa.array(columns[name][ids], pa.string()) for name in COMPARED}})


def _score(found: dict[int, int], truth: np.ndarray) -> tuple[float, float]:
    correct = sum(1 for row, person in found.items() if truth[row] == person)
    precision = correct / len(found) if found else 1.0
    recall = correct / int((truth >= 0).sum())
    return precision, recall


class Clock:
    def __init__(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), _cpu()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), _cpu()
        print(f"  {name:<44} {now - self.last:8.1f} s  {cpu - self.last_cpu:7.1f} CPU s  "
              f"max RSS {_rss_mb():7,.0f} MB", flush=True)
        self.last, self.last_cpu = now, cpu


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def deterministic_only(pop: Population) -> dict[int, int]:
    """The baseline: exact keys, then exact given + family name + date of birth (unique)."""
    from diversion.records.matching import deterministic, unique_index

    people, rec = pop.people, pop.records
    by_pnc = unique_index(enumerate(people["pnc_id"]))
    by_ref = unique_index(enumerate(people["force_reference"]))
    links, rest = deterministic(zip(range(len(pop.truth)), rec["pnc_id"],
                                    rec["force_person_ref"], strict=True), by_pnc, by_ref)
    keys = (f"{g}|{f}|{d}" for g, f, d in zip(people["given_name"], people["family_name"],
                                               people["date_of_birth"], strict=True))
    by_name = unique_index(enumerate(keys))
    found = {row: person for row, person, _method in links}
    for row in rest:
        if rec["date_of_birth"][row]:
            person = by_name.get(f"{rec['given_name'][row]}|{rec['family_name'][row]}|"
                                 f"{rec['date_of_birth'][row]}")
            if person is not None:
                found[row] = person
    return found


def splink_linkage(pop: Population, clock: Clock, backend: str, spark=None
                   ) -> tuple[dict[int, int], int, dict[int, int], list]:
    """What link_force does, stage by stage. Returns the automatic links and the review count."""
    from diversion.records import matching

    people, rec = pop.people, pop.records
    by_pnc = matching.unique_index(enumerate(people["pnc_id"]))
    by_ref = matching.unique_index(enumerate(people["force_reference"]))
    links, rest = matching.deterministic(zip(range(len(pop.truth)), rec["pnc_id"],
                                             rec["force_person_ref"], strict=True),
                                         by_pnc, by_ref)
    found = {row: person for row, person, _method in links}
    clock.lap(f"exact keys ({len(links):,} linked)")
    scoring = np.array([r for r in rest if matching.is_comparable(
        rec["given_name"][r], rec["family_name"][r], rec["date_of_birth"][r])], dtype=np.int64)
    every_row = np.arange(len(pop.truth), dtype=np.int64)
    records = _table(rec, every_row)
    people_table = _table(people, np.arange(len(people["given_name"]), dtype=np.int64))
    clock.lap("tables for Splink")
    model, skipped = matching.train(records, people_table, backend=backend, spark=spark)
    for note in skipped:
        print(f"  note: {note}")
    clock.lap("train (prior, u sampling, EM x2)")
    pairs = matching.predict(model, _table(rec, scoring), people_table, backend=backend,
                             spark=spark)
    clock.lap(f"predict ({len(scoring):,} rows scored)")
    review = 0
    for pair in pairs:
        if pair.probability >= matching.UPPER_THRESHOLD:
            found[pair.record_id] = pair.person_id
        else:
            review += 1
    clock.lap("best pair per row, thresholds")
    exact = {row: person for row, person, _method in links}
    return found, review, exact, pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    from diversion.records.matching import UPPER_THRESHOLD

    spark = None
    if args.backend == "spark":
        spark = _spark_session()
    started_cpu = _cpu()
    clock = Clock()
    print(f"{args.rows:,} extract rows, {args.people:,} people, backend {args.backend}, "
          f"{os.cpu_count()} cores, load average at start {_load()}")
    pop = Population(args.people, args.rows)
    clock.lap("generate (not counted)")
    generated_rss = _rss_mb()
    generate_cpu = _cpu()

    print("deterministic-only baseline:")
    base_start = time.perf_counter()
    base = deterministic_only(pop)
    base_seconds = time.perf_counter() - base_start
    clock.last = time.perf_counter()
    base_p, base_r = _score(base, pop.truth)
    print(f"  {'exact keys + exact name and date':<44} {base_seconds:8.1f} s")

    print(f"app linkage (records.matching, {args.backend}):")
    link_start, link_cpu = time.perf_counter(), _cpu()
    found, review, exact, pairs = splink_linkage(pop, clock, args.backend, spark)
    seconds = time.perf_counter() - link_start
    cpu = _cpu() - link_cpu
    precision, recall = _score(found, pop.truth)
    print(f"{'':2}{'':44} {'seconds':>8} {'precision':>10} {'recall':>8} {'links':>10}")
    print(f"  {'deterministic only':<44} {base_seconds:8.1f} {base_p:10.4f} {base_r:8.4f} "
          f"{len(base):10,}")
    print(f"  {'app linkage (' + args.backend + ')':<44} {seconds:8.1f} {precision:10.4f} "
          f"{recall:8.4f} {len(found):10,}")
    print(f"  sent to review (between the thresholds): {review:,}")
    print("if the upper threshold were (the same pairs, for tuning):")
    for upper in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
        linked = dict(exact)
        linked.update((pair.record_id, pair.person_id) for pair in pairs
                      if pair.probability >= upper)
        p, r = _score(linked, pop.truth)
        print(f"  {upper:4.2f}: precision {p:.4f} recall {r:.4f}")
    # Whether a probability means what it says: of the rows whose best pair falls in a band,
    # the share whose pair is right (strangers included), beside the band's mean probability.
    print("each row's best pair by probability band: rows, share right, mean probability")
    bands = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)
    for low, high in zip(bands, bands[1:], strict=False):
        band = [pair for pair in pairs if low <= pair.probability < high]
        if band:
            right = sum(1 for pair in band if pop.truth[pair.record_id] == pair.person_id)
            mean = sum(pair.probability for pair in band) / len(band)
            print(f"  {low:4.2f}-{min(high, 1):4.2f}: {len(band):9,}  {right / len(band):.4f}  "
                  f"{mean:.4f}")
    print("recall by the error a row carries (rows may carry several):")
    held = pop.truth >= 0
    for kind, mask in sorted(pop.kinds.items()):
        rows = np.flatnonzero(mask & held)
        hits = sum(1 for row in rows if found.get(int(row)) == pop.truth[row])
        base_hits = sum(1 for row in rows if base.get(int(row)) == pop.truth[row])
        print(f"  {kind:<44} {len(rows):9,} rows  app {hits / len(rows):.3f}  "
              f"deterministic {base_hits / len(rows):.3f}")
    print(f"peak memory (max RSS): {_rss_mb():,.0f} MB (after generating the data: "
          f"{generated_rss:,.0f} MB)" + ("; Spark's JVM not included" if spark else ""))
    print(f"CPU seconds in linkage: {cpu:.1f} (generation {generate_cpu - started_cpu:.1f})"
          + (", this Python process only, not Spark's JVM" if spark else "")
          + f"; load average now {_load()}")
    cores = os.cpu_count() or 1
    print(f"goal < 30 s: wall {seconds:.1f} s ({'met' if seconds < 30 else 'not met'}); "
          f"CPU {cpu:.1f} s over {cores} cores = {cpu / cores:.1f} s if the cores were free "
          f"(an estimate: the load average above is other work on this machine)")
    print(f"goal < 4 GB: peak {_rss_mb():,.0f} MB ({'met' if _rss_mb() < 4096 else 'not met'})")
    print(f"goal precision and recall >= 0.98 at the app's upper threshold "
          f"{UPPER_THRESHOLD:.2f}: {precision:.4f} / {recall:.4f} "
          f"({'met' if min(precision, recall) >= 0.98 else 'not met'})")
    print(f"headline: app linkage {seconds:.1f} s = {seconds / base_seconds:.1f}x the "
          f"deterministic-only linker's time, for {recall / base_r:.2f}x its recall "
          f"({recall:.3f} vs {base_r:.3f}) at precision {precision:.4f} vs {base_p:.4f}")
    if spark is not None:
        spark.stop()
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _spark_session():
    import tempfile

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (SparkSession.builder.master("local[2]").appName("diversion-linkage-bench")
            .config("spark.driver.memory", "3g")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.jars", similarity_jar_location())
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    # Splink breaks long query plans with checkpoints, which need a directory.
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="splink-spark-"))
    return spark


if __name__ == "__main__":
    raise SystemExit(main())
