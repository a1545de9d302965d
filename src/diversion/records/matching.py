"""The linkage core, with no Django: exact keys, then the Splink model (training and scoring).

`records.linkage` feeds it the force's rows and saves what it returns; `bench/linkage.py` feeds
it a million generated rows. Both use these settings, rules and thresholds, so a change made to
pass the benchmark is the app's change too.

Tables are pyarrow tables (or dicts of equal-length lists) with `unique_id` and the COMPARED
columns, already cleaned with `clean()` (lower case, ISO dates, None for missing).
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

UPPER_THRESHOLD = 0.95
LOWER_THRESHOLD = 0.50
COMPARED = ("given_name", "family_name", "date_of_birth", "sex", "postcode_district")
# EM sees at most this many blocked pairs per training step: the estimates settle well before
# (a million-by-a-million force would otherwise give EM hundreds of millions of pairs).
EM_MAX_PAIRS = 500_000
U_MAX_PAIRS = 500_000
# Iterations for an EM step retried after it failed (Splink's default is 25).
EM_RETRY_ITERATIONS = 5
# Training sees at most this many crime records (an even sample): m, u and the prior per pair
# come out the same, in a fraction of the time and memory.
TRAINING_ROWS = 250_000
# DuckDB's own cap, below the worker's budget; it spills to disk beyond it.
DUCKDB_MEMORY_LIMIT = "2GB"

# Bounds for every estimated probability: log2 of 0 or of 1/(1-1) is undefined.
_FLOOR, _CEILING = 1e-9, 1 - 1e-9
# An m EM estimated below this had no true pair to see (bounded() makes the level neutral).
_UNSEEN = 1e-6


def clean(value: Any) -> str | None:
    if value in ("", None):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value).strip().lower()


def unique_index(pairs: Iterable[tuple[int, str]]) -> dict[str, int]:
    """value -> id from (id, value) pairs, leaving out values two ids share (no guessing)."""
    index: dict[str, int] = {}
    shared: set[str] = set()
    for key, value in pairs:
        if not value or value in shared:
            continue
        if value in index and index[value] != key:
            del index[value]
            shared.add(value)
        else:
            index[value] = key
    return index


def deterministic(rows: Iterable[tuple[int, str, str]], by_pnc: dict[str, int],
                  by_ref: dict[str, int]) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Exact links from (record id, PNC ID, force person reference) rows.

    Returns ((record id, person id, "pnc" | "force_reference"), ...) and the ids left over.
    """
    links: list[tuple[int, int, str]] = []
    rest: list[int] = []
    for record_id, pnc_id, ref in rows:
        person_id = by_pnc.get(pnc_id) if pnc_id else None
        method = "pnc"
        if person_id is None and ref:
            person_id, method = by_ref.get(ref), "force_reference"
        if person_id is None:
            rest.append(record_id)
        else:
            links.append((record_id, person_id, method))
    return links, rest


def _reversed_jaro_winkler_level(column: str, other: str, threshold: float):
    """A level for a name found, mistyped, in the other name's column: swapped names with a
    typo in one of them, which the exact reversed level misses. Built per SQL dialect, as
    Splink's own Jaro-Winkler level is (DuckDB and Spark name the function differently)."""
    from splink.internals.comparison_level_creator import ComparisonLevelCreator

    class ReversedJaroWinklerLevel(ComparisonLevelCreator):
        def create_sql(self, sql_dialect) -> str:
            function = sql_dialect.jaro_winkler_function_name
            return f"{function}({column}_l, {other}_r) >= {threshold}"

        def create_label_for_charts(self) -> str:
            return f"{column} is close to the other record's {other} (Jaro-Winkler >= {threshold})"

    return ReversedJaroWinklerLevel()


def _name_comparison(column: str, other: str):
    """Splink's name comparison plus levels for the name given in the other name's column
    (given and family names swapped, common in police extracts), exactly or with a typo.
    (A nickname level would need a maintained list of nicknames; there is none here.)"""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            # Term frequencies on the close levels too, half-weighted (Splink's advice): a typo
            # in a rare name says more than one in a common name.
            *(cll.JaroWinklerLevel(column, threshold).configure(
                tf_adjustment_column=column, tf_adjustment_weight=0.5)
              for threshold in (0.92, 0.88)),
            cll.ColumnsReversedLevel(column, other).configure(
                label_for_charts=f"{column} is the other record's {other}"),
            _reversed_jaro_winkler_level(column, other, 0.88),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ])


# Day and month transposed (a date read in the other order), the year the same. Plain SQL
# that DuckDB and Spark both run; dates are ISO strings (clean()).
_DOB_TRANSPOSED = ("substr({l}, 1, 4) = substr({r}, 1, 4) AND substr({l}, 6, 2) = substr({r}, 9, 2)"
                   " AND substr({l}, 9, 2) = substr({r}, 6, 2)")


def _dob_comparison():
    """Splink's date of birth comparison with two levels for the errors dates of birth carry
    besides typos: day and month transposed, and a day out. Without them a transposed date
    fell to "within a year", whose u (1 in 33 random pairs) made it count against a match,
    and a day out shared the one-character-typo level with much weaker dates."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    dob = ColumnExpression("date_of_birth")
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel(dob.try_parse_date()),
            cll.ExactMatchLevel("date_of_birth").configure(
                label_for_charts="Exact match on date of birth"),
            cll.CustomLevel(_DOB_TRANSPOSED.format(l="date_of_birth_l", r="date_of_birth_r"),
                            label_for_charts="Day and month transposed"),
            cll.AbsoluteDateDifferenceLevel("date_of_birth", input_is_string=True,
                                            threshold=1, metric="day").configure(
                label_for_charts="A day apart"),
            cll.LevenshteinLevel("date_of_birth", 1).configure(
                label_for_charts="One character different"),
            *(cll.AbsoluteDateDifferenceLevel("date_of_birth", input_is_string=True,
                                              threshold=threshold, metric=metric).configure(
                label_for_charts=f"Abs date difference <= {threshold} {metric}")
              for threshold, metric in ((1, "month"), (1, "year"), (10, "year"))),
            cll.ElseLevel(),
        ])


def blocking_rules() -> list:
    """Pairs scored at prediction. Each rule joins on two or three exact keys, so no block is
    huge with a million on each side (one common key alone, a family name or a date of birth,
    gives tens of millions of pairs; both names, 25 million). Together they cover one error
    anywhere: a typo or nickname (the other name and the date), a wrong date in the right year
    or a missing one (both names, and the year or the postcode district), swapped names, and a
    changed family name (date and postcode district); and two errors where one is in the date
    of birth and the other in a name: one name with the date transposed, or with the postcode
    district and the year (or the month, for the more common given names)."""
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    transposed = _DOB_TRANSPOSED.format(l="l.date_of_birth", r="r.date_of_birth")
    return [
        block_on("family_name", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("given_name", "family_name", "substr(date_of_birth, 1, 4)"),
        block_on("given_name", "family_name", "postcode_district"),
        CustomRule("l.given_name = r.family_name and l.family_name = r.given_name"),
        block_on("date_of_birth", "postcode_district"),
        CustomRule(f"l.family_name = r.family_name AND {transposed}"),
        CustomRule(f"l.given_name = r.given_name AND {transposed}"),
        block_on("family_name", "postcode_district", "substr(date_of_birth, 1, 4)"),
        block_on("given_name", "postcode_district", "substr(date_of_birth, 1, 7)"),
    ]


def settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _name_comparison("given_name", "family_name"),
            _name_comparison("family_name", "given_name"),
            _dob_comparison(),
            cl.ExactMatch("sex"),
            cl.ExactMatch("postcode_district"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=True,
    )


def db_api(backend: str = "duckdb", spark: Any = None):
    """Splink's database: DuckDB in process (threads and memory capped), or a Spark session."""
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(spark_session=spark)
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    connection.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=connection)


def bounded(model: dict, records: int, people: int) -> dict:
    """The saved model with every probability strictly inside (0, 1).

    A prior of 0 (no pair in the data looked like a match) falls back to one true pair in all
    the record-person pairs; m or u of exactly 0 or 1 (a level never or always seen) is pulled
    just inside the bounds, so that level's weight is large but finite.

    A close level (any but "All other comparisons") whose m EM drove to nearly 0 is made
    neutral (m = u): on a small force a level seen only in non-matches, such as day and month
    transposed when no true pair had them, is "not seen yet", not "never happens", and as
    m = 1e-9 it vetoed the pair (it was neither linked nor queued for review).
    """
    prior = model.get("probability_two_random_records_match") or 0.0
    if not _FLOOR <= prior <= _CEILING:
        prior = 1.0 / max(records * people, 1) if prior <= 0 else _CEILING
    model["probability_two_random_records_match"] = prior
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            m, u = level.get("m_probability"), level.get("u_probability")
            if (m is not None and u is not None and float(m) < _UNSEEN
                    and level.get("sql_condition", "").strip().upper() != "ELSE"):
                level["m_probability"] = u
            for key in ("m_probability", "u_probability"):
                if key in level and level[key] is not None:
                    level[key] = min(max(float(level[key]), _FLOOR), _CEILING)
    return model


def _register(api, records, people, backend: str, spark: Any = None) -> list:
    # Fresh table names per call: a Spark session keeps its views between train and predict.
    suffix = uuid.uuid4().hex[:8]
    if backend == "spark":
        import pyarrow as pa

        records, people = (spark.createDataFrame(table if not isinstance(table, dict)
                                                 else pa.table(table))
                           for table in (records, people))
    return [api.register(records, dataset_display_name="records",
                         table_name=f"records_{suffix}"),
            api.register(people, dataset_display_name="people", table_name=f"people_{suffix}")]


def train(records, people, *, backend: str = "duckdb", spark: Any = None
          ) -> tuple[dict, list[str]]:
    """Estimate the model on records against people: the prior from a deterministic rule,
    u by random sampling, m by EM (sampled to EM_MAX_PAIRS). Returns the bounded model and
    the steps that were skipped (no pairs in this data), to report on the run."""
    from splink import Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    records = sample(records, TRAINING_ROWS)
    api = db_api(backend, spark)
    tables = _register(api, records, people, backend, spark)
    linker = Linker(tables, settings(), log_level=logging.ERROR)
    skipped = []
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("family_name", "date_of_birth")], recall=0.9)
    except Exception as exc:  # no deterministic pair at all: the bounded fallback prior stands
        skipped.append(f"prior not estimated: {str(exc).splitlines()[0][:200]}")
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=2026)
    # EM steps whose keys between them leave every comparison estimated once; the third
    # estimates the date of birth again only if the second failed.
    steps = ((block_on("date_of_birth"), None),
             (block_on("given_name", "family_name"), None),
             (block_on("family_name", "postcode_district"), "date_of_birth"))
    for blocking, only_if_untrained in steps:
        if only_if_untrained and _trained(linker.misc.save_model_to_json(), only_if_untrained):
            continue
        before = linker.misc.save_model_to_json()
        problem = _em_step(linker, blocking)
        if problem:
            # A failed step can leave the linker's settings without the comparisons it was
            # blocked on: start again from before it. On a small force the usual failure is
            # an m underflowing (a level seen only in non-matches shrinks each iteration), so
            # try once more with fewer iterations, which stops before it does.
            linker = Linker(tables, {**before, "max_iterations": EM_RETRY_ITERATIONS},
                            log_level=logging.ERROR)
            if _em_step(linker, blocking):
                linker = Linker(tables, before, log_level=logging.ERROR)
                rule = blocking.get_blocking_rule("duckdb").blocking_rule_sql
                skipped.append(f"EM blocked on {rule} skipped: {problem}")
            else:  # the next steps run with the usual iterations again
                linker = Linker(tables, {**linker.misc.save_model_to_json(),
                                         "max_iterations": before.get("max_iterations", 25)},
                                log_level=logging.ERROR)
    return bounded(linker.misc.save_model_to_json(), _rows(records), _rows(people)), skipped


def _em_step(linker, blocking) -> str | None:
    """One EM step; the reason it failed, if it did."""
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            blocking, max_pairs=EM_MAX_PAIRS)
    except Exception as exc:  # e.g. no pairs share the blocking key in this data
        return str(exc).splitlines()[0][:200]
    return None


def _trained(model: dict, column: str) -> bool:
    """Whether EM has given the comparison on `column` an m for some level."""
    return any(level.get("m_probability") is not None
               for comparison in model.get("comparisons", [])
               if comparison.get("output_column_name") == column
               for level in comparison.get("comparison_levels", []))


@dataclass
class Pair:
    """A record's best-scoring person above the lower threshold."""

    record_id: int
    person_id: int
    probability: float
    weight: float
    gammas: dict[str, int] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)


def predict(model: dict, records, people, *, lower: float = LOWER_THRESHOLD,
            backend: str = "duckdb", spark: Any = None) -> list[Pair]:
    """Each record's best pair at or above `lower` (ties: the higher person id loses)."""
    from splink import Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    api = db_api(backend, spark)
    linker = Linker(_register(api, records, people, backend, spark), copy.deepcopy(model),
                    log_level=logging.ERROR)
    scored = linker.inference.predict(threshold_match_probability=lower)
    # Keep each record's best pair in the database: only one row per record comes back.
    record_id = ("CASE WHEN source_dataset_l = 'records' THEN unique_id_l ELSE unique_id_r END")
    person_id = ("CASE WHEN source_dataset_l = 'records' THEN unique_id_r ELSE unique_id_l END")
    detail = ", ".join(f"gamma_{name}, mw_{name}" for name in COMPARED)
    # Names from Splink and COMPARED, no values.
    sql = (f"SELECT record_id, person_id, match_probability, match_weight, {detail} FROM ("  # noqa: S608
           f"SELECT {record_id} AS record_id, {person_id} AS person_id, match_probability, "
           f"match_weight, {detail}, row_number() OVER (PARTITION BY {record_id} "
           f"ORDER BY match_probability DESC, {person_id}) AS rank "
           f"FROM {scored.physical_name}) best WHERE rank = 1")
    if backend == "spark":
        rows = [row.asDict() for row in spark.sql(sql).collect()]
    else:
        table = api._con.sql(sql).arrow()  # noqa: SLF001 (Splink's own DuckDB connection)
        rows = table.to_pylist() if hasattr(table, "to_pylist") else table.read_all().to_pylist()
    return [Pair(record_id=int(row["record_id"]), person_id=int(row["person_id"]),
                 probability=float(row["match_probability"]),
                 weight=float(row["match_weight"]),
                 gammas={name: int(row[f"gamma_{name}"]) for name in COMPARED},
                 weights={name: float(row[f"mw_{name}"] or 0.0) for name in COMPARED})
            for row in rows]


def sample(table, rows: int):
    """Every k-th row of a table (pyarrow or dict of lists), at most about `rows` of them."""
    step = -(-_rows(table) // rows)
    if step <= 1:
        return table
    if isinstance(table, dict):
        return {name: values[::step] for name, values in table.items()}
    return table.take(list(range(0, table.num_rows, step)))


def _rows(table) -> int:
    if isinstance(table, dict):
        return len(table["unique_id"])
    return int(table.num_rows)


def level_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison column -> gamma value -> the level's label, from the saved model."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        name = comparison.get("output_column_name", "")
        levels = comparison.get("comparison_levels", [])
        non_null = [level for level in levels if not level.get("is_null_level")]
        mapping = {-1: "One or both missing"}
        for position, level in enumerate(non_null):
            mapping[len(non_null) - 1 - position] = level.get("label_for_charts", "")
        labels[name] = mapping
    return labels


def is_comparable(given: str | None, family: str | None, dob: str | None) -> bool:
    """Whether Splink can score a row: a family name and one of given name or date of birth
    (a row with no date of birth still links on both names, postcode district and sex)."""
    return bool(family and (dob or given))


__all__ = ["COMPARED", "LOWER_THRESHOLD", "UPPER_THRESHOLD", "Pair", "bounded",
           "clean", "is_comparable", "deterministic", "level_labels", "predict", "settings",
           "train", "unique_index"]
